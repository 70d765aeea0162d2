package cloudtrail

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSkipValue checks the scanner against encoding/json's json.Valid (RFC
// 8259 grammar) on valid and invalid values, and that a value cut short is
// reported as eof (more input could complete it), not as invalid.
func TestSkipValue(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1.5`, `-12e+3`, `1E-2`, `true`, `false`, `null`,
		`{"a":[1,{"b":null}],"c":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`,
		` { "a" : [ 1 , 2 ] } `, `"é}]{["`, `[[[[]]]]`, `{"":""}`,
		`{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1,]`, `[,1]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`tru`, `nul`, `"\x"`, `"\u12G4"`, "\"a\tb\"", `{"a":1}}`, `[1 2]`, `{"a":1 "b":2}`,
		`{"a"}`, `[}`, `{]`, `'a'`, `NaN`, `"`, `{`, `[`, `{"a":`, `{"a"`, `"\`, `"\u12`,
	} {
		end, err := skipValue([]byte(s), 0)
		complete := err == nil && skipWS([]byte(s), end) == len(s)
		if complete != json.Valid([]byte(s)) {
			t.Errorf("%q: scanner says valid=%v (end %d, err %v), json.Valid says %v", s, complete, end, err, !complete)
		}
	}
	// Every proper prefix of a valid document that stops inside a container or
	// string is an eof error (the first-line test and truncation depend on it).
	doc := `{"Records":[{"a":"x\"y","b":[1,2.5,true,null],"c":{"d":"\u00e9"}}]}`
	for i := 1; i < len(doc); i++ {
		_, err := skipValue([]byte(doc[:i]), 0)
		if err == nil || !err.eof {
			t.Errorf("prefix %q: err %v, want eof", doc[:i], err)
		}
	}
	// Error offsets point at the bad byte.
	for _, tc := range []struct {
		s   string
		off int
	}{{`{"a":1,}`, 7}, {`[1,2 3]`, 5}, {`{"a":tx}`, 6}, {"[\"a\x01\"]", 3}} {
		_, err := skipValue([]byte(tc.s), 0)
		if err == nil || err.off != tc.off {
			t.Errorf("%q: err %v, want offset %d", tc.s, err, tc.off)
		}
	}
	// Deep nesting is refused, without recursion.
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := skipValue([]byte(deep), 0); err == nil || !strings.Contains(err.msg, "max depth") {
		t.Errorf("deep: %v", err)
	}
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := skipValue([]byte(ok), 0); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
}

// TestOpensDocument pins the multi-line heuristic: pretty-printers break
// lines after '{', '[' and ','.
func TestOpensDocument(t *testing.T) {
	for s, want := range map[string]bool{
		"[": true, "{ ": true, `{"Records":[{"a":1},`: true, "[\r": true,
		`{"eventVersion":"1.0`: false, `{"a":1`: false, `{"a":`: false, "": false,
	} {
		if got := opensDocument([]byte(s)); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
