package esql

import (
	"strings"
	"testing"
)

// FIRST/LAST (ES|QL docs aggregation-functions/first, last): the field at
// the smallest / largest sort; null sorts last; null fields are skipped;
// multi-valued fields come back whole; multi-valued sorts compete with
// their extreme value.
func TestFirstLast(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Keyword, "n": Long, "ts": Datetime}
	docs := []doc{
		{"k": "a", "v": "mid", "n": int64(5), "ts": "2024-01-02T00:00:00Z"},
		{"k": "a", "v": "early", "n": int64(1), "ts": "2024-01-01T00:00:00Z"},
		{"k": "a", "v": "late", "n": int64(9), "ts": "2024-01-03T00:00:00Z"},
		{"k": "a", "n": int64(0), "ts": "2023-01-01T00:00:00Z"}, // null field: skipped
		{"k": "b", "v": "nosort", "n": int64(7)},                // null sort: last
		{"k": "b", "v": []string{"m1", "m2"}, "n": int64(3), "ts": "2024-01-05T00:00:00Z"},
		{"k": "c", "v": "only-null-sort", "n": int64(2)},
		{"k": "d", "v": "x", "n": []any{int64(10), int64(1)}, "ts": "2024-01-01T00:00:00Z"},
		{"k": "d", "v": "y", "n": int64(5), "ts": "2024-01-04T00:00:00Z"},
	}
	cases := []struct{ q, rows string }{
		{"STATS f = FIRST(v, ts), l = LAST(v, ts) BY k",
			"early | late | a;[m1, m2] | [m1, m2] | b;only-null-sort | only-null-sort | c;x | y | d"},
		{"STATS f = FIRST(n, ts), l = LAST(n, ts) BY k", "0 | 9 | a;3 | 3 | b;2 | 2 | c;[1, 10] | 5 | d"},
		// Multi-valued sort [10, 1]: FIRST sees 1, LAST sees 10.
		{"WHERE k == \"d\" | STATS f = FIRST(v, n), l = LAST(v, n)", "x | x"},
		{"WHERE k == \"a\" | STATS f = FIRST(v, n), l = LAST(v, n)", "early | late"},
		{"WHERE k == \"zz\" | STATS f = FIRST(v, n)", "null"},
		{"STATS f = FIRST(v, ts) WHERE n > 4", "mid"},
	}
	for _, tc := range cases {
		r := run(t, "FROM i | "+tc.q, cat, docs...)
		if got := strings.Join(r.table(), ";"); got != tc.rows {
			t.Errorf("%s: rows %q, want %q", tc.q, got, tc.rows)
		}
	}
	if _, err := Compile("FROM i | STATS FIRST(v, v)", Options{Catalog: cat}); err == nil {
		t.Errorf("keyword sort compiled, want a type error")
	}
	if _, err := Compile("FROM i | STATS FIRST(v)", Options{Catalog: cat}); err == nil {
		t.Errorf("one-argument FIRST compiled, want an arity error")
	}
	if _, err := Compile("FROM i | EVAL x = FIRST(v, n)", Options{Catalog: cat}); err == nil {
		t.Errorf("FIRST outside STATS compiled, want an error")
	}
}
