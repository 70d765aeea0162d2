package detect

import (
	"strings"

	"github.com/trailql/trailql/esql"
)

// interner shares one copy of each repeated string among the rows a rule
// reads back from a spill store or a daemon's saved state: those rows
// repeat the same few actions, accounts, user agents and namespaces on
// every row, and what a run keeps of them (the values an aggregation
// collects) would otherwise hold one copy per row (docs/architecture.md
// "Performance model"). The rows a rule holds in memory need none: they
// are encoded (rowBuf) and their strings point into the window's bytes.
//
// Each column has a table of at most internMax strings. A column of unique
// values (an event id, a session key) fills its table and then only looks
// up: the tables stay small whatever the input.
type interner struct {
	cols []map[string]string
}

// internMax is the size of a column's table.
const internMax = 1024

// share replaces, in place, the strings of a row read back from a spill
// store by their shared copies, so that what a run keeps of it (the values
// an aggregation collects) does not hold one copy per row either.
func (in *interner) share(row []esql.Value) {
	for len(in.cols) < len(row) {
		in.cols = append(in.cols, map[string]string{})
	}
	for i, v := range row {
		row[i] = v.CloneWith(func(s string) string { return in.str(in.cols[i], s) })
	}
}

// bytes returns the shared copy of the text b for column col, making one if
// needed: rows read back from the spill file get their strings here
// without a copy per row.
func (in *interner) bytes(col int, b []byte) string {
	for len(in.cols) <= col {
		in.cols = append(in.cols, map[string]string{})
	}
	t := in.cols[col]
	if c, ok := t[string(b)]; ok {
		return c
	}
	c := string(b)
	if len(t) < internMax {
		t[c] = c
	}
	return c
}

// str returns the shared copy of s in table t, making one if needed.
func (in *interner) str(t map[string]string, s string) string {
	if c, ok := t[s]; ok {
		return c
	}
	c := strings.Clone(s)
	if len(t) < internMax {
		t[c] = c
	}
	return c
}
