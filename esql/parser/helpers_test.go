package parser

import "fmt"

// roundTrip checks the printing property: Parse(q.String()) prints the same
// text again. It returns "" or a description of the failure.
func roundTrip(q *Query) string {
	s1 := q.String()
	q2, err := Parse(s1)
	if err != nil {
		return fmt.Sprintf("String() does not re-parse: %v\n%s", err, s1)
	}
	if s2 := q2.String(); s2 != s1 {
		return fmt.Sprintf("String() not stable:\nfirst:  %s\nsecond: %s", s1, s2)
	}
	return ""
}

// posAt computes the Pos of a byte offset independently of the lexer.
func posAt(input string, off int) Pos {
	p := Pos{Offset: off, Line: 1, Col: 1}
	for i, r := range input {
		if i >= off {
			break
		}
		if r == '\n' {
			p.Line++
			p.Col = 1
		} else {
			p.Col++
		}
	}
	return p
}

type extenter interface{ Extent() Span }

// checkSpans checks every node's span: line and column agree with the
// offset, children lie inside their parent, and every expression's source
// text parses on its own to an expression that prints like the node.
// It returns "" or a description of the first failure.
func checkSpans(q *Query) string {
	var msg string
	var check func(n Node, outer Span)
	check = func(n Node, outer Span) {
		if msg != "" {
			return
		}
		e, ok := n.(extenter)
		if !ok {
			msg = fmt.Sprintf("%T has no span", n)
			return
		}
		sp := e.Extent()
		if sp.Start != posAt(q.Input, sp.Start.Offset) || sp.End != posAt(q.Input, sp.End.Offset) {
			msg = fmt.Sprintf("%T %q: span %v..%v disagrees with offsets", n, q.Text(sp), sp.Start, sp.End)
			return
		}
		if sp.Start.Offset > sp.End.Offset || sp.Start.Offset < outer.Start.Offset || sp.End.Offset > outer.End.Offset {
			msg = fmt.Sprintf("%T %q: span %v..%v outside parent %v..%v", n, q.Text(sp), sp.Start, sp.End, outer.Start, outer.End)
			return
		}
		if x, ok := n.(Expr); ok {
			if _, isMap := x.(*MapLiteral); !isMap {
				text := q.Text(sp)
				sub, err := Parse("ROW x = " + text)
				if err != nil {
					msg = fmt.Sprintf("%T: source text %q does not parse alone: %v", n, text, err)
					return
				}
				row := sub.Source.(*RowCommand)
				if len(row.Fields) != 1 || len(sub.Commands) != 0 || row.Fields[0].Expr.String() != x.String() {
					msg = fmt.Sprintf("%T: source text %q parses as %q, node prints %q", n, text, sub.String(), x.String())
					return
				}
			}
		}
		for _, c := range children(n) {
			check(c, sp)
		}
	}
	all := Span{Start: Pos{Offset: 0, Line: 1, Col: 1}, End: posAt(q.Input, len(q.Input))}
	for _, c := range children(q) {
		check(c, all)
	}
	return msg
}
