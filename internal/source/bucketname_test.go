package source

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// validBucketName is the regexp it documents, on edge cases and random
// names (lengths around the limits, bytes in and out of the set, UTF-8).
func TestValidBucketNameIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$`)
	names := []string{"", "a", "ab", "-ab", ".ab", "a-", "a_b.c-d", "A\n", "ab\n", "aé", "é1",
		strings.Repeat("a", 255), strings.Repeat("a", 256), "a" + strings.Repeat("-", 254)}
	r := rand.New(rand.NewPCG(5, 6))
	const set = "aZ09._-/ \x00\xffé"
	for range 20000 {
		n := r.IntN(8)
		if r.IntN(10) == 0 {
			n = 250 + r.IntN(10)
		}
		var b strings.Builder
		for range n {
			b.WriteByte(set[r.IntN(len(set))])
		}
		names = append(names, b.String())
	}
	for _, s := range names {
		if got, want := validBucketName(s), re.MatchString(s); got != want {
			t.Fatalf("validBucketName(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}
