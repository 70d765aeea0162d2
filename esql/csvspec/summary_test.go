package csvspec

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	s := NewSummary()
	a := &Case{File: "a.csv-spec", Name: "one"}
	b := &Case{File: "b.csv-spec", Name: "two"}
	s.Add(a, Result{Status: Passed})
	s.Add(a, Result{Status: Skipped, Category: CatFunction, Subject: "MEDIAN"})
	s.Add(a, Result{Status: Skipped, Category: CatFunction, Subject: "MEDIAN"})
	s.Add(b, Result{Status: Skipped, Category: CatDataset, Subject: "airports"})
	s.Add(b, fail(CatCompile, "compile error: line 2:17: Unknown column [a]\nmore"))
	s.Add(b, fail(KindValues, "row 3 column 1 (COUNT_DISTINCT(ip1, 5)): expected 9, actual 8"))

	want := "csv-spec: 1 passed, 2 failed, 3 skipped (by reason: unknown function 2, data set not bundled 1); 33.3% of non-skipped cases pass"
	if got := s.Line(); got != want {
		t.Errorf("Line() =\n%s\nwant\n%s", got, want)
	}
	rep := s.Report()
	for _, frag := range []string{
		"a.csv-spec                       1 passed, 0 failed, 2 skipped (100.0% of non-skipped pass)",
		"unknown function: MEDIAN 2",
		"compile: compile error: Unknown column […]",
		"values: row R column C: expected X, actual Y",
		"e.g. b/two",
	} {
		if !strings.Contains(rep, frag) {
			t.Errorf("report lacks %q:\n%s", frag, rep)
		}
	}
}
