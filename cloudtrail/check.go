package cloudtrail

import (
	"bytes"
	"encoding/binary"
)

// recordCheck gathers, during the one scan that splits a record out of its
// file, the facts the mapper would otherwise have to parse the record again
// to learn: whether some object has the same key twice (Elasticsearch's json
// processor rejects such a document) and where the top-level "eventTime"
// string is. Most records of a trail are rejected by every rule's prefilter;
// with these facts the caller can validate them without parsing them
// (Record.Checked, Record.EventTime).
//
// Keys are compared as raw bytes. A key holding an escape or a non-ASCII
// byte could equal another one only after unescaping or UTF-8 repair, so
// such a record is left unchecked and the mapper decides.
type recordCheck struct {
	keys  []keySpan // keys of the objects open now, outermost first
	base  []int     // per open container: index in keys of its first key
	masks []uint64  // per open container: one bit per key signature seen
	// sets, per open container, holds the keys of an object that has more
	// than bigObject of them: comparing with every earlier key of the same
	// signature would make a hostile record with a million keys quadratic.
	sets []map[string]struct{}

	uncomparable bool   // a key needs unescaping or repair before comparison
	dup          bool   // some object has a key twice
	et           []byte // eventTime's string contents, if any and unescaped

	// The known fields (Record.Known): next is what the value being
	// scanned is (a capture), ident that the container open at depth 2 is
	// userIdentity's, odd that a known key holds something else than a
	// string without escapes.
	next  capture
	ident bool
	odd   bool
	known Known // its OK is set by knownFields
}

// keySpan is a key's contents (without quotes) in the scanned buffer, and
// its keyHash.
type keySpan struct {
	s, e int
	h    uint64
}

// reset prepares for a new record.
func (c *recordCheck) reset() {
	c.keys, c.base, c.masks = c.keys[:0], c.base[:0], c.masks[:0]
	clear(c.sets)
	c.sets = c.sets[:0]
	c.uncomparable, c.dup = false, false
	c.et = nil
	c.next, c.ident, c.odd = capNone, false, false
	c.known.Values = [NumKnown][]byte{}
}

// open enters a non-empty object or array.
func (c *recordCheck) open() {
	if len(c.base) == 1 {
		c.ident = c.next == capIdentity
	}
	c.notString()
	c.base = append(c.base, len(c.keys))
	c.masks = append(c.masks, 0)
	c.sets = append(c.sets, nil)
}

// close leaves the innermost container.
func (c *recordCheck) close() {
	n := len(c.base) - 1
	c.keys = c.keys[:c.base[n]]
	c.sets[n] = nil
	c.base, c.masks, c.sets = c.base[:n], c.masks[:n], c.sets[:n]
}

// bigObject is the number of keys past which an object's keys are checked
// with a set (recordCheck.sets) rather than by signature.
const bigObject = 32

// key notes the key b[ks:ke] (with its quotes) of the innermost object;
// plain is scanKey's: the key has no escape and no non-ASCII byte.
func (c *recordCheck) key(b []byte, ks, ke int, plain bool) {
	k := b[ks+1 : ke-1]
	switch {
	case len(c.base) == 1:
		c.next = topCapture(k)
	case len(c.base) == 2 && c.ident:
		c.next = identityCapture(k)
	default:
		c.next = capNone
	}
	if c.dup || c.uncomparable {
		return
	}
	if !plain {
		c.uncomparable = true
		return
	}
	// A hash of the key selects, by one bit of a word per object, the
	// keys worth comparing: with 20 keys an object has about three pairs
	// sharing a bit, and the full hash tells those apart before any bytes
	// are compared.
	h := keyHash(b, ks+1, ke-1)
	bit := uint64(1) << (h >> 58)
	n := len(c.masks) - 1
	if cnt := len(c.keys) - c.base[n]; cnt >= bigObject {
		set := c.sets[n]
		if set == nil {
			set = make(map[string]struct{}, 2*cnt)
			for _, p := range c.keys[c.base[n]:] {
				set[string(b[p.s:p.e])] = struct{}{}
			}
			c.sets[n] = set
		}
		if _, ok := set[string(k)]; ok {
			c.dup = true
			return
		}
		set[string(k)] = struct{}{}
		c.keys = append(c.keys, keySpan{ks + 1, ke - 1, h})
		return
	}
	if c.masks[n]&bit != 0 {
		for _, p := range c.keys[c.base[n]:] {
			if p.h == h && string(b[p.s:p.e]) == string(k) {
				c.dup = true
				return
			}
		}
	}
	c.masks[n] |= bit
	c.keys = append(c.keys, keySpan{ks + 1, ke - 1, h})
}

// keyHash hashes the key b[s:e] from its length and its first eight bytes,
// read as a word (a key is followed by at least '"' and ':', so the word is
// read past e, and masked, when it fits in b). Keys that share both are
// told apart by their bytes.
func keyHash(b []byte, s, e int) uint64 {
	n := e - s
	var lo uint64
	switch {
	case n >= 8:
		lo = binary.LittleEndian.Uint64(b[s:])
	case s+8 <= len(b):
		lo = binary.LittleEndian.Uint64(b[s:]) & (^uint64(0) >> (64 - 8*uint(n)))
	default:
		for i, c := range b[s:e] {
			lo |= uint64(c) << (8 * i)
		}
	}
	return (lo ^ uint64(n)<<56) * 0x9e3779b97f4a7c15
}

// str notes a string value b[s:e] (with its quotes).
func (c *recordCheck) str(b []byte, s, e int) {
	if c.next != capNone {
		c.capture(c.next, b, s, e, bytes.IndexByte(b[s+1:e-1], '\\') >= 0)
	}
}

// scalar notes a value that is not a string or a non-empty container.
func (c *recordCheck) scalar() {
	c.notString()
}

// notString notes that the value being scanned is not a string: a known
// key holding one is odd.
func (c *recordCheck) notString() {
	if c.next >= capField {
		c.odd = true
	}
	c.next = capNone
}

// capture notes the string value b[s:e] (with its quotes, and escapes if
// escaped) of eventTime or a known key, as next says.
func (c *recordCheck) capture(next capture, b []byte, s, e int, escaped bool) {
	switch {
	case next == capTime:
		if !escaped {
			c.et = b[s+1 : e-1 : e-1]
		}
	case next < capField:
	case escaped:
		c.odd = true
	default:
		c.known.Values[next-capField] = b[s:e:e]
	}
	c.next = capNone
}

// checked reports whether the record passed every check.
func (c *recordCheck) checked() bool { return !c.dup && !c.uncomparable }

// knownFields returns Record.Known, which is valid until the next reset.
func (c *recordCheck) knownFields() *Known {
	c.known.OK = c.checked() && c.et != nil && !c.odd
	return &c.known
}

// eventTime returns the text of the top-level eventTime string, or nil.
func (c *recordCheck) eventTime() []byte {
	if !c.checked() {
		return nil
	}
	return c.et
}
