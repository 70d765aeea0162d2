package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// A time-bucketed rule (STATS ... BY DATE_TRUNC(span, @timestamp), ...) can
// be evaluated one bucket at a time: no group spans two buckets. The query
// is split at its last STATS into a streaming prefix (FROM ... up to STATS,
// ending with a KEEP of what the rest reads) and a suffix (STATS and what
// follows) that runs over the prefix's rows of one bucket. Both are compiled
// from the original query text, so column names that ES|QL derives from
// source text and the line:column of warnings are unchanged.

// splitPlan is a bucketed rule split for incremental evaluation.
type splitPlan struct {
	prefix *esql.Program // streaming; rows carry the suffix's inputs
	suffix *esql.Program // STATS and after, over one bucket's prefix rows
	// suffixIdx maps each suffix input to its column in a prefix row.
	suffixIdx []int
	// bucketCol is the prefix column holding the bucket: either the
	// window itself (truncated) or the @timestamp to floor by span.
	bucketCol int
	truncated bool
	span      time.Duration
}

// splitForBuckets splits a rule's query, or returns an error saying why it
// cannot be evaluated bucket by bucket.
func splitForBuckets(c *Compiled) (*splitPlan, error) {
	q := c.Program.Query()
	stats, idx := lastStats(q)
	if stats == nil {
		return nil, fmt.Errorf("no STATS")
	}
	for _, cmd := range q.Commands[:idx] {
		switch cmd.(type) {
		case *parser.SortCommand, *parser.LimitCommand, *parser.StatsCommand:
			return nil, fmt.Errorf("a blocking command before the last STATS")
		}
	}
	// The bucket: a BY key that is DATE_TRUNC(span, @timestamp), inline or
	// computed by an EVAL before.
	var bucketName string
	var call *parser.Call
	truncated := false
	evals := map[string]*parser.Call{}
	for _, cmd := range q.Commands[:idx] {
		if e, ok := cmd.(*parser.EvalCommand); ok {
			for _, f := range e.Fields {
				if isTimeTrunc(f.Expr) {
					evals[f.Name] = unparen(f.Expr).(*parser.Call)
				} else {
					delete(evals, f.Name)
				}
			}
		}
	}
	for _, g := range stats.Groups {
		if isTimeTrunc(g.Expr) {
			bucketName, call = "@timestamp", unparen(g.Expr).(*parser.Call)
			break
		}
		if id, ok := unparen(g.Expr).(*parser.Ident); ok && evals[id.Name] != nil {
			bucketName, call, truncated = id.Name, evals[id.Name], true
			break
		}
	}
	if call == nil {
		return nil, fmt.Errorf("no BY key is DATE_TRUNC(span, @timestamp)")
	}
	lit, ok := unparen(call.Args[0]).(*parser.Literal)
	if !ok || lit.Kind != parser.TimeSpanLit {
		return nil, fmt.Errorf("the DATE_TRUNC interval is not a literal time span")
	}
	span, ok := esql.SpanDuration(lit.Value.(parser.TimeSpan))
	if !ok || span <= 0 {
		return nil, fmt.Errorf("the DATE_TRUNC interval is a calendar period")
	}

	cut, err := cutQuery(c, stats.Pos().Offset, bucketName, "")
	if err != nil {
		return nil, err
	}
	prefix, suffix := cut.prefix, cut.suffix
	p := &splitPlan{prefix: prefix, suffix: suffix, span: span, truncated: truncated, bucketCol: -1}
	pos := map[string]int{}
	for i, col := range prefix.Columns() {
		pos[col.Name] = i
	}
	for _, in := range suffix.Inputs() {
		i, ok := pos[in]
		if !ok {
			return nil, fmt.Errorf("suffix input %s missing from the prefix", in)
		}
		p.suffixIdx = append(p.suffixIdx, i)
	}
	p.bucketCol = pos[bucketName]
	return p, nil
}

// cutPlan is a query cut in two at a command: a streaming prefix whose rows
// carry the suffix's inputs (and the kept column asked for), and the suffix
// compiled over those rows.
type cutPlan struct {
	prefix, suffix *esql.Program
	// suffixText and catalog recompile the suffix (with another NOW()).
	suffixText string
	catalog    esql.Catalog
}

// cutQuery cuts a rule's query at the command starting at offset. The suffix
// keeps every character's line and column: the prefix is blanked out
// (newlines kept) and a FROM written over its start, so column names derived
// from source text and warning positions are those of the whole query.
//
// filter, when not empty, is a condition the prefix adds at its end: one
// that the suffix checks again, so it only sheds rows earlier.
func cutQuery(c *Compiled, offset int, keepAlso, filter string) (*cutPlan, error) {
	text := c.Program.Query().Input
	pipe := strings.LastIndexByte(text[:offset], '|')
	if pipe < 0 {
		return nil, fmt.Errorf("cannot locate the pipe before the cut")
	}
	prefixText := text[:pipe]
	if filter != "" {
		prefixText += "\n| WHERE " + filter
	}
	blank := []byte(text)
	for i := 0; i < pipe; i++ {
		if blank[i] != '\n' {
			blank[i] = ' '
		}
	}
	const from = "FROM b"
	if nl := strings.IndexByte(text, '\n'); nl >= 0 && nl < len(from) || pipe < len(from) {
		blank = append([]byte(from+"\n"), blank...) // too short to overwrite: lines shift by one
	} else {
		copy(blank, from)
	}
	wide, err := esql.Compile(prefixText, esql.Options{Catalog: Catalog()})
	if err != nil {
		return nil, fmt.Errorf("prefix: %w", err)
	}
	cat := esql.Catalog{}
	for _, col := range wide.Columns() {
		cat[col.Name] = col.Type
	}
	if _, ok := cat[keepAlso]; !ok {
		return nil, fmt.Errorf("column %s does not reach the cut", keepAlso)
	}
	suffix, err := esql.Compile(string(blank), esql.Options{Catalog: cat, MaxGroups: c.maxGroups})
	if err != nil {
		return nil, fmt.Errorf("suffix: %w", err)
	}
	keep := append([]string{}, suffix.Inputs()...)
	if !contains(keep, keepAlso) {
		keep = append(keep, keepAlso)
	}
	quoted := make([]string, len(keep))
	for i, k := range keep {
		quoted[i] = "`" + strings.ReplaceAll(k, "`", "``") + "`"
	}
	prefix, err := esql.Compile(prefixText+"\n| KEEP "+strings.Join(quoted, ", "), esql.Options{Catalog: Catalog()})
	if err != nil {
		return nil, fmt.Errorf("prefix: %w", err)
	}
	return &cutPlan{prefix: prefix, suffix: suffix, suffixText: string(blank), catalog: cat}, nil
}

// columnIndex maps names to their position in a program's output.
func columnIndex(p *esql.Program, names []string) ([]int, error) {
	pos := map[string]int{}
	for i, col := range p.Columns() {
		pos[col.Name] = i
	}
	out := make([]int, len(names))
	for i, n := range names {
		j, ok := pos[n]
		if !ok {
			return nil, fmt.Errorf("column %s missing from the prefix", n)
		}
		out[i] = j
	}
	return out, nil
}

// bucketOf returns the start (epoch ms) of the bucket a prefix row falls in.
func (p *splitPlan) bucketOf(row []esql.Value) (int64, bool) {
	v := row[p.bucketCol]
	if v.IsNull() || v.Count() != 1 || v.Type() != esql.Datetime {
		return 0, false
	}
	ms := v.AsInt64()
	if p.truncated {
		return ms, true
	}
	span := p.span.Milliseconds()
	return ms - ((ms%span)+span)%span, true
}

// lastStats returns the last top-level STATS and its index in Commands.
func lastStats(q *parser.Query) (*parser.StatsCommand, int) {
	for i := len(q.Commands) - 1; i >= 0; i-- {
		if s, ok := q.Commands[i].(*parser.StatsCommand); ok && !s.Inline {
			return s, i
		}
	}
	return nil, -1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
