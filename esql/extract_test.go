package esql

import (
	"strings"
	"testing"
)

// DISSECT follows Elasticsearch's dissect processor: leading delimiter,
// skip keys (`?name`, empty), `->` right padding, `+` append, the last key
// takes the rest; a failed match gives nulls.
func TestDissect(t *testing.T) {
	cases := []struct{ pattern, input, want string }{
		{"%{a} %{b}", "foo bar baz", "foo | bar baz"},
		{"%{a},%{b}", "nocomma", "null | null"},
		{"[%{a}] %{b}", "[x] y", "x | y"},
		{"[%{a}] %{b}", "x] y", "null | null"}, // leading delimiter must match
		{"%{a->} %{b}", "foo     bar", "foo | bar"},
		{"%{a},%{b},%{c}", "x,,z", "x |  | z"},
		{"%{+a} %{+a} %{b}", "x y z", "x y | z"},
		{"%{+a/2} %{+a/1} %{b}", "x y z", "y x | z"},
		{"%{?skip} %{a} %{}", "p q r", "q"},
		// The CloudTrail shape of impact_s3_static_site_js_file_uploaded.
		{"{%{?k1}=%{a}, %{?k2}=%{b}}", "{bucketName=my-bucket, key=static/js/app.js}", "my-bucket | static/js/app.js"},
	}
	for _, tc := range cases {
		q := "ROW s = \"" + strings.ReplaceAll(tc.input, `"`, `\"`) + "\" | DISSECT s \"" + tc.pattern + "\" APPEND_SEPARATOR=\" \" | DROP s"
		r := run(t, q, nil)
		if got := strings.Join(r.table(), ";"); got != tc.want {
			t.Errorf("DISSECT %q on %q: %s, want %s", tc.pattern, tc.input, got, tc.want)
		}
	}
	r := run(t, `ROW s = "a b", x = 1 | DISSECT s "%{x} %{y}"`, nil)
	if got := strings.Join(r.colNames(), " "); got != "s x y" {
		t.Errorf("DISSECT replaces same-named columns and appends: %s", got)
	}
	if err := compileErr(`ROW s = 1 | DISSECT s "%{a}"`, nil); !strings.Contains(err, "Dissect only supports KEYWORD or TEXT values") {
		t.Errorf("DISSECT on integer: %q", err)
	}
}

// GROK: %{SYNTAX:name[:type]} references and (?<name>regex) groups, dots
// allowed in names; unanchored first match; no match gives nulls.
func TestGrok(t *testing.T) {
	cases := []struct{ pattern, input, cols, want string }{
		{`accessKeyId=%{NOTSPACE:key},`, "{accessKeyId=ASIAXYZ, b=c}", "key", "ASIAXYZ"},
		{`:(?<Esql.caller_account>[0-9]{12}):`, "arn:aws:iam::123456789012:user/x", "Esql.caller_account", "123456789012"},
		{`instanceId=(?<Esql.instance_id>[^,}\]]+)`, "{instanceId=i-0abc, userData=x}", "Esql.instance_id", "i-0abc"},
		{`%{IP:ip} %{NUMBER:n:int} %{WORD:w}`, "10.0.0.1 42 hello", "ip n w", "10.0.0.1 | 42 | hello"},
		{`%{IP:ip} %{NUMBER:n:int}`, "nothing here", "ip n", "null | null"},
		{`(?<a>x)|(?<b>y)`, "y", "a b", "null | y"},
	}
	for _, tc := range cases {
		q := "ROW s = \"" + tc.input + "\" | GROK s \"\"\"" + tc.pattern + "\"\"\" | DROP s"
		r := run(t, q, nil)
		if got := strings.Join(r.colNames(), " "); got != tc.cols {
			t.Errorf("GROK %q: columns %s, want %s", tc.pattern, got, tc.cols)
		}
		if got := strings.Join(r.table(), ";"); got != tc.want {
			t.Errorf("GROK %q on %q: %s, want %s", tc.pattern, tc.input, got, tc.want)
		}
	}
	r := run(t, `ROW s = "7" | GROK s "%{NUMBER:n:int}"`, nil)
	if r.cols[1].Type != Integer {
		t.Errorf("typed capture: %s", r.cols[1].Type)
	}
	if err := compileErr(`ROW s = "x" | GROK s "%{NOPE:x}"`, nil); !strings.Contains(err, "Unable to find pattern [NOPE]") {
		t.Errorf("unknown grok pattern: %q", err)
	}
}

func TestMoreFunctions(t *testing.T) {
	checkExprs(t, []exprCase{
		{"mv_slice([1, 2, 3, 4], 1, 2)", "[2, 3]", false},
		{"mv_slice([1, 2, 3, 4], -1)", "4", false},
		{"mv_contains([1, 2, 3], [1, 3])", "true", false},
		{"mv_contains([1, 2, 3], 4)", "false", false},
		{"url_decode(\"a%20b%2Fc\")", "a b/c", false},
		{"locate(\"hello\", \"ll\")", "3", false},
		{"locate(\"hello\", \"x\")", "0", false},
		{"contains(\"hello\", \"ell\")", "true", false},
		{"to_ip(to_ip(\"10.0.0.1\"))", "10.0.0.1", false},
		{"greatest(1, 5, 3)", "5", false},
		{"least(\"b\", \"a\")", "a", false},
	})
}
