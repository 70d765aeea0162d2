package esql

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// FromGo converts a Go value into a Value of column type t, the way
// Elasticsearch would index and then read it back:
//   - string: parsed for the column type ("1.2.3.4" -> ip, RFC 3339 or
//     epoch milliseconds -> date, "12" -> long, "true" -> boolean);
//   - bool, int64, int, float64, json.Number, time.Time, netip.Addr;
//   - []string and []any: a multi-value, normalised as doc values
//     (docs/esql-semantics.md §A3): keyword, ip and version sorted by their
//     encoded bytes and de-duplicated (SortedSet doc values); numbers, dates
//     and booleans sorted with duplicates kept (SortedNumeric doc values);
//     text keeps the source order (it is read from _source).
//
// geo_point takes the forms geoFromGo describes.
//
// nil and empty arrays give null. A value that cannot convert gives an error.
func FromGo(t DataType, x any) (Value, error) {
	if t == GeoPoint {
		return geoFromGo(x)
	}
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case []string:
		vs := make([]Value, 0, len(x))
		for _, e := range x {
			v, err := fromGoScalar(t, e)
			if err != nil {
				return Value{}, err
			}
			vs = append(vs, v)
		}
		return docValues(t, vs), nil
	case []any:
		vs := make([]Value, 0, len(x))
		for _, e := range x {
			if e == nil {
				continue
			}
			v, err := FromGo(t, e) // nested arrays flatten, as in Elasticsearch
			if err != nil {
				return Value{}, err
			}
			vs = v.appendValues(vs)
		}
		return docValues(t, vs), nil
	case Value:
		return x, nil
	}
	return fromGoScalar(t, x)
}

// docValues normalises the values of one field as Elasticsearch's doc values
// return them (docs/esql-semantics.md §A3).
func docValues(t DataType, vs []Value) Value {
	if len(vs) < 2 {
		return multiOf(vs)
	}
	switch t {
	case Text:
		return multiOf(vs)
	case Keyword, IP, Version:
		sortValues(vs)
		return multiOf(dedupeSorted(vs))
	}
	sortValues(vs)
	return multiOf(vs)
}

func fromGoScalar(t DataType, x any) (Value, error) {
	switch x := x.(type) {
	case string:
		return parseAs(t, x)
	case json.Number:
		return parseAs(t, string(x))
	case bool:
		switch t {
		case Boolean:
			return Bool(x), nil
		case Keyword, Text:
			return KeywordValue(strconv.FormatBool(x)).as(t), nil
		}
	case int:
		return fromInt(t, int64(x))
	case int32:
		return fromInt(t, int64(x))
	case int64:
		return fromInt(t, x)
	case uint64:
		if t == UnsignedLong {
			return ULong(x), nil
		}
		if x <= math.MaxInt64 {
			return fromInt(t, int64(x))
		}
	case float64:
		return fromFloat(t, x)
	case float32:
		return fromFloat(t, float64(x))
	case time.Time:
		switch t {
		case Datetime:
			return DatetimeValue(x.UnixMilli()), nil
		case DateNanos:
			return DateNanosOf(x.UnixNano()), nil
		case Keyword, Text:
			return KeywordValue(x.UTC().Format(dateLayout)).as(t), nil
		}
	case netip.Addr:
		switch t {
		case IP:
			return IPAddr(x), nil
		case Keyword, Text:
			return KeywordValue(x.String()).as(t), nil
		}
	}
	return Value{}, fmt.Errorf("cannot convert %T value [%v] to [%s]", x, x, t)
}

// as retypes a keyword as text when t is Text.
func (v Value) as(t DataType) Value {
	if t == Text && v.t == Keyword {
		v.t = Text
	}
	return v
}

func fromInt(t DataType, i int64) (Value, error) {
	switch t {
	case Long:
		return LongValue(i), nil
	case Integer:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return Value{}, fmt.Errorf("value [%d] out of range of [integer]", i)
		}
		return Int(int32(i)), nil
	case Double:
		return DoubleValue(float64(i)), nil
	case UnsignedLong:
		if i < 0 {
			return Value{}, fmt.Errorf("value [%d] out of range of [unsigned_long]", i)
		}
		return ULong(uint64(i)), nil
	case Datetime:
		return DatetimeValue(i), nil
	case DateNanos:
		return DateNanosOf(i), nil
	case Keyword, Text:
		return KeywordValue(strconv.FormatInt(i, 10)).as(t), nil
	case Boolean:
		return Bool(i != 0), nil
	}
	return Value{}, fmt.Errorf("cannot convert number [%d] to [%s]", i, t)
}

func fromFloat(t DataType, f float64) (Value, error) {
	switch t {
	case Double:
		return DoubleValue(f), nil
	case Long, Datetime, DateNanos, Integer, UnsignedLong:
		// Elasticsearch truncates decimals indexed into integral fields
		// (coerce is on by default).
		if math.IsNaN(f) || f > math.MaxInt64 || f < math.MinInt64 {
			return Value{}, fmt.Errorf("value [%v] out of range of [%s]", f, t)
		}
		return fromInt(t, int64(f))
	case Keyword, Text:
		return KeywordValue(strconv.FormatFloat(f, 'f', -1, 64)).as(t), nil
	}
	return Value{}, fmt.Errorf("cannot convert number [%v] to [%s]", f, t)
}

// parseAs parses text as a value of type t.
func parseAs(t DataType, s string) (Value, error) {
	switch t {
	case Keyword:
		return KeywordValue(s), nil
	case Text:
		return TextValue(s), nil
	case Version:
		return VersionOf(s), nil
	case Boolean:
		switch s {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return Value{}, fmt.Errorf("cannot parse [%s] as [boolean]", s)
	case Integer, Long, UnsignedLong:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return fromInt(t, i)
		}
		if t == UnsignedLong {
			if u, err := strconv.ParseUint(s, 10, 64); err == nil {
				return ULong(u), nil
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return fromFloat(t, f)
		}
		return Value{}, fmt.Errorf("cannot parse [%s] as [%s]", s, t)
	case Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return Value{}, fmt.Errorf("cannot parse [%s] as [double]", s)
		}
		return DoubleValue(f), nil
	case Datetime, DateNanos:
		tm, err := parseDate(s)
		if err != nil {
			return Value{}, err
		}
		if t == DateNanos {
			return DateNanosOf(tm.UnixNano()), nil
		}
		return DatetimeValue(tm.UnixMilli()), nil
	case IP:
		a, err := parseIP(s)
		if err != nil {
			return Value{}, err
		}
		return IPAddr(a), nil
	}
	return Value{}, fmt.Errorf("cannot parse [%s] as [%s]", s, t)
}

// parseIP parses an IPv4 or IPv6 address as Elasticsearch's ip type accepts it.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("'%s' is not an IP string literal.", s)
	}
	return a, nil
}

// dateLayouts are the forms of Elasticsearch's default date format
// strict_date_optional_time that CloudTrail and users produce.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseDate parses strict_date_optional_time (UTC when no offset is given)
// or epoch milliseconds, the default date format ("strict_date_optional_time||epoch_millis").
func parseDate(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm.UTC(), nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.HasPrefix(s, "+") {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("failed to parse date field [%s] with format [strict_date_optional_time]", s)
}
