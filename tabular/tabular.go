// Package tabular writes ES|QL result rows for people and machines: NDJSON
// (one object per row keyed by column name, with typed JSON values, as
// Elasticsearch's JSON response renders them), CSV, or an aligned text table.
package tabular

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trailql/trailql/esql"
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

// maxCell caps a table cell, in runes.
const maxCell = 80

func (t *tableWriter) Row(row []esql.Value) error {
	cells := make([]string, len(row))
	for i, v := range row {
		cells[i] = clip(sanitize(Text(v)), maxCell)
		if v.IsNull() {
			cells[i] = "null"
		}
	}
	t.rows = append(t.rows, cells)
	return nil
}

func (t *tableWriter) Close() error {
	bw := bufio.NewWriter(t.w)
	widths := make([]int, len(t.cols))
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = clip(sanitize(c.Name), maxCell)
		widths[i] = utf8.RuneCountInString(header[i])
	}
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	shown := len(widths)
	if t.width > 0 {
		used := 0
		for i, w := range widths {
			used += w + 2*min(i, 1)
			if used > t.width && i > 0 {
				shown = i
				break
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i := 0; i < shown; i++ {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cells[i])
			if i < shown-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cells[i])))
			}
		}
		b.WriteByte('\n')
		bw.WriteString(b.String())
	}
	line(header)
	for _, r := range t.rows {
		line(r)
	}
	if shown < len(widths) {
		fmt.Fprintf(bw, "(%d more columns not shown: use a wider terminal, KEEP fewer columns, or --format ndjson)\n", len(widths)-shown)
	}
	if len(t.rows) == 1 {
		fmt.Fprintln(bw, "(1 row)")
	} else {
		fmt.Fprintf(bw, "(%d rows)\n", len(t.rows))
	}
	return bw.Flush()
}

// sanitize replaces control characters so log data cannot drive the terminal.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u202e' || r == '\u202d' {
			return '?'
		}
		return r
	}, s)
}

// clip cuts s to n runes with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
