package fuzzy

import "testing"

// TestEditDistance checks fuzzy matching: Damerau-Levenshtein with
// transpositions by default, prefix_length, AUTO fuzziness by length.
func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b   string
		max    int
		prefix int
		transp bool
		want   bool
	}{
		{"svchost.exe", "svchost.exe", 1, 0, true, true},
		{"svchost.exe", "svhost.exe", 1, 0, true, true},   // deletion
		{"svchost.exe", "svchosts.exe", 1, 0, true, true}, // insertion
		{"svchost.exe", "svchost.exa", 1, 0, true, true},  // substitution
		{"svchost.exe", "scvhost.exe", 1, 0, true, true},  // transposition
		{"svchost.exe", "scvhost.exe", 1, 0, false, false},
		{"svchost.exe", "scvhost.exe", 2, 0, false, true},
		{"svchost.exe", "svhost.ex", 1, 0, true, false},
		{"svchost.exe", "xvchost.exe", 1, 1, true, false}, // the prefix is literal
		{"svchost.exe", "svchost.exx", 1, 1, true, true},
		{"ab", "ab", 2, 3, true, true},
		{"ab", "ac", 2, 3, true, false}, // no longer than the prefix: exact
		{"héllo", "hello", 1, 0, true, true},
	}
	for _, tt := range tests {
		ft := &Term{Term: []rune(tt.a), Edits: tt.max, Prefix: tt.prefix, Transpositions: tt.transp}
		if got := ft.Match(tt.b); got != tt.want {
			t.Errorf("fuzzy(%q, %q, edits=%d, prefix=%d, transpositions=%v) = %v", tt.a, tt.b, tt.max, tt.prefix, tt.transp, got)
		}
	}
	auto, _ := ParseFuzziness("AUTO")
	for term, want := range map[string]int{"ab": 0, "abc": 1, "abcde": 1, "abcdef": 2} {
		if got := auto.MaxEdits(term); got != want {
			t.Errorf("AUTO edits for %q = %d, want %d", term, got, want)
		}
	}
	custom, _ := ParseFuzziness("auto:2,4")
	if custom.MaxEdits("a") != 0 || custom.MaxEdits("ab") != 1 || custom.MaxEdits("abcd") != 2 {
		t.Errorf("AUTO:2,4 is wrong: %+v", custom)
	}
	for _, bad := range []string{"3", "-1", "x", "AUTO:5,2", "1.5"} {
		if _, err := ParseFuzziness(bad); err == nil {
			t.Errorf("ParseFuzziness(%q) accepted", bad)
		}
	}
}
