package parser

import (
	"strings"
)

// Parse parses an ES|QL query. On a syntax error it returns an ErrorList
// whose message names the position, e.g. `line 2:5: expected expression,
// found "|"`. Parse never panics on bad input.
func Parse(query string) (q *Query, err error) {
	p := &parser{lx: newLexer(query), q: &Query{Input: query}}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			q, err = nil, ErrorList{b.err}
		}
	}()
	p.advance(exprMode)
	p.parseQuery()
	return p.q, nil
}

// parser is a recursive-descent parser over a lexer. It stops at the first
// error (by panicking with a bailout that Parse recovers), as Elasticsearch
// reports the first syntax error of a query.
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
	if p.tok.kind != tEOF {
		p.expected(`"|" or end of query`)
	}
}

// commandName returns the upper-cased name of the command at the current
// token for error messages, joining the two words of LOOKUP JOIN and the
// like.
func (p *parser) commandName() string {
	name := strings.ToUpper(p.tok.text)
	if nt := p.peek(); nt.is("join") || name == "INLINE" && nt.kind == tWord {
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

// parseFrom parses `FROM indexPattern (, indexPattern)* [METADATA f, ...]`
// with the lexer in source mode (lexer/From.g4).
func (p *parser) parseFrom() *FromCommand {
	cmd := &FromCommand{}
	start := p.tok.start
	p.advance(sourceMode)
	for {
		if p.tok.kind != tSource && p.tok.kind != tString {
			p.expected("index pattern")
		}
		if p.tok.kind == tSource && equalFold(p.tok.text, "metadata") && len(cmd.Indices) > 0 {
			p.expected("index pattern")
		}
		cmd.Indices = append(cmd.Indices, p.tok.val)
		p.advance(sourceMode)
		if p.tok.kind != tComma {
			break
		}
		p.advance(sourceMode)
	}
	if p.tok.kind == tSource && equalFold(p.tok.text, "metadata") {
		p.advance(sourceMode)
		for {
			if p.tok.kind != tSource {
				p.expected("metadata field")
			}
			cmd.Metadata = append(cmd.Metadata, p.tok.val)
			p.advance(sourceMode)
			if p.tok.kind != tComma {
				break
			}
			p.advance(sourceMode)
		}
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseFields parses `field (, field)*`.
func (p *parser) parseFields() []*Field {
	var fields []*Field
	for {
		fields = append(fields, p.parseField())
		if p.tok.kind != tComma {
			return fields
		}
		p.next()
	}
}

// parseField parses `[qualifiedName =] booleanExpression`. An unnamed
// field is named by its source text exactly as written, as
// LogicalPlanBuilder.visitField does (`String name = id == null ?
// source.text() : id.name()`), so `EVAL COUNT( x )` makes a column named
// "COUNT( x )".
func (p *parser) parseField() *Field {
	start := p.tok.start
	if name := p.tryAssignTarget(); name != nil {
		x := p.parseExpr()
		return &Field{Span: p.span(start), Name: name.Name, Named: true, Expr: x}
	}
	x := p.parseExpr()
	f := &Field{Span: p.span(start), Expr: x}
	f.Name = p.q.Text(f.Span)
	return f
}

// tryAssignTarget consumes `qualifiedName =` if the input starts with it
// and returns the name; otherwise it consumes nothing and returns nil.
func (p *parser) tryAssignTarget() *Ident {
	if !p.startsIdent() {
		return nil
	}
	s := p.save()
	id := p.parseQualifiedName()
	if p.tok.kind == tAssign {
		p.next()
		return id
	}
	p.restore(s)
	return nil
}

// parseStats parses the rest of `STATS [aggFields] [BY fields]`.
func (p *parser) parseStats(start Pos, inline bool) *StatsCommand {
	cmd := &StatsCommand{Inline: inline}
	if !p.tok.is("by") && p.tok.kind != tEOF && p.tok.kind != tPipe {
		for {
			cmd.Aggs = append(cmd.Aggs, p.parseAggField())
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	if p.tok.is("by") {
		p.next()
		cmd.Groups = p.parseFields()
		// LogicalPlanBuilder.visitGrouping: an unnamed grouping that is a
		// bare column keeps the column (and so its unquoted name) rather
		// than being aliased by its source text.
		for _, g := range cmd.Groups {
			if id, ok := g.Expr.(*Ident); ok && !g.Named {
				g.Name = id.Name
			}
		}
	}
	if cmd.Aggs == nil && cmd.Groups == nil {
		p.expected("aggregate or BY")
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseAggField parses `field [WHERE booleanExpression]`. The span and the
// name of an unnamed filtered aggregate cover the WHERE clause too:
// LogicalPlanBuilder.visitAggField names the field with the source of the
// whole aggField. As there, the filter is only allowed when the expression
// contains a function call.
func (p *parser) parseAggField() *AggField {
	f := p.parseField()
	agg := &AggField{Field: f}
	if p.tok.is("where") {
		p.next()
		agg.Filter = p.parseExpr()
		f.Span.End = p.prevEnd
		if !f.Named {
			f.Name = p.q.Text(f.Span)
		}
		if !containsCall(f.Expr) {
			p.failAt(agg.Filter.Pos(), "WHERE clause allowed only for aggregate functions [%s]", p.q.Text(f.Span))
		}
	}
	return agg
}

func containsCall(x Expr) bool {
	found := false
	Inspect(x, func(n Node) bool {
		if _, ok := n.(*Call); ok {
			found = true
		}
		return !found
	})
	return found
}

// parsePatterns parses `qualifiedNamePattern (, qualifiedNamePattern)*`
// (KEEP, DROP); tokens are scanned in patternMode.
func (p *parser) parsePatterns() []*NamePattern {
	var pats []*NamePattern
	for {
		pats = append(pats, p.parsePattern())
		if p.tok.kind != tComma {
			return pats
		}
		p.advance(patternMode)
	}
}

// parsePattern parses one name pattern; the next token is scanned in
// patternMode.
func (p *parser) parsePattern() *NamePattern {
	t := p.tok
	if t.kind != tPattern {
		p.expected("column name or pattern")
	}
	if t.val == "" || strings.HasPrefix(t.text, ".") || strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
		p.failAt(t.start, "invalid column name or pattern %s", quoteString(t.text))
	}
	p.advance(patternMode)
	return &NamePattern{Span: Span{t.start, t.end}, Pattern: t.val}
}

// parseRename parses `RENAME clause (, clause)*` where a clause is
// `old AS new` or `new = old` (EsqlBaseParser.g4: renameClause).
func (p *parser) parseRename() *RenameCommand {
	start := p.tok.start
	p.advance(patternMode)
	cmd := &RenameCommand{}
	for {
		a := p.parsePattern()
		r := &Rename{}
		switch {
		case p.tok.kind == tPattern && equalFold(p.tok.text, "as"):
			p.advance(patternMode)
			r.Old, r.New = a, p.parsePattern()
		case p.tok.kind == tAssign:
			p.advance(patternMode)
			r.New, r.Old = a, p.parsePattern()
		default:
			p.expected("AS or =")
		}
		r.Span = p.span(a.Span.Start)
		if strings.Contains(r.Old.Pattern, "*") || strings.Contains(r.New.Pattern, "*") {
			// LogicalPlanBuilder.visitRenameClause rejects patterns.
			p.failAt(r.Span.Start, "Using wildcards [*] in RENAME is not allowed [%s]", p.q.Text(r.Span))
		}
		cmd.Renames = append(cmd.Renames, r)
		if p.tok.kind != tComma {
			break
		}
		p.advance(patternMode)
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseSort parses `SORT expr [ASC|DESC] [NULLS FIRST|LAST] (, ...)*`.
func (p *parser) parseSort() *SortCommand {
	start := p.tok.start
	p.next()
	cmd := &SortCommand{}
	for {
		o := &Order{Expr: p.parseExpr()}
		if p.tok.is("asc") {
			p.next()
		} else if p.tok.is("desc") {
			o.Desc = true
			p.next()
		}
		if p.tok.is("nulls") {
			p.next()
			switch {
			case p.tok.is("first"):
				o.Nulls = NullsFirst
			case p.tok.is("last"):
				o.Nulls = NullsLast
			default:
				p.expected("FIRST or LAST")
			}
			p.next()
		}
		o.Span = p.span(o.Expr.Extent().Start)
		cmd.Orders = append(cmd.Orders, o)
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseStringLit parses a string literal.
func (p *parser) parseStringLit(what string) *Literal {
	if p.tok.kind != tString {
		p.expected(what)
	}
	t := p.tok
	p.next()
	return &Literal{Span: Span{t.start, t.end}, Kind: StringLit, Value: t.val}
}

// parseDissect parses `DISSECT primaryExpression string [APPEND_SEPARATOR
// = string]` (EsqlBaseParser.g4: dissectCommand, commandOptions).
func (p *parser) parseDissect() *DissectCommand {
	start := p.tok.start
	p.next()
	cmd := &DissectCommand{Input: p.parsePostfix()}
	cmd.Pattern = p.parseStringLit("dissect pattern string")
	for p.tok.kind == tWord {
		opt := p.tok
		if !opt.is("append_separator") || cmd.AppendSeparator != nil {
			p.failAt(opt.start, "invalid option for DISSECT: [%s]", opt.text)
		}
		p.next()
		p.expect(tAssign, `"="`, exprMode)
		cmd.AppendSeparator = p.parseStringLit("string")
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseGrok parses `GROK primaryExpression string (, string)*`.
func (p *parser) parseGrok() *GrokCommand {
	start := p.tok.start
	p.next()
	cmd := &GrokCommand{Input: p.parsePostfix()}
	for {
		cmd.Patterns = append(cmd.Patterns, p.parseStringLit("grok pattern string"))
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	cmd.Span = p.span(start)
	return cmd
}

// parseCompletion parses `COMPLETION [target =] prompt WITH {map}`.
func (p *parser) parseCompletion() *CompletionCommand {
	start := p.tok.start
	p.next()
	cmd := &CompletionCommand{}
	if id := p.tryAssignTarget(); id != nil {
		cmd.Target = id.Name
	}
	cmd.Prompt = p.parsePostfix()
	p.expectKeyword("with", exprMode)
	if p.tok.kind != tLBrace {
		p.expected(`"{"`)
	}
	cmd.Options = p.parseMap()
	cmd.Span = p.span(start)
	return cmd
}
