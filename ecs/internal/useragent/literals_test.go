package useragent

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/trailql/trailql/internal/multimatch"
)

// mayMatch runs the prefilter for the single rule expr on s.
func mayMatch(t *testing.T, expr, s string) bool {
	t.Helper()
	clauses, _, err := uaRequiredLiterals(expr)
	if err != nil {
		t.Fatal(err)
	}
	var conds [3][][][]uaLit
	conds[0] = [][][]uaLit{clauses}
	p := newUAPrefilter(conds, [3][]*uaPruner{{nil}})
	sc := p.scan(s)
	defer p.done(sc)
	return sc.holds(p.passes[0].conds[0])
}

// TestUARequiredLiteralsSound pins the prefilter's safety cases: wherever Go's
// regexp (what the matcher runs) finds a match, the condition must hold; and
// its usefulness: some non-matching inputs must be rejected.
func TestUARequiredLiteralsSound(t *testing.T) {
	for _, tc := range []struct {
		expr, s  string
		rejected bool // the prefilter must skip the regex
	}{
		{`(?i)firefox/(\d+)`, "Mozilla FIREFOX/3", false},
		{`(?i)firefox/(\d+)`, "Chrome/1", true},
		{`(Firefox)/(\d+)`, "firefox/1", true}, // case-sensitive literal
		// (?i) matches the whole simple-folding orbit: U+017F is s, U+212A is K.
		{`(?i)(sk)y`, "\u017f\u212aY", false},
		{`(?i)Kindle`, "\u212aINDLE", false},
		{`(?i)s[0-9]`, "\u017f1", false},
		{`^Java/`, "Java/1.8", false},
		{`^Java/`, "Ruby", true},
		{`Chrom(?:e|ium)/(\d+)`, "Chromium/5", false},
		{`Chrom(?:e|ium)/(\d+)`, "Chrom/5", true},
		{`(?:Foo)?Bar`, "Bar", false},
		{`a*`, "zzz", false},
		{`[ab]c`, "bc", false},
		{`[ab]c`, "cc", true},
		{`\bfoo\b`, "a foo b", false},
		{`(?i)é`, "É", false},            // non-ASCII fold: no filter
		{"\uFFFD", "\xff", false},        // regexp decodes invalid bytes as U+FFFD
		{`x(\d+)y|z(\w)w`, "z1w", false}, // alternation: union of the sides
		{`(?:iPhone|Android).*bots?/\d`, "Android x bots/1", false},
		{`(?:iPhone|Android).*bots?/\d`, "Android x", true}, // both clauses required
		{`(?:ab|cd)(?:ef|gh)`, "cdef", false},
		{`(?:ab|cd)(?:ef|gh)`, "abcd efgh", true}, // cross product {abef,abgh,cdef,cdgh}
	} {
		re := regexp.MustCompile(tc.expr)
		got := mayMatch(t, tc.expr, tc.s)
		if re.MatchString(tc.s) && !got {
			t.Errorf("%q on %q: regex matches but the prefilter skips it", tc.expr, tc.s)
		}
		if tc.rejected && got {
			t.Errorf("%q on %q: prefilter should reject", tc.expr, tc.s)
		}
		if !tc.rejected && !got {
			t.Errorf("%q on %q: prefilter rejects", tc.expr, tc.s)
		}
	}
}

// TestUARequiredLiteralsClauses pins the derived clauses for typical shapes.
func TestUARequiredLiteralsClauses(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want string
	}{
		{`(Firefox)/(\d+)\.(\d+)`, `[["Firefox/"] ["."]]`}, // every required part, most selective first
		{`(?i)(Firefox)/(\d+)`, `[["firefox/"f]]`},
		{`Chrom(?:e|ium)/`, `[["Chrome/" "Chromium/"]]`},
		{`(\d+)\.(\d+)`, `[["."]]`},
		{`.*`, `[]`},
		{`(?:Foo)?Bar|Baz`, `[["Bar" "Baz" "FooBar"]]`}, // exact set of the alternation
		{`^Opera/`, `[["Opera/"]]`},
	} {
		clauses, _, err := uaRequiredLiterals(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, c := range clauses {
			var ls []string
			for _, l := range c {
				s := fmt.Sprintf("%q", l.s)
				if l.fold {
					s += "f"
				}
				ls = append(ls, s)
			}
			sort.Strings(ls)
			parts = append(parts, fmt.Sprint(ls))
		}
		if got := fmt.Sprint(parts); got != tc.want {
			t.Errorf("%q: clauses %s, want %s", tc.expr, got, tc.want)
		}
	}
}

// TestUAMultiMatcher checks the Aho-Corasick scan (internal/multimatch) on
// overlapping patterns and the folded scan on case and Unicode folding.
func TestUAMultiMatcher(t *testing.T) {
	pats := []string{"he", "she", "his", "hers", "usher", "x"}
	ids := []int32{0, 1, 2, 3, 4, 5}
	m := multimatch.New(pats, ids)
	for _, tc := range []struct {
		s      string
		folded bool
		want   []string
	}{
		{"ushers", false, []string{"he", "hers", "she", "usher"}},
		{"USHERS", false, nil},
		{"USHERS", true, []string{"he", "hers", "she", "usher"}},
		{"hi\u017f", true, []string{"his"}},
		{"hi\u017f", false, nil},
		{"h\xffis", true, nil},
		{"ahisx", false, []string{"his", "x"}},
	} {
		found := make([]uint64, 1)
		var list []int32
		if tc.folded {
			scanFolded(m, tc.s, found, &list)
		} else {
			m.Scan(tc.s, found, &list)
		}
		var got []string
		for _, id := range list {
			got = append(got, pats[id])
		}
		sort.Strings(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q folded=%v: found %v, want %v", tc.s, tc.folded, got, tc.want)
		}
	}
}
