package jsonpath

import "testing"

// The engine's JSON_EXTRACT tests (esql/func_json_test.go) cover the
// documented behaviour; these check the library's own contract: a value,
// null for JSON null, or an error with Elasticsearch's message.
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
	} {
		p, err := Parse(tc.path)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.path, err)
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

func TestParseErrors(t *testing.T) {
	for path, want := range map[string]string{
		".a":    "Invalid JSON path [.a]: path cannot start with a dot at position 0",
		"a..b":  "Invalid JSON path [a..b]: consecutive dots at position 1",
		"a[01]": "Invalid JSON path [a[01]]: leading zeros are not allowed in array index [01] at position 1",
		"$x":    "Invalid JSON path [$x]: expected [.] or [[] after [$] at position 1",
	} {
		if _, err := Parse(path); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %q", path, err, want)
		}
	}
}
