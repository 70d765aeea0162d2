package detect

import (
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// Limits of ad-hoc queries, as Elasticsearch applies them: an implicit
// LIMIT 1000 with a warning when the query has none, and no more than 10000
// rows whatever LIMIT says (esql-semantics.md §A7).
const (
	QueryDefaultLimit = 1000
	QueryMaxLimit     = 10000
)

// CompileQuery compiles an ad-hoc query over the CloudTrail catalog, as if
// the files were the logs-aws.cloudtrail-* indices.
func CompileQuery(text string, opts CompileOptions) (*esql.Program, error) {
	prog, err := esql.Compile(text, esql.Options{
		Catalog:      Catalog(),
		Now:          opts.Now,
		MaxGroups:    opts.MaxGroups,
		DefaultLimit: QueryDefaultLimit,
		MaxLimit:     QueryMaxLimit,
	})
	if err != nil {
		return nil, err
	}
	if err := checkIndices(prog.Query()); err != nil {
		return nil, err
	}
	return prog, nil
}

// Query runs one compiled ad-hoc query over raw records and streams its
// result rows to emit. It is not safe for concurrent use.
type Query struct {
	prog   *esql.Program
	mapper *ecs.Mapper
	filter *prefilter
	// indices are the FROM patterns, to route documents of other integrations.
	indices []string
	fields  []string
	types   []esql.DataType
	row     []esql.Value
	exec    *esql.Execution
}

// NewQuery prepares prog to run over records.
func NewQuery(prog *esql.Program, opts Options, emit func(row []esql.Value) error) *Query {
	// A non-nil field list, even empty, tells the mapper to skip the work
	// no column needs (nil would mean every field).
	q := &Query{prog: prog, fields: append([]string{}, prog.Inputs()...)}
	cat := Catalog()
	for _, f := range q.fields {
		q.types = append(q.types, inputType(cat, f))
	}
	q.row = make([]esql.Value, len(q.fields))
	q.mapper = ecs.NewMapper(ecs.Options{Namespace: opts.Namespace, Fields: q.fields, GeoIP: opts.GeoIP})
	q.filter = newPrefilter(prog.Query(), prefilterOpts(opts.GeoIP != nil))
	q.indices = fromIndices(prog.Query())
	q.exec = prog.Start(emit)
	return q
}

// Process maps one raw record and pushes it through the query. An error
// means the record could not be mapped; the caller reports it and goes on.
func (q *Query) Process(raw []byte) error {
	if !q.filter.pass(raw) {
		if err := q.mapper.Validate(raw); err != nil {
			return &RecordError{err}
		}
		return nil
	}
	ev, err := q.mapper.Map(raw)
	if err != nil {
		return &RecordError{err}
	}
	if s := dataStreamOf(ev); s != "" && !matchesIndex(q.indices, s) {
		return nil
	}
	for i, f := range q.fields {
		q.row[i] = fieldValue(ev, f, q.types[i])
	}
	return q.exec.Push(q.row)
}

// Finish ends the input; blocking commands (STATS, SORT) emit their rows.
func (q *Query) Finish() error { return q.exec.Finish() }

// Warnings are the query's compile-time and runtime warnings, worded as
// Elasticsearch words them.
func (q *Query) Warnings() []string {
	return append(q.prog.Warnings(), q.exec.Warnings()...)
}
