package multimatch

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Anchored finds which of its patterns occur in a text, for patterns that
// nearly all begin with one anchor byte: the rules' prefilter literals are
// JSON strings (`"GetSecretValue"`, `"iam.amazonaws.com"`, `"Describe`), so
// they can only start at a quote.
//
// Instead of stepping an automaton through every byte, it visits the anchor
// bytes only (eight bytes at a time), and at each tests the three bytes
// after it against a 64 Kbit bitmap that fits in the first-level cache;
// only the few anchors whose bit is set look up their candidate patterns
// and compare them. On CloudTrail records this is several times faster than
// Matcher, whose DFA, spread over hundreds of states, misses the cache on
// nearly every byte (BenchmarkRuleFilters in package detect).
//
// Patterns that do not begin with the anchor, or are shorter than four
// bytes, are searched for one by one (bytes.Index): they are expected to be
// few. It is safe for concurrent use; the caller owns the found sets.
type Anchored struct {
	anchor byte
	bloom  [1 << 16 / 64]uint64 // bit per hash of the three bytes after an anchor
	heads  map[uint32][]int     // those three bytes -> indexes in pats
	pats   []string
	ids    []int32
	loose  []int    // indexes in pats searched for one by one
	looseB [][]byte // their text
}

// anchoredHead is the length of the text after the anchor that selects
// candidates.
const anchoredHead = 3

// NewAnchored builds the matcher; ids[i] is reported for patterns[i].
// Patterns must be non-empty and ids small: they index bit sets.
func NewAnchored(anchor byte, patterns []string, ids []int32) *Anchored {
	a := &Anchored{anchor: anchor, heads: map[uint32][]int{}, pats: patterns, ids: ids}
	for i, p := range patterns {
		if len(p) < 1+anchoredHead || p[0] != anchor {
			a.loose = append(a.loose, i)
			a.looseB = append(a.looseB, []byte(p))
			continue
		}
		h := head3(p[1], p[2], p[3])
		a.heads[h] = append(a.heads[h], i)
		b := bloomBit(h)
		a.bloom[b>>6] |= 1 << (b & 63)
	}
	return a
}

func head3(a, b, c byte) uint32 { return uint32(a) | uint32(b)<<8 | uint32(c)<<16 }

// bloomBit spreads the 24-bit head over the bitmap's 16 bits.
func bloomBit(h uint32) uint32 { return (h * 0x9E3779B1) >> 16 }

// Scan sets found's bit id for each pattern that occurs in text (found
// must hold a bit for every id; bits already set stay set).
func (a *Anchored) Scan(text []byte, found []uint64) {
	for j, i := range a.loose {
		if bytes.Contains(text, a.looseB[j]) {
			setBit(found, a.ids[i])
		}
	}
	// Anchors whose head fits in the text; the last few are tested
	// one by one below.
	end := len(text) - anchoredHead
	pat := uint64(a.anchor) * 0x0101010101010101
	i := 0
	for ; i+8 <= len(text); i += 8 {
		// Bytes equal to the anchor, found eight at a time: the classic
		// "has zero byte" test on x XOR anchor, exact (no false
		// positives) in this form.
		x := binary.LittleEndian.Uint64(text[i:]) ^ pat
		m := (x - 0x0101010101010101) &^ x & 0x8080808080808080
		if m == 0 {
			continue
		}
		// A borrow from a zero byte may mark the byte above it: confirm
		// each candidate byte.
		for m != 0 {
			k := i + bits.TrailingZeros64(m)>>3
			m &= m - 1
			if k >= end || text[k] != a.anchor {
				continue
			}
			// The bitmap test, inline: most anchors stop here.
			h := head3(text[k+1], text[k+2], text[k+3])
			if b := bloomBit(h); a.bloom[b>>6]&(1<<(b&63)) != 0 {
				a.candidates(text, k, h, found)
			}
		}
	}
	for ; i < end; i++ {
		if text[i] == a.anchor {
			a.at(text, i, found)
		}
	}
}

// at tests the patterns that may start at the anchor text[k].
func (a *Anchored) at(text []byte, k int, found []uint64) {
	h := head3(text[k+1], text[k+2], text[k+3])
	b := bloomBit(h)
	if a.bloom[b>>6]&(1<<(b&63)) == 0 {
		return
	}
	a.candidates(text, k, h, found)
}

// candidates compares the patterns whose head is h with the text at the
// anchor text[k].
func (a *Anchored) candidates(text []byte, k int, h uint32, found []uint64) {
	for _, pi := range a.heads[h] {
		p := a.pats[pi]
		if len(text)-k >= len(p) && string(text[k:k+len(p)]) == p {
			setBit(found, a.ids[pi])
		}
	}
}

func setBit(found []uint64, id int32) { found[id>>6] |= 1 << (id & 63) }
