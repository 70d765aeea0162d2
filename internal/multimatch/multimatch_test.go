package multimatch

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// Every pattern occurring in the text is found, overlapping or nested, by
// Scan and ScanBytes alike, with or without a list.
func TestMatcher(t *testing.T) {
	pats := []string{"he", "she", "his", "hers", "usher", `"GetObject"`, "aws-cli"}
	ids := make([]int32, len(pats))
	for i := range ids {
		ids[i] = int32(i)
	}
	m := New(pats, ids)
	for _, s := range []string{"", "ushers", "USHERS", `{"eventName":"GetObject","userAgent":"aws-cli/2"}`, "hishe", "xyz"} {
		var want []string
		for _, p := range pats {
			if strings.Contains(s, p) {
				want = append(want, p)
			}
		}
		sort.Strings(want)
		found := make([]uint64, 1)
		var list []int32
		m.Scan(s, found, &list)
		var got []string
		for _, id := range list {
			got = append(got, pats[id])
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Scan(%q) = %v, want %v", s, got, want)
		}
		bytesFound := make([]uint64, 1)
		m.ScanBytes([]byte(s), bytesFound, nil)
		if bytesFound[0] != found[0] {
			t.Errorf("ScanBytes(%q) = %b, Scan %b", s, bytesFound[0], found[0])
		}
	}
}

// Random patterns over a small alphabet (many shared prefixes and
// suffixes, nested and overlapping matches) against strings.Contains.
func TestMatcherRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcA\x00\xff"[r.IntN(6)]
		}
		return string(b)
	}
	for range 200 {
		seen := map[string]bool{}
		var pats []string
		var ids []int32
		for range 1 + r.IntN(40) {
			p := word(1 + r.IntN(6))
			if !seen[p] {
				seen[p] = true
				pats = append(pats, p)
				ids = append(ids, int32(len(ids)))
			}
		}
		m := New(pats, ids)
		for range 20 {
			s := word(r.IntN(30))
			found := make([]uint64, 1)
			m.Scan(s, found, nil)
			var want uint64
			for i, p := range pats {
				if strings.Contains(s, p) {
					want |= 1 << i
				}
			}
			if found[0] != want {
				t.Fatalf("patterns %q: Scan(%q) = %b, want %b", pats, s, found[0], want)
			}
		}
	}
}
