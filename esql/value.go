package esql

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Value is one ES|QL cell: null, a single value, or a multi-value (two or
// more values of one type, docs/esql-semantics.md §A3). It is small and
// immutable; the zero Value is null. Multi-values never contain nulls.
type Value struct {
	s  string   // keyword, text, version: the text; ip: the 16-byte address
	mv *[]Value // the elements of a multi-value (len >= 2), else nil
	n  uint64   // boolean 0/1, integer, long, unsigned_long, double bits, datetime ms, date_nanos ns, time_duration ms, packed date_period
	t  DataType
}

// NullValue returns the null value.
func NullValue() Value { return Value{} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{t: Boolean, n: 1}
	}
	return Value{t: Boolean}
}

// Int returns an integer (32-bit) value.
func Int(i int32) Value { return Value{t: Integer, n: uint64(int64(i))} }

// LongValue returns a long value.
func LongValue(i int64) Value { return Value{t: Long, n: uint64(i)} }

// ULong returns an unsigned_long value.
func ULong(u uint64) Value { return Value{t: UnsignedLong, n: u} }

// DoubleValue returns a double value. NaN and infinities are not ES|QL values and
// become null.
func DoubleValue(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{t: Double, n: math.Float64bits(f)}
}

// KeywordValue returns a keyword value.
func KeywordValue(s string) Value { return Value{t: Keyword, s: s} }

// TextValue returns a text value.
func TextValue(s string) Value { return Value{t: Text, s: s} }

// DatetimeValue returns a date value from milliseconds since the Unix epoch.
func DatetimeValue(ms int64) Value { return Value{t: Datetime, n: uint64(ms)} }

// DateNanosOf returns a date_nanos value from nanoseconds since the epoch.
func DateNanosOf(ns int64) Value { return Value{t: DateNanos, n: uint64(ns)} }

// IPAddr returns an ip value. Elasticsearch stores every address as 16 bytes
// (IPv4 as IPv4-mapped IPv6) and prints mapped addresses as IPv4.
func IPAddr(a netip.Addr) Value {
	if !a.IsValid() {
		return Value{}
	}
	b := a.Unmap().WithZone("").As16() // IPv4 becomes IPv4-mapped IPv6
	return Value{t: IP, s: string(b[:])}
}

// VersionOf returns a version value.
func VersionOf(s string) Value { return Value{t: Version, s: s} }

// Duration returns a time_duration value.
func Duration(d time.Duration) Value { return Value{t: TimeDuration, n: uint64(d.Milliseconds())} }

// Period returns a date_period value (java.time.Period: years, months, days).
func Period(years, months, days int) Value {
	return Value{t: DatePeriod, n: uint64(uint16(int16(years)))<<48 | uint64(uint16(int16(months)))<<32 | uint64(uint32(int32(days)))}
}

// Multi returns a multi-value of vs, flattening nested multi-values and
// skipping nulls: no values give null and one value gives that value.
func Multi(vs ...Value) Value {
	n := 0
	nested := false
	for _, v := range vs {
		if v.mv != nil {
			nested = true
		}
		n += v.Count()
	}
	switch n {
	case 0:
		return Value{}
	case 1:
		for _, v := range vs {
			if !v.IsNull() {
				return v
			}
		}
	}
	out := make([]Value, 0, n)
	if !nested && n == len(vs) {
		out = append(out, vs...)
	} else {
		for _, v := range vs {
			out = v.appendValues(out)
		}
	}
	return Value{t: out[0].t, mv: &out}
}

// multiOf wraps an owned slice as a value without copying.
func multiOf(out []Value) Value {
	switch len(out) {
	case 0:
		return Value{}
	case 1:
		return out[0]
	}
	return Value{t: out[0].t, mv: &out}
}

// appendValues appends the single values of v to dst.
func (v Value) appendValues(dst []Value) []Value {
	if v.mv != nil {
		return append(dst, (*v.mv)...)
	}
	if v.t == Null {
		return dst
	}
	return append(dst, v)
}

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.t == Null }

// IsMulti reports whether v holds two or more values.
func (v Value) IsMulti() bool { return v.mv != nil }

// Type returns the type of v (of its elements for a multi-value); Null for null.
func (v Value) Type() DataType { return v.t }

// Count returns the number of values: 0 for null, 1 for a single value.
func (v Value) Count() int {
	if v.mv != nil {
		return len(*v.mv)
	}
	if v.t == Null {
		return 0
	}
	return 1
}

// Index returns the i-th value of v; out of range gives null.
func (v Value) Index(i int) Value {
	if v.mv != nil {
		if i < 0 || i >= len(*v.mv) {
			return Value{}
		}
		return (*v.mv)[i]
	}
	if i != 0 {
		return Value{}
	}
	return v
}

// values returns the elements of v without copying (nil for null).
func (v Value) values() []Value {
	if v.mv != nil {
		return *v.mv
	}
	if v.t == Null {
		return nil
	}
	return []Value{v}
}

// AsBool returns a boolean's value.
func (v Value) AsBool() bool { return v.n != 0 }

// AsInt64 returns an integer, long, unsigned_long (wrapped), datetime (ms),
// date_nanos (ns) or time_duration (ms) as int64.
func (v Value) AsInt64() int64 { return int64(v.n) }

// AsFloat returns a numeric value as float64.
func (v Value) AsFloat() float64 {
	switch v.t {
	case Double:
		return math.Float64frombits(v.n)
	case UnsignedLong:
		return float64(v.n)
	}
	return float64(int64(v.n))
}

// AsString returns the text of a keyword, text or version value.
func (v Value) AsString() string { return v.s }

// AsAddr returns an ip value's address (IPv4 unmapped).
func (v Value) AsAddr() netip.Addr {
	if v.t != IP || len(v.s) != 16 {
		return netip.Addr{}
	}
	var b [16]byte
	copy(b[:], v.s)
	return netip.AddrFrom16(b).Unmap()
}

// AsTime returns a datetime or date_nanos value as a UTC time.
func (v Value) AsTime() time.Time {
	if v.t == DateNanos {
		return time.Unix(0, int64(v.n)).UTC()
	}
	return time.UnixMilli(int64(v.n)).UTC()
}

// period unpacks a date_period.
func (v Value) period() (years, months, days int) {
	return int(int16(v.n >> 48)), int(int16(v.n >> 32)), int(int32(uint32(v.n)))
}

// JSON returns v as an ES|QL JSON response renders it: dates as
// "2006-01-02T15:04:05.000Z" (UTC, milliseconds), ip as canonical text,
// integer and long as int64, double as float64, unsigned_long as uint64 when
// above MaxInt64, booleans, strings, a multi-value as []any, null as nil.
func (v Value) JSON() any {
	if v.mv != nil {
		out := make([]any, len(*v.mv))
		for i, e := range *v.mv {
			out[i] = e.JSON()
		}
		return out
	}
	switch v.t {
	case Null:
		return nil
	case Boolean:
		return v.n != 0
	case Integer, Long:
		return int64(v.n)
	case UnsignedLong:
		if v.n > math.MaxInt64 {
			return v.n
		}
		return int64(v.n)
	case Double:
		return math.Float64frombits(v.n)
	case Datetime, DateNanos:
		return v.scalarString()
	case IP:
		return v.scalarString()
	}
	return v.scalarString()
}

// String renders v as text: scalars as in ES|QL's text output, multi-values
// as "[a, b]", null as "null".
func (v Value) String() string {
	if v.mv != nil {
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range *v.mv {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.scalarString())
		}
		b.WriteByte(']')
		return b.String()
	}
	return v.scalarString()
}

// dateLayout is Elasticsearch's strict_date_optional_time output format.
const dateLayout = "2006-01-02T15:04:05.000Z"

func (v Value) scalarString() string {
	switch v.t {
	case Null:
		return "null"
	case Boolean:
		if v.n != 0 {
			return "true"
		}
		return "false"
	case Integer, Long:
		return strconv.FormatInt(int64(v.n), 10)
	case UnsignedLong:
		return strconv.FormatUint(v.n, 10)
	case Double:
		return formatDouble(math.Float64frombits(v.n))
	case Datetime:
		return time.UnixMilli(int64(v.n)).UTC().Format(dateLayout)
	case DateNanos:
		return time.Unix(0, int64(v.n)).UTC().Format("2006-01-02T15:04:05.000000000Z")
	case IP:
		return v.AsAddr().String()
	case TimeDuration:
		return formatDuration(int64(v.n))
	case DatePeriod:
		y, m, d := v.period()
		return formatPeriod(y, m, d)
	}
	return v.s
}

// formatDouble renders a double like Java's Double.toString, which ES|QL's
// text and CSV outputs use: "1.0", "0.5", "1.0E10", "1.0E-5".
func formatDouble(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e7 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// formatDuration renders a time_duration like java.time.Duration.toString.
func formatDuration(ms int64) string {
	if ms == 0 {
		return "PT0S"
	}
	d := time.Duration(ms) * time.Millisecond
	var b strings.Builder
	b.WriteString("PT")
	h := int64(d / time.Hour)
	m := int64((d % time.Hour) / time.Minute)
	s := float64(d%time.Minute) / float64(time.Second)
	if h != 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "H")
	}
	if m != 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "M")
	}
	if s != 0 {
		b.WriteString(strconv.FormatFloat(s, 'f', -1, 64) + "S")
	}
	return b.String()
}

// formatPeriod renders a date_period like java.time.Period.toString.
func formatPeriod(y, m, d int) string {
	if y == 0 && m == 0 && d == 0 {
		return "P0D"
	}
	s := "P"
	if y != 0 {
		s += strconv.Itoa(y) + "Y"
	}
	if m != 0 {
		s += strconv.Itoa(m) + "M"
	}
	if d != 0 {
		s += strconv.Itoa(d) + "D"
	}
	return s
}

// Clone returns v with its own copy of every string, so that keeping it does
// not keep alive the larger buffer its strings may point into (readers and
// mappers slice strings out of per-record buffers).
func (v Value) Clone() Value { return v.CloneWith(strings.Clone) }

// CloneWith is Clone with the strings copied by clone (which may share
// copies of equal strings: values are immutable).
func (v Value) CloneWith(clone func(string) string) Value {
	if v.s != "" {
		v.s = clone(v.s)
	}
	if v.mv != nil {
		elems := make([]Value, len(*v.mv))
		for i, e := range *v.mv {
			elems[i] = e.CloneWith(clone)
		}
		v.mv = &elems
	}
	return v
}

// CloneRow clones every value of a row into a new slice.
func CloneRow(row []Value) []Value {
	out := make([]Value, len(row))
	for i, v := range row {
		out[i] = v.Clone()
	}
	return out
}
