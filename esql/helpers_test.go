package esql

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// testNow is the fixed NOW() of the tests.
var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// result is the outcome of running a query in a test.
type result struct {
	prog     *Program
	cols     []Column
	rows     [][]Value
	warnings []string
}

// colNames returns the output column names.
func (r *result) colNames() []string {
	var out []string
	for _, c := range r.cols {
		out = append(out, c.Name)
	}
	return out
}

// table renders rows as "a | b" lines for compact assertions.
func (r *result) table() []string {
	var out []string
	for _, row := range r.rows {
		parts := make([]string, len(row))
		for i, v := range row {
			parts[i] = v.String()
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out
}

// doc is a test document: field name -> Go value as FromGo takes it.
type doc map[string]any

// metaType gives the type of a metadata input.
func inputType(cat Catalog, name string) DataType {
	if t, ok := cat[name]; ok {
		return t
	}
	return metadataTypes[name]
}

// run compiles query against cat and pushes docs.
func run(t *testing.T, query string, cat Catalog, docs ...doc) *result {
	t.Helper()
	r, err := tryRun(query, Options{Catalog: cat, Now: testNow}, docs...)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return r
}

func tryRun(query string, opts Options, docs ...doc) (*result, error) {
	p, err := Compile(query, opts)
	if err != nil {
		return nil, err
	}
	r := &result{prog: p, cols: p.Columns()}
	x := p.Start(func(row []Value) error {
		r.rows = append(r.rows, row)
		return nil
	})
	inputs := p.Inputs()
	for _, d := range docs {
		row := make([]Value, len(inputs))
		for i, name := range inputs {
			v, err := FromGo(inputType(opts.Catalog, name), d[name])
			if err != nil {
				return nil, fmt.Errorf("field %s: %v", name, err)
			}
			row[i] = v
		}
		if err := x.Push(row); err != nil {
			return nil, err
		}
	}
	if err := x.Finish(); err != nil {
		return nil, err
	}
	r.warnings = append(p.Warnings(), x.Warnings()...)
	return r, nil
}

// eval runs `ROW` with one expression and returns its value.
func evalRow(t *testing.T, expr string) (Value, []string) {
	t.Helper()
	r := run(t, "ROW x = "+expr, nil)
	if len(r.rows) != 1 || len(r.rows[0]) != 1 {
		t.Fatalf("ROW x = %s: got %v", expr, r.table())
	}
	return r.rows[0][0], r.warnings
}

// compileErr compiles and returns the error text ("" when it compiles).
func compileErr(query string, cat Catalog) string {
	_, err := Compile(query, Options{Catalog: cat, Now: testNow})
	if err == nil {
		return ""
	}
	return err.Error()
}
