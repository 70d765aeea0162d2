package parser

import (
	"strconv"
	"strings"
)

// Expression parsing. The levels follow the ANTLR alternative order of
// booleanExpression, valueExpression and operatorExpression in
// EsqlBaseParser.g4 / parser/Expression.g4 (docs/esql-semantics.md §A1):
// OR < AND < NOT < predicates < comparison < + - < * / % < unary < primary.

// operatorWords may never start an identifier or name a function: they are
// operators or constants of the expression grammar.
var operatorWords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true,
	"like": true, "rlike": true, "null": true, "true": true, "false": true,
}

// keywords are words the ES|QL lexer turns into keyword tokens in
// EXPRESSION_MODE (lexer/Expression.g4: BY, AND, ASC, DESC, FALSE, FIRST,
// IN, IS, LAST, LIKE, NOT, NULL, NULLS, OR, RLIKE, TRUE, and WHERE), so they
// cannot be unquoted column names. They are not UNQUOTED_IDENTIFIERs either,
// so `1 desc` is not a time span. `as` is not among them, which is why
// `source.as.organization.name` needs no quoting.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true,
	"like": true, "rlike": true, "null": true, "true": true, "false": true,
	"by": true, "where": true, "asc": true, "desc": true, "nulls": true,
	"first": true, "last": true,
}

func isKeyword(word string) bool {
	if len(word) > 5 {
		return false
	}
	return keywords[strings.ToLower(word)]
}

// parseExpr parses a booleanExpression.
func (p *parser) parseExpr() Expr { return p.parseOr() }

func (p *parser) parseOr() Expr {
	l := p.parseAnd()
	for p.tok.is("or") {
		p.next()
		r := p.parseAnd()
		l = &Binary{Span: p.span(l.Extent().Start), Op: OpOr, L: l, R: r}
	}
	return l
}

func (p *parser) parseAnd() Expr {
	l := p.parseNot()
	for p.tok.is("and") {
		p.next()
		r := p.parseNot()
		l = &Binary{Span: p.span(l.Extent().Start), Op: OpAnd, L: l, R: r}
	}
	return l
}

// parseNot parses `NOT booleanExpression` at NOT's precedence, so that
// `NOT a AND b` is `(NOT a) AND b` and `NOT x == 1` is `NOT (x == 1)`.
func (p *parser) parseNot() Expr {
	if p.tok.is("not") {
		start := p.tok.start
		p.enter()
		defer p.leave()
		p.next()
		x := p.parseNot()
		return &Unary{Span: p.span(start), Op: OpNot, X: x}
	}
	return p.parsePredicate()
}

// parsePredicate parses a valueExpression optionally followed by one of
// [NOT] IN (...), IS [NOT] NULL, [NOT] LIKE, [NOT] RLIKE or `: query`.
// Predicates do not chain: their operand is a valueExpression.
func (p *parser) parsePredicate() Expr {
	x := p.parseComparison()
	start := x.Extent().Start
	not := false
	if p.tok.is("not") {
		nt := p.peek()
		if !nt.is("in") && !nt.is("like") && !nt.is("rlike") {
			return x
		}
		not = true
		p.next()
	}
	switch {
	case p.tok.is("in"):
		p.next()
		p.expect(tLParen, `"("`, exprMode)
		var list []Expr
		for {
			list = append(list, p.parseComparison())
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
		p.expect(tRParen, `"," or ")"`, exprMode)
		return &In{Span: p.span(start), X: x, List: list, Not: not}
	case p.tok.is("like"), p.tok.is("rlike"):
		regex := p.tok.is("rlike")
		p.next()
		var pats []*Literal
		if p.tok.kind == tLParen {
			p.next()
			for {
				pats = append(pats, p.parseStringLit("pattern string"))
				if p.tok.kind != tComma {
					break
				}
				p.next()
			}
			p.expect(tRParen, `"," or ")"`, exprMode)
		} else {
			pats = append(pats, p.parseStringLit("pattern string"))
		}
		return &Like{Span: p.span(start), X: x, Patterns: pats, Not: not, Regex: regex}
	case p.tok.is("is"):
		p.next()
		isNot := false
		if p.tok.is("not") {
			isNot = true
			p.next()
		}
		p.expectKeyword("null", exprMode)
		return &IsNull{Span: p.span(start), X: x, Not: isNot}
	case p.tok.kind == tColon:
		// matchBooleanExpression: qualifiedName [:: type] : constant
		if !isMatchField(x) {
			p.failAt(p.tok.start, "the left side of %q must be a column name", ":")
		}
		p.next()
		q := p.parseUnary()
		return &Match{Span: p.span(start), Field: x, Query: q}
	}
	return x
}

func isMatchField(x Expr) bool {
	if c, ok := x.(*Cast); ok {
		x = c.X
	}
	_, ok := x.(*Ident)
	return ok
}

var comparisonOps = map[tokKind]BinaryOp{
	tEq: OpEq, tNeq: OpNeq, tLt: OpLt, tLte: OpLte, tGt: OpGt, tGte: OpGte, tCIEq: OpEqIgnoreCase,
}

// parseComparison parses a valueExpression: one non-associative comparison
// between two operatorExpressions.
func (p *parser) parseComparison() Expr {
	l := p.parseAdditive()
	op, ok := comparisonOps[p.tok.kind]
	if !ok {
		return l
	}
	p.next()
	r := p.parseAdditive()
	if _, again := comparisonOps[p.tok.kind]; again {
		p.failAt(p.tok.start, "unexpected %s: comparisons do not chain, use parentheses or AND", p.tok.describe())
	}
	return &Binary{Span: p.span(l.Extent().Start), Op: op, L: l, R: r}
}

func (p *parser) parseAdditive() Expr {
	l := p.parseMultiplicative()
	for p.tok.kind == tPlus || p.tok.kind == tMinus {
		op := OpAdd
		if p.tok.kind == tMinus {
			op = OpSub
		}
		p.next()
		r := p.parseMultiplicative()
		l = &Binary{Span: p.span(l.Extent().Start), Op: op, L: l, R: r}
	}
	return l
}

func (p *parser) parseMultiplicative() Expr {
	l := p.parseUnary()
	for {
		var op BinaryOp
		switch p.tok.kind {
		case tStar:
			op = OpMul
		case tSlash:
			op = OpDiv
		case tPercent:
			op = OpMod
		default:
			return l
		}
		p.next()
		r := p.parseUnary()
		l = &Binary{Span: p.span(l.Extent().Start), Op: op, L: l, R: r}
	}
}

// parseUnary parses `-x` and `+x`, which bind tighter than `*`. A sign
// directly before a number is part of the constant, as in the grammar
// (integerValue and decimalValue take an optional sign, and ANTLR prefers
// the primaryExpression alternative): `-1::string` casts -1, and `-1 day`
// is a negative time span.
func (p *parser) parseUnary() Expr {
	if p.tok.kind == tMinus || p.tok.kind == tPlus {
		if k := p.peek().kind; k == tInt || k == tDecimal {
			return p.parsePostfix()
		}
		op := OpNeg
		if p.tok.kind == tPlus {
			op = OpPos
		}
		start := p.tok.start
		p.enter()
		defer p.leave()
		p.next()
		x := p.parseUnary()
		return &Unary{Span: p.span(start), Op: op, X: x}
	}
	return p.parsePostfix()
}

// parsePostfix parses a primary followed by any number of `:: type` casts.
func (p *parser) parsePostfix() Expr {
	x := p.parsePrimary()
	for p.tok.kind == tCast {
		p.next()
		if p.tok.kind != tWord {
			p.expected("type name")
		}
		typ := strings.ToLower(p.tok.text)
		p.next()
		x = &Cast{Span: p.span(x.Extent().Start), X: x, Type: typ}
	}
	return x
}

// startsIdent reports whether the current token can start a column name.
func (p *parser) startsIdent() bool {
	return p.tok.kind == tQuotedIdent || p.tok.kind == tWord && !isKeyword(p.tok.text)
}

// parseQualifiedName parses `identifier (. identifier)*`. Parts after a dot
// may be any word, keywords included (`source.as.organization.name`).
func (p *parser) parseQualifiedName() *Ident {
	if !p.startsIdent() {
		p.expected("column name")
	}
	start := p.tok.start
	var b strings.Builder
	b.WriteString(p.identPart())
	p.next()
	for p.tok.kind == tDot {
		p.next()
		if p.tok.kind != tWord && p.tok.kind != tQuotedIdent {
			p.expected("column name part after \".\"")
		}
		b.WriteByte('.')
		b.WriteString(p.identPart())
		p.next()
	}
	return &Ident{Span: p.span(start), Name: b.String()}
}

func (p *parser) identPart() string {
	if p.tok.kind == tQuotedIdent {
		return p.tok.val
	}
	return p.tok.text
}

// parsePrimary parses a constant, column name, function call,
// parenthesised expression or array literal.
func (p *parser) parsePrimary() Expr {
	t := p.tok
	sp := Span{t.start, t.end}
	switch t.kind {
	case tMinus, tPlus: // a signed number (see parseUnary)
		p.next()
		return p.parseNumber(t.start, t.kind == tMinus)
	case tInt, tDecimal:
		return p.parseNumber(t.start, false)
	case tString:
		p.next()
		return &Literal{Span: sp, Kind: StringLit, Value: t.val}
	case tParam:
		p.next()
		return &Literal{Span: sp, Kind: ParamLit, Value: t.val}
	case tLParen:
		p.enter()
		defer p.leave()
		p.next()
		x := p.parseExpr()
		p.expect(tRParen, `")"`, exprMode)
		return &Paren{Span: p.span(t.start), X: x}
	case tLBracket:
		p.enter()
		defer p.leave()
		return p.parseList()
	case tWord:
		switch {
		case t.is("null"):
			p.next()
			return &Literal{Span: sp, Kind: NullLit}
		case t.is("true"), t.is("false"):
			p.next()
			return &Literal{Span: sp, Kind: BoolLit, Value: t.is("true")}
		case !operatorWords[strings.ToLower(t.text)] && p.peek().kind == tLParen:
			p.enter()
			defer p.leave()
			return p.parseCall()
		}
		if p.startsIdent() {
			return p.parseQualifiedName()
		}
	case tQuotedIdent:
		return p.parseQualifiedName()
	}
	p.expected("expression")
	return nil
}

// parseNumber parses an integer, decimal or time-span constant starting at
// the current token; start is where its sign (if any) began.
func (p *parser) parseNumber(start Pos, neg bool) Expr {
	t := p.tok
	text := t.text
	if neg {
		text = "-" + text
	}
	p.next()
	sp := p.span(start)
	if t.kind == tDecimal {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			p.failAt(start, "invalid number [%s]", text)
		}
		return &Literal{Span: sp, Kind: DecimalLit, Value: f}
	}
	if p.tok.kind == tWord && !isKeyword(p.tok.text) {
		return p.parseTimeSpan(start, text)
	}
	if v, ok := parseInt(text); ok {
		return &Literal{Span: sp, Kind: IntLit, Value: v}
	}
	// Beyond long, Elasticsearch makes the constant unsigned_long or
	// double; the AST has no unsigned kind, so it becomes a decimal.
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.failAt(start, "invalid number [%s]", text)
	}
	return &Literal{Span: sp, Kind: DecimalLit, Value: f}
}

func parseInt(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// timeUnits are the units EsqlDataTypeConverter.parseTemporalAmount
// accepts (docs/esql-semantics.md §A1), lower-cased. Bare `m` means minute since
// elastic/elasticsearch#136448 (merged 2025-10, closing #135552: "Add m as an
// alias to minute time duration"); before that it failed with "Unexpected
// temporal unit: 'm'". Elastic's own rules use it
// (defense_evasion_audit_policy_disabled_winlog: `DATE_TRUNC(5m, @timestamp)`).
var timeUnits = map[string]bool{
	"millisecond": true, "milliseconds": true, "ms": true,
	"second": true, "seconds": true, "sec": true, "s": true,
	"minute": true, "minutes": true, "min": true, "m": true,
	"hour": true, "hours": true, "h": true,
	"day": true, "days": true, "d": true,
	"week": true, "weeks": true, "w": true,
	"month": true, "months": true, "mo": true,
	"quarter": true, "quarters": true, "q": true,
	"year": true, "years": true, "yr": true, "y": true,
}

// parseTimeSpan finishes a qualifiedIntegerLiteral: the integer (text n,
// with its sign) has been consumed and the current token is the unit.
func (p *parser) parseTimeSpan(start Pos, n string) Expr {
	unit := strings.ToLower(p.tok.text)
	if !timeUnits[unit] {
		p.failAt(p.tok.start, "unexpected temporal unit: [%s]", p.tok.text)
	}
	v, ok := parseInt(n)
	if !ok {
		p.failAt(start, "invalid number [%s]: too large for a time span", n)
	}
	p.next()
	return &Literal{Span: p.span(start), Kind: TimeSpanLit, Value: TimeSpan{N: v, Unit: unit}}
}

// parseCall parses `name ( [*] | args )`; function names are
// case-insensitive, so Name is lower-cased.
func (p *parser) parseCall() *Call {
	start := p.tok.start
	c := &Call{Name: strings.ToLower(p.tok.text)}
	p.next()
	p.expect(tLParen, `"("`, exprMode)
	switch p.tok.kind {
	case tStar:
		c.Star = true
		p.next()
	case tRParen:
	default:
		if c.Name == "first" || c.Name == "last" {
			// Some grammar versions spell the aggregates FIRST(value BY sort)
			// and LAST(value BY sort) (parser/Expression.g4:
			// functionFirstLast); Elastic's rules use FIRST(value, sort)
			// (initial_access_entra_id_signin_impossible_travel). Both give
			// a call with the two arguments.
			c.Args = append(c.Args, p.parseExpr())
			if p.tok.is("by") {
				p.next()
				c.Args = append(c.Args, p.parseExpr())
				if p.tok.kind != tRParen {
					p.expected(`")"`)
				}
				break
			}
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
		for {
			if p.tok.kind == tLBrace {
				c.Args = append(c.Args, p.parseMap())
			} else {
				c.Args = append(c.Args, p.parseExpr())
			}
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	p.expect(tRParen, `"," or ")"`, exprMode)
	c.Span = p.span(start)
	return c
}

// parseList parses an array literal `[a, b, ...]`. Elasticsearch allows
// only constants here; the elements are parsed as unary expressions so
// that negative numbers work, and the esql package checks the rest.
func (p *parser) parseList() *ListLiteral {
	start := p.tok.start
	p.next()
	l := &ListLiteral{}
	if p.tok.kind != tRBracket {
		for {
			l.Elems = append(l.Elems, p.parseUnary())
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	p.expect(tRBracket, `"," or "]"`, exprMode)
	l.Span = p.span(start)
	return l
}

// parseMap parses `{"key": value, ...}` (EsqlBaseParser.g4: mapExpression).
func (p *parser) parseMap() *MapLiteral {
	p.enter()
	defer p.leave()
	start := p.tok.start
	p.next()
	m := &MapLiteral{}
	if p.tok.kind != tRBrace {
		for {
			if p.tok.kind != tString {
				p.expected("map key string")
			}
			m.Keys = append(m.Keys, p.tok.val)
			p.next()
			p.expect(tColon, `":"`, exprMode)
			if p.tok.kind == tLBrace {
				m.Values = append(m.Values, p.parseMap())
			} else {
				m.Values = append(m.Values, p.parseUnary())
			}
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	p.expect(tRBrace, `"," or "}"`, exprMode)
	m.Span = p.span(start)
	return m
}
