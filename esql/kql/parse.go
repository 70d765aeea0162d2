package kql

import "strings"

// Parse parses a KQL query. The empty query matches everything. Errors are
// *Error values giving the line and column in q.
//
// The grammar is Elasticsearch's KqlBase.g4 (newest version read):
//
//	query      := simple ((and|or) query)?          right-associative
//	simple     := not simple | ( query ) | * | *:* | field:{query}
//	            | field (<|<=|>|>=) rangeValue | field:* | field:value | value
//	value      := not value | ( group ) | "quoted" | words
//	group      := value ((and|or) value)*           left-associative
//	words      := unquoted literals and lone `*`, joined by one space; `not`
//	              may follow the first word, a trailing `and`/`or` before
//	              `)` or the end is a word too
func Parse(q string) (Node, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.tok().kind == tEOF {
		return &MatchAll{At: p.tok().pos}, nil
	}
	n, err := p.query()
	if err != nil {
		return nil, err
	}
	if t := p.tok(); t.kind != tEOF {
		return nil, p.unexpected(t, "")
	}
	return n, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) tok() token { return p.toks[p.i] }

// peek returns the token k positions ahead (EOF past the end).
func (p *parser) peek(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) unexpected(t token, expecting string) error {
	msg := "unexpected " + t.describe()
	if t.kind == tEOF {
		msg = "unexpected end of query"
	}
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	return &Error{Pos: t.pos, Msg: msg}
}

func (p *parser) expect(k tokKind, what string) error {
	if p.tok().kind != k {
		return p.unexpected(p.tok(), what)
	}
	p.next()
	return nil
}

// endsSimple reports whether t ends a simple query: what may follow one.
func endsSimple(t token) bool {
	switch t.kind {
	case tEOF, tRParen, tRBrace, tAnd, tOr:
		return true
	}
	return false
}

func (p *parser) query() (Node, error) {
	l, err := p.simple()
	if err != nil {
		return nil, err
	}
	t := p.tok()
	if t.kind != tAnd && t.kind != tOr {
		return l, nil
	}
	p.next()
	r, err := p.query()
	if err != nil {
		return nil, err
	}
	return &Bool{At: l.Pos(), Op: opOf(t), L: l, R: r}, nil
}

func opOf(t token) Op {
	if t.kind == tAnd {
		return And
	}
	return Or
}

func (p *parser) simple() (Node, error) {
	t := p.tok()
	switch t.kind {
	case tNot:
		if endsSimple(p.peek(1)) {
			// A lone `not` is a word (fieldQueryValueUnquotedLiteral).
			return p.fieldless()
		}
		p.next()
		x, err := p.simple()
		if err != nil {
			return nil, err
		}
		return &Not{At: t.pos, X: x}, nil
	case tLParen:
		p.next()
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "[)]"); err != nil {
			return nil, err
		}
		return q, nil
	case tWildcard, tUnquoted, tQuoted:
		switch p.peek(1).kind {
		case tColon:
			return p.fieldQuery()
		case tLt, tLte, tGt, tGte:
			return p.rangeQuery()
		}
		if t.kind == tWildcard && endsSimple(p.peek(1)) {
			p.next()
			return &MatchAll{At: t.pos}, nil
		}
		return p.fieldless()
	case tAnd, tOr:
		return p.fieldless()
	}
	return nil, p.unexpected(t, "a query")
}

func fieldOf(t token) *Field {
	return &Field{At: t.pos, Name: t.text, Quoted: t.kind == tQuoted}
}

// fieldQuery parses `field:...` with the field's token current.
func (p *parser) fieldQuery() (Node, error) {
	ft := p.next()
	p.next() // ':'
	f := fieldOf(ft)
	t := p.tok()
	switch {
	case t.kind == tWildcard && endsSimple(p.peek(1)):
		p.next()
		if ft.kind == tWildcard {
			return &MatchAll{At: ft.pos}, nil
		}
		return &Exists{At: ft.pos, Field: f}, nil
	case t.kind == tLBrace:
		p.next()
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRBrace, "[}]"); err != nil {
			return nil, err
		}
		return &Nested{At: ft.pos, Field: f, Query: q}, nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return &FieldQuery{At: ft.pos, Field: f, Value: v}, nil
}

// rangeQuery parses `field op value`; the value is words or a quoted string.
func (p *parser) rangeQuery() (Node, error) {
	ft := p.next()
	opTok := p.next()
	op := map[tokKind]RangeOp{tLt: Lt, tLte: Lte, tGt: Gt, tGte: Gte}[opTok.kind]
	t := p.tok()
	if t.kind == tQuoted {
		p.next()
		return &Range{At: ft.pos, Field: fieldOf(ft), Op: op, Value: &Literal{At: t.pos, Text: t.text, Quoted: true}}, nil
	}
	var words []token
	for p.tok().kind == tUnquoted || p.tok().kind == tWildcard {
		words = append(words, p.next())
	}
	if len(words) == 0 {
		return nil, p.unexpected(p.tok(), "a value")
	}
	return &Range{At: ft.pos, Field: fieldOf(ft), Op: op, Value: literalOf(words)}, nil
}

// fieldless parses a bare value, searched in the default fields.
func (p *parser) fieldless() (Node, error) {
	t := p.tok()
	var lit *Literal
	if t.kind == tQuoted {
		p.next()
		lit = &Literal{At: t.pos, Text: t.text, Quoted: true}
	} else {
		var err error
		if lit, err = p.words(); err != nil {
			return nil, err
		}
	}
	return &FieldQuery{At: t.pos, Value: lit}, nil
}

// value parses the right side of `field:`.
func (p *parser) value() (Value, error) {
	t := p.tok()
	switch t.kind {
	case tNot:
		if endsSimple(p.peek(1)) {
			return p.words()
		}
		p.next()
		x, err := p.value()
		if err != nil {
			return nil, err
		}
		return &ValueNot{At: t.pos, X: x}, nil
	case tLParen:
		p.next()
		g, err := p.group()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "[)]"); err != nil {
			return nil, err
		}
		return g, nil
	case tQuoted:
		p.next()
		return &Literal{At: t.pos, Text: t.text, Quoted: true}, nil
	case tUnquoted, tWildcard, tAnd, tOr:
		return p.words()
	}
	return nil, p.unexpected(t, "a value")
}

// group parses the values of `field:( ... )`, grouped to the left.
func (p *parser) group() (Value, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	for {
		t := p.tok()
		if t.kind != tAnd && t.kind != tOr {
			return v, nil
		}
		p.next()
		r, err := p.value()
		if err != nil {
			return nil, err
		}
		v = &ValueBool{At: v.Pos(), Op: opOf(t), L: v, R: r}
	}
}

// words parses an unquoted value (fieldQueryValueUnquotedLiteral).
func (p *parser) words() (*Literal, error) {
	var ws []token
	isKw := func(t token) bool { return t.kind == tAnd || t.kind == tOr }
	atEnd := func() bool { k := p.peek(1).kind; return k == tEOF || k == tRParen }
	if t := p.tok(); isKw(t) || t.kind == tNot {
		// A value may start with a keyword: `f:and`, `f:or x`, a lone `not`.
		ws = append(ws, p.next())
	}
	for {
		t := p.tok()
		switch {
		case t.kind == tUnquoted || t.kind == tWildcard:
		case t.kind == tNot && len(ws) > 0:
		case isKw(t) && len(ws) > 0 && atEnd():
			// A trailing `and`/`or` with nothing after it is a word.
		default:
			if len(ws) == 0 {
				return nil, p.unexpected(t, "a value")
			}
			return literalOf(ws), nil
		}
		ws = append(ws, p.next())
	}
}

// literalOf joins words as ParserUtils.extractText does: unescaped, with
// one space between them.
func literalOf(ws []token) *Literal {
	parts := make([]string, len(ws))
	wild := false
	for i, w := range ws {
		parts[i] = w.text
		wild = wild || w.kind == tWildcard || w.wild
	}
	return &Literal{At: ws[0].pos, Text: strings.Join(parts, " "), Wildcard: wild}
}
