package esql

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/esql/internal/analysis"
	"github.com/trailql/trailql/esql/internal/datemath"
)

// cellPred tests the cell of one field: null, one value or a multi-value.
// As in an inverted index, a document matches a term query when any of
// its values does.
type cellPred func(v Value) bool

// anyValue lifts a test of one value to a cell.
func anyValue(f func(Value) bool) cellPred {
	return func(v Value) bool {
		if v.mv == nil {
			return v.t != Null && f(v)
		}
		for _, x := range *v.mv {
			if f(x) {
				return true
			}
		}
		return false
	}
}

func matchNone(Value) bool { return false }

// termQuery is a term query for text on a field of type t, as the field's
// MappedFieldType.termQuery builds it: keyword values compare exactly (or
// ignoring case), numbers, booleans and versions by value, ip by address
// or CIDR block, dates over the interval the text denotes (its missing
// fields rounded down and up). Text fields are analyzed, not handled here.
// The error is what Elasticsearch fails the query with.
func termQuery(t DataType, text string, ci bool, dc datemath.Context) (cellPred, error) {
	switch t {
	case Keyword:
		if ci {
			return anyValue(func(v Value) bool { return strings.EqualFold(v.s, text) }), nil
		}
		return anyValue(func(v Value) bool { return v.s == text }), nil
	case Version:
		return anyValue(func(v Value) bool { return v.s == text }), nil
	case Integer, Long:
		i, whole, err := parseIntegral(t, text)
		if err != nil {
			return nil, err
		}
		if !whole {
			// NumberFieldType.termQuery: a decimal part matches nothing.
			return matchNone, nil
		}
		return anyValue(func(v Value) bool { return v.AsInt64() == i }), nil
	case UnsignedLong:
		f, err := parseNumber(text)
		if err != nil {
			return nil, err
		}
		if f < 0 || f >= 1<<64 {
			return nil, fmt.Errorf("Value [%s] is out of range for an unsigned long", text)
		}
		if f != math.Trunc(f) {
			return matchNone, nil
		}
		u, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			u = uint64(f)
		}
		return anyValue(func(v Value) bool { return v.n == u }), nil
	case Double:
		f, err := parseNumber(text)
		if err != nil {
			return nil, err
		}
		return anyValue(func(v Value) bool { return v.AsFloat() == f }), nil
	case Boolean:
		b, err := parseBoolTerm(text)
		if err != nil {
			return nil, err
		}
		return anyValue(func(v Value) bool { return v.AsBool() == b }), nil
	case IP:
		if strings.Contains(text, "/") {
			p, err := netip.ParsePrefix(text)
			if err != nil {
				return nil, fmt.Errorf("Expected [ip/prefix] but was [%s]", text)
			}
			a, bits := p.Addr(), p.Bits()
			if a.Is4In6() && bits >= 96 {
				a, bits = a.Unmap(), bits-96
			}
			p = netip.PrefixFrom(a, bits).Masked()
			return anyValue(func(v Value) bool { return p.Contains(v.AsAddr()) }), nil
		}
		a, err := parseIP(text)
		if err != nil {
			return nil, err
		}
		a = a.Unmap()
		return anyValue(func(v Value) bool { return v.AsAddr() == a }), nil
	case Datetime, DateNanos:
		lo, hi, err := dc.Interval(text)
		if err != nil {
			return nil, err
		}
		lo, hi = dateResolution(t, lo, hi)
		return anyValue(func(v Value) bool { tm := v.AsTime(); return !tm.Before(lo) && tm.Before(hi) }), nil
	}
	return nil, fmt.Errorf("field type [%s] does not support term queries", t)
}

// parseNumber parses a number as Java's Long.parseLong, then
// Double.parseDouble, would; the error is Java's NumberFormatException.
func parseNumber(text string) (float64, error) {
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return float64(i), nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(f) && !strings.EqualFold(strings.TrimSpace(text), "nan") {
		return 0, fmt.Errorf("For input string: \"%s\"", text)
	}
	return f, nil
}

// parseIntegral parses a term for an integer or long field: whole is false
// when the number has a decimal part (it then matches nothing).
func parseIntegral(t DataType, text string) (i int64, whole bool, err error) {
	lo, hi, name := int64(math.MinInt64), int64(math.MaxInt64), "a long"
	if t == Integer {
		lo, hi, name = math.MinInt32, math.MaxInt32, "an integer"
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		if i < lo || i > hi {
			return 0, false, fmt.Errorf("Value [%s] is out of range for %s", text, name)
		}
		return i, true, nil
	}
	f, err := parseNumber(text)
	if err != nil {
		return 0, false, err
	}
	if f != math.Trunc(f) {
		return 0, false, nil
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, false, fmt.Errorf("Value [%s] is out of range for %s", text, name)
	}
	return int64(f), true, nil
}

// parseBoolTerm parses a boolean field's term (BooleanFieldType).
func parseBoolTerm(text string) (bool, error) {
	switch text {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("Can't parse boolean value [%s], expected [true] or [false]", text)
}

// rangeQuery is a range query `field op text` on a field of type t
// (MappedFieldType.rangeQuery): strings compare as bytes, text fields by
// their tokens, dates with Elasticsearch's rounding (gt and lte round the
// bound up to the end of what it denotes, gte and lt down).
func rangeQuery(t DataType, op rangeOp, text string, dc datemath.Context) (cellPred, error) {
	cmpOK := func(c int) bool {
		switch op {
		case opLt:
			return c < 0
		case opLte:
			return c <= 0
		case opGt:
			return c > 0
		}
		return c >= 0
	}
	switch t {
	case Keyword:
		return anyValue(func(v Value) bool { return cmpOK(strings.Compare(v.s, text)) }), nil
	case Text:
		return anyValue(func(v Value) bool {
			for _, tok := range analysis.Standard(v.s) {
				if cmpOK(strings.Compare(tok, text)) {
					return true
				}
			}
			return false
		}), nil
	case Version:
		return anyValue(func(v Value) bool { return cmpOK(compareVersions(v.s, text)) }), nil
	case Integer, Long, UnsignedLong, Double:
		if i, err := strconv.ParseInt(text, 10, 64); err == nil && t != Double && t != UnsignedLong {
			return anyValue(func(v Value) bool { return cmpOK(cmpInt(v.AsInt64(), i)) }), nil
		}
		f, err := parseNumber(text)
		if err != nil {
			return nil, err
		}
		return anyValue(func(v Value) bool { return cmpOK(cmpFloat(v.AsFloat(), f)) }), nil
	case Boolean:
		b, err := parseBoolTerm(text)
		if err != nil {
			return nil, err
		}
		bi := map[bool]int64{false: 0, true: 1}[b]
		return anyValue(func(v Value) bool { return cmpOK(cmpInt(int64(v.n), bi)) }), nil
	case IP:
		a, err := parseIP(text)
		if err != nil {
			return nil, err
		}
		b := a.As16()
		return anyValue(func(v Value) bool { return cmpOK(strings.Compare(v.s, string(b[:]))) }), nil
	case Datetime, DateNanos:
		lo, hi, err := dc.Interval(text)
		if err != nil {
			return nil, err
		}
		lo, hi = dateResolution(t, lo, hi)
		return anyValue(func(v Value) bool {
			tm := v.AsTime()
			switch op {
			case opLt:
				return tm.Before(lo)
			case opLte:
				return tm.Before(hi)
			case opGt:
				return !tm.Before(hi)
			}
			return !tm.Before(lo)
		}), nil
	}
	return nil, fmt.Errorf("field type [%s] does not support range queries", t)
}

// rangeOp is a range comparison.
type rangeOp uint8

const (
	opLt rangeOp = iota
	opLte
	opGt
	opGte
)

// dateResolution moves an interval to the precision of the field: a date
// field holds milliseconds, so bounds are truncated to them.
func dateResolution(t DataType, lo, hi time.Time) (time.Time, time.Time) {
	if t == Datetime {
		lo = lo.Truncate(time.Millisecond)
		hi = hi.Add(-time.Nanosecond).Truncate(time.Millisecond).Add(time.Millisecond)
	}
	return lo, hi
}

// wildcardQuery is a wildcard query on a keyword field (Lucene
// WildcardQuery: `*` any run, `?` one character, `\` escapes), optionally
// ignoring case.
func wildcardQuery(pattern string, ci bool) cellPred {
	if ci {
		m := compileWildcard(strings.ToLower(pattern))
		return anyValue(func(v Value) bool { return m(strings.ToLower(v.s)) })
	}
	m := compileWildcard(pattern)
	return anyValue(func(v Value) bool { return m(v.s) })
}
