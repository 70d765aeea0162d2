package parser

import (
	"strconv"
	"strings"
)

// Printing. Every node's String renders valid ES|QL with upper-case
// keywords, re-escaped strings, backquoted names where needed and
// parentheses where precedence requires them, so that
// Parse(n.String()) gives a tree that prints identically.

// Binding strength of expression levels, loosest first (docs/esql-semantics.md §A1).
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

// writeExpr writes x, parenthesised if it binds looser than min. All
// expression printing goes through one builder, so printing is linear in
// the size of the output even for long operator chains.
func writeExpr(b *strings.Builder, x Expr, min int) {
	if x == nil {
		b.WriteString("null")
		return
	}
	if prec(x) < min {
		b.WriteByte('(')
		writeNode(b, x)
		b.WriteByte(')')
		return
	}
	writeNode(b, x)
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
	for _, part := range parts {
		if part == "" {
			// `` is no name: backquote the runs between stars whole
			// (nameString does the same for names).
			return patternPartString(n.Pattern)
		}
	}
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
// `a.b` and “ `a.b` “ name the same column, as the name is the joined
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
