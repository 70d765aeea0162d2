package esql

import "testing"

// MV_INTERSECTION, per the ES|QL docs (mv-functions/mv_intersection):
// values in both fields, null when either is null or none match, same
// types, text/keyword give keyword, duplicates collapse.
func TestMvIntersection(t *testing.T) {
	checkExprs(t, []exprCase{
		{"MV_INTERSECTION([1, 2, 3, 4, 5], [2, 3, 4, 5, 6])", "[2, 3, 4, 5]", false},
		{"MV_INTERSECTION([1, 2, 3, 4, 5]::long, [2, 3, 4, 5, 6]::long)", "[2, 3, 4, 5]", false},
		{"MV_INTERSECTION([true, false, false, false], [false])", "false", false},
		{"MV_INTERSECTION([\"a\", \"b\", \"c\"], [\"c\", \"a\"])", "[a, c]", false},
		{"MV_INTERSECTION(\"a\", \"a\")", "a", false},
		{"MV_INTERSECTION([1, 2], [3, 4])", "null", false},
		{"MV_INTERSECTION(null, [3, 4])", "null", false},
		{"MV_INTERSECTION([1, 2], null)", "null", false},
		{"MV_INTERSECTION([1.5, 2.5], 2.5)", "2.5", false},
	})
	v, _ := evalRow(t, `MV_INTERSECTION("x"::text, ["x", "y"])`)
	if v.Type() != Keyword || v.String() != "x" {
		t.Errorf("text/keyword: got %s %s, want keyword x", v.Type(), v)
	}
	if _, err := Compile(`ROW a = MV_INTERSECTION([1, 2], ["a"])`, Options{}); err == nil {
		t.Errorf("integer/keyword mix compiled, want a type error")
	}
	// Field input: multi-values from documents.
	r := run(t, "FROM i | EVAL z = MV_INTERSECTION(a, b) | KEEP z",
		Catalog{"a": Keyword, "b": Keyword},
		doc{"a": []string{"p", "q", "r"}, "b": []string{"r", "p"}},
		doc{"a": "p", "b": nil})
	want := []string{"[p, r]", "null"}
	got := r.table()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("rows %q, want %q", got, want)
	}
}
