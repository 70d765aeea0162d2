package esql

import (
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// runFilter runs query over docs, with the STATS filter (stats_filter.go)
// or without it, and returns the rows and warnings.
func runFilter(t *testing.T, query string, cat Catalog, filter bool, docs []doc) (rows, warnings []string, filtered bool) {
	t.Helper()
	p, err := Compile(query, Options{Catalog: cat, Now: testNow})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	for _, op := range p.ops {
		if s, ok := op.(*statsSpec); ok && s.filter != nil {
			filtered = true
			if !filter {
				s.filter = nil
			}
		}
	}
	r := &result{prog: p, cols: p.Columns()}
	x := p.Start(func(row []Value) error {
		r.rows = append(r.rows, row)
		return nil
	})
	for _, d := range docs {
		row := make([]Value, len(p.Inputs()))
		for i, name := range p.Inputs() {
			if row[i], err = FromGo(cat[name], d[name]); err != nil {
				t.Fatal(err)
			}
		}
		if err := x.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	return r.table(), append(p.Warnings(), x.Warnings()...), filtered
}

// A WHERE right after STATS BY that reads only the STATS's own outputs is
// tested before the rest of a group's row is built; the rows and the
// warnings are those of STATS then WHERE.
func TestStatsFilter(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long, "s": Keyword}
	r := rand.New(rand.NewSource(3))
	var docs []doc
	for i := range 400 {
		k := []string{"a", "b", "c", "d", "x1", "7"}[r.Intn(6)]
		d := doc{"k": k, "s": []string{"p", "q", "r"}[r.Intn(3)], "v": int64(r.Intn(10))}
		switch {
		case k == "a" || k == "7":
			d["s"] = "p" // one distinct value
		case k == "d" && i%5 == 0:
			d["v"] = int64(math.MaxInt64 - r.Intn(3)) // SUM overflows: a warning
		case i%5 == 1:
			d["s"] = []any{"p", "z"}
		}
		docs = append(docs, d)
	}
	for _, tc := range []struct {
		q      string
		filter bool
	}{
		{`STATS n = COUNT_DISTINCT(s), vs = VALUES(s), c = COUNT(*) BY k | WHERE n > 2`, true},
		{`STATS total = SUM(v), vs = VALUES(s) BY k, s | WHERE total > 60`, true},
		{`STATS n = COUNT(*), vs = VALUES(v) BY k | WHERE k == "a" OR n < 60`, true},
		{`STATS vs = VALUES(s), m = MAX(v) BY k | WHERE MV_COUNT(vs) >= 4 AND m IS NOT NULL`, true},
		{`STATS n = COUNT(*) BY k | WHERE TO_LONG(k) > 0`, true}, // a conversion warning per group
		{`STATS n = COUNT(*) + 1, vs = VALUES(s) BY k | WHERE n > 70`, false},
		{`STATS n = COUNT(*) BY k | EVAL m = n | WHERE m > 70`, false},
		{`STATS n = COUNT(*) | WHERE n > 1`, false},
		{`INLINE STATS n = COUNT(*) BY k | WHERE n > 70`, false},
		{`STATS n = COUNT(*) BY k | WHERE n > 70 | WHERE k != "a"`, true},
	} {
		q := "FROM i | " + tc.q
		wantRows, wantWarn, _ := runFilter(t, q, cat, false, docs)
		gotRows, gotWarn, filtered := runFilter(t, q, cat, true, docs)
		if filtered != tc.filter {
			t.Errorf("%s: filtered %v, want %v", tc.q, filtered, tc.filter)
		}
		if !slices.Equal(gotRows, wantRows) {
			t.Errorf("%s: rows\n%s\nwant\n%s", tc.q, strings.Join(gotRows, "\n"), strings.Join(wantRows, "\n"))
		}
		if !slices.Equal(gotWarn, wantWarn) {
			t.Errorf("%s: warnings %q, want %q", tc.q, gotWarn, wantWarn)
		}
		if tc.filter && (len(wantRows) == 0 || len(wantRows) == 6) {
			t.Errorf("%s: %d rows: the condition should keep some groups and drop others", tc.q, len(wantRows))
		}
	}
}
