package ecs

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// aws.cloudtrail.request_parameters and friends are `ctx.json.X.toString()` in
// Painless (docs/cloudtrail-ecs-mapping.md §7), i.e. Java AbstractMap.toString() of the java.util.HashMap the
// ES json processor built, after the purge:
//   map  -> {k1=v1, k2=v2}   (no quoting or escaping)
//   list -> [a, b]
//   numbers: integers in decimal, JSON floating numbers as Java Double.toString
// Key order is HashMap iteration order: ascending bucket index, insertion (=
// source) order inside a bucket. The table capacity is computed from the key
// count as parsed, before the purge, because in-place removal never shrinks it.
// shared/tools/java_map_tostring.py is the executable reference this ports.

// appendJava appends Java's toString() of a value that survives the purge.
func appendJava(dst []byte, v *fastjson.Value) []byte {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return append(dst, b...)
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	case fastjson.TypeNumber:
		return javaNumber(dst, v)
	case fastjson.TypeNull:
		return append(dst, "null"...)
	case fastjson.TypeArray:
		a, _ := v.Array()
		dst = append(dst, '[')
		first := true
		for _, c := range a {
			if !present(c) {
				continue
			}
			if !first {
				dst = append(dst, ", "...)
			}
			first = false
			dst = appendJava(dst, c)
		}
		return append(dst, ']')
	case fastjson.TypeObject:
		return appendJavaMap(dst, v, "")
	}
	return dst
}

// mapEntry is one key of a parsed object with its HashMap bucket.
type mapEntry struct {
	bucket uint32
	key    []byte
	val    *fastjson.Value
}

// appendJavaMap renders an object in HashMap order. skip names one top-level key
// to leave out (the UserAuthentication rename of additionalEventData.UserName,
// docs/cloudtrail-ecs-mapping.md §7); the skipped key still counts towards the capacity, as it was parsed.
func appendJavaMap(dst []byte, v *fastjson.Value, skip string) []byte {
	o, _ := v.Object()
	entries := orderedEntries(o)
	dst = append(dst, '{')
	first := true
	for _, e := range entries {
		if !present(e.val) || (skip != "" && string(e.key) == skip) {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = append(dst, e.key...)
		dst = append(dst, '=')
		dst = appendJava(dst, e.val)
	}
	return append(dst, '}')
}

// orderedEntries lists the entries of o in java.util.HashMap iteration order.
// Keys are unique: Map rejects records with duplicate keys (see duplicateKey).
func orderedEntries(o *fastjson.Object) []mapEntry {
	entries := make([]mapEntry, 0, o.Len())
	o.Visit(func(k []byte, c *fastjson.Value) {
		entries = append(entries, mapEntry{key: k, val: c})
	})
	capacity := hashMapCapacity(len(entries))
	for i := range entries {
		entries[i].bucket = hashMapBucket(javaStringHash(entries[i].key), capacity)
	}
	// Stable: ties keep insertion order, as chained HashMap bins do.
	slices.SortStableFunc(entries, func(a, b mapEntry) int {
		switch {
		case a.bucket < b.bucket:
			return -1
		case a.bucket > b.bucket:
			return 1
		}
		return 0
	})
	return entries
}

// hashMapCapacity is the table size of a java.util.HashMap after n puts into a
// default (16, 0.75) map: doubled while n exceeds 3/4 of it.
func hashMapCapacity(n int) uint32 {
	c := uint32(16)
	for n > int(c/4*3) && c < 1<<30 {
		c *= 2
	}
	return c
}

// hashMapBucket is HashMap's index for hash code h: (h ^ (h >>> 16)) & (cap-1).
func hashMapBucket(h int32, capacity uint32) uint32 {
	u := uint32(h)
	return (u ^ (u >> 16)) & (capacity - 1)
}

// javaStringHash is java.lang.String.hashCode over the UTF-16 code units of the
// (UTF-8) key; invalid UTF-8 bytes count as U+FFFD, as a Java decoder makes them.
func javaStringHash(s []byte) int32 {
	var h int32
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		s = s[size:]
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// javaNumber appends a JSON number as Java prints the value Jackson made of it:
// integer literals as decimal integers (Integer/Long/BigInteger), anything with a
// fraction or exponent as Double.toString.
func javaNumber(dst []byte, v *fastjson.Value) []byte {
	raw := v.MarshalTo(nil)
	if isIntegerLiteral(raw) {
		// Canonical decimal: no leading zeros, "-0" is 0.
		neg := raw[0] == '-'
		digits := raw
		if neg {
			digits = raw[1:]
		}
		i := 0
		for i < len(digits)-1 && digits[i] == '0' {
			i++
		}
		digits = digits[i:]
		if neg && !(len(digits) == 1 && digits[0] == '0') {
			dst = append(dst, '-')
		}
		return append(dst, digits...)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !math.IsInf(f, 0) {
		return append(dst, raw...)
	}
	return appendJavaDouble(dst, f)
}

// appendJavaDouble appends Java's Double.toString(d) (JDK 19+, shortest
// round-trip digits): plain notation with at least one fraction digit for
// 1e-3 <= |d| < 1e7, otherwise computerized scientific notation "d.dddE±n".
func appendJavaDouble(dst []byte, d float64) []byte {
	switch {
	case math.IsNaN(d):
		return append(dst, "NaN"...)
	case math.IsInf(d, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(d, -1):
		return append(dst, "-Infinity"...)
	case d == 0:
		if math.Signbit(d) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if d < 0 {
		dst = append(dst, '-')
		d = -d
	}
	// Shortest digits and decimal exponent: 'e' format gives d.ddde±XX.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], d, 'e', -1, 64)
	var digits []byte
	exp := 0
	for i, c := range e {
		if c == 'e' {
			n, _ := strconv.Atoi(string(e[i+1:]))
			exp = n
			break
		}
		if c != '.' {
			digits = append(digits, c)
		}
	}
	// Trim trailing zeros of the significand (keep one digit).
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if d >= 1e-3 && d < 1e7 {
		point := exp + 1 // digits before the decimal point
		switch {
		case point <= 0:
			dst = append(dst, "0."...)
			for i := 0; i < -point; i++ {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		case point >= len(digits):
			dst = append(dst, digits...)
			for i := len(digits); i < point; i++ {
				dst = append(dst, '0')
			}
			return append(dst, ".0"...)
		default:
			dst = append(dst, digits[:point]...)
			dst = append(dst, '.')
			return append(dst, digits[point:]...)
		}
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}
