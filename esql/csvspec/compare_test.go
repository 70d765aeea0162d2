package csvspec

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/esql"
)

func mustGo(t *testing.T, typ string, x any) esql.Value {
	t.Helper()
	v, err := esql.FromGo(esql.TypeFromMapping(typ), x)
	if err != nil {
		t.Fatalf("FromGo(%s, %v): %v", typ, x, err)
	}
	return v
}

func one(s string) Cell { return Cell{Values: []string{s}} }

// cellMatches follows CsvAssert: values converted with the column type,
// multi-value order significant, null distinct from "".
func TestCellMatches(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		exp  Cell
		act  esql.Value
		want bool
	}{
		{"int", "integer", one("10001"), mustGo(t, "integer", "10001"), true},
		{"int differs", "integer", one("10001"), mustGo(t, "integer", "10002"), false},
		{"long accepts integer value", "long", one("5"), mustGo(t, "integer", "5"), true},
		{"double exact", "double", one("50625.163636363635"), mustGo(t, "double", 50625.163636363635), true},
		{"double last digits", "double", one("48353.72222222222"), mustGo(t, "double", 48353.722222222225), true},
		{"double differs", "double", one("1.5"), mustGo(t, "double", 1.6), false},
		{"keyword", "keyword", one("Georgi"), mustGo(t, "keyword", "Georgi"), true},
		{"keyword case", "keyword", one("georgi"), mustGo(t, "keyword", "Georgi"), false},
		{"empty is not null", "keyword", one(""), null, false},
		{"empty string", "keyword", one(""), mustGo(t, "keyword", ""), true},
		{"null", "keyword", Cell{Null: true}, null, true},
		{"null vs value", "integer", Cell{Null: true}, mustGo(t, "integer", "1"), false},
		{"null column ignores text", "null", one("whatever"), null, true},
		{"newline escape", "keyword", one(`a\nb`), mustGo(t, "keyword", "a\nb"), true},
		{"bool", "boolean", one("true"), mustGo(t, "boolean", true), true},
		{"date forms", "datetime", one("1986-06-26T00:00:00Z"), mustGo(t, "date", "1986-06-26T00:00:00.000Z"), true},
		{"negative year", "datetime", one("-0006-01-01T00:00:00.000Z"), mustGo(t, "date", time.Date(-6, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()), true},
		{"date differs", "datetime", one("1986-06-27T00:00:00Z"), mustGo(t, "date", "1986-06-26T00:00:00.000Z"), false},
		{"ip canonical", "ip", one("::1"), mustGo(t, "ip", "0:0:0:0:0:0:0:1"), true},
		{"ip v4", "ip", one("127.0.0.1"), mustGo(t, "ip", "127.0.0.1"), true},
		{"multi in order", "keyword", Cell{Multi: true, Values: []string{"a", "b"}}, mustGo(t, "keyword", []string{"a", "b"}), true},
		{"multi vs single", "keyword", one("a"), mustGo(t, "keyword", []string{"a", "b"}), false},
		{"multi order matters", "long", Cell{Multi: true, Values: []string{"2", "1"}}, mustGo(t, "long", []any{"1", "2"}), false},
		{"single vs multi", "long", Cell{Multi: true, Values: []string{"1", "2"}}, mustGo(t, "long", "1"), false},
	}
	for _, tc := range tests {
		got, err := cellMatches(tc.typ, tc.exp, tc.act)
		if err != nil || got != tc.want {
			t.Errorf("%s: cellMatches = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, bad := range []struct{ typ, text string }{{"integer", "1.5"}, {"boolean", "yes"}, {"datetime", "June"}, {"ip", "300.1.1.1"}} {
		if _, err := cellMatches(bad.typ, one(bad.text), mustGo(t, "keyword", "x")); err == nil {
			t.Errorf("expected %s %q accepted", bad.typ, bad.text)
		}
	}
}

func TestDoublesMatch(t *testing.T) {
	tests := []struct {
		e, a float64
		want bool
	}{
		{1.5, 1.5, true},
		{math.NaN(), math.NaN(), true},
		{48353.72222222222, 48353.722222222225, true}, // summation-order noise
		{1768.1815, 1768.1816, false},                 // differs at the 8th digit
		{0.1, 0.10000001, true},                       // equal at 7 significant digits
		{0.1, 0.1000001, false},
		{math.Inf(1), math.Inf(1), true},
		{math.Inf(1), math.MaxFloat64, false},
		{0, 1e-300, false},
	}
	for _, tc := range tests {
		if got := doublesMatch(tc.e, tc.a); got != tc.want {
			t.Errorf("doublesMatch(%v, %v) = %v", tc.e, tc.a, got)
		}
	}
}

func TestAssertRows(t *testing.T) {
	cols := []ExpectedColumn{{"a", "integer"}, {"b", "keyword"}}
	row := func(a, b string) []esql.Value { return []esql.Value{mustGo(t, "integer", a), mustGo(t, "keyword", b)} }
	exp := [][]Cell{{one("1"), one("x")}, {one("2"), one("y")}}
	inOrder := [][]esql.Value{row("1", "x"), row("2", "y")}
	swapped := [][]esql.Value{row("2", "y"), row("1", "x")}

	if m := assertRows(cols, exp, inOrder, false); m != nil {
		t.Errorf("in order: %v", m.msg)
	}
	if m := assertRows(cols, exp, swapped, false); m == nil || m.kind != KindValues {
		t.Errorf("swapped rows without ignoreOrder: %+v", m)
	}
	if m := assertRows(cols, exp, swapped, true); m != nil {
		t.Errorf("swapped rows with ignoreOrder: %v", m.msg)
	}
	if m := assertRows(cols, exp, [][]esql.Value{row("1", "x"), row("1", "x")}, true); m == nil {
		t.Error("ignoreOrder matched one actual row twice")
	}
	if m := assertRows(cols, exp, inOrder[:1], false); m == nil || m.kind != KindRowCount || !strings.Contains(m.msg, "expected 2 rows, got 1") {
		t.Errorf("missing row: %+v", m)
	}
	if m := assertRows(cols, exp, [][]esql.Value{{mustGo(t, "integer", "1")}}, false); m == nil || m.kind != KindColumns {
		t.Errorf("short row: %+v", m)
	}
}

func TestAssertColumns(t *testing.T) {
	exp := []ExpectedColumn{{"a", "long"}, {"d", "datetime"}}
	ok := []esql.Column{{Name: "a", Type: esql.TypeFromMapping("integer")}, {Name: "d", Type: typeDatetime}}
	if m := assertColumns(exp, ok); m != nil {
		t.Errorf("integer for long / date for datetime rejected: %s", m.msg)
	}
	badType := []esql.Column{{Name: "a", Type: esql.TypeFromMapping("double")}, {Name: "d", Type: typeDatetime}}
	if m := assertColumns(exp, badType); m == nil || m.kind != KindTypes {
		t.Errorf("double for long accepted: %+v", m)
	}
	badName := []esql.Column{{Name: "b", Type: esql.TypeFromMapping("long")}, {Name: "d", Type: typeDatetime}}
	if m := assertColumns(exp, badName); m == nil || m.kind != KindColumns {
		t.Errorf("wrong name accepted: %+v", m)
	}
	if m := assertColumns(exp, ok[:1]); m == nil || m.kind != KindColumns {
		t.Errorf("missing column accepted: %+v", m)
	}
	if m := assertColumns([]ExpectedColumn{{"x", "integer"}}, []esql.Column{{Name: "x", Type: esql.TypeFromMapping("long")}}); m == nil {
		t.Error("long for integer accepted (CsvAssert only widens the actual integer)")
	}
}

// AssertWarnings: exact lists compare sorted, regexes allow, none means none;
// the default-limit warning is always dropped (CsvTests.assertWarnings).
func TestAssertWarnings(t *testing.T) {
	limit := "No limit defined, adding default limit of [1000]"
	tests := []struct {
		name   string
		c      Case
		actual []string
		ok     bool
	}{
		{"none", Case{}, nil, true},
		{"only the limit warning", Case{}, []string{limit}, true},
		{"unexpected", Case{}, []string{"Line 1:1: x"}, false},
		{"exact any order", Case{Warnings: []string{"b", "a"}}, []string{"a", limit, "b"}, true},
		{"exact missing one", Case{Warnings: []string{"b", "a"}}, []string{"a"}, false},
		{"exact duplicate counts", Case{Warnings: []string{"a"}}, []string{"a", "a"}, false},
		{"regex allows", Case{WarningRegexes: []string{`evaluation of \[ip0 == ip1\] failed`}}, []string{"Line 1:20: evaluation of [ip0 == ip1] failed, treating result as null."}, true},
		{"regex allows nothing too", Case{WarningRegexes: []string{"x"}}, nil, true},
		{"regex rejects", Case{WarningRegexes: []string{"x"}}, []string{"y"}, false},
		// Actual warnings are compared in Warning-header form: '"' and '\' escaped.
		{"header escaping exact", Case{Warnings: []string{`Line 1:20: evaluation of [ip1 == to_ip(\"::1\")] failed`}}, []string{`Line 1:20: evaluation of [ip1 == to_ip("::1")] failed`}, true},
		{"header escaping regex", Case{WarningRegexes: []string{`to_ip\(\\\"::1\\\"\)`}}, []string{`to_ip("::1")`}, true},
		{"regex written as warning:", Case{Warnings: []string{`Line \d+:\d+: evaluation of \[a \+ 1\] failed`, "exact"}}, []string{"Line 3:13: evaluation of [a + 1] failed", "exact"}, true},
		{"regex written as warning: no match", Case{Warnings: []string{`Line \d+:\d+: x`}}, []string{"Line a:b: x"}, false},
		{"legacy file without warning lines", Case{File: "string.csv-spec"}, []string{"Line 1:1: x"}, true},
		{"legacy file with warning lines", Case{File: "string.csv-spec", Warnings: []string{"a"}}, []string{"b"}, false},
	}
	for _, tc := range tests {
		m := assertWarnings(&tc.c, tc.actual)
		if (m == nil) != tc.ok {
			t.Errorf("%s: got %+v, want ok=%v", tc.name, m, tc.ok)
		}
	}
}

func TestClassifyCompileError(t *testing.T) {
	tests := []struct {
		msg, query string
		status     Status
		cat        string
	}{
		{"line 1:23: Unknown function [mv_sort]", "row a = mv_sort([1])", Skipped, CatFunction},
		{"line 1:1: mismatched input 'SET'", "SET a = 1;\r\nROW x = 1", Skipped, CatCommand},
		{"line 2:3: mismatched input 'INLINE'", "from employees\r\n| INLINE STATS c = COUNT(*)", Skipped, CatCommand},
		{"line 1:30: type [geo_shape] is unsupported", "row a = 1", Skipped, CatUnsupported},
		{"line 1:20: Unknown column [x]", "from employees | keep x", Failed, CatCompile},
	}
	for _, tc := range tests {
		r := classifyCompileError(errString(tc.msg), shapeOf(tc.query))
		if r.Status != tc.status || r.Category != tc.cat {
			t.Errorf("%q: got %v/%s (%s), want %v/%s", tc.msg, r.Status, r.Category, r.Reason, tc.status, tc.cat)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
