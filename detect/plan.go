package detect

import (
	"fmt"
	"slices"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// shape is how a rule is evaluated over time, decided once when the rule is
// compiled (planRule) and used by every driver.
type shape int

const (
	// bucketed: the last STATS groups by DATE_TRUNC(span, @timestamp) (the
	// seed rule), so no group spans two buckets and the rule is evaluated
	// once per event-time bucket, whatever the schedule.
	bucketed shape = iota + 1
	// replayed: every other rule runs on its schedule, at the epoch-aligned
	// multiples of its interval, each run over [T - lookback, T] with
	// NOW() = T (schedule.go).
	replayed
)

func (s shape) String() string {
	if s == bucketed {
		return "bucketed"
	}
	return "replayed"
}

// plan is a compiled rule cut for incremental evaluation: a streaming
// prefix that every event goes through once, as it is read, and a suffix
// evaluated over one window's rows (a bucket, or a run's lookback).
type plan struct {
	shape shape
	// prefix streams each event's inputs; its rows are what windows hold.
	// nil: the rule's own inputs are held as they are (a replayed rule
	// that cannot be cut runs its whole query per run).
	prefix *esql.Program
	// suffix evaluates one window; nil for a replayed rule whose whole
	// query streams (its output rows are final and are what windows hold).
	suffix *esql.Program
	// hold picks the columns of a prefix row that a window holds (nil: all).
	hold []int
	// suffixIdx maps each suffix input to its column in a held row (nil:
	// held rows are the suffix's inputs as they are).
	suffixIdx []int
	// rowTypes are the ES|QL types of a held row's cells (to spill and
	// restore rows).
	rowTypes []esql.DataType

	// Bucketed: the column of a prefix row holding its bucket, either the
	// window itself (truncated) or the @timestamp to floor by span.
	bucketCol int
	truncated bool
	// span is the bucket width (bucketed) or the interval (replayed), ms.
	span int64
	// lookback of a replayed rule's runs, ms.
	lookback int64
	// timeCol: the prefix column holding @timestamp (replayed, cut), or -1
	// when the event's own time is used.
	timeCol int
	// witnessed: a replayed rule's rows are tested, as they are held, for
	// the conjuncts of its suffix's sieve (esql.Program.WitnessTest), so
	// that runs skip what no conjunct needs (evaluator.witnessed).
	witnessed bool
}

// planRule decides a compiled rule's shape and cuts it with esql's
// planning (esql.Program.Split): no query text is edited.
func planRule(c *Compiled) *plan {
	if !isReplayed(c.Program.Query()) {
		if p, err := planBuckets(c); err == nil {
			return p
		}
	}
	p := planReplay(c)
	// A run with no witness is skipped outright, which is its output only
	// when the suffix outputs nothing for no input.
	p.witnessed = p.sieves() && p.suffix.EmptyIn() && p.suffix.WitnessTest() != nil
	return p
}

// planBuckets cuts a rule bucketed by event time at its last STATS, or says
// why it cannot be evaluated bucket by bucket: the commands before the
// STATS must work row by row (the prefix runs on each event as it comes),
// and those after it too (a SORT or LIMIT there would see one bucket's rows
// instead of all).
func planBuckets(c *Compiled) (*plan, error) {
	prog := c.Program
	q := prog.Query()
	idx := prog.LastStats()
	if idx < 0 {
		return nil, fmt.Errorf("no STATS")
	}
	for i, cmd := range q.Commands {
		if i != idx && esql.CommandKind(cmd) != esql.RowLocal {
			return nil, fmt.Errorf("a command that is not row by row besides the last STATS")
		}
	}
	bucket, truncated, span, err := bucketKey(q, q.Commands[idx].(*parser.StatsCommand), idx)
	if err != nil {
		return nil, err
	}
	s, err := prog.Split(idx, esql.SplitOptions{Keep: []string{bucket}})
	if err != nil {
		return nil, err
	}
	p := &plan{shape: bucketed, prefix: s.Prefix, suffix: s.Suffix, truncated: truncated, span: span.Milliseconds(), timeCol: -1}
	cols := s.Prefix.Columns()
	p.bucketCol = slices.IndexFunc(cols, func(col esql.Column) bool { return col.Name == bucket })
	// Held rows are the suffix's inputs, picked out of the prefix rows as
	// they are held.
	p.hold = s.SuffixInputs
	for _, j := range s.SuffixInputs {
		p.rowTypes = append(p.rowTypes, cols[j].Type)
	}
	return p, nil
}

// bucketKey finds the STATS's bucket: a BY key that is DATE_TRUNC(span,
// @timestamp), inline (the prefix column is @timestamp, floored by span)
// or computed by an EVAL before (the column holds the bucket: truncated).
func bucketKey(q *parser.Query, stats *parser.StatsCommand, idx int) (col string, truncated bool, span time.Duration, err error) {
	evals := map[string]*parser.Call{}
	for _, cmd := range q.Commands[:idx] {
		if e, ok := cmd.(*parser.EvalCommand); ok {
			for _, f := range e.Fields {
				if isTimeTrunc(f.Expr) {
					evals[f.Name] = parser.Unparen(f.Expr).(*parser.Call)
				} else {
					delete(evals, f.Name)
				}
			}
		}
	}
	var call *parser.Call
	for _, g := range stats.Groups {
		if isTimeTrunc(g.Expr) {
			col, call = "@timestamp", parser.Unparen(g.Expr).(*parser.Call)
			break
		}
		if id, ok := parser.Unparen(g.Expr).(*parser.Ident); ok && evals[id.Name] != nil {
			col, call, truncated = id.Name, evals[id.Name], true
			break
		}
	}
	if call == nil {
		return "", false, 0, fmt.Errorf("no BY key is DATE_TRUNC(span, @timestamp)")
	}
	lit, ok := parser.Unparen(call.Args[0]).(*parser.Literal)
	if !ok || lit.Kind != parser.TimeSpanLit {
		return "", false, 0, fmt.Errorf("the DATE_TRUNC interval is not a literal time span")
	}
	span, ok = esql.SpanDuration(lit.Value.(parser.TimeSpan))
	if !ok || span <= 0 {
		return "", false, 0, fmt.Errorf("the DATE_TRUNC interval is a calendar period")
	}
	return col, truncated, span, nil
}

// planReplay cuts a replayed rule before its first command that is not row
// by row or that reads NOW(): every event runs through the prefix once, as
// it is read, and only the rows that survive it (with just the columns the
// rest needs, and @timestamp) are held for the runs. Memory then follows
// the events a rule selects, not the input. A rule whose whole query
// streams holds its output rows as they are; a rule that cannot be cut
// (it reassigns @timestamp before the cut) holds its inputs and runs its
// whole query per run.
func planReplay(c *Compiled) *plan {
	iv, lb := schedule(c)
	p := &plan{shape: replayed, span: iv, lookback: lb, timeCol: -1}
	prog := c.Program
	q := prog.Query()
	k := prog.FirstBlocking()
	if k < 0 {
		p.prefix, p.rowTypes = prog, columnTypes(prog)
		return p
	}
	// A WHERE that calls NOW() stays after the cut, but its conjuncts that
	// do not can filter before it: a rule that limits its lookback in its
	// first WHERE (@timestamp >= NOW() - 7 days) keeps only what its other
	// conditions select.
	var filter []parser.Expr
	if w, ok := q.Commands[k].(*parser.WhereCommand); ok {
		for _, e := range andTerms(w.Cond) {
			if !esql.NodeUsesNow(e) {
				filter = append(filter, e)
			}
		}
	}
	s, err := prog.Split(k, esql.SplitOptions{Keep: []string{"@timestamp"}, Filter: filter})
	if err != nil || reassignsTimestamp(q.Commands[:k]) || k == 0 && len(filter) == 0 {
		// The whole query per run, over the rule's inputs as read.
		p.suffix = prog
		cat := Catalog()
		for _, in := range prog.Inputs() {
			p.rowTypes = append(p.rowTypes, inputType(cat, in))
		}
		return p
	}
	p.prefix, p.suffix, p.suffixIdx = s.Prefix, s.Suffix, s.SuffixInputs
	p.rowTypes = columnTypes(s.Prefix)
	p.timeCol = slices.IndexFunc(s.Prefix.Columns(), func(col esql.Column) bool { return col.Name == "@timestamp" })
	return p
}

// reassignsTimestamp reports whether commands change what @timestamp
// holds, so that the prefix's @timestamp is not the event's time.
func reassignsTimestamp(cmds []parser.Command) bool {
	for _, cmd := range cmds {
		switch x := cmd.(type) {
		case *parser.EvalCommand:
			for _, f := range x.Fields {
				if f.Name == "@timestamp" {
					return true
				}
			}
		case *parser.RenameCommand:
			for _, r := range x.Renames {
				if r.New.Pattern == "@timestamp" || r.Old.Pattern == "@timestamp" {
					return true
				}
			}
		}
	}
	return false
}

// inputs are the fields a record must provide for this rule.
func (p *plan) inputs(c *Compiled) []string {
	if p.prefix != nil {
		return p.prefix.Inputs()
	}
	return c.Program.Inputs()
}

// bucketOf returns the start (epoch ms) of the bucket a prefix row falls in.
func (p *plan) bucketOf(row []esql.Value) (int64, bool) {
	v := row[p.bucketCol]
	if v.IsNull() || v.Count() != 1 || v.Type() != esql.Datetime {
		return 0, false
	}
	ms := v.AsInt64()
	if p.truncated {
		return ms, true
	}
	return floorTo(ms, p.span), true
}

// suffixInput is the suffix's input row of a held row: row itself, or its
// columns picked by suffixIdx into buf (len(suffixIdx), reused).
func (p *plan) suffixInput(buf, row []esql.Value) []esql.Value {
	if p.suffixIdx == nil {
		return row
	}
	for i, j := range p.suffixIdx {
		buf[i] = row[j]
	}
	return buf
}

// startSuffix starts an execution of the suffix with NOW() bound to t.
func (p *plan) startSuffix(t time.Time, opts esql.ExecOptions, emit func([]esql.Value) error) *esql.Execution {
	opts.Now = t
	return p.suffix.StartWith(emit, opts)
}

func columnTypes(p *esql.Program) []esql.DataType {
	var out []esql.DataType
	for _, c := range p.Columns() {
		out = append(out, c.Type)
	}
	return out
}

// floorTo floors ms to a multiple of span (also for times before 1970).
func floorTo(ms, span int64) int64 { return ms - ((ms%span)+span)%span }
