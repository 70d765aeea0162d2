package detect

import "bytes"

// A needle is a literal that prefilters look for in raw records. Searching
// for its rarest byte with bytes.IndexByte (vectorised) and comparing the
// literal around each hit is several times faster than bytes.Contains on
// CloudTrail JSON, whose literals start with common bytes ('"', 'a', ...):
// BenchmarkPrefilterNeedle.
type needle struct {
	s []byte
	k int // index in s of its rarest byte
	// field is where the literal is when the predicate it comes from holds:
	// in the JSON string of a known field (in its quotes), or anywhere.
	field knownField
}

// byteRank orders printable ASCII from most to least frequent in CloudTrail
// JSON (measured on the bench corpus); bytes not listed are rarer still.
const byteRank = "\"east:nroic,1d0lmu-2.98pA763v4 Iy5Sgfw/bTRDC{}hPH_EOLzMVNGxZ#qBKkWFUXQJY+()@j[]\\%*=$?!&';<>^`|~"

// rarity is a byte's position in byteRank (higher is rarer).
var rarity = func() (t [256]int) {
	for c := range t {
		t[c] = len(byteRank)
	}
	for i := 0; i < len(byteRank); i++ {
		t[byteRank[i]] = i
	}
	return t
}()

func newNeedle(s []byte) needle {
	k := 0
	for i, c := range s {
		if rarity[c] > rarity[s[k]] {
			k = i
		}
	}
	return needle{s: s, k: k, field: anywhere}
}

// newFieldNeedle is a needle for literal s in field f.
func newFieldNeedle(s string, f knownField) needle {
	n := newNeedle([]byte(s))
	n.field = f
	return n
}

// in reports whether the needle occurs in b.
func (n needle) in(b []byte) bool {
	if len(n.s) == 0 {
		return true
	}
	c := n.s[n.k]
	for i := n.k; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], c)
		if j < 0 {
			return false
		}
		i += j
		if start := i - n.k; start+len(n.s) <= len(b) && string(b[start:start+len(n.s)]) == string(n.s) {
			return true
		}
	}
	return false
}
