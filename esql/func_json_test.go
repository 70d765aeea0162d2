package esql

import (
	"strings"
	"testing"
)

// jsonCase is one JSON_EXTRACT(doc, path) call: the expected value
// ("null" for null) and, when it fails, the exception message of its
// warning.
type jsonCase struct {
	doc, path string
	want      string
	warning   string
}

// esqlString quotes s as an ES|QL string literal.
func esqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// checkJSONExtract evaluates each case with a document field and a path
// field, so that a malformed path is a per-row failure (a constant path is
// checked when the query compiles: TestJSONExtractConstantMalformedPathFailsTheQuery).
func checkJSONExtract(t *testing.T, cases []jsonCase) {
	t.Helper()
	for _, tc := range cases {
		r := run(t, "FROM i | EVAL v = JSON_EXTRACT(j, p) | KEEP v", Catalog{"j": Keyword, "p": Keyword}, doc{"j": tc.doc, "p": tc.path})
		if got := r.rows[0][0].String(); got != tc.want {
			t.Errorf("JSON_EXTRACT(%q, %q) = %q, want %q", tc.doc, tc.path, got, tc.want)
		}
		if tc.warning == "" {
			if len(r.warnings) > 0 {
				t.Errorf("JSON_EXTRACT(%q, %q): unexpected warnings %q", tc.doc, tc.path, r.warnings)
			}
			continue
		}
		want := "java.lang.IllegalArgumentException: " + tc.warning
		if len(r.warnings) != 2 || !strings.HasSuffix(r.warnings[1], want) {
			t.Errorf("JSON_EXTRACT(%q, %q): warnings %q, want ... %q", tc.doc, tc.path, r.warnings, want)
		}
	}
}

// The examples of Elasticsearch's json_extract.csv-spec and of the ES|QL
// reference page (functions-operators/string-functions/json_extract): dot,
// bracket and mixed paths, the optional `$`, array indices, strings without
// quotes, numbers and booleans as text, objects as JSON text, JSON null as
// null, and the warnings for a missing path, invalid JSON and an index out
// of bounds.
func TestJSONExtractDocumentedExamples(t *testing.T) {
	checkJSONExtract(t, []jsonCase{
		{`{"severity":"ERROR","body":"Payment processing failed"}`, "severity", "ERROR", ""},
		{`{"severity":"ERROR","body":"Payment processing failed"}`, "$.severity", "ERROR", ""},
		{`{"name":"Alice","age":30}`, "age", "30", ""},
		{`{"active":true}`, "active", "true", ""},
		{`{"resource":{"service":{"name":"order-service"}}}`, "resource.service.name", "order-service", ""},
		{`{"user.name":{"first":"Alice"}}`, "['user.name'].first", "Alice", ""},
		{`{"name":"Alice","age":30}`, "['name']", "Alice", ""},
		{`{"user.name":"Alice"}`, "['user.name']", "Alice", ""},
		{`{"user":{"address":{"city":"London"}}}`, "user['address'].city", "London", ""},
		{`{"tags":["a","b","c"]}`, "tags[0]", "a", ""},
		{`{"spans":[{"name":"auth","duration":12},{"name":"db-query","duration":45}]}`, "spans[1].name", "db-query", ""},
		{`{"trace":{"spans":[{"name":"auth","events":[{"type":"start"},{"type":"end"}]},{"name":"db","events":[{"type":"query"}]}]}}`, "trace.spans[0].events[1].type", "end", ""},
		{`{"resource":{"service.name":"api-gateway","host.name":"api-server-03"},"severity":"INFO"}`, "resource", `{"service.name":"api-gateway","host.name":"api-server-03"}`, ""},
		{`{"name":"Alice"}`, "nonexistent", "null", "path [nonexistent] does not exist"},
		{`{"value":null}`, "value", "null", ""},
		{"not valid json", "field", "null", "invalid JSON input"},
		{`{"tags":["a","b"]}`, "tags[5]", "null", "array index out of bounds"},
		{`{"foo":1,"foo":2}`, "foo", "1", ""},
		{`{"a":{"b":1},"a":{"b":2}}`, "a.b", "1", ""},
		{`{"items":[1,null,3]}`, "items[1]", "null", ""},
		{`{"name":"Alice"}`, "name.nested", "null", "path [name.nested] does not exist"},
		// Top-level arrays and scalars.
		{`["a","b","c"]`, "$[1]", "b", ""},
		{`["a","b","c"]`, "[1]", "b", ""},
		{`[{"name":"Alice"},{"name":"Bob"}]`, "$[1].name", "Bob", ""},
		{`[1,2,3]`, "$[5]", "null", "array index out of bounds"},
		{`[{"id":1,"item":"book"},{"id":2,"item":"pen"}]`, "$[0]", `{"id":1,"item":"book"}`, ""},
		{`[1,2,3]`, "$", "[1,2,3]", ""},
		{`[[1,2],[3,4]]`, "$[0]", "[1,2]", ""},
		{`"hello"`, "$", "hello", ""},
		{"42", "$", "42", ""},
		{"true", "$", "true", ""},
		{"null", "$", "null", ""},
		// JsonExtractTests' fixed cases.
		{`{"val":1.5E10}`, "val", "1.5E10", ""},
		{`{"val":-42}`, "val", "-42", ""},
		{`{"a":1}`, "", `{"a":1}`, ""},
		{`{"a":1}`, "$.", `{"a":1}`, ""},
		{`{"obj":{}}`, "obj", "{}", ""},
		{`{"arr":[]}`, "arr", "[]", ""},
		{`{"val":""}`, "val", "", ""},
		{`{"名前":"太郎"}`, "名前", "太郎", ""},
		{`{"msg":"she said \"hello\""}`, "msg", `she said "hello"`, ""},
		{`{"msg":"line1\nline2"}`, "msg", "line1\nline2", ""},
		{`{"it's":"value"}`, `['it\'s']`, "value", ""},
		{`{"say \"hi\"":"value"}`, `["say \"hi\""]`, "value", ""},
		{`{"a\\b":"value"}`, `['a\\b']`, "value", ""},
		{`{"":"value"}`, "['']", "value", ""},
		{`{"items[0]":"value"}`, "['items[0]']", "value", ""},
		{"", "$", "null", "empty JSON input"},
		{"{}", "anything", "null", "path [anything] does not exist"},
		{`{"a":[1,2]}`, "a.b", "null", "path [a.b] does not exist"},
		{`{"a":{"b":1}}`, "a[0]", "null", "path [a[0]] does not exist"},
		{`{"a":1,"b":2}`, "*", "null", "path [*] does not exist"},
	})
}

// Objects and arrays come back as the bytes of the input, whitespace and
// all: JsonExtract slices them out of the input rather than re-serializing
// them. Numbers keep their literal text.
func TestJSONExtractReturnsContainersAndNumbersAsWritten(t *testing.T) {
	checkJSONExtract(t, []jsonCase{
		{`{"a": {"b": [10, {"c": "x"}],  "d" : true}}`, "a", `{"b": [10, {"c": "x"}],  "d" : true}`, ""},
		{`{"a": {"b": [10, {"c": "x"}]}}`, "a.b", `[10, {"c": "x"}]`, ""},
		{`{"f": 1.50}`, "f", "1.50", ""},
		{`{"f": -0}`, "f", "-0", ""},
		{`{"f": 2e-3}`, "f", "2e-3", ""},
	})
}

// Elasticsearch parses with Jackson as a stream and stops at the value it
// extracts: what follows is never read, duplicate keys before it are an
// error (STRICT_DUPLICATE_DETECTION), comments are allowed (ALLOW_COMMENTS),
// and JSON's number and string rules apply to what is read.
func TestJSONExtractReadsTheInputLikeElasticsearchsStreamingParser(t *testing.T) {
	checkJSONExtract(t, []jsonCase{
		{`{"a":1, this is not json`, "a", "1", ""},
		{`{"a":1, this is not json`, "b", "null", "invalid JSON input"},
		{`{"x":1,"x":2,"a":3}`, "a", "null", "invalid JSON input"},
		{`{"a":{"x":1,"x":2}}`, "a", "null", "invalid JSON input"},
		{"{/* note */ \"a\" : // line\n 7}", "a", "7", ""},
		{`{"a":01}`, "a", "null", "invalid JSON input"},
		{`{"a":.5}`, "a", "null", "invalid JSON input"},
		{`{"a":NaN}`, "a", "null", "invalid JSON input"},
		{`{'a':1}`, "a", "null", "invalid JSON input"},
		{`{a:1}`, "a", "null", "invalid JSON input"},
		{`{"a":1,}`, "b", "null", "invalid JSON input"},
		{`{"a":[1,]}`, "a", "null", "invalid JSON input"},
		{`{"a":"bad \x escape"}`, "a", "null", "invalid JSON input"},
		{`{"a":"\u00e9\ud83d\ude00"}`, "a", "é😀", ""},
		{`{"a":truex}`, "a", "null", "invalid JSON input"},
		{"42x", "$", "null", "invalid JSON input"},
		{`[1, 2`, "[0]", "1", ""},
		// The step into the wrong kind of value is found before the rest is read.
		{`{garbage`, "[0]", "null", "path [[0]] does not exist"},
		{"\ufeff" + `{"a":1}`, "a", "1", ""},
	})
}

// JsonPath's syntax (JsonPathTests): quoted keys with escapes and blanks,
// blanks around indices, and its error messages with their positions.
func TestJSONExtractPathSyntaxAndErrors(t *testing.T) {
	checkJSONExtract(t, []jsonCase{
		{`{"a":[5,6]}`, "a[ 1 ]", "6", ""},
		{`{"a":{"b c":1}}`, `a[ "b c" ]`, "1", ""},
		{`{"a":{"b":1}}`, `$['a'].b`, "1", ""},
		{`{"a":[5,6]}`, "a[+1]", "6", ""},
		{"{}", "a..b", "null", "Invalid JSON path [a..b]: consecutive dots at position 1"},
		{"{}", "a.", "null", "Invalid JSON path [a.]: path cannot end with a dot at position 1"},
		{"{}", ".a", "null", "Invalid JSON path [.a]: path cannot start with a dot at position 0"},
		{"[1,2,3]", "$[*]", "null", "Invalid JSON path [$[*]]: expected integer array index, got [*] at position 1"},
		{"{}", "$..name", "null", "Invalid JSON path [$..name]: path cannot start with a dot at position 2"},
		{"{}", "arr[0:3]", "null", "Invalid JSON path [arr[0:3]]: expected integer array index, got [0:3] at position 3"},
		{"{}", "items[?(@.price<10)]", "null", "Invalid JSON path [items[?(@.price<10)]]: expected integer array index, got [?(@.price<10)] at position 5"},
		{"{}", "arr[0,1]", "null", "Invalid JSON path [arr[0,1]]: expected integer array index, got [0,1] at position 3"},
		{"{}", "a[-1]", "null", "array index out of bounds"},
		{"{}", "a[01]", "null", "Invalid JSON path [a[01]]: leading zeros are not allowed in array index [01] at position 1"},
		{"{}", "a[]", "null", "Invalid JSON path [a[]]: empty brackets at position 1"},
		{"{}", "a[0", "null", "Invalid JSON path [a[0]: missing closing bracket for array index at position 1"},
		{"{}", "a['b'", "null", "Invalid JSON path [a['b']: expected closing bracket after quoted key at position 1"},
		{"{}", "a['b", "null", "Invalid JSON path [a['b]: unterminated quoted key at position 1"},
		{"{}", "a[", "null", "Invalid JSON path [a[]: unterminated bracket at position 1"},
		{"{}", "$name", "null", "Invalid JSON path [$name]: expected [.] or [[] after [$] at position 1"},
		{"{}", "a]", "null", "Invalid JSON path [a]]: expected [.] or [[] before []] at position 1"},
		{"{}", "[0]x", "null", "Invalid JSON path [[0]x]: expected [.] or [[] before [x] at position 3"},
		{"{}", "a.[0]", "null", "Invalid JSON path [a.[0]]: empty key name at position 2"},
	})
}

// A constant malformed path fails the query: JsonPath is parsed when the
// evaluator is built, outside the per-row warning handling
// (JsonExtractTests.foldingWarningCase).
func TestJSONExtractConstantMalformedPathFailsTheQuery(t *testing.T) {
	cat := Catalog{"j": Keyword}
	for path, want := range map[string]string{
		"a..b":  "Invalid JSON path [a..b]: consecutive dots at position 1",
		"$[*]":  "Invalid JSON path [$[*]]: expected integer array index, got [*] at position 1",
		"a[-1]": "array index out of bounds",
	} {
		err := compileErr("FROM i | EVAL v = JSON_EXTRACT(j, "+esqlString(path)+")", cat)
		if !strings.Contains(err, want) {
			t.Errorf("path %q: error %q, want %q", path, err, want)
		}
	}
	// A constant well-formed path and a null document compile.
	for _, q := range []string{`FROM i | EVAL v = JSON_EXTRACT(j, "a.b[0]")`, `ROW v = JSON_EXTRACT(null, "a..b")`} {
		if err := compileErr(q, cat); err != "" {
			t.Errorf("%s: %s", q, err)
		}
	}
}

// Null arguments give null without a warning; a multi-valued argument is
// the usual single-value failure (json_extract.csv-spec jsonExtractMvPath).
func TestJSONExtractNullAndMultiValuedArguments(t *testing.T) {
	checkExprs(t, []exprCase{
		{`JSON_EXTRACT(null, "a")`, "null", false},
		{`JSON_EXTRACT("{}", null)`, "null", false},
	})
	v, w := evalRow(t, `JSON_EXTRACT("{\"a\": 1}", "a")`)
	if v.Type() != Keyword || v.String() != "1" || len(w) != 0 {
		t.Errorf("got %s %s %q, want keyword 1", v.Type(), v, w)
	}
	r := run(t, `FROM i | EVAL v = JSON_EXTRACT(j, p) | KEEP v`, Catalog{"j": Keyword, "p": Keyword},
		doc{"j": `{"name":"Alice"}`, "p": []string{"age", "name"}})
	if r.rows[0][0].String() != "null" || len(r.warnings) != 2 || !strings.HasSuffix(r.warnings[1], "single-value function encountered multi-value") {
		t.Errorf("multi-valued path: %v %q", r.rows, r.warnings)
	}
}
