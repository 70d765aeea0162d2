package esql

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/trailql/trailql/esql/parser"
)

// Column is one output column of a program.
type Column struct {
	Name string
	Type DataType
}

// Catalog is the schema of the index a FROM reads: field types by dotted name.
type Catalog map[string]DataType

// Options configure Compile.
type Options struct {
	// Catalog is the schema FROM reads; a field not in it is "Unknown column".
	Catalog Catalog
	// Now is the value of NOW(); zero means time.Now() at Compile.
	Now time.Time
	// DefaultLimit is the implicit LIMIT appended when the query has none
	// (1000 for ad-hoc queries, with the warning "No limit defined, adding
	// default limit of [1000]"); 0 means none (rules: Kibana appends its own).
	DefaultLimit int
	// MaxLimit caps any LIMIT (10000 for ad-hoc queries); 0 means no cap.
	MaxLimit int
	// MaxGroups bounds the groups one STATS may hold; a query that would
	// hold more fails with a LimitError instead of exhausting memory (as
	// Elasticsearch's circuit breaker fails it with "Data too large").
	// 0 means DefaultMaxGroups; negative means no bound.
	MaxGroups int
	// Evidence, when set, adds EvidenceColumn to every output row: the ids
	// of the source rows behind it (evidence.go). The query's own columns
	// and rows are unchanged.
	Evidence *Evidence

	// source, when set, is the schema FROM reads, in order (a split's
	// suffix reads its prefix's rows: Program.Split).
	source []Column
	// cuts asks for Program.cuts (Compile sets it; the parts Split
	// compiles do not need theirs).
	cuts bool
}

// DefaultMaxGroups is the default bound on the groups of one STATS: about
// a gigabyte of state for typical rules.
const DefaultMaxGroups = 1_000_000

// LimitError is returned by Push or Finish when a query exceeds a resource
// bound. It sticks: every later call returns it too.
type LimitError struct {
	What  string // what ran out, e.g. "groups"
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("query exceeds its memory limit: more than %d STATS %s (raise --max-groups)", e.Limit, e.What)
}

// metadataTypes are the METADATA fields FROM accepts
// (docs/esql-semantics.md §A8).
var metadataTypes = map[string]DataType{
	"_id":         Keyword,
	"_index":      Keyword,
	"_version":    Long,
	"_ignored":    Keyword,
	"_index_mode": Keyword,
	"_score":      Double,
	"_source":     Unsupported,
	"_size":       Integer,
	"_tier":       Keyword,
}

// slotRef locates a column's value in the physical row of its segment.
// Source columns get a slot (and an input position) only when the query
// reads them, so Inputs lists just the fields the query needs.
type slotRef struct {
	slot  int
	lazy  bool // a source column not read yet
	input string
	seg   *segment
}

// column is a column of the schema a command sees.
type column struct {
	name string
	typ  DataType
	ref  *slotRef
}

// segment is a physical row layout: the source rows until the first STATS,
// then each STATS's output rows. EVAL and MV_EXPAND add slots.
type segment struct {
	width int
}

func (s *segment) alloc() int {
	s.width++
	return s.width - 1
}

// checker holds the state of one compilation.
type checker struct {
	q      *parser.Query
	opts   Options
	now    Value
	errs   parser.ErrorList
	sites  []site
	schema []column
	seg    *segment
	src    *segment // the source segment: where input slots live
	// source segment inputs, in Push order, and their slots
	inputs     []string
	inputSlots []int
	ops        []opSpec
	warnings   []string
	// agg is set while compiling a STATS aggregate expression.
	agg *aggContext
	// ft is set while compiling a WHERE condition or STATS filter, where
	// full-text functions may appear (fulltext.go).
	ft *ftScope
	// streaming is true until a command that consumes all input (STATS,
	// SORT) is planned; LIMIT then stops reading early.
	streaming  bool
	hasLimit   bool
	aggregates bool
}

// Compile parses query, resolves names and types against opts.Catalog and
// plans a push-based pipeline. Errors are a parser.ErrorList whose entries
// print as "line L:C: msg", e.g. "line 3:7: Unknown column [x]".
func Compile(query string, opts Options) (*Program, error) {
	opts.cuts = true
	q, err := parser.Parse(query)
	if err != nil {
		var el parser.ErrorList
		if errors.As(err, &el) {
			return nil, el
		}
		return nil, err
	}
	if opts.Evidence != nil {
		// The traced form is compiled from the same tree; it fails only
		// where the query as written fails, and then the query as written
		// is compiled, so that errors name only what the user wrote (and
		// a query that compiles but not traced runs untraced).
		if tq, ok := withEvidence(q, *opts.Evidence, opts.Catalog); ok {
			if tp, err := compileQuery(tq, opts); err == nil {
				tp.evidence = true
				return tp, nil
			}
		}
	}
	return compileQuery(q, opts)
}

func compileQuery(q *parser.Query, opts Options) (*Program, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	c := &checker{q: q, opts: opts, now: DatetimeValue(now.UnixMilli()), seg: &segment{}, streaming: true}
	p := &Program{q: q, maxGroups: opts.MaxGroups, now: c.now, opts: opts}
	p.opts.Now = now
	if p.maxGroups == 0 {
		p.maxGroups = DefaultMaxGroups
	}
	switch src := q.Source.(type) {
	case *parser.FromCommand:
		c.compileFrom(src)
	case *parser.RowCommand:
		p.row = c.compileRow(src)
	default:
		c.errorf(q.Source.Pos(), "unsupported source command [%s]", commandName(q.Source))
	}
	_, from := q.Source.(*parser.FromCommand)
	for i, cmd := range q.Commands {
		if len(c.errs) > 0 && c.schema == nil {
			break
		}
		if opts.cuts && from && (CommandKind(cmd) != RowLocal || NodeUsesNow(cmd)) {
			if p.cuts == nil {
				p.cuts = map[int][]Column{}
			}
			cols := make([]Column, len(c.schema))
			for j, col := range c.schema {
				cols[j] = Column{Name: col.name, Type: col.typ}
			}
			p.cuts[i] = cols
		}
		c.compileCommand(cmd)
	}
	if !c.hasLimit && opts.DefaultLimit > 0 {
		c.ops = append(c.ops, &limitSpec{n: int64(opts.DefaultLimit), streaming: c.streaming})
		c.warnings = append(c.warnings, fmt.Sprintf("No limit defined, adding default limit of [%d]", opts.DefaultLimit))
	} else if opts.MaxLimit > 0 {
		c.ops = append(c.ops, &limitSpec{n: int64(opts.MaxLimit), streaming: c.streaming})
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	out := &outputSpec{}
	for _, col := range c.schema {
		out.slots = append(out.slots, c.slotOf(&col))
		p.cols = append(p.cols, Column{Name: col.name, Type: col.typ})
	}
	c.ops = append(c.ops, out)
	p.ops = c.ops
	p.sites = c.sites
	p.inputs = c.inputs
	p.inputSlots = c.inputSlots
	p.srcSeg = c.src
	p.warnings = c.warnings
	p.aggregating = c.aggregates
	return p, nil
}

func commandName(cmd parser.Command) string {
	switch cmd.(type) {
	case *parser.FromCommand:
		return "FROM"
	case *parser.RowCommand:
		return "ROW"
	case *parser.WhereCommand:
		return "WHERE"
	case *parser.EvalCommand:
		return "EVAL"
	case *parser.KeepCommand:
		return "KEEP"
	case *parser.DropCommand:
		return "DROP"
	case *parser.RenameCommand:
		return "RENAME"
	case *parser.StatsCommand:
		return "STATS"
	case *parser.SortCommand:
		return "SORT"
	case *parser.LimitCommand:
		return "LIMIT"
	case *parser.MvExpandCommand:
		return "MV_EXPAND"
	case *parser.DissectCommand:
		return "DISSECT"
	case *parser.GrokCommand:
		return "GROK"
	case *parser.CompletionCommand:
		return "COMPLETION"
	}
	return fmt.Sprintf("%T", cmd)
}

// lookup finds a column of the current schema by name.
func (c *checker) lookup(name string) *column {
	for i := len(c.schema) - 1; i >= 0; i-- {
		if c.schema[i].name == name {
			return &c.schema[i]
		}
	}
	return nil
}

// slotOf returns a column's slot, giving a source column its input
// position on first use.
func (c *checker) slotOf(col *column) int {
	r := col.ref
	if r.lazy {
		r.lazy = false
		r.slot = r.seg.alloc()
		c.inputs = append(c.inputs, r.input)
		c.inputSlots = append(c.inputSlots, r.slot)
	}
	return r.slot
}

// compileFrom sets the schema to the catalog's fields sorted by name
// (docs/esql-semantics.md §A7: FROM without KEEP lists columns by name), then
// the METADATA fields in the order requested (docs/esql-semantics.md §A8).
func (c *checker) compileFrom(f *parser.FromCommand) {
	c.src = c.seg
	names := make([]string, 0, len(c.opts.Catalog))
	if c.opts.source != nil {
		for _, col := range c.opts.source {
			names = append(names, col.Name)
		}
	} else {
		for name := range c.opts.Catalog {
			names = append(names, name)
		}
		sort.Strings(names)
	}
	// Room for a few EVAL columns, and the source columns' slots in one
	// allocation, not one each: FROM is compiled several times per rule
	// (the whole query, the parts of a split), over the whole catalog.
	c.schema = make([]column, 0, len(names)+len(f.Metadata)+8)
	refs := make([]slotRef, len(names))
	for i, name := range names {
		refs[i] = slotRef{lazy: true, input: name, seg: c.seg}
		c.schema = append(c.schema, column{name: name, typ: c.opts.Catalog[name], ref: &refs[i]})
	}
	for _, m := range f.Metadata {
		t, ok := metadataTypes[m]
		if !ok {
			c.errorf(f.Pos(), "unsupported metadata field [%s]", m)
			continue
		}
		c.removeColumn(m)
		c.schema = append(c.schema, column{name: m, typ: t, ref: &slotRef{lazy: true, input: m, seg: c.seg}})
	}
}

// compileRow compiles `ROW a = 1, ...`: one row of the field values.
func (c *checker) compileRow(r *parser.RowCommand) *rowSpec {
	c.src = c.seg
	c.schema = []column{}
	spec := &rowSpec{}
	for _, f := range r.Fields {
		x := c.compileExpr(f.Expr)
		slot := c.seg.alloc()
		spec.fns = append(spec.fns, x.fn)
		spec.slots = append(spec.slots, slot)
		c.removeColumn(f.Name)
		c.schema = append(c.schema, column{name: f.Name, typ: x.typ, ref: &slotRef{slot: slot, seg: c.seg}})
	}
	return spec
}

func (c *checker) removeColumn(name string) {
	out := c.schema[:0]
	for _, col := range c.schema {
		if col.name != name {
			out = append(out, col)
		}
	}
	c.schema = out
}

func (c *checker) compileCommand(cmd parser.Command) {
	switch cmd := cmd.(type) {
	case *parser.WhereCommand:
		x := c.compileWhere(cmd)
		if x.bad {
			return
		}
		if x.typ != Boolean && x.typ != Null {
			c.errorf(cmd.Cond.Pos(), "Condition expression needs to be boolean, found [%s]", x.typ)
			return
		}
		// STATS can test the WHERE right after it before it builds a
		// group's row (stats_filter.go).
		if n := len(c.ops); n > 0 {
			if s, ok := c.ops[n-1].(*statsSpec); ok && s.filter == nil {
				s.filter = c.statsFilterOf(s, cmd.Cond, x.fn)
			}
		}
		// A WHERE (or run of WHEREs) right after STATS BY may let runs that
		// read their input twice skip groups (sieve.go).
		for i := len(c.ops) - 1; i >= 0; i-- {
			if s, ok := c.ops[i].(*statsSpec); ok && !s.inline && len(s.keys) > 0 {
				s.sieve = append(s.sieve, c.sieveOf(s, cmd.Cond)...)
			}
			if _, ok := c.ops[i].(*whereSpec); !ok {
				break
			}
		}
		c.ops = append(c.ops, &whereSpec{cond: x.fn})
	case *parser.EvalCommand:
		c.compileEval(cmd)
	case *parser.KeepCommand:
		c.compileKeep(cmd)
	case *parser.DropCommand:
		c.compileDrop(cmd)
	case *parser.RenameCommand:
		c.compileRename(cmd)
	case *parser.StatsCommand:
		c.compileStats(cmd)
	case *parser.SortCommand:
		c.compileSort(cmd)
	case *parser.LimitCommand:
		n := cmd.N
		if c.opts.MaxLimit > 0 && n > int64(c.opts.MaxLimit) {
			n = int64(c.opts.MaxLimit)
		}
		c.hasLimit = true
		if len(c.ops) > 0 {
			if s, ok := c.ops[len(c.ops)-1].(*sortSpec); ok && s.limit == 0 && n < 1<<30 {
				s.limit = int(n)
			}
		}
		c.ops = append(c.ops, &limitSpec{n: n, streaming: c.streaming})
	case *parser.MvExpandCommand:
		c.compileMvExpand(cmd)
	case *parser.DissectCommand:
		c.compileDissect(cmd)
	case *parser.GrokCommand:
		c.compileGrok(cmd)
	default:
		c.errorf(cmd.Pos(), "unsupported command [%s]", commandName(cmd))
	}
}

func (c *checker) compileEval(cmd *parser.EvalCommand) {
	spec := &evalSpec{}
	for _, f := range cmd.Fields {
		x := c.compileExpr(f.Expr)
		slot := c.seg.alloc()
		spec.fns = append(spec.fns, x.fn)
		spec.slots = append(spec.slots, slot)
		// docs/esql-semantics.md §A7: reassigning a name removes the old
		// column and appends the new.
		c.removeColumn(f.Name)
		c.schema = append(c.schema, column{name: f.Name, typ: x.typ, ref: &slotRef{slot: slot, seg: c.seg}})
	}
	c.ops = append(c.ops, spec)
}

func (c *checker) compileMvExpand(cmd *parser.MvExpandCommand) {
	col := c.lookup(cmd.Column.Name)
	if col == nil {
		c.errorf(cmd.Column.Pos(), "Unknown column [%s]", cmd.Column.Name)
		return
	}
	src := c.slotOf(col)
	dst := c.seg.alloc()
	c.ops = append(c.ops, &mvExpandSpec{src: src, dst: dst})
	col.ref = &slotRef{slot: dst, seg: c.seg}
}
