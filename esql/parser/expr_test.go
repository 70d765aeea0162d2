package parser

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// sexpr renders an expression tree as an S-expression so that tests can
// state the grouping the parser chose.
func sexpr(x Expr) string {
	switch x := x.(type) {
	case *Ident:
		return x.Name
	case *Literal:
		switch v := x.Value.(type) {
		case string:
			if x.Kind == ParamLit {
				return "?" + v
			}
			return strconv.Quote(v)
		case TimeSpan:
			return fmt.Sprintf("span(%d %s)", v.N, v.Unit)
		case float64:
			return "float(" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
		case nil:
			return "null"
		}
		return fmt.Sprint(x.Value)
	case *ListLiteral:
		return "[" + sexprs(x.Elems) + "]"
	case *MapLiteral:
		parts := make([]string, len(x.Keys))
		for i, k := range x.Keys {
			parts[i] = strconv.Quote(k) + ":" + sexpr(x.Values[i])
		}
		return "{" + strings.Join(parts, " ") + "}"
	case *Call:
		if x.Star {
			return x.Name + "(*)"
		}
		return x.Name + "(" + sexprs(x.Args) + ")"
	case *Unary:
		return "(" + [...]string{"neg", "pos", "not"}[x.Op] + " " + sexpr(x.X) + ")"
	case *Binary:
		return "(" + binaryOpText[x.Op] + " " + sexpr(x.L) + " " + sexpr(x.R) + ")"
	case *In:
		op := "in"
		if x.Not {
			op = "not-in"
		}
		return "(" + op + " " + sexpr(x.X) + " " + sexprs(x.List) + ")"
	case *IsNull:
		if x.Not {
			return "(is-not-null " + sexpr(x.X) + ")"
		}
		return "(is-null " + sexpr(x.X) + ")"
	case *Like:
		op := "like"
		if x.Regex {
			op = "rlike"
		}
		if x.Not {
			op = "not-" + op
		}
		pats := make([]Expr, len(x.Patterns))
		for i, p := range x.Patterns {
			pats[i] = p
		}
		return "(" + op + " " + sexpr(x.X) + " " + sexprs(pats) + ")"
	case *Match:
		return "(match " + sexpr(x.Field) + " " + sexpr(x.Query) + ")"
	case *Cast:
		return "(cast " + sexpr(x.X) + " " + x.Type + ")"
	case *Paren:
		return "(paren " + sexpr(x.X) + ")"
	}
	return fmt.Sprintf("?%T", x)
}

func sexprs(xs []Expr) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = sexpr(x)
	}
	return strings.Join(parts, " ")
}

// parseExprText parses text as the condition of a WHERE command.
func parseExprText(t *testing.T, text string) (Expr, *Query) {
	t.Helper()
	q, err := Parse("ROW a = 1 | WHERE " + text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return q.Commands[0].(*WhereCommand).Cond, q
}

// TestExpressions pins operator precedence and literal values
// (docs/esql-semantics.md §A1; parser/Expression.g4).
func TestExpressions(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Boolean precedence: OR < AND < NOT < predicates < comparison.
		{"NOT a AND b", "(AND (not a) b)"},
		{"NOT x == 1", "(not (== x 1))"},
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"a OR b OR c", "(OR (OR a b) c)"},
		{"NOT NOT a", "(not (not a))"},
		{"NOT x IN (1, 2)", "(not (in x 1 2))"},
		{"x NOT IN (1, 2) AND y", "(AND (not-in x 1 2) y)"},
		{"x IS NOT NULL AND y IS NULL", "(AND (is-not-null x) (is-null y))"},
		{"NOT x IS NULL", "(not (is-null x))"},
		{"a + 1 IN (b * 2, 3)", "(in (+ a 1) (* b 2) 3)"},
		{`x LIKE "a*"`, `(like x "a*")`},
		{`x NOT RLIKE ("a.*", "b")`, `(not-rlike x "a.*" "b")`},
		{`x not like "a?" or y`, `(OR (not-like x "a?") y)`},
		{`a : "foo" AND b`, `(AND (match a "foo") b)`},
		{`a::keyword : "foo"`, `(match (cast a keyword) "foo")`},
		{`true in (starts_with(event.action, "Describe"), starts_with(event.action, "Get"))`,
			`(in true starts_with(event.action "Describe") starts_with(event.action "Get"))`},
		// Arithmetic precedence and associativity.
		{"a + b == c * d", "(== (+ a b) (* c d))"},
		{"1 + 2 * 3 > 4", "(> (+ 1 (* 2 3)) 4)"},
		{"1 - 2 - 3 == 0", "(== (- (- 1 2) 3) 0)"},
		{"a % b / c < 1", "(< (/ (% a b) c) 1)"},
		{"-a * b < 0", "(< (* (neg a) b) 0)"},
		{"2-1 == 1", "(== (- 2 1) 1)"},
		{"1 - -1 == 2", "(== (- 1 -1) 2)"},
		{"- -1 == 1", "(== (neg -1) 1)"},
		{"+x > 0", "(> (pos x) 0)"},
		{"x =~ \"A\"", `(=~ x "A")`},
		{"(a OR b) AND c", "(AND (paren (OR a b)) c)"},
		// Casts bind tightest; a sign before a number belongs to the constant.
		{"-1::string == \"-1\"", `(== (cast -1 string) "-1")`},
		{"-x::long > 0", "(> (neg (cast x long)) 0)"},
		{`"1.2.3.4"::IP == ip`, `(== (cast "1.2.3.4" ip) ip)`},
		{"a::string::keyword", "(cast (cast a string) keyword)"},
		// Literals.
		{"x == 2147483648", "(== x 2147483648)"},
		{"x == -9223372036854775808", "(== x -9223372036854775808)"},
		{"x == 9223372036854775808", "(== x float(9.223372036854776e+18))"},
		{"x == 1.5e3 OR x == .5 OR x == 1.", "(OR (OR (== x float(1500)) (== x float(0.5))) (== x float(1)))"},
		{"x == -2.5", "(== x float(-2.5))"},
		{"x == null OR x == TRUE OR x == false", "(OR (OR (== x null) (== x true)) (== x false))"},
		{`x == "a\"b\\c\td"`, `(== x "a\"b\\c\td")`},
		{`x == """a\n"b"""`, `(== x "a\\n\"b")`},
		{"x == ? OR x == ?name OR x == ?1", "(OR (OR (== x ?) (== x ?name)) (== x ?1))"},
		{"x IN ([1, -2, 3], [\"a\"], [])", `(in x [1 -2 3] ["a"] [])`},
		// Time spans: units from EsqlDataTypeConverter.parseTemporalAmount,
		// case-insensitive, with or without a space; `m` is minute.
		{"d > now() - 10 seconds", "(> d (- now() span(10 seconds)))"},
		{"d > now() - 1DAY", "(> d (- now() span(1 day)))"},
		{"d > now() - 5m", "(> d (- now() span(5 m)))"},
		{"d > now() + -1 hour", "(> d (+ now() span(-1 hour)))"},
		{"d == date_trunc(1 quarter, d)", "(== d date_trunc(span(1 quarter) d))"},
		// Names and calls.
		{"source.as.organization.name == `a``b`.c", "(== source.as.organization.name a`b.c)"},
		{"`@timestamp` > @timestamp", "(> @timestamp @timestamp)"},
		{"COUNT(*) > Count_Distinct(x)", "(> count(*) count_distinct(x))"},
		{"f() == g(a, {\"k\": 1, \"j\": \"v\"})", `(== f() g(a {"k":1 "j":"v"}))`},
		// Case-insensitive keywords.
		{"x iS nOt NuLl aNd NoT y In (1) Or z LiKe \"a\"", `(OR (AND (is-not-null x) (not (in y 1))) (like z "a"))`},
		// Comments anywhere between tokens.
		{"a /* c /* nested */ */ AND // to end of line\n b", "(AND a b)"},
	}
	for _, tt := range tests {
		x, _ := parseExprText(t, tt.in)
		if got := sexpr(x); got != tt.want {
			t.Errorf("%s\n got: %s\nwant: %s", tt.in, got, tt.want)
		}
	}
}
