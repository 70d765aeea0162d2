package esql

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
)

// compareScalar orders two single, non-null values of comparable types. ok
// is false when the types cannot be compared. Numbers compare across
// integer/long/unsigned_long/double; keyword and text compare by UTF-8 bytes
// (Lucene BytesRef order); ip by its 16-byte form; version by version
// precedence; boolean false < true; datetime and date_nanos by instant.
func compareScalar(a, b Value) (c int, ok bool) {
	if a.t == b.t {
		switch a.t {
		case Integer, Long, Datetime, DateNanos, TimeDuration:
			return cmpInt(int64(a.n), int64(b.n)), true
		case UnsignedLong, Boolean:
			return cmpUint(a.n, b.n), true
		case Double:
			return cmpFloat(math.Float64frombits(a.n), math.Float64frombits(b.n)), true
		case Keyword, Text, IP:
			return strings.Compare(a.s, b.s), true
		case Version:
			return compareVersions(a.s, b.s), true
		case GeoPoint:
			// Only == and != are defined on points (Equals has a geometry
			// evaluator, LessThan has none); the text order just makes
			// them deterministic.
			return strings.Compare(a.s, b.s), true
		case DatePeriod:
			return cmpUint(a.n, b.n), a.n == b.n
		}
		return 0, false
	}
	switch {
	case isNumeric(a.t) && isNumeric(b.t):
		return compareNumbers(a, b), true
	case isString(a.t) && isString(b.t):
		return strings.Compare(a.s, b.s), true
	case isDate(a.t) && isDate(b.t):
		return compareDates(a, b), true
	}
	return 0, false
}

func cmpInt(a, b int64) int   { return cmp.Compare(a, b) }
func cmpUint(a, b uint64) int { return cmp.Compare(a, b) }

// cmpFloat orders doubles; unlike cmp.Compare it treats NaN as equal to
// everything rather than least.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareNumbers compares numbers of different numeric types exactly where
// possible (long vs unsigned_long) and as doubles when one side is a double,
// which is how ES|QL widens mixed comparisons.
func compareNumbers(a, b Value) int {
	if a.t == Double || b.t == Double {
		return cmpFloat(a.AsFloat(), b.AsFloat())
	}
	if a.t == UnsignedLong {
		if int64(b.n) < 0 {
			return 1
		}
		return cmpUint(a.n, uint64(int64(b.n)))
	}
	if b.t == UnsignedLong {
		if int64(a.n) < 0 {
			return -1
		}
		return cmpUint(uint64(int64(a.n)), b.n)
	}
	return cmpInt(int64(a.n), int64(b.n))
}

// compareDates compares a datetime (ms) with a date_nanos (ns) by instant.
func compareDates(a, b Value) int {
	an, bn := int64(a.n), int64(b.n)
	if a.t == Datetime {
		if c := cmpInt(floorDiv(bn, 1e6), an); c != 0 {
			return -c
		}
		return cmpInt(0, floorMod(bn, 1e6))
	}
	if c := cmpInt(floorDiv(an, 1e6), bn); c != 0 {
		return c
	}
	return cmpInt(floorMod(an, 1e6), 0)
}

// equalScalar reports whether two single non-null values are equal under
// ES|QL's == (after numeric widening).
func equalScalar(a, b Value) (eq bool, ok bool) {
	c, ok := compareScalar(a, b)
	return c == 0, ok
}

// compareVersions orders version strings the way the version field type does
// (semantic-version precedence; numeric identifiers compare numerically,
// pre-release versions sort before the release). Non-semver strings fall
// back to byte order after the valid ones.
func compareVersions(a, b string) int {
	if a == b {
		return 0
	}
	amain, apre, _ := strings.Cut(stripBuild(a), "-")
	bmain, bpre, _ := strings.Cut(stripBuild(b), "-")
	if c := compareDotted(amain, bmain); c != 0 {
		return c
	}
	switch {
	case apre == "" && bpre != "":
		return 1
	case apre != "" && bpre == "":
		return -1
	}
	if c := compareDotted(apre, bpre); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func stripBuild(s string) string {
	if i := strings.IndexByte(s, '+'); i >= 0 {
		return s[:i]
	}
	return s
}

func compareDotted(a, b string) int {
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		an, aerr := strconv.ParseUint(ap[i], 10, 64)
		bn, berr := strconv.ParseUint(bp[i], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			if c := cmpUint(an, bn); c != 0 {
				return c
			}
		case aerr == nil:
			return -1 // numeric identifiers sort before alphanumeric ones
		case berr == nil:
			return 1
		default:
			if c := strings.Compare(ap[i], bp[i]); c != 0 {
				return c
			}
		}
	}
	return cmpInt(int64(len(ap)), int64(len(bp)))
}

// appendKey appends a binary encoding of v that is equal for equal values
// of one column, for hashing STATS groups and distinct sets. Numbers are
// encoded by type, so 1 (integer) and 1 (long) differ: a column has one type.
func appendKey(dst []byte, v Value) []byte {
	if v.mv != nil {
		dst = append(dst, 0xff)
		dst = binary.AppendUvarint(dst, uint64(len(*v.mv)))
		for _, e := range *v.mv {
			dst = appendKey(dst, e)
		}
		return dst
	}
	dst = append(dst, byte(v.t))
	switch v.t {
	case Null:
	case Keyword, Text, Version, IP, GeoPoint:
		dst = binary.AppendUvarint(dst, uint64(len(v.s)))
		dst = append(dst, v.s...)
	default:
		dst = binary.LittleEndian.AppendUint64(dst, v.n)
	}
	return dst
}

// sortValues sorts single values in ascending order (stable).
func sortValues(vs []Value) {
	// insertion sort for the short lists multi-values usually are
	if len(vs) <= 12 {
		for i := 1; i < len(vs); i++ {
			for j := i; j > 0; j-- {
				c, _ := compareScalar(vs[j-1], vs[j])
				if c <= 0 {
					break
				}
				vs[j-1], vs[j] = vs[j], vs[j-1]
			}
		}
		return
	}
	slices.SortStableFunc(vs, func(a, b Value) int { c, _ := compareScalar(a, b); return c })
}

// dedupeSorted removes adjacent equal values from a sorted slice.
func dedupeSorted(vs []Value) []Value {
	if len(vs) < 2 {
		return vs
	}
	out := vs[:1]
	for _, v := range vs[1:] {
		last := out[len(out)-1]
		if v.t == last.t && v.n == last.n && v.s == last.s {
			continue
		}
		out = append(out, v)
	}
	return out
}
