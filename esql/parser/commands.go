package parser

import "strings"

// Parsers for the individual commands (EsqlBaseParser.g4: fromCommand,
// evalCommand, statsCommand, ...).

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
	// Dots must separate parts; inside backquotes they are the name's own.
	if shape := unquoted(t.text); t.val == "" || strings.HasPrefix(shape, ".") || strings.HasSuffix(shape, ".") || strings.Contains(shape, "..") {
		p.failAt(t.start, "invalid column name or pattern %s", quoteString(t.text))
	}
	p.advance(patternMode)
	return &NamePattern{Span: Span{t.start, t.end}, Pattern: t.val}
}

// unquoted is text with each backquoted part (where a doubled backquote
// stands for one) replaced by one letter, leaving the dots that separate
// parts.
func unquoted(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '`' {
			b.WriteByte(text[i])
			continue
		}
		for i++; i < len(text); i++ {
			if text[i] == '`' {
				if i+1 < len(text) && text[i+1] == '`' {
					i++
					continue
				}
				break
			}
		}
		b.WriteByte('q')
	}
	return b.String()
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
