package jsonpath

import "testing"

// The engine's JSON_EXTRACT tests (esql/func_json_test.go) cover the
// documented behaviour; these check the library's own contract: a value,
// null for JSON null, or an error with Elasticsearch's message, and
// a malformed path fails Parse.
func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		doc, path, want string
		null            bool
		err             string
	}{
		{`{"a":{"b":[1,{"c":"x"}]}}`, "a.b[1].c", "x", false, ""},
		{`{"a":{"b":[1, 2]}}`, "$.a['b']", "[1, 2]", false, ""},
		{`{"a":null}`, "a", "", true, ""},
		{`{"a":1, garbage}`, "a", "1", false, ""},
		{`{"a":1}`, "b", "", false, "path [b] does not exist"},
		{`{"a":[1]}`, "a[3]", "", false, "array index out of bounds"},
		{`{"a":`, "a", "", false, "invalid JSON input"},
		// Malformed paths fail to parse, with JsonPath's messages.
		{`{}`, ".a", "", false, "Invalid JSON path [.a]: path cannot start with a dot at position 0"},
		{`{}`, "a..b", "", false, "Invalid JSON path [a..b]: consecutive dots at position 1"},
		{`{}`, "a[01]", "", false, "Invalid JSON path [a[01]]: leading zeros are not allowed in array index [01] at position 1"},
		{`{}`, "$x", "", false, "Invalid JSON path [$x]: expected [.] or [[] after [$] at position 1"},
	} {
		p, err := Parse(tc.path)
		if err != nil {
			if err.Error() != tc.err {
				t.Errorf("Parse(%q) error %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		got, null, err := Extract(tc.doc, p)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Extract(%q, %q) error %v, want %q", tc.doc, tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || null != tc.null {
			t.Errorf("Extract(%q, %q) = %q, %v, %v; want %q, %v", tc.doc, tc.path, got, null, err, tc.want, tc.null)
		}
	}
}
