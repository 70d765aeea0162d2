package esql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// Kind says how a command consumes its input, for callers that evaluate a
// query incrementally (a streaming prefix per event, the rest per window).
type Kind int

const (
	// RowLocal commands (WHERE, EVAL, KEEP, DROP, RENAME, DISSECT, GROK,
	// MV_EXPAND) give output rows that each depend on one input row only:
	// they can run on any subset of the input, in any order. MV_EXPAND
	// makes several rows of one, still from that row alone; KEEP, DROP and
	// RENAME only change the schema. (A command that calls NOW() is still
	// row-local: Program.FirstBlocking also stops there.)
	RowLocal Kind = iota
	// Stateful commands (LIMIT) stream, but whether a row passes depends on
	// how many came before, so they cannot run on parts of the input apart.
	Stateful
	// Blocking commands need all their input before they emit: STATS,
	// INLINE STATS (which streams its rows out only once every group is
	// known), SORT, and any other command (COMPLETION, or one added to the
	// parser later), since assuming less could split a query wrongly.
	Blocking
)

// CommandKind classifies a processing command (not a source command).
func CommandKind(cmd parser.Command) Kind {
	switch cmd.(type) {
	case *parser.WhereCommand, *parser.EvalCommand, *parser.KeepCommand, *parser.DropCommand,
		*parser.RenameCommand, *parser.DissectCommand, *parser.GrokCommand, *parser.MvExpandCommand:
		return RowLocal
	case *parser.LimitCommand:
		return Stateful
	}
	return Blocking
}

// UsesNow reports whether the query reads the time it runs at, which each
// execution binds (ExecOptions.Now): it calls NOW(), or a full-text query
// (KQL, MATCH, `:`) has date math on now.
func (p *Program) UsesNow() bool { return NodeUsesNow(p.q) }

// NodeUsesNow reports whether a node of a query reads the time it runs at:
// it calls NOW(), or a full-text query in it may have date math on now
// (e.g. KQL("@timestamp >= now-1h")). It reads syntax only, so for
// full-text queries it may say yes when the field is not a date: a caller
// deciding what can run before the time is known then just runs less early.
func NodeUsesNow(n parser.Node) bool {
	found := false
	parser.Inspect(n, func(n parser.Node) bool {
		if c, ok := n.(*parser.Call); ok && c.Name == "now" || fullTextUsesNow(n) {
			found = true
		}
		return !found
	})
	return found
}

// SplitOptions tune Program.Split.
type SplitOptions struct {
	// Keep names prefix columns the caller needs besides the suffix's
	// inputs (e.g. "@timestamp", to window the rows).
	Keep []string
	// Filter are conditions the prefix applies last, each as a WHERE:
	// ones the suffix checks again anyway (e.g. the NOW-free conjuncts of
	// the suffix's first WHERE), so they only shed rows early. They are
	// nodes of this query's syntax tree, compiled in the prefix as they
	// stand at the cut. They run in the prefix's executions, with its
	// NOW(), and their run-time warnings are the prefix's (and again the
	// suffix's, where it checks them too).
	Filter []parser.Expr
}

// Split is a query cut before one of its commands.
type Split struct {
	// Prefix is the source command and the commands before the cut (and
	// Filter), without an implicit LIMIT. Its output columns are exactly
	// the suffix's inputs and Keep, in the order the whole query has them
	// at the cut; it selects them with a projection of its last operator,
	// not with a KEEP.
	Prefix *Program
	// Suffix is the commands from the cut on, reading the prefix's rows.
	// Its Columns, Aggregating and Warnings are the whole program's: its
	// rows are the query's result.
	Suffix *Program
	// SuffixInputs[i] is the Prefix output column that holds Suffix input i.
	SuffixInputs []int
}

// Split cuts the program before Commands[at] (an index into
// Query().Commands, 0 <= at < len). Both parts are compiled from the
// parsed query, not from edited text, so the column names ES|QL derives
// from source text (`COUNT(*)`, unnamed expressions) and the line:column
// of warnings are those of the whole query. Both keep the program's
// options (catalog, NOW(), MaxGroups); the suffix adds the implicit LIMIT
// when the whole query would. The suffix reads every column at the cut as
// a source field (METADATA and EVAL columns included), so that FROM's
// METADATA need not be repeated. Only a FROM query can be split. Split
// fails when a column the suffix reads or Keep names does not reach the
// cut.
func (p *Program) Split(at int, opts SplitOptions) (*Split, error) {
	q := p.q
	if at < 0 || at >= len(q.Commands) {
		return nil, fmt.Errorf("esql: split at command %d of %d", at, len(q.Commands))
	}
	from, ok := q.Source.(*parser.FromCommand)
	if !ok {
		return nil, fmt.Errorf("esql: only a FROM query can be split")
	}
	base := p.opts
	base.DefaultLimit, base.MaxLimit, base.cuts = 0, 0, false
	cmds := slices.Clip(q.Commands[:at])
	for _, f := range opts.Filter {
		cmds = append(cmds, &parser.WhereCommand{Span: f.Extent(), Cond: f})
	}
	// The wide prefix (every column at the cut) is compiled only when it
	// is needed: the columns at the cut are known from the whole query's
	// compilation (Program.cuts), and the prefix compiled is the narrow
	// one. Compiling it anyway was a quarter of the start-up's compiling.
	var wide *Program
	var wideErr error
	compileWide := func() (*Program, error) {
		if wide == nil && wideErr == nil {
			wide, wideErr = compileQuery(&parser.Query{Input: q.Input, Source: from, Commands: cmds}, base)
			if wideErr != nil {
				wideErr = fmt.Errorf("esql: prefix: %w", wideErr)
			}
		}
		return wide, wideErr
	}
	atCut, ok := p.cuts[at]
	if !ok {
		w, err := compileWide()
		if err != nil {
			return nil, err
		}
		atCut = w.cols
	}
	// The suffix reads the prefix's rows as its source, columns in order.
	sopts := p.opts
	sopts.cuts = false
	if slices.ContainsFunc(q.Commands[:at], isLimit) {
		// The whole query has a LIMIT, so no implicit one (nor its
		// warning): the suffix must not add it for lacking one.
		sopts.DefaultLimit = 0
	}
	sopts.Catalog = Catalog{}
	for _, c := range atCut {
		sopts.Catalog[c.Name] = c.Type
	}
	sopts.source = atCut
	src := &parser.FromCommand{Span: from.Span, Indices: from.Indices}
	suffix, err := compileQuery(&parser.Query{Input: q.Input, Source: src, Commands: q.Commands[at:]}, sopts)
	if err != nil {
		if _, werr := compileWide(); werr != nil {
			return nil, werr // the prefix's error comes first, as it did
		}
		return nil, fmt.Errorf("esql: suffix: %w", err)
	}
	// The suffix's rows are the whole query's result: a cut after the
	// STATS leaves it aggregated, as Kibana sees the whole query, and the
	// compile-time warnings of commands before the cut (a STATS field
	// shadowed) are still the query's.
	suffix.aggregating = p.aggregating
	suffix.warnings = slices.Clone(p.warnings)
	need := map[string]bool{}
	for _, in := range suffix.inputs {
		need[in] = true
	}
	for _, k := range opts.Keep {
		if _, ok := sopts.Catalog[k]; !ok {
			if _, werr := compileWide(); werr != nil {
				return nil, werr
			}
			return nil, fmt.Errorf("esql: column %s does not reach the cut", k)
		}
		need[k] = true
	}
	prefix, err := narrowPrefix(q, from, cmds, base, atCut, compileWide, need)
	if err != nil {
		return nil, err
	}
	s := &Split{Prefix: prefix, Suffix: suffix}
	for _, in := range suffix.inputs {
		i := slices.IndexFunc(prefix.cols, func(c Column) bool { return c.Name == in })
		if i < 0 {
			return nil, fmt.Errorf("esql: suffix input %s missing from the prefix", in)
		}
		s.SuffixInputs = append(s.SuffixInputs, i)
	}
	return s, nil
}

// narrowPrefix returns the prefix with only the columns in need as its
// output. It is compiled again with a last KEEP of those columns, so that
// its inputs are only the fields it reads for them: cut from a query
// without a KEEP before its STATS, the wide prefix passes every field of
// the catalog through, and its inputs are all of them, which made every
// record it read be mapped in full (the user-agent parse, the rendered
// request and response, ...) for a rule that reads a dozen fields. The
// KEEP names each column exactly, in the order it has at the cut (atCut);
// where that cannot be written (a name with a wildcard character) or does
// not give those columns, the wide prefix is projected instead.
func narrowPrefix(q *parser.Query, from *parser.FromCommand, cmds []parser.Command, opts Options, atCut []Column, wide func() (*Program, error), need map[string]bool) (*Program, error) {
	project := func() (*Program, error) {
		w, err := wide()
		if err != nil {
			return nil, err
		}
		return w.project(func(name string) bool { return need[name] }), nil
	}
	keep := &parser.KeepCommand{Span: from.Span}
	var names []string
	for _, c := range atCut {
		if !need[c.Name] {
			continue
		}
		if strings.ContainsRune(c.Name, '*') {
			return project()
		}
		names = append(names, c.Name)
		keep.Patterns = append(keep.Patterns, &parser.NamePattern{Span: from.Span, Pattern: c.Name})
	}
	if len(names) == 0 {
		return project()
	}
	narrow, err := compileQuery(&parser.Query{Input: q.Input, Source: from, Commands: append(slices.Clip(cmds), keep)}, opts)
	if err != nil || len(narrow.cols) != len(names) {
		return project()
	}
	for i, c := range narrow.cols {
		if c.Name != names[i] {
			return project()
		}
	}
	return narrow, nil
}

func isLimit(cmd parser.Command) bool {
	_, ok := cmd.(*parser.LimitCommand)
	return ok
}

// project returns a copy of p whose output keeps only the columns keep
// selects, in order.
func (p *Program) project(keep func(name string) bool) *Program {
	out := *p
	last := p.ops[len(p.ops)-1].(*outputSpec)
	spec := &outputSpec{}
	out.cols = nil
	for i, c := range p.cols {
		if keep(c.Name) {
			out.cols = append(out.cols, c)
			spec.slots = append(spec.slots, last.slots[i])
		}
	}
	out.ops = append(slices.Clip(p.ops[:len(p.ops)-1]), spec)
	return &out
}

// FirstBlocking is the index in Query().Commands of the first command that
// is not row-local or that calls NOW(), or -1: the end of the streaming
// prefix that can run on each event as it is read.
func (p *Program) FirstBlocking() int {
	for i, cmd := range p.q.Commands {
		if CommandKind(cmd) != RowLocal || NodeUsesNow(cmd) {
			return i
		}
	}
	return -1
}

// LastStats is the index in Query().Commands of the last top-level STATS
// (not INLINE STATS), or -1.
func (p *Program) LastStats() int {
	for i := len(p.q.Commands) - 1; i >= 0; i-- {
		if s, ok := p.q.Commands[i].(*parser.StatsCommand); ok && !s.Inline {
			return i
		}
	}
	return -1
}
