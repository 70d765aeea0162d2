package parser

import (
	"math"
	"strconv"
	"strings"
)

// Printing. Every node's String renders valid ES|QL with upper-case
// keywords, re-escaped strings, backquoted names where needed and
// parentheses where precedence requires them, so that
// Parse(n.String()) gives a tree that prints identically.

// Binding strength of expression levels, loosest first (esql-semantics.md §A1).
const (
	precOr = iota + 1
	precAnd
	precNot
	precPredicate
	precComparison
	precAdditive
	precMultiplicative
	precUnary
	precPrimary
)

// prec returns the binding level of an expression.
func prec(x Expr) int {
	switch x := x.(type) {
	case *Binary:
		switch x.Op {
		case OpOr:
			return precOr
		case OpAnd:
			return precAnd
		case OpAdd, OpSub:
			return precAdditive
		case OpMul, OpDiv, OpMod:
			return precMultiplicative
		default:
			return precComparison
		}
	case *Unary:
		if x.Op == OpNot {
			return precNot
		}
		return precUnary
	case *In, *IsNull, *Like, *Match:
		return precPredicate
	}
	return precPrimary
}

// writeExpr writes x, parenthesised if it binds looser than min.
func writeExpr(b *strings.Builder, x Expr, min int) {
	if x == nil {
		b.WriteString("null")
		return
	}
	if prec(x) < min {
		b.WriteByte('(')
		b.WriteString(x.String())
		b.WriteByte(')')
		return
	}
	b.WriteString(x.String())
}

func exprString(x Expr, min int) string {
	var b strings.Builder
	writeExpr(&b, x, min)
	return b.String()
}

// String renders the whole query, one command per line.
func (q *Query) String() string {
	var b strings.Builder
	if q.Source != nil {
		b.WriteString(q.Source.String())
	}
	for _, c := range q.Commands {
		b.WriteString("\n| ")
		b.WriteString(c.String())
	}
	return b.String()
}

// String renders the FROM command.
func (c *FromCommand) String() string {
	var b strings.Builder
	b.WriteString("FROM ")
	for i, ix := range c.Indices {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sourceString(ix))
	}
	if len(c.Metadata) > 0 {
		b.WriteString(" METADATA ")
		for i, m := range c.Metadata {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m)
		}
	}
	return b.String()
}

// sourceString prints an index pattern unquoted when it lexes back as one
// UNQUOTED_SOURCE token, else as a quoted string.
func sourceString(s string) string {
	if s == "" || equalFold(s, "metadata") {
		return quoteString(s)
	}
	for i := 0; i < len(s); i++ {
		if !isSourceChar(s, i) {
			return quoteString(s)
		}
	}
	return s
}

// String renders the ROW command.
func (c *RowCommand) String() string { return "ROW " + fieldsString(c.Fields) }

// String renders the WHERE command.
func (c *WhereCommand) String() string { return "WHERE " + exprString(c.Cond, 0) }

// String renders the EVAL command.
func (c *EvalCommand) String() string { return "EVAL " + fieldsString(c.Fields) }

// String renders the KEEP command.
func (c *KeepCommand) String() string { return "KEEP " + patternsString(c.Patterns) }

// String renders the DROP command.
func (c *DropCommand) String() string { return "DROP " + patternsString(c.Patterns) }

func patternsString(ps []*NamePattern) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// String renders the RENAME command in the `old AS new` form.
func (c *RenameCommand) String() string {
	parts := make([]string, len(c.Renames))
	for i, r := range c.Renames {
		parts[i] = r.String()
	}
	return "RENAME " + strings.Join(parts, ", ")
}

// String renders `old AS new`.
func (r *Rename) String() string { return r.Old.String() + " AS " + r.New.String() }

// String renders the STATS or INLINE STATS command.
func (c *StatsCommand) String() string {
	var b strings.Builder
	if c.Inline {
		b.WriteString("INLINE ")
	}
	b.WriteString("STATS")
	for i, a := range c.Aggs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(a.String())
	}
	if len(c.Groups) > 0 {
		b.WriteString(" BY ")
		b.WriteString(fieldsString(c.Groups))
	}
	return b.String()
}

// String renders `[name =] expr [WHERE filter]`.
func (a *AggField) String() string {
	if a.Field == nil {
		return ""
	}
	s := a.Field.String()
	if a.Filter != nil {
		s += " WHERE " + exprString(a.Filter, 0)
	}
	return s
}

// String renders the SORT command.
func (c *SortCommand) String() string {
	parts := make([]string, len(c.Orders))
	for i, o := range c.Orders {
		parts[i] = o.String()
	}
	return "SORT " + strings.Join(parts, ", ")
}

// String renders one sort key; ASC is printed only when NULLS follows.
func (o *Order) String() string {
	s := exprString(o.Expr, 0)
	if o.Desc {
		s += " DESC"
	}
	switch o.Nulls {
	case NullsFirst:
		s += " NULLS FIRST"
	case NullsLast:
		s += " NULLS LAST"
	}
	return s
}

// String renders the LIMIT command.
func (c *LimitCommand) String() string { return "LIMIT " + strconv.FormatInt(c.N, 10) }

// String renders the MV_EXPAND command.
func (c *MvExpandCommand) String() string { return "MV_EXPAND " + identString(c.Column) }

// String renders the DISSECT command.
func (c *DissectCommand) String() string {
	s := "DISSECT " + exprString(c.Input, precPrimary) + " " + litString(c.Pattern)
	if c.AppendSeparator != nil {
		s += " APPEND_SEPARATOR = " + litString(c.AppendSeparator)
	}
	return s
}

// String renders the GROK command.
func (c *GrokCommand) String() string {
	parts := make([]string, len(c.Patterns))
	for i, p := range c.Patterns {
		parts[i] = litString(p)
	}
	return "GROK " + exprString(c.Input, precPrimary) + " " + strings.Join(parts, ", ")
}

// String renders the COMPLETION command.
func (c *CompletionCommand) String() string {
	s := "COMPLETION "
	if c.Target != "" {
		s += nameString(c.Target) + " = "
	}
	s += exprString(c.Prompt, precPrimary) + " WITH "
	if c.Options != nil {
		s += c.Options.String()
	} else {
		s += "{}"
	}
	return s
}

func identString(id *Ident) string {
	if id == nil {
		return "``"
	}
	return nameString(id.Name)
}

func litString(l *Literal) string {
	if l == nil {
		return `""`
	}
	return l.String()
}

func fieldsString(fs []*Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

// String renders `name = expr`, or just `expr` when the name was not
// written.
func (f *Field) String() string {
	if f.Named {
		return nameString(f.Name) + " = " + exprString(f.Expr, 0)
	}
	return exprString(f.Expr, 0)
}

// String renders the pattern, backquoting the parts that need it; `*`
// stays outside backquotes so it keeps its wildcard meaning.
func (n *NamePattern) String() string {
	parts := strings.Split(n.Pattern, ".")
	for i, part := range parts {
		parts[i] = patternPartString(part)
	}
	if len(parts) == 1 && equalFold(parts[0], "as") {
		// A lone `as` would read as RENAME's keyword.
		return backquote(n.Pattern)
	}
	return strings.Join(parts, ".")
}

func patternPartString(part string) string {
	if part == "" {
		return "``"
	}
	ok := true
	for i := 0; i < len(part); i++ {
		if c := part[i]; !isIDBody(c) && c != '@' && c != '*' {
			ok = false
			break
		}
	}
	if ok {
		return part
	}
	// Backquote the runs between stars.
	var b strings.Builder
	for i, run := range strings.Split(part, "*") {
		if i > 0 {
			b.WriteByte('*')
		}
		if run != "" {
			b.WriteString(backquote(run))
		}
	}
	return b.String()
}

// nameString renders a column name. Each dotted part is backquoted only if
// it is not an UNQUOTED_IDENTIFIER or is a keyword (Elasticsearch lexes
// `by` or `last` as keyword tokens even after a dot; the parser here is
// lenient there, the printer is strict);
// `a.b` and `` `a.b` `` name the same column, as the name is the joined
// text. A name with an empty part is backquoted whole.
func nameString(name string) string {
	parts := strings.Split(name, ".")
	for _, part := range parts {
		if part == "" {
			return backquote(name)
		}
	}
	changed := false
	for i, part := range parts {
		if !isUnquotedIdent(part) || isKeyword(part) {
			parts[i] = backquote(part)
			changed = true
		}
	}
	if !changed {
		return name
	}
	return strings.Join(parts, ".")
}

// isUnquotedIdent matches UNQUOTED_IDENTIFIER: LETTER (LETTER|DIGIT|_)* or
// (_|@) (LETTER|DIGIT|_)+.
func isUnquotedIdent(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !isLetter(c) && !((c == '_' || c == '@') && len(s) > 1) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIDBody(s[i]) {
			return false
		}
	}
	return true
}

func backquote(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// quoteString renders s as a double-quoted ES|QL string with the escapes
// the lexer understands.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// String renders the column name.
func (x *Ident) String() string { return nameString(x.Name) }

// String renders the constant.
func (x *Literal) String() string {
	switch x.Kind {
	case NullLit:
		return "null"
	case BoolLit:
		if v, _ := x.Value.(bool); v {
			return "true"
		}
		return "false"
	case IntLit:
		v, _ := x.Value.(int64)
		return strconv.FormatInt(v, 10) // a signed constant when negative
	case DecimalLit:
		v, _ := x.Value.(float64)
		return decimalString(v)
	case StringLit:
		v, _ := x.Value.(string)
		return quoteString(v)
	case TimeSpanLit:
		v, _ := x.Value.(TimeSpan)
		return strconv.FormatInt(v.N, 10) + " " + v.Unit
	case ParamLit:
		v, _ := x.Value.(string)
		return "?" + v
	}
	return "null"
}

// decimalString renders a double so that it lexes back as a
// DECIMAL_LITERAL (it always has a '.' or an exponent).
func decimalString(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "null" // not representable as an ES|QL literal
	case v < 0 || v == 0 && math.Signbit(v):
		return "-" + decimalString(-v) // a signed constant
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// String renders the array literal.
func (x *ListLiteral) String() string {
	parts := make([]string, len(x.Elems))
	for i, e := range x.Elems {
		parts[i] = exprString(e, precUnary)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// String renders the map literal.
func (x *MapLiteral) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range x.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(k))
		b.WriteString(": ")
		if i < len(x.Values) {
			v := x.Values[i]
			if _, isMap := v.(*MapLiteral); isMap {
				b.WriteString(v.String())
			} else {
				writeExpr(&b, v, precUnary)
			}
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// String renders the call with its lower-case name.
func (x *Call) String() string {
	var b strings.Builder
	if isUnquotedIdent(x.Name) && !operatorWords[x.Name] {
		b.WriteString(x.Name)
	} else {
		b.WriteString(backquote(x.Name)) // not re-parsable as a call; best effort
	}
	b.WriteByte('(')
	if x.Star {
		b.WriteByte('*')
	}
	for i, a := range x.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		if _, isMap := a.(*MapLiteral); isMap {
			b.WriteString(a.String())
			continue
		}
		writeExpr(&b, a, 0)
	}
	b.WriteByte(')')
	return b.String()
}

// String renders the unary operation. A sign directly before a number
// would be read back as part of the constant (see parseUnary), so a
// numeric operand is parenthesised; a space keeps `- -1` from reading as
// anything else.
func (x *Unary) String() string {
	if x.Op == OpNot {
		return "NOT " + exprString(x.X, precNot)
	}
	sign := "-"
	if x.Op == OpPos {
		sign = "+"
	}
	s := exprString(x.X, precUnary)
	if lit, ok := x.X.(*Literal); ok && (lit.Kind == IntLit || lit.Kind == DecimalLit || lit.Kind == TimeSpanLit) && !strings.HasPrefix(s, "-") {
		return sign + "(" + s + ")"
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return sign + " " + s
	}
	return sign + s
}

var binaryOpText = map[BinaryOp]string{
	OpOr: "OR", OpAnd: "AND", OpEq: "==", OpNeq: "!=", OpLt: "<", OpLte: "<=",
	OpGt: ">", OpGte: ">=", OpEqIgnoreCase: "=~", OpAdd: "+", OpSub: "-",
	OpMul: "*", OpDiv: "/", OpMod: "%",
}

// String renders the binary operation; operators are left-associative
// except comparisons, which do not associate at all.
func (x *Binary) String() string {
	p := prec(x)
	lmin, rmin := p, p+1
	if p == precComparison {
		lmin = p + 1
	}
	return exprString(x.L, lmin) + " " + binaryOpText[x.Op] + " " + exprString(x.R, rmin)
}

// String renders `x [NOT] IN (...)`.
func (x *In) String() string {
	var b strings.Builder
	writeExpr(&b, x.X, precComparison)
	if x.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" IN (")
	for i, e := range x.List {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(&b, e, precComparison)
	}
	b.WriteByte(')')
	return b.String()
}

// String renders `x IS [NOT] NULL`.
func (x *IsNull) String() string {
	s := exprString(x.X, precComparison)
	if x.Not {
		return s + " IS NOT NULL"
	}
	return s + " IS NULL"
}

// String renders `x [NOT] LIKE|RLIKE pattern` or the list form.
func (x *Like) String() string {
	var b strings.Builder
	writeExpr(&b, x.X, precComparison)
	if x.Not {
		b.WriteString(" NOT")
	}
	if x.Regex {
		b.WriteString(" RLIKE ")
	} else {
		b.WriteString(" LIKE ")
	}
	if len(x.Patterns) == 1 {
		b.WriteString(litString(x.Patterns[0]))
		return b.String()
	}
	b.WriteByte('(')
	for i, pat := range x.Patterns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(litString(pat))
	}
	b.WriteByte(')')
	return b.String()
}

// String renders `field : query`.
func (x *Match) String() string {
	return exprString(x.Field, precPrimary) + " : " + exprString(x.Query, precUnary)
}

// String renders `x::type`.
func (x *Cast) String() string { return exprString(x.X, precPrimary) + "::" + x.Type }

// String renders the parenthesised expression.
func (x *Paren) String() string { return "(" + exprString(x.X, 0) + ")" }
