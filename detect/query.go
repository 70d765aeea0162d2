package detect

import (
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/esql"
)

// Limits of ad-hoc queries, as Elasticsearch applies them: an implicit
// LIMIT 1000 with a warning when the query has none, and no more than 10000
// rows whatever LIMIT says (docs/esql-semantics.md §A7).
const (
	QueryDefaultLimit = 1000
	QueryMaxLimit     = 10000
)

// CompileQuery compiles an ad-hoc query over the CloudTrail catalog, as if
// the files were the logs-aws.cloudtrail-* indices.
func CompileQuery(text string, opts CompileOptions) (*esql.Program, error) {
	maxRows := opts.MaxRows
	if maxRows <= 0 {
		maxRows = QueryMaxLimit
	}
	prog, err := esql.Compile(text, esql.Options{
		Catalog:      Catalog(),
		Now:          opts.Now,
		MaxGroups:    opts.MaxGroups,
		DefaultLimit: min(QueryDefaultLimit, maxRows),
		MaxLimit:     maxRows,
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
// result rows to emit. It reads records with the same record-to-row step as
// the rule drivers (recordReader). It is not safe for concurrent use.
type Query struct {
	prog   *esql.Program
	reader *recordReader
	// indices are the FROM patterns, to route documents of other integrations.
	indices []string
	row     []esql.Value
	pass    []bool
	exec    *esql.Execution
}

// NewQuery prepares prog to run over records.
func NewQuery(prog *esql.Program, opts Options, emit func(row []esql.Value) error) *Query {
	var fields fieldSet
	for _, f := range prog.Inputs() {
		fields.add(f)
	}
	q := &Query{prog: prog, indices: fromIndices(prog.Query()), pass: make([]bool, 1)}
	q.reader = newRecordReader(fields, []*prefilter{newPrefilter(prog.Query(), prefilterOpts(opts.GeoIP != nil))}, nil, opts)
	q.row = make([]esql.Value, len(fields.names))
	q.exec = prog.Start(emit)
	return q
}

// Process maps one raw record and pushes it through the query. An error
// means the record could not be mapped; the caller reports it and goes on.
func (q *Query) Process(raw []byte) error { return q.process(raw, nil) }

// ProcessRecord is Process for a record as a cloudtrail.Reader found it:
// what its scan learnt spares work (recordReader.read).
func (q *Query) ProcessRecord(rec *cloudtrail.Record) error { return q.process(rec.Raw, rec) }

func (q *Query) process(raw []byte, scan *cloudtrail.Record) error {
	// No scratch: the query's STATS and SORT keep the values they are given.
	ev, wanted, err := q.reader.read(raw, scan, nil, q.pass, q.row)
	if err != nil || !wanted {
		return err
	}
	if ev.stream != "" && !matchesIndex(q.indices, ev.stream) {
		return nil
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
