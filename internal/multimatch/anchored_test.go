package multimatch

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// anchoredPatterns mixes what the rules' prefilters give: quoted literals
// (exact and prefixes), literals sharing their first bytes after the quote,
// a short quoted one and one without the anchor.
var anchoredPatterns = []string{
	`"GetSecretValue"`, `"GetSecretValues"`, `"Get`, `"Describe`, `"iam.amazonaws.com"`,
	`"ab"`, `"a`, `aws-cli`, `"AssumedRole"`, `"AssumeRoleWithWebIdentity"`,
}

// wantFound is the reference: strings.Contains for each pattern.
func wantFound(text string, pats []string) uint64 {
	var w uint64
	for i, p := range pats {
		if strings.Contains(text, p) {
			w |= 1 << i
		}
	}
	return w
}

func anchoredIDs(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

// Anchored finds what strings.Contains finds: patterns at the start and
// the very end of the text, overlapping ones, anchors at every offset of
// the eight-byte steps, and anchors next to bytes that borrow in the
// zero-byte test (0x21, one below the quote).
func TestAnchored(t *testing.T) {
	a := NewAnchored('"', anchoredPatterns, anchoredIDs(len(anchoredPatterns)))
	texts := []string{
		"", `"`, `"a`, `"ab"`, `"Get`, `x"Get`, `"GetSecretValue"`, `"GetSecretValues"`,
		`{"eventName":"GetSecretValue","userAgent":"aws-cli/2.0"}`,
		`{"type":"AssumedRole","eventName":"AssumeRoleWithWebIdentity"}`,
		`!"!"!"Describe!!!!!!!!"iam.amazonaws.com"`,
		`"""""""""""""""""""""""""""""""""GetSecretValue"`,
		`{"eventSource":"iam.amazonaws.com\"}`, `"iam.amazonaws.co`, `"GetSecretValue`,
	}
	for pad := 0; pad < 9; pad++ {
		texts = append(texts, strings.Repeat(" ", pad)+`"Describe`, strings.Repeat("!", pad)+`"ab"`+strings.Repeat("!", pad))
	}
	for _, s := range texts {
		found := make([]uint64, 1)
		a.Scan([]byte(s), found)
		if want := wantFound(s, anchoredPatterns); found[0] != want {
			t.Errorf("Scan(%q) = %b, want %b", s, found[0], want)
		}
	}
}

// Random texts over an alphabet rich in the patterns' bytes agree with
// the reference.
func TestAnchoredRandom(t *testing.T) {
	a := NewAnchored('"', anchoredPatterns, anchoredIDs(len(anchoredPatterns)))
	r := rand.New(rand.NewPCG(1, 2))
	pieces := append([]string{`"`, "!", "a", "b", "G", "e", "t", " ", "\\", "\x00", "\xff"}, anchoredPatterns...)
	for range 20000 {
		var b strings.Builder
		for range r.IntN(40) {
			p := pieces[r.IntN(len(pieces))]
			if len(p) > 1 && r.IntN(3) == 0 {
				p = p[:r.IntN(len(p))] // a cut pattern must not be found
			}
			b.WriteString(p)
		}
		s := b.String()
		found := make([]uint64, 1)
		a.Scan([]byte(s), found)
		if want := wantFound(s, anchoredPatterns); found[0] != want {
			t.Fatalf("Scan(%q) = %b, want %b", s, found[0], want)
		}
	}
}

// FuzzAnchored checks Scan against strings.Contains on any text.
func FuzzAnchored(f *testing.F) {
	f.Add(`{"eventName":"GetSecretValue","userAgent":"aws-cli/2.0"}`)
	a := NewAnchored('"', anchoredPatterns, anchoredIDs(len(anchoredPatterns)))
	f.Fuzz(func(t *testing.T, s string) {
		found := make([]uint64, 1)
		a.Scan([]byte(s), found)
		if want := wantFound(s, anchoredPatterns); found[0] != want {
			t.Fatalf("Scan(%q) = %b, want %b", s, found[0], want)
		}
	})
}
