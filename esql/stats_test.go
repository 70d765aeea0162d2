package esql

import (
	"strings"
	"testing"
)

// docs/esql-semantics.md §A2, §A6: STATS output shape, null and
// multi-valued keys, empty input.
func TestStats_A6(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long, "d": Double, "s": Keyword}
	docs := []doc{
		{"k": "a", "v": int64(1), "d": 1.5, "s": "x"},
		{"k": "a", "v": int64(2), "s": "y"},
		{"v": int64(4), "s": "x"},                                          // null key -> its own group
		{"k": []any{"a", "b"}, "v": int64(8), "s": "x"},                    // multi-valued key -> each group
		{"k": "b", "v": []any{int64(16), int64(32)}, "s": []any{"y", "z"}}, // aggregates see every value
	}
	cases := []struct{ q, cols, rows string }{
		{"STATS c = count(*), n = count(v), cd = count_distinct(s), vs = values(s), mn = min(v), mx = max(v), sm = sum(v), av = avg(v) BY k",
			"c n cd vs mn mx sm av k",
			"3 | 3 | 2 | [x, y] | 1 | 8 | 11 | 3.6666666666666665 | a;1 | 1 | 1 | x | 4 | 4 | 4 | 4.0 | null;2 | 3 | 3 | [x, y, z] | 8 | 32 | 56 | 18.666666666666668 | b"},
		// Unnamed aggregates are named by their text; BY name = expr.
		// (the multi-valued k makes `k == "a"` null, so that row joins the null group)
		{"STATS count(*), SUM(v) BY g = k == \"a\"", "count(*) SUM(v) g", "2 | 3 | true;2 | 12 | null;1 | 48 | false"},
		// Duplicate names: the rightmost wins, a BY key beats an aggregate.
		{"STATS x = count(*), x = sum(v)", "x", "63"},
		{"STATS k = count(*) BY k", "k", "a;null;b"},
		// Filtered aggregates.
		// (v > 2 is null for the multi-valued v, so that row is not counted)
		{"STATS c = count(*) WHERE v > 2, all = count(*)", "c all", "2 | 5"},
		// Expressions over aggregates.
		{"STATS r = sum(v) / count(*)", "r", "12"},
		{"STATS s = sum(d), c = count(d), n = count(null)", "s c n", "1.5 | 1 | 0"},
		{"STATS BY s", "s", "x;y;z"},
		{"STATS c = count(*) BY k, s", "c k s", "2 | a | x;1 | a | y;1 | null | x;1 | b | x;1 | b | y;1 | b | z"},
	}
	for _, tc := range cases {
		r := run(t, "FROM i | "+tc.q, cat, docs...)
		if got := strings.Join(r.colNames(), " "); got != tc.cols {
			t.Errorf("%s: columns %q, want %q", tc.q, got, tc.cols)
		}
		if got := strings.Join(r.table(), ";"); got != tc.rows {
			t.Errorf("%s:\n rows %s\nwant %s", tc.q, got, tc.rows)
		}
		if !r.prog.Aggregating() {
			t.Errorf("%s: Aggregating() = false", tc.q)
		}
	}
}

// docs/esql-semantics.md §A2: no BY over no input gives one row; with BY,
// none.
func TestStatsEmptyInput_A2(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long}
	r := run(t, "FROM i | STATS c = count(*), n = count(v), cd = count_distinct(v), s = sum(v), vs = values(v), m = min(v), a = avg(v)", cat)
	if got := strings.Join(r.table(), ";"); got != "0 | 0 | 0 | null | null | null | null" {
		t.Errorf("no BY, empty input: %q", got)
	}
	r = run(t, "FROM i | STATS c = count(*) BY k", cat)
	if len(r.rows) != 0 {
		t.Errorf("BY, empty input: %q", r.table())
	}
	r = run(t, "FROM i | WHERE v > 100 | STATS c = count(*)", cat, doc{"v": int64(1)})
	if got := strings.Join(r.table(), ";"); got != "0" {
		t.Errorf("all filtered: %q", got)
	}
}

// docs/esql-semantics.md §A5: VALUES keeps first-seen order, one value is a
// scalar, none is null.
func TestValues_A5(t *testing.T) {
	cat := Catalog{"k": Keyword, "ip": IP, "t": Datetime}
	r := run(t, "FROM i | STATS ips = values(ip), ts = values(t), ks = values(k)", cat,
		doc{"ip": "10.0.0.2", "t": "2024-05-01T00:00:00Z", "k": "only"},
		doc{"ip": "10.0.0.1", "t": "2024-05-01T00:00:00Z"},
		doc{"ip": "10.0.0.2", "k": "only"})
	row := r.rows[0]
	if row[0].String() != "[10.0.0.2, 10.0.0.1]" || row[1].IsMulti() || row[2].JSON() != "only" {
		t.Errorf("values: %q", r.table())
	}
	if j, ok := row[0].JSON().([]any); !ok || len(j) != 2 || j[0] != "10.0.0.2" {
		t.Errorf("JSON of VALUES: %#v", row[0].JSON())
	}
	if row[1].JSON() != "2024-05-01T00:00:00.000Z" {
		t.Errorf("date JSON: %#v", row[1].JSON())
	}
}

func TestStatsMoreAggregates_A5(t *testing.T) {
	cat := Catalog{"v": Long, "b": Boolean, "t": Datetime}
	docs := []doc{{"v": int64(3), "b": true, "t": "2024-01-02T00:00:00Z"}, {"v": int64(1), "b": false}, {"v": int64(3), "t": "2024-01-01T00:00:00Z"}, {"v": int64(2)}}
	r := run(t, "FROM i | STATS c = count(), top2 = top(v, 2, \"desc\"), top1 = top(v, 1, \"asc\"), mb = max(b), mt = min(t), xt = max(t)", cat, docs...)
	want := "4 | [3, 3] | 1 | true | 2024-01-01T00:00:00.000Z | 2024-01-02T00:00:00.000Z"
	if got := strings.Join(r.table(), ";"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Aggregate arguments and filters may name BY aliases, outputs may be
// expressions over BY keys, duplicate names warn, SUM overflow warns
// (stats.csv-spec statsWithFilterOnSameColumn, nestedAggsOverGroupingWithAlias*,
// statsDuplicateCountAndMaxWithDateTruncDropGroupingKey, sumWithOverflow).
func TestStatsGroupingAliases_A6(t *testing.T) {
	cat := Catalog{"lang": Integer, "salary": Long, "name": Keyword}
	docs := []doc{{"lang": int64(1), "salary": int64(10), "name": "ab"}, {"lang": int64(2), "salary": int64(60000), "name": "abc"}}
	cases := []struct{ q, rows string }{
		{"STATS m = max(l) WHERE l > 1, c = count(*) BY l = lang", "null | 1 | 1;2 | 1 | 2"},
		{"STATS m_f = max(lang) WHERE salary > 50000 BY salary = 2", "null | 2"},
		{"STATS e = length(f) + 1, c = count(*) BY f = name", "3 | 1 | ab;4 | 1 | abc"},
		{"STATS lang + 1 BY lang", "2 | 1;3 | 2"},
		{"STATS s = median(salary), p = percentile(salary, 0), any = present(name)", "30005.0 | 10.0 | true"},
	}
	for _, tc := range cases {
		r := run(t, "FROM i | "+tc.q, cat, docs...)
		if got := strings.Join(r.table(), ";"); got != tc.rows {
			t.Errorf("%s:\n rows %s\nwant %s", tc.q, got, tc.rows)
		}
	}
	r := run(t, "FROM i\n| STATS y = COUNT(*), a = MAX(salary), y = COUNT(*) BY lang", cat, docs...)
	if len(r.warnings) != 1 || r.warnings[0] != "Line 2:9: Field 'y' shadowed by field at line 2:40" {
		t.Errorf("shadow warning: %q", r.warnings)
	}
	r = run(t, "ROW x = [9223372036854775807, 1]\n| STATS s = SUM(x)", nil)
	want := "Line 2:13: evaluation of [SUM(x)] failed, treating result as null. Only first 20 failures recorded.|Line 2:13: java.lang.ArithmeticException: long overflow"
	if got := strings.Join(r.warnings, "|"); got != want || !r.rows[0][0].IsNull() {
		t.Errorf("SUM overflow: %v %q", r.table(), r.warnings)
	}
}

// INLINE STATS keeps the input rows and columns and appends the
// aggregates, then the BY columns (inlinestats-by docs).
func TestInlineStats(t *testing.T) {
	cat := Catalog{"emp": Long, "lang": Integer, "salary": Long}
	docs := []doc{{"emp": int64(1), "lang": int64(1), "salary": int64(10)}, {"emp": int64(2), "lang": int64(2), "salary": int64(30)}, {"emp": int64(3), "lang": int64(1), "salary": int64(20)}}
	r := run(t, "FROM i | KEEP emp, lang, salary | INLINE STATS max_salary = MAX(salary) BY lang", cat, docs...)
	if got := strings.Join(r.colNames(), " "); got != "emp salary max_salary lang" {
		t.Errorf("columns %s", got)
	}
	if got := strings.Join(r.table(), ";"); got != "1 | 10 | 20 | 1;2 | 30 | 30 | 2;3 | 20 | 20 | 1" {
		t.Errorf("rows %s", got)
	}
	if r.prog.Aggregating() {
		t.Error("INLINE STATS is not an aggregating (STATS) query for Kibana")
	}
	r = run(t, "FROM i | KEEP emp, salary | INLINE STATS total = SUM(salary) | EVAL share = salary * 100 / total", cat, docs...)
	if got := strings.Join(r.table(), ";"); got != "1 | 10 | 60 | 16;2 | 30 | 60 | 50;3 | 20 | 60 | 33" {
		t.Errorf("no BY: %s", got)
	}
}
