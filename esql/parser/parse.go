package parser

import (
	"strings"
)

// Parse parses an ES|QL query. On a syntax error it returns an ErrorList
// whose message names the position, e.g. `line 2:5: expected expression,
// found "|"`. Parse never panics on bad input.
//
// Tree conventions the esql package relies on:
//   - A sign written directly before a number is part of the constant, as in
//     the grammar (integerValue, decimalValue): `-1` is an IntLit of -1,
//     `-1 day` a TimeSpanLit of -1 days; `-x` and `-(1)` are Unary.
//   - Integer constants beyond int64 become DecimalLit (Elasticsearch makes
//     them unsigned_long up to 2^64-1, then double).
//   - Unnamed EVAL/ROW/STATS fields are named by their source text; an
//     unnamed STATS BY column keeps the column's name; a filtered unnamed
//     aggregate's name and span include its WHERE clause.
//
// Not supported: the commands listed as unsupported in the package tests
// (ENRICH, LOOKUP JOIN, FORK, ...), identifier parameters (`??name`), and
// Elasticsearch's level-by-level expression depth count (see maxDepth).
// `FIRST(x BY y)` parses like `FIRST(x, y)` and prints in the comma form.
func Parse(query string) (q *Query, err error) {
	p := &parser{lx: newLexer(query), q: &Query{Input: query}}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				// A parser bug must not take the program down on untrusted
				// input; report it at the current token instead (the fuzz
				// test fails on these).
				b.err = newError(p.tok.start, "internal error: %v", r)
			}
			q, err = nil, ErrorList{b.err}
		}
	}()
	p.advance(exprMode)
	p.parseQuery()
	return p.q, nil
}

// parser is a recursive-descent parser over a lexer. It stops at the first
// error by panicking with a bailout that Parse recovers.
type parser struct {
	lx      *lexer
	tok     token // the current token
	prevEnd Pos   // end of the last consumed token
	q       *Query
	depth   int // expression nesting, see enter
}

// maxDepth bounds expression nesting (parentheses, calls, lists, NOT and
// sign chains) so that hostile input cannot exhaust the stack. It is
// Elasticsearch's ExpressionBuilder.MAX_EXPRESSION_DEPTH (400); this parser
// counts only real nesting, so a long flat `a OR b OR ...` chain, which
// Elasticsearch counts level by level, is not limited here.
const maxDepth = 400

// enter records one more level of expression nesting starting at the
// current token; leave undoes it.
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.tok.start, "ESQL statement exceeded the maximum expression depth allowed (%d)", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// advance consumes the current token and scans the next one in mode.
func (p *parser) advance(mode lexMode) {
	p.prevEnd = p.tok.end
	p.tok = p.lx.next(mode)
}

// next consumes the current token; the next one is scanned in exprMode.
func (p *parser) next() { p.advance(exprMode) }

// state is a snapshot of the parser for backtracking.
type state struct {
	tok     token
	prevEnd Pos
	lexPos  Pos
}

func (p *parser) save() state { return state{p.tok, p.prevEnd, p.lx.pos} }
func (p *parser) restore(s state) {
	p.tok, p.prevEnd, p.lx.pos = s.tok, s.prevEnd, s.lexPos
}

// peek returns the token after the current one (exprMode) without
// consuming anything.
func (p *parser) peek() token {
	saved := p.lx.pos
	t := p.lx.next(exprMode)
	p.lx.pos = saved
	return t
}

// safePeek is peek that reports a lexical error as end of input, for use
// while composing another error message.
func (p *parser) safePeek() (t token) {
	saved := p.lx.pos
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			p.lx.pos = saved
			t = token{kind: tEOF}
		}
	}()
	return p.peek()
}

func (p *parser) failAt(at Pos, format string, args ...any) {
	panic(bailout{newError(at, format, args...)})
}

// expected fails with "expected WHAT, found TOKEN" at the current token.
func (p *parser) expected(what string) {
	p.failAt(p.tok.start, "expected %s, found %s", what, p.tok.describe())
}

// expect consumes a token of kind k (described as what) in mode, or fails.
func (p *parser) expect(k tokKind, what string, mode lexMode) token {
	if p.tok.kind != k {
		p.expected(what)
	}
	t := p.tok
	p.advance(mode)
	return t
}

// expectKeyword consumes the keyword kw or fails.
func (p *parser) expectKeyword(kw string, mode lexMode) token {
	if !p.tok.is(kw) {
		p.expected(strings.ToUpper(kw))
	}
	t := p.tok
	p.advance(mode)
	return t
}

func (p *parser) span(start Pos) Span { return Span{Start: start, End: p.prevEnd} }

// parseQuery parses `source-command ( '|' processing-command )*`
// (EsqlBaseParser.g4: query).
func (p *parser) parseQuery() {
	p.q.Source = p.parseSourceCommand()
	for p.tok.kind == tPipe {
		p.next()
		p.q.Commands = append(p.q.Commands, p.parseProcessingCommand())
	}
	if p.tok.kind == tAssign {
		p.failAt(p.tok.start, `expected "|" or end of query, found "=" (use "==" to compare)`)
	}
	if p.tok.kind != tEOF {
		p.expected(`"|" or end of query`)
	}
}

// commandName returns the upper-cased name of the command at the current
// token for error messages, joining the two words of LOOKUP JOIN and the
// like.
func (p *parser) commandName() string {
	name := strings.ToUpper(p.tok.text)
	if nt := p.safePeek(); nt.is("join") || name == "INLINE" && nt.kind == tWord {
		name += " " + strings.ToUpper(nt.text)
	}
	return name
}

func (p *parser) unsupported() {
	p.failAt(p.tok.start, "unsupported command [%s]", p.commandName())
}

func (p *parser) parseSourceCommand() Command {
	if p.tok.kind != tWord {
		p.expected("source command (FROM or ROW)")
	}
	switch strings.ToLower(p.tok.text) {
	case "from":
		return p.parseFrom()
	case "row":
		start := p.tok.start
		p.next()
		fields := p.parseFields()
		return &RowCommand{Span: p.span(start), Fields: fields}
	}
	p.unsupported()
	return nil
}

func (p *parser) parseProcessingCommand() Command {
	if p.tok.kind != tWord {
		p.expected("command")
	}
	start := p.tok.start
	switch strings.ToLower(p.tok.text) {
	case "where":
		p.next()
		cond := p.parseExpr()
		return &WhereCommand{Span: p.span(start), Cond: cond}
	case "eval":
		p.next()
		fields := p.parseFields()
		return &EvalCommand{Span: p.span(start), Fields: fields}
	case "keep":
		p.advance(patternMode)
		pats := p.parsePatterns()
		return &KeepCommand{Span: p.span(start), Patterns: pats}
	case "drop":
		p.advance(patternMode)
		pats := p.parsePatterns()
		return &DropCommand{Span: p.span(start), Patterns: pats}
	case "rename":
		return p.parseRename()
	case "stats":
		p.next()
		return p.parseStats(start, false)
	case "inlinestats": // the pre-9.2 spelling of INLINE STATS
		p.next()
		return p.parseStats(start, true)
	case "inline":
		if !p.peek().is("stats") {
			p.unsupported()
		}
		p.next()
		p.next()
		return p.parseStats(start, true)
	case "sort":
		return p.parseSort()
	case "limit":
		p.next()
		n := p.expect(tInt, "integer", exprMode)
		v, ok := parseInt(n.text)
		if !ok {
			p.failAt(n.start, "invalid LIMIT [%s]: too large", n.text)
		}
		return &LimitCommand{Span: p.span(start), N: v}
	case "mv_expand":
		p.next()
		id := p.parseQualifiedName()
		return &MvExpandCommand{Span: p.span(start), Column: id}
	case "dissect":
		return p.parseDissect()
	case "grok":
		return p.parseGrok()
	case "completion":
		return p.parseCompletion()
	}
	p.unsupported()
	return nil
}
