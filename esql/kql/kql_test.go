package kql

import (
	"fmt"
	"strings"
	"testing"
)

// sexpr renders a tree compactly and unambiguously for assertions.
func sexpr(n any) string {
	switch n := n.(type) {
	case *Bool:
		return "(" + n.Op.String() + " " + sexpr(n.L) + " " + sexpr(n.R) + ")"
	case *Not:
		return "(not " + sexpr(n.X) + ")"
	case *MatchAll:
		return "(all)"
	case *Exists:
		return "(exists " + sexpr(n.Field) + ")"
	case *Range:
		return "(" + n.Op.String() + " " + sexpr(n.Field) + " " + sexpr(n.Value) + ")"
	case *Nested:
		return "(nested " + sexpr(n.Field) + " " + sexpr(n.Query) + ")"
	case *FieldQuery:
		if n.Field == nil {
			return "(text " + sexpr(n.Value) + ")"
		}
		return "(: " + sexpr(n.Field) + " " + sexpr(n.Value) + ")"
	case *Field:
		if n.Quoted {
			return fmt.Sprintf("%q", n.Name)
		}
		return n.Name
	case *Literal:
		s := fmt.Sprintf("%q", n.Text)
		if n.Quoted {
			s = "q" + s
		}
		if n.Wildcard {
			s = "w" + s
		}
		return s
	case *ValueNot:
		return "(vnot " + sexpr(n.X) + ")"
	case *ValueBool:
		return "(v" + n.Op.String() + " " + sexpr(n.L) + " " + sexpr(n.R) + ")"
	}
	return fmt.Sprintf("%T", n)
}

// TestParse checks trees, including the queries of Elastic's ES|QL rules
// (shared/rules/elastic-esql-all) and Elasticsearch's precedence
// (KqlParserBooleanQueryTests.testOperatorPrecedence: `a AND b OR c` is
// `a AND (b OR c)`; NOT binds to the next simple query).
func TestParse(t *testing.T) {
	tests := []struct{ in, want string }{
		// Corpus queries.
		{`event.outcome:failure`, `(: event.outcome "failure")`},
		{`kibana.alert.rule.tags : "Rule Type: Higher-Order Rule" `, `(: kibana.alert.rule.tags q"Rule Type: Higher-Order Rule")`},
		{`event.category:process and event.type:start and not event.action:fork and process.name:(wget or wget.exe)`,
			`(and (: event.category "process") (and (: event.type "start") (and (not (: event.action "fork")) (: process.name (vor "wget" "wget.exe")))))`},
		{`process.parent.args:/var/lib/waagent/run-command/download/*/script.sh`,
			`(: process.parent.args w"/var/lib/waagent/run-command/download/*/script.sh")`},
		{`event.action:"exec" and process.args:("-c" or "-cl" or "-lc")`,
			`(and (: event.action q"exec") (: process.args (vor (vor q"-c" q"-cl") q"-lc")))`},
		{` kubernetes.audit.requestObject.rules.verbs:("*" or "escalate") `,
			`(: kubernetes.audit.requestObject.rules.verbs (vor q"*" q"escalate"))`},
		// Precedence and grouping.
		{`a:1 and b:2 or c:3`, `(and (: a "1") (or (: b "2") (: c "3")))`},
		{`a:1 or b:2 and c:3`, `(or (: a "1") (and (: b "2") (: c "3")))`},
		{`(a:1 and b:2) or c:3`, `(or (and (: a "1") (: b "2")) (: c "3"))`},
		{`not a:1 and b:2`, `(and (not (: a "1")) (: b "2"))`},
		{`NOT a:1 OR b:2`, `(or (not (: a "1")) (: b "2"))`},
		{`not (a:1 or b:2)`, `(not (or (: a "1") (: b "2")))`},
		{`not not a:1`, `(not (not (: a "1")))`},
		{`f:(a or b and c)`, `(: f (vand (vor "a" "b") "c"))`},
		{`f:(a or (b and c))`, `(: f (vor "a" (vand "b" "c")))`},
		{`f:not a`, `(: f (vnot "a"))`},
		{`f:(a or not b)`, `(: f (vor "a" (vnot "b")))`},
		// Values.
		{`f:a b c`, `(: f "a b c")`},
		{`f:"a b"`, `(: f q"a b")`},
		{`f:*`, `(exists f)`},
		{`f:* and g:1`, `(and (exists f) (: g "1"))`},
		{`f:a*`, `(: f w"a*")`},
		{`f:* x`, `(: f w"* x")`},
		{`f:\*`, `(: f "*")`},
		{`f:a\*b*`, `(: f "a*b*")`},
		{`f:a\(b\)`, `(: f "a(b)")`},
		{`f:a\:b`, `(: f "a:b")`},
		{`f:"say \"hi\""`, `(: f q"say \"hi\"")`},
		{`f:"C:\\dir"`, `(: f q"C:\\dir")`},
		{`f:"tab\there"`, `(: f q"tab\there")`},
		{`f:\u0041b`, `(: f "Ab")`},
		{`f:\and`, `(: f "and")`},
		{`f:and`, `(: f "and")`},
		{`f:or x`, `(: f "or x")`},
		{`f:not`, `(: f "not")`},
		{`f:(a or)`, `(: f "a or")`},
		{`a:1 and`, `(: a "1 and")`}, // a trailing operator is a word
		{`f:x not y`, `(: f "x not y")`},
		{`f:a\ b`, `(: f "a\\ b")`},
		{`F:A AND g:B`, `(and (: F "A") (: g "B"))`},
		// Fields.
		{`event.*:x`, `(: event.* "x")`},
		{`"quoted field":x`, `(: "quoted field" "x")`},
		{`*:x`, `(: * "x")`},
		// Ranges, match all, nested, free text.
		{`bytes >= 10`, `(>= bytes "10")`},
		{`bytes<10`, `(< bytes "10")`},
		{`@timestamp > "2024-01-01"`, `(> @timestamp q"2024-01-01")`},
		{`@timestamp <= now-1d/d`, `(<= @timestamp "now-1d/d")`},
		{`*`, `(all)`},
		{`*:*`, `(all)`},
		{``, `(all)`},
		{`   `, `(all)`},
		{`a:{ b:1 and c:2 }`, `(nested a (and (: b "1") (: c "2")))`},
		{`wget`, `(text "wget")`},
		{`"hello world"`, `(text q"hello world")`},
		{`foo bar`, `(text "foo bar")`},
		{`foo*`, `(text w"foo*")`},
		{`not`, `(text "not")`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := sexpr(n); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

// TestRoundTrip: String renders KQL that parses back to the same tree,
// and rendering is stable.
func TestRoundTrip(t *testing.T) {
	queries := []string{
		`event.category:process and event.type:start and not event.action:fork and process.name:(curl or curl.exe)`,
		`kibana.alert.rule.threat.tactic.name : "Lateral Movement" and not kibana.alert.rule.tags : "Rule Type: Higher-Order Rule" `,
		`a:1 and b:2 or c:3`, `(a:1 and b:2) or c:3`, `(a:1 or b:2) and (c:3 or d:4)`,
		`not (a:1 or b:2)`, `not not a:1`, `f:(a or b and c)`, `f:(a or (b and c))`, `f:not (a or b)`,
		`f:a\*b`, `f:a*`, `f:* x`, `f:\(x*`, `f:"C:\\dir\\"`, `f:"q\"uote"`, `f:a\ b`, `f:\and x`,
		`f:(a or)`, `f:x not y`, `"quoted field":x`, `a.b\:c:x`, `bytes >= 10`, `t < "2024"`,
		`a:{ b:1 }`, `wget`, `"hello world"`, `not`, `and`, `f:\u3000x`, `f:tab\there`, `*`, `f:*`,
		// Found by FuzzParse.
		"\xff", `\\ *`, `\u0020`, `0:(*)`, `\*:*`, `\ `,
	}
	for _, q := range queries {
		n, err := Parse(q)
		if err != nil {
			t.Errorf("Parse(%q): %v", q, err)
			continue
		}
		s := n.String()
		n2, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(String(%q) = %q): %v", q, s, err)
			continue
		}
		if a, b := sexpr(n), sexpr(n2); a != b {
			t.Errorf("%q -> %q changes the tree:\n %s\n %s", q, s, a, b)
		}
		if s2 := n2.String(); s2 != s {
			t.Errorf("String is not stable: %q then %q", s, s2)
		}
	}
}

// TestString pins the canonical rendering: parentheses where operators
// mix, so a reader used to Kibana's precedence is not misled.
func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a:1 and b:2 or c:3`, `a:1 and (b:2 or c:3)`},
		{`a : 1   AND  b:"x y"`, `a:1 and b:"x y"`},
		{`f:( a OR b )`, `f:(a or b)`},
		{`*:*`, `*`},
		{`f:"a\\"`, `f:"a\u005c"`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := n.String(); got != tt.want {
			t.Errorf("String(Parse(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestErrors checks messages and positions (line:column, 1-based).
func TestErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`f:`, `line 1:3: unexpected end of query, expecting a value`},
		{`f:(a or b`, `line 1:10: unexpected end of query, expecting [)]`},
		{`(a:1`, `line 1:5: unexpected end of query, expecting [)]`},
		{`a:1 b:2`, `line 1:6: unexpected [:]`}, // the value is "1 b"
		{`a:1 and :`, `line 1:9: unexpected [:], expecting a query`},
		{`a:1)`, `line 1:4: unexpected [)]`},
		{`f:"abc`, `line 1:3: unterminated quoted string`},
		{`f:a\d`, `line 1:4: token recognition error at: '\d'`},
		{`f:a\`, `line 1:4: token recognition error at: '\'`},
		{`f:\uD800`, `line 1:5: Invalid unicode character code, [D800] is a surrogate code`},
		{"a:1 and\n  b:", `line 2:5: unexpected end of query, expecting a value`},
		{`f > `, `line 1:5: unexpected end of query, expecting a value`},
		{`a:{ b:1`, `line 1:8: unexpected end of query, expecting [}]`},
		{`:x`, `line 1:1: unexpected [:], expecting a query`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want %s", tt.in, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%q) error\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

// TestPositions: nodes know where they start, in runes.
func TestPositions(t *testing.T) {
	n, err := Parse("é:1 and\n  not b:2")
	if err != nil {
		t.Fatal(err)
	}
	b := n.(*Bool)
	if p := b.R.Pos(); p.Line != 2 || p.Col != 3 || p.Offset != 11 {
		t.Errorf("not at %+v", p)
	}
	fq := b.R.(*Not).X.(*FieldQuery)
	if p := fq.Value.Pos(); p.Line != 2 || p.Col != 9 {
		t.Errorf("value at %+v", p)
	}
	if p := b.L.(*FieldQuery).Value.Pos(); p.Col != 3 || p.Offset != 3 {
		t.Errorf("first value at %+v", p)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`a:1 and b:(c or "d")`, `not x*:y\:z`, `f >= 2024-01-01`, `"a\"b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		s2 := n.String()
		n2, err := Parse(s2)
		if err != nil {
			t.Fatalf("String(Parse(%q)) = %q does not parse: %v", s, s2, err)
		}
		if a, b := sexpr(n), sexpr(n2); a != b {
			t.Fatalf("%q -> %q changes the tree:\n %s\n %s", s, s2, a, b)
		}
	})
}
