package cloudtrail

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestClassify checks classify (AVX2 where the CPU has it) against the
// portable classifyGo on every byte value at every position of a block.
func TestClassify(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, blocks := range []int{1, 2, 3, 7, idxWords} {
		b := make([]byte, 64*blocks)
		for round := 0; round < 50; round++ {
			for i := range b {
				b[i] = byte(rng.IntN(256))
				if round%2 == 0 && i%3 != 0 {
					const interesting = `"\ ax{}` + "\x00\x1f\x20\x7f\x80\xff"
					b[i] = interesting[rng.IntN(len(interesting))]
				}
			}
			got, gotHigh := make([]uint64, blocks), make([]uint64, blocks)
			want, wantHigh := make([]uint64, blocks), make([]uint64, blocks)
			classify(b, got, gotHigh)
			classifyGo(b, want, wantHigh)
			for k := range want {
				if got[k] != want[k] || gotHigh[k] != wantHigh[k] {
					t.Fatalf("block %d: spec %064b high %064b, want %064b %064b", k, got[k], gotHigh[k], want[k], wantHigh[k])
				}
			}
		}
	}
	// classifyGo itself, byte by byte.
	var b [64]byte
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 64; pos++ {
			for i := range b {
				b[i] = 'a'
			}
			b[pos] = byte(c)
			var spec, high [1]uint64
			classifyGo(b[:], spec[:], high[:])
			wantSpec := c == '"' || c == '\\' || c < 0x20
			if (spec[0] == 1<<pos) != wantSpec || spec[0]&^(1<<pos) != 0 ||
				(high[0] == 1<<pos) != (c >= 0x80) || high[0]&^(1<<pos) != 0 {
				t.Fatalf("byte %#x at %d: spec %b high %b", c, pos, spec[0], high[0])
			}
		}
	}
}

// fastAgrees checks the fast scan of b[i:] against the reference,
// skipValueDepth: when the fast scan succeeds, the reference must too, with
// the same end and the same facts. It reports whether the fast scan
// succeeded.
func fastAgrees(t testing.TB, b []byte, i, depth int, record bool) bool {
	t.Helper()
	var ref, fast recordCheck
	ref.reset()
	wantEnd, err := skipValueDepth(b, i, depth, 0, &ref)
	var x bitIndex
	fast.reset()
	end, ok := x.fastSkip(b, i, depth, &fast, record)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%q at %d (depth %d): fast scan accepted (end %d), reference: %v at %d", trunc(b), i, depth, end, err.msg, err.off)
	}
	if end != wantEnd {
		t.Fatalf("%q at %d: fast scan ends at %d, reference at %d", trunc(b), i, end, wantEnd)
	}
	if fast.checked() != ref.checked() || !bytes.Equal(fast.eventTime(), ref.eventTime()) ||
		(fast.eventTime() == nil) != (ref.eventTime() == nil) {
		t.Fatalf("%q: fast scan checked %v eventTime %q, reference %v %q", trunc(b), fast.checked(), fast.eventTime(), ref.checked(), ref.eventTime())
	}
	if fk, rk := fast.knownFields(), ref.knownFields(); !sameKnown(*fk, *rk) {
		t.Fatalf("%q: fast scan known fields %v, reference %v", trunc(b), showKnown(*fk), showKnown(*rk))
	}
	if record && b[i] == '{' {
		// The fast scan gives up on what split.go's object handles itself.
		for _, k := range []string{"Records", "digestPublicKeyFingerprint", "digestStartTime", "digestEndTime"} {
			if topLevelKey(b[i:end], k) {
				t.Fatalf("%q: fast scan accepted a top-level %q", trunc(b), k)
			}
		}
	}
	return true
}

// topLevelKey reports whether the valid object o has key k at its top level.
func topLevelKey(o []byte, k string) bool {
	i := skipWS(o, 1)
	if o[i] == '}' {
		return false
	}
	for {
		ks, ke, vs, _, err := scanKey(o, i)
		if err != nil {
			return false
		}
		if string(o[ks+1:ke-1]) == k {
			return true
		}
		end, _ := skipValue(o, vs)
		i = skipWS(o, end)
		if o[i] != ',' {
			return false
		}
		i++
	}
}

func trunc(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// shifted runs fastAgrees on s placed at every offset of a 64-byte block
// (after filler bytes), so that every byte of it meets a block boundary.
func shifted(t testing.TB, s string, depth int, record bool) (accepted int) {
	t.Helper()
	for pad := 0; pad < 64; pad++ {
		b := []byte(strings.Repeat("x", pad) + s)
		if fastAgrees(t, b, pad, depth, record) {
			accepted++
		}
	}
	return accepted
}

// TestFastScanHostile compares the fast scan with the reference on valid,
// invalid and unusual values, at every alignment.
func TestFastScanHostile(t *testing.T) {
	var cases []string
	cases = append(cases,
		`{}`, `[]`, `""`, `0`, `-0`, `1.5`, `-12e+3`, `1E-2`, `true`, `false`, `null`, `{"a":{}}`, `{"a":[]}`,
		`{"a":[1,{"b":null}],"c":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`,
		` { "a" : [ 1 , 2 ] } `, "{\n\t\"a\" :\r\n\"b\"\n}", `"é}]{["`, `[[[[]]]]`, `{"":""}`,
		`{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1,]`, `[,1]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`tru`, `nul`, `fals`, `trux`, `"\x"`, `"\u12G4"`, `"\uG234"`, `"\u1G34"`, `"\u123G"`, `{"\u123G":1}`, "\"a\tb\"", `{"a":1}}`, `[1 2]`, `{"a":1 "b":2}`,
		`{"a"}`, `[}`, `{]`, `{"a":1]`, `[1}`, `'a'`, `NaN`, `"`, `{`, `[`, `{"a":`, `{"a"`, `"\`, `"\u12`,
		`{"a\"b":1}`, `{"a\\":1,"a\\":2}`, `{"a\u0041":1}`, "{\"a\x01\":1}", "{\"\xff\":1}", "{\"a\xc3\xa9\":1,\"b\":2}",
		"\"\xff\xfe\"", "{\"eventTime\":\"\x82\"}", `{"eventTime":"a\"b"}`, `{"eventTime":"\\"}`,
		`{"eventTime":"t","eventTime":"u"}`, `{"eventTime":"t","a":{"eventTime":"u"}}`, `{"x":{"eventTime":"u"}}`,
		`{"eventTime":["t"]}`, `{"eventTime":{}, "a":"b"}`, `{"eventTime":[],"a":"b"}`, `{"eventTime":1}`,
		`{"eventTime" : "t" }`, `{"eventTime":"t"`, `{"eventTime":"t",`,
		`{"Records":[]}`, `{"a":1,"Records":2}`, `{"digestStartTime":1}`, `{"digestEndTime":1,"x":2}`,
		`{"digestPublicKeyFingerprint":"f"}`, `{"x":{"Records":[]}}`, `{"Record":1,"Recordz":2}`,
		`{"ab":1,"bb":2}`, `{"eventTime":1,"eventType":2,"eventName":3}`, `{"k":1,"k":2}`, `{"a":{"k":1,"k":2}}`,
		`{"a":[{"k":1},{"k":2,"k":3}]}`, `{"k":{"k":{"k":1}}}`, `{"abcdefghij":1,"abcdefghik":2,"abcdefghij":3}`,
		manyKeys(31, false), manyKeys(32, false), manyKeys(33, true), manyKeys(100, false), manyKeys(100, true),
	)
	// Strings and keys of every length, so that quotes, backslashes and
	// non-ASCII bytes fall on every position of a word and a block.
	for n := 0; n < 140; n++ {
		s := strings.Repeat("a", n)
		cases = append(cases,
			`{"`+s+`":"`+s+`","eventTime":"`+s+`"}`,
			`["`+s+`\"","`+s+`\\",1]`,
			`{"`+s+`\"":1}`,
			`{"`+s+"é"+`":1}`,
			`["`+s+"é"+`"]`,
			`["`+s+"\x1f"+`"]`,
			`["`+s+`\u00e9"]`,
			`["`+s+`\u00"]`,
			`{"k`+s+`":1,"k`+s+`":2}`,
		)
	}
	for _, c := range cases {
		shifted(t, c, DefaultMaxDepth, false)
		shifted(t, c, DefaultMaxDepth, true)
		shifted(t, c, 2, false)
		// Every prefix: truncated values are eof for the reference.
		if len(c) < 300 {
			for i := 0; i < len(c); i++ {
				fastAgrees(t, []byte(c[:i]), 0, DefaultMaxDepth, false)
			}
		}
	}
	// Nesting around the fast scan's own limit and the reader's.
	for _, d := range []int{fastDepth - 1, fastDepth, fastDepth + 1, 300} {
		for _, open := range []string{"[", `{"a":`} {
			closeWith := "]"
			if open != "[" {
				closeWith = "}"
			}
			v := strings.Repeat(open, d) + "1" + strings.Repeat(closeWith, d)
			for _, limit := range []int{d - 1, d, d + 1, DefaultMaxDepth, maxDepth} {
				fastAgrees(t, []byte(v), 0, limit, false)
			}
		}
	}
}

// TestFastScanRecords checks that the fast scan does accept real records,
// at every alignment, with the reference's facts: otherwise it would be
// correct but useless.
func TestFastScanRecords(t *testing.T) {
	recs := oracle(t, fixture(t, "delivery.json"))
	for _, rec := range recs {
		if n := shifted(t, string(rec), DefaultMaxDepth, true); n != 64 {
			t.Errorf("fast scan gave up on %d of 64 alignments of %.80s", 64-n, rec)
		}
	}
	// A value longer than a window, with keys and strings across its
	// boundaries.
	var sb strings.Builder
	sb.WriteString(`{"eventTime":"t"`)
	for i := 0; sb.Len() < 3*64*idxWords; i++ {
		fmt.Fprintf(&sb, `,"k%d":"%s","é%d":[%d,"%s"]`, i, strings.Repeat("v", i%97), i, i, strings.Repeat("w", i%61))
	}
	sb.WriteString("}")
	big := sb.String()
	if n := shifted(t, big, DefaultMaxDepth, true); n != 64 {
		t.Errorf("fast scan gave up on %d of 64 alignments of a long record", 64-n)
	}
	for i := 0; i < len(big); i += 997 {
		fastAgrees(t, []byte(big[:i]), 0, DefaultMaxDepth, false)
	}
}

// FuzzFastScan compares the fast scan with the reference on arbitrary
// bytes, at a chosen offset and depth limit.
func FuzzFastScan(f *testing.F) {
	f.Add([]byte(`{"eventTime":"2024-01-01T00:00:00Z","a":[1,true,null,{"b":"\u00e9"}]}`), uint8(3), uint8(0))
	f.Add([]byte(`{"k":1,"k":2}`), uint8(0), uint8(5))
	f.Add([]byte("[\"\xff\",\"a\\\"\"]"), uint8(63), uint8(1))
	for _, rec := range oracle(f, fixture(f, "delivery.json")) {
		f.Add(rec, uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, pad, depth uint8) {
		b := append(bytes.Repeat([]byte{'x'}, int(pad%64)), data...)
		d := DefaultMaxDepth
		if depth != 0 {
			d = int(depth)
		}
		fastAgrees(t, b, int(pad%64), d, depth%2 == 0)
	})
}
