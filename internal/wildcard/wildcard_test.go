package wildcard

import "testing"

// The two wildcard syntaxes share one matcher: LIKE treats `?` and `\` as
// special, KEEP/DROP and KQL field patterns only `*`.
func TestWildcardSyntaxes(t *testing.T) {
	cases := []struct {
		pattern, s string
		like, name bool
	}{
		{"abc", "abc", true, true},
		{"a*", "abc", true, true},
		{"*c", "abc", true, true},
		{"*b*", "abc", true, true},
		{"a*b*c", "abc", true, true},
		{"a*c*c", "abc", false, false},
		{"a?c", "abc", true, false},
		{"a?c", "a?c", true, true},
		{`a\*`, "a*", true, false},
		{`a\*`, `a\x`, false, true},
		{`a\?`, `a\?`, false, true},
		{`a\`, `a\`, true, true},
	}
	for _, tc := range cases {
		if got := Compile(tc.pattern)(tc.s); got != tc.like {
			t.Errorf("LIKE %q on %q = %v, want %v", tc.pattern, tc.s, got, tc.like)
		}
		if got := CompileName(tc.pattern)(tc.s); got != tc.name {
			t.Errorf("name pattern %q on %q = %v, want %v", tc.pattern, tc.s, got, tc.name)
		}
	}
}
