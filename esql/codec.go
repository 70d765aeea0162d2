package esql

import (
	"encoding/binary"
	"errors"
	"math"
)

// A value's binary form is the encoding STATS groups by (appendKey): the
// type, then the text of a string type, the 8 bytes of any other, or, for a
// multi-value, a marker, the count and each element. It is lossless, and
// several times faster to read back than JSON: the rows a rule spills to a
// temporary file under a memory budget use it (package detect). It is not a
// stable storage format: a daemon's saved state uses JSON.

// AppendValue appends v's binary form to dst.
func AppendValue(dst []byte, v Value) []byte { return appendKey(dst, v) }

// errCodec is the error for bytes AppendValue did not write.
var errCodec = errors.New("esql: malformed binary value")

// ReadValue reads a value AppendValue wrote at the start of b, and returns it
// with the number of bytes read.
func ReadValue(b []byte) (Value, int, error) { return ReadValueWith(b, bytesString) }

func bytesString(b []byte) string { return string(b) }

// ReadValueWith is ReadValue with the strings made by str, which may return
// a shared copy of an equal string (values are immutable): a reader of many
// rows that repeat the same few texts keeps one copy of each.
func ReadValueWith(b []byte, str func([]byte) string) (Value, int, error) {
	if len(b) == 0 {
		return Value{}, 0, errCodec
	}
	if b[0] == 0xff {
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n < 2 || n > uint64(len(b)) {
			return Value{}, 0, errCodec
		}
		off := 1 + k
		elems := make([]Value, n)
		for i := range elems {
			v, m, err := ReadValueWith(b[off:], str)
			if err != nil || v.mv != nil {
				return Value{}, 0, errCodec
			}
			elems[i] = v
			off += m
		}
		return Value{t: elems[0].t, mv: &elems}, off, nil
	}
	t := DataType(b[0])
	switch t {
	case Null:
		return Value{}, 1, nil
	case Keyword, Text, Version, IP, GeoPoint:
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n > math.MaxInt32 || uint64(len(b)-1-k) < n {
			return Value{}, 0, errCodec
		}
		s := 1 + k
		return Value{t: t, s: str(b[s : s+int(n)])}, s + int(n), nil
	default:
		if len(b) < 9 {
			return Value{}, 0, errCodec
		}
		return Value{t: t, n: binary.LittleEndian.Uint64(b[1:])}, 9, nil
	}
}
