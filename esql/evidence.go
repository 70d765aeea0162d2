package esql

import (
	"cmp"
	"slices"

	"github.com/trailql/trailql/esql/parser"
)

// Evidence is what Options.Evidence asks for: every output row carries, in
// one extra last column named EvidenceColumn, the ids of the source rows
// behind it. This goes beyond Elasticsearch (an ES|QL alert of an
// aggregating rule carries no trace of its events: elasticsearch#118323);
// the query's own columns and rows are unchanged.
type Evidence struct {
	// ID is the source field that identifies a source row (event.id).
	ID string
	// Time is the source field that orders them, oldest first
	// (@timestamp).
	Time string
}

// EvidenceColumn is the column Options.Evidence adds, always last: a
// keyword multi-value of the distinct source ids behind the row, oldest
// first. A non-aggregating row carries its own id.
const EvidenceColumn = "trailql.evidence.event_ids"

// evidenceTime is the hidden column that carries each source row's time to
// the first STATS. Its name cannot be written in a query (no ES|QL
// identifier starts with '$'), so it collides with nothing.
const evidenceTime = "$evidence_time"

// evidenceAgg is the internal aggregate that gathers the ids of a group
// (evidenceState); like evidenceTime, a query cannot name it.
const evidenceAgg = "$evidence"

// withEvidence rewrites the syntax tree of a FROM query so that the source
// rows' ids travel to every output row:
//
//   - an EVAL copies ID (and Time) into EvidenceColumn (and evidenceTime)
//     just before the first command that could drop or overwrite them, so
//     that the leading WHEREs filter first;
//   - every later KEEP keeps them;
//   - every STATS gathers them with the internal aggregate $evidence (the
//     first by time, later ones, which have no time, by id);
//   - a last EVAL moves EvidenceColumn to the end (docs/esql-semantics.md §A7:
//     reassigning a name appends the column), so the query's own columns keep
//     their positions.
//
// It reports false when the query reads no ID field or is not a FROM query:
// there is nothing to trace. Nodes of q are not modified; the commands that
// change are copied.
func withEvidence(q *parser.Query, ev Evidence, cat Catalog) (*parser.Query, bool) {
	if _, ok := q.Source.(*parser.FromCommand); !ok {
		return nil, false
	}
	if _, ok := cat[ev.ID]; !ok {
		return nil, false
	}
	// Time matters only to a STATS that gathers rows.
	_, hasTime := cat[ev.Time]
	hasTime = hasTime && slices.ContainsFunc(q.Commands, func(c parser.Command) bool {
		s, ok := c.(*parser.StatsCommand)
		return ok && !s.Inline
	})
	at := 0
	for at < len(q.Commands) && keepsEvidenceSource(q.Commands[at], ev) {
		at++
	}
	span := q.Source.(*parser.FromCommand).Span
	if at < len(q.Commands) {
		span = spanOf(q.Commands[at])
	}
	ident := func(name string) *parser.Ident { return &parser.Ident{Span: span, Name: name} }
	seed := &parser.EvalCommand{Span: span, Fields: []*parser.Field{
		{Span: span, Name: EvidenceColumn, Named: true, Expr: ident(ev.ID)},
	}}
	if hasTime {
		seed.Fields = append(seed.Fields, &parser.Field{Span: span, Name: evidenceTime, Named: true, Expr: ident(ev.Time)})
	}
	cmds := make([]parser.Command, 0, len(q.Commands)+2)
	cmds = append(cmds, q.Commands[:at]...)
	cmds = append(cmds, seed)
	timed := hasTime // evidenceTime is still a column
	for _, cmd := range q.Commands[at:] {
		switch c := cmd.(type) {
		case *parser.KeepCommand:
			k := *c
			k.Patterns = append(slices.Clip(c.Patterns), &parser.NamePattern{Span: c.Span, Pattern: EvidenceColumn})
			if timed {
				k.Patterns = append(k.Patterns, &parser.NamePattern{Span: c.Span, Pattern: evidenceTime})
			}
			cmd = &k
		case *parser.StatsCommand:
			if c.Inline {
				break
			}
			args := []parser.Expr{ident(EvidenceColumn)}
			if timed {
				args = append(args, ident(evidenceTime))
			} else {
				args = append(args, &parser.Literal{Span: c.Span, Kind: parser.NullLit})
			}
			s := *c
			s.Aggs = append(slices.Clip(c.Aggs), &parser.AggField{Field: &parser.Field{Span: c.Span, Name: EvidenceColumn, Named: true,
				Expr: &parser.Call{Span: c.Span, Name: evidenceAgg, Args: args}}})
			cmd = &s
			timed = false
		}
		cmds = append(cmds, cmd)
	}
	end := span
	if n := len(cmds); n > 0 {
		end = spanOf(cmds[n-1])
	}
	cmds = append(cmds, &parser.EvalCommand{Span: end, Fields: []*parser.Field{
		{Span: end, Name: EvidenceColumn, Named: true, Expr: &parser.Ident{Span: end, Name: EvidenceColumn}},
	}})
	out := *q
	out.Commands = cmds
	return &out, true
}

// keepsEvidenceSource reports whether cmd leaves the ID and Time columns as
// they are, so that the EVAL copying them may come after it: WHERE, SORT,
// LIMIT and an EVAL that assigns neither.
func keepsEvidenceSource(cmd parser.Command, ev Evidence) bool {
	switch c := cmd.(type) {
	case *parser.WhereCommand, *parser.SortCommand, *parser.LimitCommand:
		return true
	case *parser.EvalCommand:
		for _, f := range c.Fields {
			if f.Name == ev.ID || f.Name == ev.Time || f.Name == EvidenceColumn {
				return false
			}
		}
		return true
	}
	return false
}

// spanOf is a command's span (every command embeds one).
func spanOf(cmd parser.Command) parser.Span {
	p := cmd.Pos()
	return parser.Span{Start: p, End: p}
}

// checkEvidence types $evidence(id, time): a keyword multi-value.
func checkEvidence(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	// The STATS operator passes one argument value per row, so id and
	// time travel packed in a two-element multi-value (as FIRST does).
	id, at := args[0].fn, args[1].fn
	args[0].fn = func(e *env, row []Value) Value {
		v := id(e, row)
		if v.t == Null {
			return Value{}
		}
		pair := []Value{v, at(e, row)}
		return Value{t: Keyword, mv: &pair}
	}
	return Keyword, func() aggState { return &evidenceState{} }, true
}

// evidenceState gathers the distinct ids of a group with the oldest time
// each was seen at. Like valueSet, it indexes its items only past smallSet
// of them: most groups are small.
type evidenceState struct {
	at    map[string]int // id -> index in items; nil while items are few
	items []evidenceItem
}

// find returns the index of id in items, or -1.
func (s *evidenceState) find(id string) int {
	if s.at == nil {
		for i := range s.items {
			if s.items[i].id == id {
				return i
			}
		}
		return -1
	}
	if i, ok := s.at[id]; ok {
		return i
	}
	return -1
}

// evidenceItem is one id and its time. Ties in time are broken by the id,
// not by the order met, so that any order of the same rows (a hunt, a
// daemon, a restart) gives the same list.
type evidenceItem struct {
	id string
	ms int64 // the row's time; maxInt64 when it has none
}

func (s *evidenceState) add(p Value) {
	if p.mv == nil {
		return
	}
	ids, t := (*p.mv)[0], (*p.mv)[1]
	ms := int64(1<<63 - 1)
	if isDate(t.t) && t.mv == nil {
		ms = int64(t.n)
	}
	for _, v := range ids.values() {
		if v.t == Null {
			continue
		}
		id := v.s
		if !isString(v.t) {
			id = v.String()
		}
		if i := s.find(id); i >= 0 {
			s.items[i].ms = min(s.items[i].ms, ms)
			continue
		}
		if s.at != nil {
			s.at[id] = len(s.items)
		}
		s.items = append(s.items, evidenceItem{id: id, ms: ms})
		if s.at == nil && len(s.items) > smallSet {
			s.at = make(map[string]int, 2*len(s.items))
			for i, it := range s.items {
				s.at[it.id] = i
			}
		}
	}
}

func (s *evidenceState) result() Value {
	if len(s.items) == 0 {
		return Value{}
	}
	items := slices.Clone(s.items)
	slices.SortFunc(items, func(a, b evidenceItem) int {
		return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.id, b.id))
	})
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = KeywordValue(it.id)
	}
	if len(out) == 1 {
		return out[0]
	}
	return multiOf(out)
}
