package esql

import (
	"math"
	"testing"
)

// Every kind of value comes back from its binary form as it was, and
// truncated or foreign bytes are an error, never a panic.
func TestValueCodec(t *testing.T) {
	vals := []Value{
		{}, KeywordValue(""), KeywordValue("GetSecretValue"), Int(-7), LongValue(math.MinInt64),
		ULong(math.MaxUint64), Bool(true), DatetimeValue(1730000000123),
		multiOf([]Value{KeywordValue("a"), KeywordValue("b"), KeywordValue("a")}),
		multiOf([]Value{LongValue(1), LongValue(2)}),
	}
	for _, v := range vals {
		b := AppendValue(nil, v)
		got, n, err := ReadValue(append(b, 0x42))
		if err != nil || n != len(b) {
			t.Fatalf("%v: read %d of %d bytes, %v", v, n, len(b), err)
		}
		if string(AppendValue(nil, got)) != string(b) || got.String() != v.String() {
			t.Errorf("%v came back as %v", v, got)
		}
		for cut := range len(b) {
			if _, _, err := ReadValue(b[:cut]); err == nil && cut > 0 && b[0] != byte(Null) {
				t.Errorf("%v cut to %d bytes: no error", v, cut)
			}
		}
	}
}
