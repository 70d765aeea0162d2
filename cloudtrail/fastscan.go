package cloudtrail

import (
	"encoding/binary"
	"math/bits"
)

// The fast scan: skipValueDepth's result, found with the bitmaps of
// classify.go, for the common case only. It either succeeds, with exactly
// the end offset and the recordCheck facts skipValueDepth would give, or
// gives up (ok false) and the caller runs skipValueDepth, the reference,
// which finds the error, its position and its message. It gives up on
// anything invalid, incomplete or unusual (nesting deeper than 64); it must
// never accept what the reference refuses, which the tests check
// (fastscan_test.go, FuzzFastScan). Records are valid almost always, so
// giving up costs nothing in practice, and the reference stays the one
// definition of the errors.

// idxWords is how many 64-byte blocks a bitIndex covers at once: 16 KiB of
// input, so that its bitmaps stay in the L1 cache and a scan that gives up
// early has classified little in vain.
const idxWords = 256

// fastDepth is the deepest nesting the fast scan follows (one bit per open
// container in a word); deeper values are left to the reference.
const fastDepth = 64

// bitIndex holds the classify bitmaps of a window of one buffer.
type bitIndex struct {
	base int // offset in the buffer of the first byte of the window (a multiple of 64)
	end  int // offset past its last byte; end <= base: no window
	// Twice the window's blocks, though only one word more is used: the
	// word after the last filled one is kept zero, so that specAt and
	// highAt can read two, and a power-of-two length lets the compiler
	// drop the bounds checks.
	spec [2 * idxWords]uint64
	high [2 * idxWords]uint64
	tail [64]byte

	// The fast scan's recordCheck stacks: per open object, one bit per
	// key hash seen and where its keys start in keys.
	masks [fastDepth]uint64
	bases [fastDepth]int32
	keys  [1024]keySpan
}

// tailPad fills the rest of a partial last block.
var tailPad = [64]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}

// reset forgets the window: the next buffer may sit at the same address
// with other contents (bufio reuses its buffer).
func (x *bitIndex) reset() { x.base, x.end = 0, 0 }

// fill classifies the window of b holding offset j (j < len(b)).
func (x *bitIndex) fill(b []byte, j int) {
	x.base = j &^ 63
	n := min((len(b)-x.base)/64, idxWords)
	if n > 0 {
		classify(b[x.base:x.base+64*n], x.spec[:n], x.high[:n])
	}
	x.end = x.base + 64*n
	if n < idxWords && x.end < len(b) {
		// The last, partial block, padded with a byte that is neither
		// special nor high: no bit is set past the end of b.
		t := &x.tail
		copy(t[copy(t[:], b[x.end:]):], tailPad[:])
		classify(t[:], x.spec[n:n+1], x.high[n:n+1])
		x.end = len(b)
		n++
	}
	x.spec[n], x.high[n] = 0, 0
}

// next returns the offset of the first byte at or after j that is '"',
// '\\' or a control character, or len(b) if there is none.
func (x *bitIndex) next(b []byte, j int) int {
	for {
		if j >= x.end || j < x.base {
			if j >= len(b) {
				return len(b)
			}
			x.fill(b, j)
		}
		r := uint(j - x.base)
		if w := x.spec[(r>>6)%idxWords] >> (r & 63); w != 0 {
			return j + bits.TrailingZeros64(w)
		}
		j = x.base + int(r|63) + 1
	}
}

// ascii reports whether b[s:e] has no byte >= 0x80; [s, e) lies in the
// window or the bytes are tested one by one.
func (x *bitIndex) ascii(b []byte, s, e int) bool {
	if s < x.base || e > x.end {
		for _, c := range b[s:e] {
			if c >= 0x80 {
				return false
			}
		}
		return true
	}
	for r, re := uint(s-x.base), uint(e-x.base); r < re; r = (r | 63) + 1 {
		w := x.high[(r>>6)%idxWords] >> (r & 63)
		if n := re - r; n < 64 {
			w &= 1<<n - 1
		}
		if w != 0 {
			return false
		}
	}
	return true
}

// specAt returns the spec bits of the 64 bytes from j, lowest bit first,
// or 0 when j is outside the window (bits past its end are clear). It is
// small enough to be inlined: most strings end within 64 bytes.
func (x *bitIndex) specAt(j int) uint64 {
	r := uint(j - x.base)
	if r >= uint(x.end-x.base) {
		return 0
	}
	k, s := r>>6%idxWords, r&63
	// <<1<<(63-s) is <<(64-s) with both counts below 64, which Go shifts
	// without a test for counts of 64 and more.
	return x.spec[k]>>s | x.spec[(k+1)%(2*idxWords)]<<1<<(63-s)
}

// highAt is specAt for the high bitmap; j must be in the window.
func (x *bitIndex) highAt(j int) uint64 {
	r := uint(j - x.base)
	k, s := r>>6%idxWords, r&63
	return x.high[k%idxWords]>>s | x.high[(k+1)%(2*idxWords)]<<1<<(63-s)
}

// str returns the offset just after the string whose contents start at j,
// or ok false where skipValueDepth would report an error (or eof).
func (x *bitIndex) str(b []byte, j int) (int, bool) {
	if w := x.specAt(j); w != 0 {
		j += bits.TrailingZeros64(w)
	} else {
		j = x.next(b, j)
	}
	if j < len(b) && b[j] == '"' {
		return j + 1, true
	}
	return x.strSlow(b, j)
}

// strSlow is str from j, the first byte that is not plain.
func (x *bitIndex) strSlow(b []byte, j int) (int, bool) {
	for {
		if j >= len(b) {
			return j, false
		}
		switch b[j] {
		case '"':
			return j + 1, true
		case '\\':
			if j+1 >= len(b) {
				return j, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) || !isHex(b[j+5]) {
					return j, false
				}
				j += 6
			default:
				return j, false
			}
		default:
			return j, false
		}
		j = x.next(b, j)
	}
}

// fastSkip is skipValueDepth(b, i, depth, 0, rc) when ok, rc having been
// reset: the end of the value and rc's facts (checked, eventTime). It does
// recordCheck's work itself, on the bitIndex's stacks, and leaves rc's
// other state as it was. With record set, b[i] is an NDJSON line's
// top-level object, which split.go's object treats specially when it has a
// "Records" key (a delivery file) or a digest's keys: the fast scan gives
// up on those.
//
// The state is kept in few variables (the stacks are in x, flags are
// written to rc as they are found): with more, the compiler spilled and
// reloaded most of them at every token.
func (x *bitIndex) fastSkip(b []byte, i, depth int, rc *recordCheck, record bool) (end int, ok bool) {
	limit := min(depth, maxDepth, fastDepth)
	n := 0          // open containers
	var objs uint64 // bit k set: the container at level k+1 is an object
	nk := 0         // keys in x.keys
	next := capNone // what the value being scanned is (recordCheck.next)
	noKeys := false // rc.dup or rc.uncomparable: keys need no more checking
value:
	// Whitespace is tested for only after a byte that may be some: records
	// are mostly compact JSON.
	if i >= len(b) {
		return i, false
	}
	if b[i] <= ' ' {
		if i = skipWS(b, i); i >= len(b) {
			return i, false
		}
	}
	switch b[i] {
	case '"':
		// str, inlined: most strings end within 64 bytes.
		e := i + 1
		if w := x.specAt(e); w != 0 {
			e += bits.TrailingZeros64(w)
		} else {
			e = x.next(b, e)
		}
		escaped := false // strSlow is for a string with a backslash only
		if e < len(b) && b[e] == '"' {
			e++
		} else if e, ok = x.strSlow(b, e); !ok {
			return e, false
		} else {
			escaped = true
		}
		if next != capNone {
			rc.capture(next, b, i, e, escaped)
			next = capNone
		}
		i = e
		goto closed
	case '{', '[':
		c := b[i]
		if n >= limit {
			return i, false
		}
		if n == 1 {
			rc.ident = next == capIdentity
		}
		if next != capNone {
			rc.odd = rc.odd || next >= capField
			next = capNone
		}
		if i++; i >= len(b) {
			return i, false
		}
		if b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return i, false
			}
		}
		if b[i] == c+2 { // '}' is '{'+2, ']' is '['+2
			i++
			goto closed
		}
		if c == '{' {
			objs |= 1 << n
			x.masks[uint(n)%fastDepth], x.bases[uint(n)%fastDepth] = 0, int32(nk)
			n++
			goto key
		}
		objs &^= 1 << n
		n++
		goto value
	case 't':
		if len(b)-i < 4 || string(b[i:i+4]) != "true" {
			return i, false
		}
		i += 4
	case 'f':
		if len(b)-i < 5 || string(b[i:i+5]) != "false" {
			return i, false
		}
		i += 5
	case 'n':
		if len(b)-i < 4 || string(b[i:i+4]) != "null" {
			return i, false
		}
		i += 4
	default:
		if c := b[i]; c != '-' && !isDigit(c) {
			return i, false
		}
		e, err := scanNumber(b, i)
		if err != nil {
			return e, false
		}
		i = e
	}
	if next != capNone {
		rc.odd = rc.odd || next >= capField
		next = capNone
	}
closed:
	// A value is complete: close containers or move to the next element.
	for n > 0 {
		if i >= len(b) {
			return i, false
		}
		if b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return i, false
			}
		}
		obj := objs>>(n-1)&1 != 0
		switch b[i] {
		case ',':
			i++
			if obj {
				goto key
			}
			goto value
		case '}':
			if !obj {
				return i, false
			}
			nk = int(x.bases[uint(n-1)%fastDepth])
		case ']':
			if obj {
				return i, false
			}
		default:
			return i, false
		}
		n--
		i++
	}
	return i, true
key:
	if i >= len(b) {
		return i, false
	}
	if b[i] != '"' {
		if i = skipWS(b, i); i >= len(b) || b[i] != '"' {
			return i, false
		}
	}
	{
		ks := i
		var ke int
		var plain bool
		if w := x.specAt(ks + 1); w != 0 {
			// The key ends within 64 bytes: its bytes are ASCII if the
			// high bits below its end are clear.
			t := bits.TrailingZeros64(w)
			ke = ks + 1 + t
			plain = b[ke] == '"' && x.highAt(ks+1)&(1<<t-1) == 0
		} else {
			ke = x.next(b, ks+1)
			if ke >= len(b) {
				return ke, false
			}
			plain = b[ke] == '"' && x.ascii(b, ks+1, ke)
		}
		if plain {
			ke++
		} else {
			var ok bool
			if ke, ok = x.strSlow(b, ke); !ok {
				return ke, false
			}
		}
		i = ke
		if i >= len(b) {
			return i, false
		}
		if b[i] != ':' {
			if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
				return i, false
			}
		}
		i++
		klen := ke - ks - 2
		if n == 1 && record && uint(klen) < 64 && 1<<klen&topKeyLens != 0 && topKeyOfObject(b[ks+1:ke-1]) {
			return i, false
		}
		// recordCheck.key, inlined.
		if noKeys {
			goto value
		}
		if !plain {
			rc.uncomparable, noKeys = true, true
			goto value
		}
		base := int(x.bases[uint(n-1)%fastDepth])
		if nk-base >= bigObject || nk >= len(x.keys) {
			return i, false // recordCheck's sets: left to the reference
		}
		var h uint64
		if ks+9 <= len(b) {
			// keyHash, inlined for the usual case of a word to read.
			lo := binary.LittleEndian.Uint64(b[ks+1:]) & keyWordMask[min(uint(klen), 8)]
			h = (lo ^ uint64(klen)<<56) * 0x9e3779b97f4a7c15
		} else {
			h = keyHash(b, ks+1, ke-1)
		}
		// The known fields (recordCheck.key), found by the key's hash:
		// they matter only in a record whose keys are all checked.
		switch {
		case n == 1:
			if topKeyHashes[h>>58] == h {
				next = topCapture(b[ks+1 : ke-1])
			}
		case n == 2 && (klen == 4 || klen == 11) && rc.ident:
			next = identityCapture(b[ks+1 : ke-1])
		}
		bit := uint64(1) << (h >> 58)
		if m := &x.masks[uint(n-1)%fastDepth]; *m&bit == 0 {
			*m |= bit
		} else if x.dupKey(b, base, nk, ks+1, ke-1, h) {
			rc.dup, noKeys = true, true
			goto value
		} else {
			*m |= bit
		}
		x.keys[nk] = keySpan{ks + 1, ke - 1, h}
		nk++
	}
	goto value
}

// dupKey reports whether x.keys[base:nk] holds the key b[s:e] of hash h.
func (x *bitIndex) dupKey(b []byte, base, nk, s, e int, h uint64) bool {
	for _, p := range x.keys[base:nk] {
		if p.h == h && string(b[p.s:p.e]) == string(b[s:e]) {
			return true
		}
	}
	return false
}

// keyWordMask[n] keeps the first n bytes of a little-endian word.
var keyWordMask = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ^uint64(0)}

// topKeyLens has bit n set for the lengths of topKeyOfObject's keys.
const topKeyLens = 1<<len("Records") | 1<<len("digestPublicKeyFingerprint") | 1<<len("digestStartTime") | 1<<len("digestEndTime")

// topKeyOfObject reports the top-level keys that make split.go's object
// more than a record: a delivery file's "Records", a digest's keys.
func topKeyOfObject(k []byte) bool {
	switch len(k) {
	case len("Records"), len("digestPublicKeyFingerprint"), len("digestStartTime"), len("digestEndTime"):
		switch string(k) {
		case "Records", "digestPublicKeyFingerprint", "digestStartTime", "digestEndTime":
			return true
		}
	}
	return false
}
