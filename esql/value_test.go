package esql

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// FromGo parses strings per column type and normalises arrays as doc
// values (docs/esql-semantics.md §A3): keyword and ip sorted and
// de-duplicated, numbers and dates sorted with duplicates kept, text in source
// order.
func TestFromGoDocValues_A3(t *testing.T) {
	cases := []struct {
		t    DataType
		in   any
		want string
	}{
		{Keyword, []any{"b", "a", "b"}, "[a, b]"},
		{Keyword, []string{"b", "B", "a"}, "[B, a, b]"}, // byte order
		{Text, []any{"b", "a", "b"}, "[b, a, b]"},
		{Long, []any{int64(3), int64(1), int64(3)}, "[1, 3, 3]"},
		{Long, []any{json.Number("2"), "1"}, "[1, 2]"},
		{Double, []any{2.5, 1.0}, "[1.0, 2.5]"},
		{IP, []any{"10.0.0.2", "10.0.0.1", "10.0.0.2", "::1"}, "[::1, 10.0.0.1, 10.0.0.2]"},
		{Datetime, []any{"2024-05-01T00:00:01Z", "2024-05-01T00:00:00Z"}, "[2024-05-01T00:00:00.000Z, 2024-05-01T00:00:01.000Z]"},
		{Boolean, []any{true, false, true}, "[false, true, true]"},
		{Keyword, []any{}, "null"},
		{Keyword, []any{"only"}, "only"},
		{Keyword, nil, "null"},
		{Keyword, int64(12), "12"},
		{Long, "12", "12"},
		{Integer, int64(7), "7"},
		{Datetime, "2024-05-01T12:34:56.789123Z", "2024-05-01T12:34:56.789Z"},
		{Datetime, "2024-05-01T14:34:56+02:00", "2024-05-01T12:34:56.000Z"},
		{Datetime, int64(0), "1970-01-01T00:00:00.000Z"},
		{Datetime, time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC), "2024-01-02T03:04:05.006Z"},
		{IP, "::ffff:10.1.2.3", "10.1.2.3"},
		{Boolean, "true", "true"},
	}
	for _, tc := range cases {
		v, err := FromGo(tc.t, tc.in)
		if err != nil {
			t.Errorf("FromGo(%s, %#v): %v", tc.t, tc.in, err)
			continue
		}
		if got := v.String(); got != tc.want {
			t.Errorf("FromGo(%s, %#v) = %s, want %s", tc.t, tc.in, got, tc.want)
		}
	}
	for _, bad := range []struct {
		t  DataType
		in any
	}{{IP, "not-an-ip"}, {Long, "x"}, {Datetime, "yesterday"}, {Integer, int64(1) << 40}, {Boolean, "yes"}} {
		if _, err := FromGo(bad.t, bad.in); err == nil {
			t.Errorf("FromGo(%s, %#v): want an error", bad.t, bad.in)
		}
	}
}

// JSON renders values as ES|QL's JSON response does.
func TestValueJSON(t *testing.T) {
	cases := []struct {
		v    Value
		want any
	}{
		{NullValue(), nil},
		{Bool(true), true},
		{Int(3), int64(3)},
		{LongValue(-4), int64(-4)},
		{DoubleValue(1.5), 1.5},
		{KeywordValue("k"), "k"},
		{DatetimeValue(1714566896789), "2024-05-01T12:34:56.789Z"},
		{IPAddr(netip.MustParseAddr("10.0.0.1")), "10.0.0.1"},
		{IPAddr(netip.MustParseAddr("2001:db8::1")), "2001:db8::1"},
		{VersionOf("1.2.3"), "1.2.3"},
		{Multi(KeywordValue("a"), KeywordValue("b")), []any{"a", "b"}},
		{Multi(LongValue(1)), int64(1)},
		{Multi(), nil},
	}
	for _, tc := range cases {
		if got := tc.v.JSON(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v.JSON() = %#v, want %#v", tc.v, got, tc.want)
		}
	}
	m := Multi(LongValue(1), NullValue(), Multi(LongValue(2), LongValue(3)))
	if m.Count() != 3 || m.Index(2).String() != "3" || !m.Index(5).IsNull() || m.Type() != Long {
		t.Errorf("Multi flattening: %v", m)
	}
	if NullValue().Count() != 0 || !(Value{}).IsNull() {
		t.Error("zero Value must be null")
	}
	for v, want := range map[float64]string{1: "1.0", 0.5: "0.5", 1e10: "1.0E10", 1.5e-5: "1.5E-5", 123456.789: "123456.789"} {
		if got := DoubleValue(v).String(); got != want {
			t.Errorf("DoubleValue(%v).String() = %s, want %s", v, got, want)
		}
	}
}

func TestTypeFromMapping(t *testing.T) {
	cases := map[string]DataType{
		"keyword": Keyword, "constant_keyword": Keyword, "wildcard": Keyword, "flattened": Keyword,
		"text": Text, "match_only_text": Text, "long": Long, "integer": Integer, "short": Integer, "byte": Integer,
		"double": Double, "float": Double, "half_float": Double, "scaled_float": Double, "date": Datetime,
		"date_nanos": DateNanos, "boolean": Boolean, "ip": IP, "version": Version, "geo_point": GeoPoint,
		"unsigned_long": UnsignedLong, "object": Unsupported, "nested": Unsupported,
	}
	for es, want := range cases {
		if got := TypeFromMapping(es); got != want {
			t.Errorf("TypeFromMapping(%s) = %s, want %s", es, got, want)
		}
	}
	if Datetime.String() != "date" || Keyword.String() != "keyword" || UnsignedLong.String() != "unsigned_long" {
		t.Error("type names must be ES|QL's")
	}
}
