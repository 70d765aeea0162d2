package esql

import (
	"strings"
	"testing"
)

// exprCase is one ROW expression, its expected value (Value.String()), and
// whether it must warn.
type exprCase struct {
	expr string
	want string
	warn bool
}

func checkExprs(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, tc := range cases {
		v, w := evalRow(t, tc.expr)
		if got := v.String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
		if (len(w) > 0) != tc.warn {
			t.Errorf("%s: warnings %q, want warning=%v", tc.expr, w, tc.warn)
		}
	}
}

// docs/esql-semantics.md §A2: Kleene AND/OR/NOT; comparisons with null are
// null; IS NULL never is.
func TestThreeValuedLogic_A2(t *testing.T) {
	checkExprs(t, []exprCase{
		{"true AND null", "null", false},
		{"false AND null", "false", false},
		{"null AND false", "false", false},
		{"null AND null", "null", false},
		{"true OR null", "true", false},
		{"null OR true", "true", false},
		{"false OR null", "null", false},
		{"NOT null", "null", false},
		{"NOT false", "true", false},
		{"null == null", "null", false},
		{"1 != null", "null", false},
		{"null < 1", "null", false},
		{"null IS NULL", "true", false},
		{"null IS NOT NULL", "false", false},
		{"[1, 2] IS NULL", "false", false},
		{"1 IS NOT NULL", "true", false},
		{"\"a\" =~ \"A\"", "true", false},
		{"\"a\" =~ null", "null", false},
	})
}

// docs/esql-semantics.md §A2: IN's decision table (In.java).
func TestInDecisionTable_A2(t *testing.T) {
	checkExprs(t, []exprCase{
		{"1 IN (1, null)", "true", false},
		{"2 IN (1, null)", "null", false},
		{"2 IN (1, 3)", "false", false},
		{"null IN (1, 2)", "null", false},
		{"1 IN (null, null)", "null", false},
		{"1 IN (1.0, 2)", "true", false}, // numeric widening
		{"true IN (false, null)", "null", false},
		{"true IN (false, true, null)", "true", false},
		{"true IN (false, false)", "false", false},
		{"2 NOT IN (1, null)", "null", false},
		{"2 NOT IN (1, 3)", "true", false},
		{"1 NOT IN (1, 3)", "false", false},
		{"[1, 2] IN (1)", "null", true},
		{"1 IN ([1, 2], 3)", "null", false}, // a multi-valued item never matches and counts as null
		{"\"b\" IN (\"a\", \"b\")", "true", false},
		{"true IN (starts_with(\"DescribeX\", \"Get\"), starts_with(\"DescribeX\", \"Describe\"))", "true", false},
		{"true IN (starts_with(null, \"Get\"), starts_with(null, \"Describe\"))", "null", false},
		// Eight constant strings or more are looked up in a set (minInSet):
		// the same table.
		{"\"h\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "true", false},
		{"\"x\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "false", false},
		{"\"x\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", null)", "null", false},
		{"\"a\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", null)", "true", false},
		{"\"x\" NOT IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "true", false},
		{"null IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "null", false},
		{"[\"a\", \"b\"] IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "null", true},
		{"\"x\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", CONCAT(\"x\", \"\"))", "true", false},
		{"\"A\" IN (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\")", "false", false},
	})
}

// docs/esql-semantics.md §A2: WHERE keeps only true rows: `x != "a"` drops
// rows where x is null.
func TestWhereDropsNullComparison_A2(t *testing.T) {
	cat := Catalog{"x": Keyword, "id": Long}
	docs := []doc{{"id": int64(1)}, {"id": int64(2), "x": "a"}, {"id": int64(3), "x": "b"}, {"id": int64(4), "x": []any{"a", "b"}}}
	cases := []struct{ where, want string }{
		{`x != "a"`, "3"},
		{`x IS NULL OR x != "a"`, "1,3"},
		{`NOT (x == "a")`, "3"},
		{`x == "a" OR x == "b"`, "2,3"},
		{`x IS NOT NULL`, "2,3,4"},
		{`x IN ("a", "b")`, "2,3"},
		{`x NOT IN ("a")`, "3"},
		{`mv_count(x) > 1`, "4"},
	}
	for _, tc := range cases {
		r := run(t, "FROM i | WHERE "+tc.where+" | KEEP id", cat, docs...)
		var ids []string
		for _, row := range r.rows {
			ids = append(ids, row[0].String())
		}
		if got := strings.Join(ids, ","); got != tc.want {
			t.Errorf("WHERE %s: ids %s, want %s", tc.where, got, tc.want)
		}
	}
}

// docs/esql-semantics.md §A3: a multi-valued operand of a single-value
// function gives null and Elasticsearch's two warnings, positioned at the
// expression and quoting its source; at most 20 failures are recorded per
// expression and identical warnings are reported once.
func TestMultiValueWarnings_A3(t *testing.T) {
	cat := Catalog{"x": Keyword}
	var docs []doc
	for i := 0; i < 30; i++ {
		docs = append(docs, doc{"x": []any{"a", "b"}})
	}
	r := run(t, "FROM i\n| EVAL y = starts_with(x, \"a\"), z = to_upper(x), n = mv_count(x)\n| WHERE x == \"a\" OR y IS NULL", cat, docs...)
	if len(r.rows) != 30 {
		t.Fatalf("rows %d, want 30", len(r.rows))
	}
	for _, row := range r.rows {
		if !row[1].IsNull() || !row[2].IsNull() || row[3].String() != "2" {
			t.Fatalf("row %v: starts_with and to_upper of a multi-value must be null, mv_count 2", row)
		}
	}
	want := []string{
		"Line 2:12: evaluation of [starts_with(x, \"a\")] failed, treating result as null. Only first 20 failures recorded.",
		"Line 2:12: java.lang.IllegalArgumentException: single-value function encountered multi-value",
		"Line 2:37: evaluation of [to_upper(x)] failed, treating result as null. Only first 20 failures recorded.",
		"Line 2:37: java.lang.IllegalArgumentException: single-value function encountered multi-value",
		"Line 3:9: evaluation of [x == \"a\"] failed, treating result as null. Only first 20 failures recorded.",
		"Line 3:9: java.lang.IllegalArgumentException: single-value function encountered multi-value",
	}
	if strings.Join(r.warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(r.warnings, "\n"), strings.Join(want, "\n"))
	}
	x := r.prog.Start(nil)
	for i := 0; i < 30; i++ {
		_ = x.Push([]Value{Multi(KeywordValue("a"), KeywordValue("b"))})
	}
	if n := x.env.failures[0]; n != maxFailures {
		t.Errorf("failures recorded %d, want %d", n, maxFailures)
	}
}

// docs/esql-semantics.md §A3: conversion functions convert each value; MV_
// functions take multi-values.
func TestMultiValueFunctions_A3(t *testing.T) {
	checkExprs(t, []exprCase{
		{"to_string([1, 2])", "[1, 2]", false},
		{"to_long([\"1\", \"x\", \"3\"])", "[1, 3]", true},
		{"mv_count([1, 2, 3])", "3", false},
		{"mv_count(null)", "null", false},
		{"mv_first([3, 1, 2])", "3", false},
		{"mv_last([3, 1, 2])", "2", false},
		{"mv_min([3, 1, 2])", "1", false},
		{"mv_max([\"b\", \"c\", \"a\"])", "c", false},
		{"mv_dedupe([\"b\", \"a\", \"b\"])", "[b, a]", false},
		{"mv_concat([\"a\", \"b\"], \", \")", "a, b", false},
		{"mv_sort([3, 1, 2], \"desc\")", "[3, 2, 1]", false},
		{"mv_sum([1, 2, 3])", "6", false},
		{"mv_avg([1, 2])", "1.5", false},
		{"coalesce(null, [1, 2])", "[1, 2]", false},
		{"[1, 2] + 1", "null", true},
		{"length([\"a\", \"b\"])", "null", true},
	})
}

// docs/esql-semantics.md §A4: DATE_TRUNC with durations (epoch-aligned floor)
// and periods (calendar units; multiples counted from year 1).
func TestDateTrunc_A4(t *testing.T) {
	cases := []struct{ interval, date, want string }{
		{"10 seconds", "2024-05-01T12:34:56.789Z", "2024-05-01T12:34:50.000Z"},
		{"10 seconds", "2024-05-01T12:34:59.999Z", "2024-05-01T12:34:50.000Z"},
		{"10 seconds", "2024-05-01T12:35:00.000Z", "2024-05-01T12:35:00.000Z"},
		{"10 seconds", "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:50.000Z"}, // floor toward -inf
		{"1 hour", "2024-05-01T12:34:56.789Z", "2024-05-01T12:00:00.000Z"},
		{"240 hours", "1985-02-18T00:00:00.000Z", "1985-02-11T00:00:00.000Z"}, // date_trunc.csv-spec evalDateTruncHourInString: 10-day buckets aligned to the epoch
		{"240 hours", "1985-05-13T00:00:00.000Z", "1985-05-12T00:00:00.000Z"},
		{"500 milliseconds", "2024-05-01T12:00:00.750Z", "2024-05-01T12:00:00.500Z"},
		{"1 day", "2024-05-01T12:34:56.789Z", "2024-05-01T00:00:00.000Z"},
		{"1 week", "2024-05-01T12:00:00.000Z", "2024-04-29T00:00:00.000Z"}, // Monday
		{"7 days", "2024-04-29T00:00:00.000Z", "2024-04-29T00:00:00.000Z"},
		{"1 month", "2024-05-31T23:59:59.999Z", "2024-05-01T00:00:00.000Z"},
		{"1 quarter", "2024-05-31T00:00:00.000Z", "2024-04-01T00:00:00.000Z"},
		{"3 months", "2024-12-31T00:00:00.000Z", "2024-10-01T00:00:00.000Z"},
		{"1 year", "2024-05-31T00:00:00.000Z", "2024-01-01T00:00:00.000Z"},
		// date_trunc.csv-spec evalDateTruncYearInArbitraryIntervals / MonthInArbitraryIntervals
		{"7 years", "1963-01-01T00:00:00.000Z", "1961-01-01T00:00:00.000Z"},
		{"7 years", "1978-04-12T00:00:00.000Z", "1975-01-01T00:00:00.000Z"},
		{"7 months", "1969-11-12T00:00:00.000Z", "1969-10-01T00:00:00.000Z"},
		{"7 months", "1972-01-12T00:00:00.000Z", "1971-07-01T00:00:00.000Z"},
		{"\"1 month\"", "1985-02-18T00:00:00.000Z", "1985-02-01T00:00:00.000Z"},
	}
	for _, tc := range cases {
		expr := "date_trunc(" + tc.interval + ", to_datetime(\"" + tc.date + "\"))"
		v, w := evalRow(t, expr)
		if v.String() != tc.want || len(w) > 0 {
			t.Errorf("%s = %s %q, want %s", expr, v, w, tc.want)
		}
		if v.Type() != Datetime {
			t.Errorf("%s type %s, want date", expr, v.Type())
		}
	}
	checkExprs(t, []exprCase{
		{"date_trunc(1 hour, null)", "null", false},
		{"date_trunc(1 hour, [\"2024-01-01\", \"2024-01-02\"]::datetime)", "null", true},
	})
	for _, q := range []string{
		"ROW x = date_trunc(0 seconds, now())",
		"ROW x = date_trunc(-1 hour, now())",
		"ROW x = date_trunc(1 year + 1 month, now())",
	} {
		err := compileErr(q, nil)
		if !strings.Contains(err, "interval") {
			t.Errorf("%s: error %q, want an interval error", q, err)
		}
	}
}

// Arithmetic: integer/long/double promotion, overflow and division by
// zero give null with a warning, date ± span.
func TestArithmetic(t *testing.T) {
	checkExprs(t, []exprCase{
		{"1 + 2", "3", false},
		{"7 / 2", "3", false},
		{"-7 / 2", "-3", false},
		{"7 % 3", "1", false},
		{"7.0 / 2", "3.5", false},
		{"1 / 0", "null", true},
		{"1.0 / 0", "null", true},
		{"2147483647 + 1", "null", true},
		{"2147483647 + to_long(1)", "2147483648", false},
		{"9223372036854775807 + 1", "null", true},
		{"-(1)", "-1", false},
		{"1 + null", "null", false},
		{"to_datetime(\"2024-01-31T00:00:00Z\") + 1 month", "2024-02-29T00:00:00.000Z", false},
		{"to_datetime(\"2024-05-01T12:00:00Z\") - 1 hour", "2024-05-01T11:00:00.000Z", false},
		{"to_datetime(\"2024-05-01T12:00:00Z\") + 10 seconds", "2024-05-01T12:00:10.000Z", false},
		{"1 day + to_datetime(\"2024-05-01T00:00:00Z\")", "2024-05-02T00:00:00.000Z", false},
		{"now() - 7 days", "2024-04-24T12:00:00.000Z", false},
	})
	// Result types follow the promotion rules.
	for expr, want := range map[string]DataType{"1 + 2": Integer, "1 + 3000000000": Long, "1 + 1.5": Double, "to_long(1) * 2": Long} {
		if v, _ := evalRow(t, expr); v.Type() != want {
			t.Errorf("%s: type %s, want %s", expr, v.Type(), want)
		}
	}
}

func TestStringFunctions(t *testing.T) {
	checkExprs(t, []exprCase{
		{"starts_with(\"DescribeInstances\", \"Describe\")", "true", false},
		{"starts_with(\"describeInstances\", \"Describe\")", "false", false},
		{"ends_with(\"a.js\", \".js\")", "true", false},
		{"to_lower(\"AbC\")", "abc", false},
		{"to_upper(\"AbC\")", "ABC", false},
		{"concat(\"a\", \"b\", \"c\")", "abc", false},
		{"concat(\"a\", null)", "null", false},
		{"length(\"héllo\")", "5", false},
		{"substring(\"hello\", 2, 3)", "ell", false},
		{"substring(\"hello\", -3)", "llo", false},
		{"trim(\"  a b  \")", "a b", false},
		{"replace(\"a1b22\", \"[0-9]+\", \"#\")", "a#b#", false},
		{"split(\"a,b,c\", \",\")", "[a, b, c]", false},
		{"from_base64(\"ZWxhc3RpYw==\")", "elastic", false},
		{"to_base64(\"elastic\")", "ZWxhc3RpYw==", false},
		{"coalesce(null, \"x\", \"y\")", "x", false},
		{"case(1 > 2, \"a\", 2 > 1, \"b\", \"c\")", "b", false},
		{"case(false, \"a\")", "null", false},
		{"case(null, \"a\", \"else\")", "else", false},
	})
}

// LIKE: `*` and `?` wildcards with `\` escapes; RLIKE: Lucene regular
// expressions; both match the whole string, case-sensitively.
func TestLikeRlike(t *testing.T) {
	checkExprs(t, []exprCase{
		{`"abc" LIKE "a*"`, "true", false},
		{`"abc" LIKE "*b*"`, "true", false},
		{`"abc" LIKE "b*"`, "false", false},
		{`"abc" LIKE "a?c"`, "true", false},
		{`"abc" LIKE "A*"`, "false", false},
		{`"a*c" LIKE "a\\*c"`, "true", false},
		{`"abc" LIKE "a\\*c"`, "false", false},
		{`"abc" NOT LIKE "a*"`, "false", false},
		{`null LIKE "a*"`, "null", false},
		{`"x{documentName=AWS-RunShellScript, y}" LIKE "*documentName=AWS-RunShellScript*"`, "true", false},
		{`"abc" RLIKE "a.c"`, "true", false},
		{`"abc" RLIKE "b"`, "false", false},
		{`"abc" RLIKE "[a-c]+"`, "true", false},
		{`"a\"b" RLIKE ".*\\\"b"`, "true", false},
		{`"ab" RLIKE "a\"b\""`, "true", false},
		{`"anything" RLIKE "@"`, "true", false},
		{`"a|b" RLIKE "a\\|b"`, "true", false},
		{`"xmrig" RLIKE ".*(minerd|xmrig).*"`, "true", false},
	})
}

func TestConversionFunctions(t *testing.T) {
	checkExprs(t, []exprCase{
		{"to_string(to_ip(\"10.0.0.1\"))", "10.0.0.1", false},
		{"to_string(to_datetime(\"2024-05-01T12:00:00Z\"))", "2024-05-01T12:00:00.000Z", false},
		{"to_string(1.5)", "1.5", false},
		{"to_string(true)", "true", false},
		{"to_long(\"12\")", "12", false},
		{"to_long(\"x\")", "null", true},
		{"to_long(2.7)", "3", false}, // ES rounds (Math.round)
		{"to_long(-2.5)", "-2", false},
		{"to_integer(\"2.5\")", "3", false},
		{"to_integer(\"3\")", "3", false},
		{"to_double(\"1.25\")", "1.25", false},
		{"to_double(3)", "3.0", false},
		{"to_ip(\"::ffff:1.2.3.4\")", "1.2.3.4", false},
		{"to_ip(\"nope\")", "null", true},
		{"\"1.2.3.4\"::ip", "1.2.3.4", false},
		{"to_boolean(\"TRUE\")", "true", false},
		{"cidr_match(to_ip(\"10.1.2.3\"), \"10.0.0.0/8\")", "true", false},
		{"cidr_match(to_ip(\"11.1.2.3\"), \"10.0.0.0/8\", \"192.168.0.0/16\")", "false", false},
		{"abs(-3)", "3", false},
		{"round(2.5)", "3.0", false},
		{"round(-2.5)", "-3.0", false},
		{"round(1.2345, 2)", "1.23", false},
		{"round(1234, -2)", "1200", false},
		{"date_diff(\"seconds\", to_datetime(\"2024-01-01T00:00:00Z\"), to_datetime(\"2024-01-01T01:00:00.999Z\"))", "3600", false},
		{"date_diff(\"month\", to_datetime(\"2024-01-31T00:00:00Z\"), to_datetime(\"2024-02-29T00:00:00Z\"))", "0", false},
		{"date_diff(\"hours\", to_datetime(\"2024-01-02T00:00:00Z\"), to_datetime(\"2024-01-01T00:00:00Z\"))", "-24", false},
		{"date_format(\"yyyy-MM-dd\", to_datetime(\"2024-05-01T12:00:00Z\"))", "2024-05-01", false},
	})
}

func TestExtraFunctions(t *testing.T) {
	checkExprs(t, []exprCase{
		{"left(\"héllo\", 2)", "hé", false},
		{"right(\"hello\", 3)", "llo", false},
		{"right(\"hi\", 5)", "hi", false},
		{"round(pi(), 2)", "3.14", false},
		{"date_extract(\"YEAR\", to_datetime(\"2024-05-01T12:00:00Z\"))", "2024", false},
		{"date_extract(\"day_of_week\", to_datetime(\"2024-05-01T12:00:00Z\"))", "3", false},
		{"date_trunc(1 year, \"1991-06-26T00:00:00.000Z\")", "1991-01-01T00:00:00.000Z", false},
	})
}
