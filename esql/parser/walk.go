package parser

// Inspect traverses the tree rooted at n in depth-first order, like
// go/ast.Inspect: it calls f(n); if f returns true, Inspect visits each of
// n's children (commands, fields, expressions) in source order. A *Query
// is visited as its source command followed by its processing commands.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || isNilNode(n) || !f(n) {
		return
	}
	for _, c := range children(n) {
		Inspect(c, f)
	}
}

// isNilNode catches typed nil pointers stored in a Node interface.
func isNilNode(n Node) bool {
	switch n := n.(type) {
	case *Field:
		return n == nil
	case *AggField:
		return n == nil || n.Field == nil
	case *Literal:
		return n == nil
	case *Ident:
		return n == nil
	case *MapLiteral:
		return n == nil
	case *NamePattern:
		return n == nil
	}
	return false
}

func exprNodes(xs []Expr) []Node {
	out := make([]Node, 0, len(xs))
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// children lists a node's direct children in source order.
func children(n Node) []Node {
	var out []Node
	add := func(ns ...Node) {
		for _, c := range ns {
			if c != nil && !isNilNode(c) {
				out = append(out, c)
			}
		}
	}
	switch n := n.(type) {
	case *Query:
		if n.Source != nil {
			add(n.Source)
		}
		for _, c := range n.Commands {
			add(c)
		}
	case *FromCommand, *LimitCommand, *NamePattern, *Ident, *Literal:
	case *RowCommand:
		for _, f := range n.Fields {
			add(f)
		}
	case *WhereCommand:
		add(n.Cond)
	case *EvalCommand:
		for _, f := range n.Fields {
			add(f)
		}
	case *KeepCommand:
		for _, p := range n.Patterns {
			add(p)
		}
	case *DropCommand:
		for _, p := range n.Patterns {
			add(p)
		}
	case *RenameCommand:
		for _, r := range n.Renames {
			add(r)
		}
	case *Rename:
		if n.Old != nil && n.New != nil && n.New.Span.Start.Offset < n.Old.Span.Start.Offset {
			add(n.New, n.Old) // `new = old`: keep source order
		} else {
			add(n.Old, n.New)
		}
	case *StatsCommand:
		for _, a := range n.Aggs {
			add(a)
		}
		for _, g := range n.Groups {
			add(g)
		}
	case *AggField:
		add(n.Field.Expr)
		if n.Filter != nil {
			add(n.Filter)
		}
	case *Field:
		add(n.Expr)
	case *SortCommand:
		for _, o := range n.Orders {
			add(o)
		}
	case *Order:
		add(n.Expr)
	case *MvExpandCommand:
		add(n.Column)
	case *DissectCommand:
		add(n.Input, n.Pattern)
		if n.AppendSeparator != nil {
			add(n.AppendSeparator)
		}
	case *GrokCommand:
		add(n.Input)
		for _, p := range n.Patterns {
			add(p)
		}
	case *CompletionCommand:
		add(n.Prompt)
		if n.Options != nil {
			add(n.Options)
		}
	case *ListLiteral:
		out = exprNodes(n.Elems)
	case *MapLiteral:
		out = exprNodes(n.Values)
	case *Call:
		out = exprNodes(n.Args)
	case *Unary:
		add(n.X)
	case *Binary:
		add(n.L, n.R)
	case *In:
		add(n.X)
		out = append(out, exprNodes(n.List)...)
	case *IsNull:
		add(n.X)
	case *Like:
		add(n.X)
		for _, p := range n.Patterns {
			add(p)
		}
	case *Match:
		add(n.Field, n.Query)
	case *Cast:
		add(n.X)
	case *Paren:
		add(n.X)
	}
	return out
}

// Pos returns the start of the query's first command (line 1, column 1 for
// an empty query), making *Query a Node.
func (q *Query) Pos() Pos {
	if q.Source != nil {
		return q.Source.Pos()
	}
	return Pos{Line: 1, Col: 1}
}

// Unparen returns e without the parentheses around it.
func Unparen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}
