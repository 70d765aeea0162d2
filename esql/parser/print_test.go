package parser

import "testing"

// TestRoundTrip checks that String renders valid ES|QL in canonical form
// and that re-parsing it prints the same text again.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"from logs-* metadata _id | where a == 1", "FROM logs-* METADATA _id\n| WHERE a == 1"},
		{`FROM "my index", b::failures`, `FROM "my index", b::failures`},
		{`FROM "metadata"`, `FROM "metadata"`},
		{"row a = 1, b = \"x\\ty\\\"z\\\\\", c = null, d = [1, 2], e = 1.5, f = .5, g = 1e3",
			"ROW a = 1, b = \"x\\ty\\\"z\\\\\", c = null, d = [1, 2], e = 1.5, f = 0.5, g = 1000.0"},
		{`row s = """a\b"c"""`, `ROW s = "a\\b\"c"`},
		{"row x = 10 seconds, y = 1DAY, z = -2 h", "ROW x = 10 seconds, y = 1 day, z = -2 h"},
		{"row x = ?, y = ?name, z = ?2", "ROW x = ?, y = ?name, z = ?2"},
		{"from a | where not a and b or c", "FROM a\n| WHERE NOT a AND b OR c"},
		{"from a | where not (a and b)", "FROM a\n| WHERE NOT (a AND b)"},
		{"from a | where x not in (1,2) and y is not null and z not rlike (\"a\", \"b\") and w like \"q*\"",
			"FROM a\n| WHERE x NOT IN (1, 2) AND y IS NOT NULL AND z NOT RLIKE (\"a\", \"b\") AND w LIKE \"q*\""},
		{"from a | where -x::long + - -1 > 2 % 3", "FROM a\n| WHERE -x::long + - -1 > 2 % 3"},
		{"from a | where f:\"q\"", "FROM a\n| WHERE f : \"q\""},
		{"from a | eval `a b` = `c``d`.e, COUNT(*)", "FROM a\n| EVAL `a b` = `c``d`.e, count(*)"},
		{"from a | keep `a b`*, x.*, @timestamp | drop `as`", "FROM a\n| KEEP `a b`*, x.*, @timestamp\n| DROP `as`"},
		{"from a | rename a as b, c = d", "FROM a\n| RENAME a AS b, d AS c"},
		{"from a | stats c = count(*) where x > 1, sum(y) by g = bucket(t, 1 hour), h",
			"FROM a\n| STATS c = count(*) WHERE x > 1, sum(y) BY g = bucket(t, 1 hour), h"},
		{"from a | stats by h", "FROM a\n| STATS BY h"},
		{"from a | inline stats m = max(x) by h", "FROM a\n| INLINE STATS m = max(x) BY h"},
		{"from a | sort a asc, b desc nulls first, c nulls last", "FROM a\n| SORT a, b DESC NULLS FIRST, c NULLS LAST"},
		{"from a | limit 5 | mv_expand `x y`", "FROM a\n| LIMIT 5\n| MV_EXPAND `x y`"},
		{"from a | dissect m \"%{a}\" append_separator=\"-\" | grok m \"%{b}\", \"%{c}\"",
			"FROM a\n| DISSECT m \"%{a}\" APPEND_SEPARATOR = \"-\"\n| GROK m \"%{b}\", \"%{c}\""},
		{"from a | completion x = p with {\"inference_id\": \"m\", \"n\": {\"k\": [1, 2]}}",
			"FROM a\n| COMPLETION x = p WITH {\"inference_id\": \"m\", \"n\": {\"k\": [1, 2]}}"},
		{"from a | eval x = f(a, {\"k\": -1})", "FROM a\n| EVAL x = f(a, {\"k\": -1})"},
		{"from a | where `by` == `first`.`last`", "FROM a\n| WHERE `by` == `first`.`last`"},
		{"from a | eval x = (1 + 2) * 3", "FROM a\n| EVAL x = (1 + 2) * 3"},
		{"from a | stats f = FIRST(x BY @timestamp), l = last(y by t)", "FROM a\n| STATS f = first(x, @timestamp), l = last(y, t)"},
	}
	for _, tt := range tests {
		q := mustParse(t, tt.in)
		if got := q.String(); got != tt.want {
			t.Errorf("String of %q\n got: %s\nwant: %s", tt.in, got, tt.want)
		}
		if msg := roundTrip(q); msg != "" {
			t.Errorf("%q: %s", tt.in, msg)
		}
		if msg := checkSpans(q); msg != "" {
			t.Errorf("%q: %s", tt.in, msg)
		}
	}
}

// TestPrintPrecedence checks that String adds the parentheses a tree built
// without Paren nodes needs, and backquotes names that need it.
func TestPrintPrecedence(t *testing.T) {
	id := func(n string) Expr { return &Ident{Name: n} }
	num := func(v int64) Expr { return &Literal{Kind: IntLit, Value: v} }
	bin := func(op BinaryOp, l, r Expr) Expr { return &Binary{Op: op, L: l, R: r} }
	tests := []struct {
		x    Expr
		want string
	}{
		{bin(OpMul, bin(OpAdd, id("a"), id("b")), id("c")), "(a + b) * c"},
		{bin(OpSub, id("a"), bin(OpSub, id("b"), id("c"))), "a - (b - c)"},
		{bin(OpSub, bin(OpSub, id("a"), id("b")), id("c")), "a - b - c"},
		{bin(OpEq, bin(OpEq, id("a"), id("b")), id("c")), "(a == b) == c"},
		{bin(OpAnd, bin(OpOr, id("a"), id("b")), id("c")), "(a OR b) AND c"},
		{&Unary{Op: OpNot, X: bin(OpAnd, id("a"), id("b"))}, "NOT (a AND b)"},
		{&Unary{Op: OpNot, X: bin(OpEq, id("a"), num(1))}, "NOT a == 1"},
		{&Unary{Op: OpNeg, X: bin(OpAdd, id("a"), num(1))}, "-(a + 1)"},
		{&Unary{Op: OpNeg, X: num(-1)}, "- -1"},
		{&Unary{Op: OpNeg, X: num(1)}, "-(1)"},
		{&Unary{Op: OpPos, X: &Unary{Op: OpPos, X: num(0)}}, "+ +(0)"},
		{&In{X: bin(OpOr, id("a"), id("b")), List: []Expr{bin(OpEq, id("c"), num(1))}}, "(a OR b) IN (c == 1)"},
		{&IsNull{X: &In{X: id("a"), List: []Expr{num(1)}}}, "(a IN (1)) IS NULL"},
		{&Cast{X: bin(OpAdd, id("a"), num(1)), Type: "long"}, "(a + 1)::long"},
		{&Cast{X: &Unary{Op: OpNeg, X: id("a")}, Type: "long"}, "(-a)::long"},
		{bin(OpEq, id("a b"), id("by")), "`a b` == `by`"},
		{id("x.by"), "x.`by`"},
		{id("source.as.organization.name"), "source.as.organization.name"},
		{&Literal{Kind: StringLit, Value: "a\nb\r\t\"\\"}, `"a\nb\r\t\"\\"`},
		{&Literal{Kind: DecimalLit, Value: 1.0}, "1.0"},
		{&Literal{Kind: DecimalLit, Value: -0.25}, "-0.25"},
		{&Literal{Kind: DecimalLit, Value: 1e300}, "1e+300"},
	}
	for _, tt := range tests {
		got := tt.x.String()
		if got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
			continue
		}
		// What is printed must parse back to an expression printing the same.
		x, _ := parseExprText(t, got)
		if again := x.String(); again != got {
			t.Errorf("%s re-parses as %s", got, again)
		}
	}
	q := &Query{Source: &FromCommand{Indices: []string{"a b", "c"}}, Commands: []Command{
		&KeepCommand{Patterns: []*NamePattern{{Pattern: "a b*"}, {Pattern: "as"}}},
		&EvalCommand{Fields: []*Field{{Name: "my field", Named: true, Expr: num(1)}}},
	}}
	want := "FROM \"a b\", c\n| KEEP `a b`*, `as`\n| EVAL `my field` = 1"
	if got := q.String(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if msg := roundTrip(q); msg != "" {
		t.Error(msg)
	}
}

// TestInspect checks the traversal order of Inspect.
func TestInspect(t *testing.T) {
	q := mustParse(t, "FROM a | EVAL x = f(b, 1) | WHERE NOT c IN (d)")
	var got []string
	Inspect(q, func(n Node) bool {
		switch n := n.(type) {
		case *Ident:
			got = append(got, n.Name)
		case *Call:
			got = append(got, n.Name+"()")
		}
		return true
	})
	if want := "f() b c d"; joinSp(got) != want {
		t.Errorf("Inspect order = %q, want %q", joinSp(got), want)
	}
}

func joinSp(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
