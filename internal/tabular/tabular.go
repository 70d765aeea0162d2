// Package tabular writes ES|QL result rows for people and machines: NDJSON
// (one object per row keyed by column name, with typed JSON values, as
// Elasticsearch's JSON response renders them), CSV, or an aligned text table
// (laid out and sanitized by internal/termtext).
package tabular

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/internal/termtext"
)

// Writer receives result rows and writes them out.
type Writer interface {
	// Row writes one row; its values are aligned with the columns.
	Row(row []esql.Value) error
	// Close flushes the output (a table is printed here).
	Close() error
}

// Formats lists the accepted format names.
var Formats = []string{"table", "ndjson", "csv"}

// New returns a Writer of the named format ("table", "ndjson" or "csv") for
// the given columns. width limits a table's line length (0 = no limit).
func New(format string, w io.Writer, cols []esql.Column, width int) (Writer, error) {
	switch format {
	case "ndjson":
		return &ndjsonWriter{w: bufio.NewWriter(w), cols: cols}, nil
	case "csv":
		cw := &csvWriter{w: csv.NewWriter(w)}
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		return cw, cw.w.Write(names)
	case "table":
		return &tableWriter{w: w, cols: cols, width: width}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want table, ndjson or csv)", format)
}

// ndjsonWriter writes {"column": value, ...} per row, keys in column order,
// null cells included so every line has every column.
type ndjsonWriter struct {
	w    *bufio.Writer
	cols []esql.Column
}

func (n *ndjsonWriter) Row(row []esql.Value) error {
	n.w.WriteByte('{')
	for i, c := range n.cols {
		if i > 0 {
			n.w.WriteByte(',')
		}
		k, _ := json.Marshal(c.Name)
		n.w.Write(k)
		n.w.WriteByte(':')
		v, err := json.Marshal(row[i].JSON())
		if err != nil {
			return err
		}
		n.w.Write(v)
	}
	n.w.WriteString("}\n")
	return nil
}

func (n *ndjsonWriter) Close() error { return n.w.Flush() }

// csvWriter writes RFC 4180 CSV with a header row; nulls are empty cells and
// multi-values are written as "[a, b]".
type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Row(row []esql.Value) error {
	rec := make([]string, len(row))
	for i, v := range row {
		rec[i] = Text(v)
	}
	return c.w.Write(rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// Text renders a value as text: null as "", multi-values as "[a, b]".
func Text(v esql.Value) string {
	switch {
	case v.IsNull():
		return ""
	case v.Count() > 1:
		parts := make([]string, v.Count())
		for i := range parts {
			parts[i] = Text(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if s, ok := v.JSON().(string); ok {
		return s
	}
	b, _ := json.Marshal(v.JSON())
	return string(b)
}

// tableWriter buffers rows and prints an aligned table on Close.
type tableWriter struct {
	w     io.Writer
	cols  []esql.Column
	width int
	rows  [][]string
}

// maxCell caps a table cell, in terminal columns.
const maxCell = 80

func (t *tableWriter) Row(row []esql.Value) error {
	cells := make([]string, len(row))
	for i, v := range row {
		cells[i] = Text(v)
		if v.IsNull() {
			cells[i] = "null"
		}
	}
	t.rows = append(t.rows, cells)
	return nil
}

// Close prints the table: every column that fits the width, cells cut to
// maxCell and sanitized (log data must not drive the terminal) by
// termtext.Table.
func (t *tableWriter) Close() error {
	bw := bufio.NewWriter(t.w)
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Name
	}
	hidden, _ := termtext.Table{Width: t.width, MaxCell: maxCell}.Write(bw, append([][]string{header}, t.rows...)) // bw reports errors on Flush
	if hidden > 0 {
		fmt.Fprintf(bw, "(%d more columns not shown: use a wider terminal, KEEP fewer columns, or --format ndjson)\n", hidden)
	}
	if len(t.rows) == 1 {
		fmt.Fprintln(bw, "(1 row)")
	} else {
		fmt.Fprintf(bw, "(%d rows)\n", len(t.rows))
	}
	return bw.Flush()
}
