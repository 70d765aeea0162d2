package multimatch

import (
	"fmt"
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
