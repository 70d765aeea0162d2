package cloudtrail

import "encoding/binary"

// Stage 1 of the fast scan (fastscan.go): a bitmap, one bit per input byte,
// of the bytes that end a run of plain string contents ('"', '\\' and
// control characters), and one of the bytes >= 0x80. With them the scanner
// finds the end of a string with one trailing-zero count instead of testing
// its bytes, which is most of what a CloudTrail record is made of (keys,
// ARNs, user agents). The idea is simdjson's stage 1 (and minio/simdjson-go's),
// cut down to what the scan needs: the grammar itself is still checked by
// walking the tokens (fastscan.go), so that errors keep their positions.

// classifyGo sets, for each 64-byte block k of b (len(b) a multiple of 64),
// bit j of spec[k] when b[64k+j] is '"', '\\' or below 0x20, and bit j of
// high[k] when it is 0x80 or above. It is the portable version of the
// assembly classifyAVX2, and its reference in the tests.
func classifyGo(b []byte, spec, high []uint64) {
	for k := range spec {
		var s, h uint64
		blk := b[64*k : 64*k+64]
		for w := 0; w < 8; w++ {
			x := binary.LittleEndian.Uint64(blk[8*w:])
			// Exact zero-byte tests (no borrow between bytes): a byte of
			// x^c is zero iff the byte of x is c. ((y & 0x7f..) + 0x7f..)
			// sets a byte's high bit iff its low 7 bits are not all zero.
			q := x ^ ('"' * ones)
			e := x ^ ('\\' * ones)
			zq := ^((q&lows + lows) | q)
			ze := ^((e&lows + lows) | e)
			// Below 0x20: the low 7 bits plus 0x60 do not reach 0x80, and
			// the high bit is clear.
			zc := ^((x&lows + 0x60*ones) | x)
			m := (zq | ze | zc) & highs
			s |= movemask(m) << (8 * w)
			h |= movemask(x&highs) << (8 * w)
		}
		spec[k], high[k] = s, h
	}
}

// lows masks the low 7 bits of each byte of a word.
const lows = 0x7f7f7f7f7f7f7f7f

// movemask gathers the high bits of the 8 bytes of m (other bits clear) into
// the low 8 bits, byte 0's first.
func movemask(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}
