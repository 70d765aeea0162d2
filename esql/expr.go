package esql

import (
	"fmt"

	"github.com/trailql/trailql/esql/parser"
)

// evalFn evaluates a compiled expression over one row. Expressions are
// compiled once into closures; rows never re-walk the AST.
type evalFn func(e *env, row []Value) Value

// cexpr is a type-checked, compiled expression.
type cexpr struct {
	typ  DataType
	fn   evalFn
	node parser.Expr
	// konst is set for constants (literals and expressions over literals
	// that cannot fail); val is then their value.
	konst bool
	val   Value
	// warns is set when evaluating the expression can record warnings;
	// AND/OR only short-circuit over operands that cannot, so the warnings
	// match Elasticsearch's block-at-a-time evaluation.
	warns bool
	// bad marks an expression that failed to check; errors about it are
	// reported once.
	bad bool
}

// constExpr is a constant expression.
func constExpr(n parser.Expr, v Value, t DataType) *cexpr {
	return &cexpr{typ: t, node: n, konst: true, val: v, fn: func(*env, []Value) Value { return v }}
}

// badExpr stands for an expression with an error already reported.
func badExpr(n parser.Expr) *cexpr {
	return &cexpr{typ: Null, node: n, bad: true, fn: func(*env, []Value) Value { return Value{} }}
}

// text is the source text of an expression node.
func (c *checker) text(n parser.Node) string {
	if e, ok := n.(parser.Expr); ok {
		return c.q.Text(e.Extent())
	}
	return n.String()
}

// errorf records a compile error at pos.
func (c *checker) errorf(pos parser.Pos, format string, args ...any) {
	c.errs = append(c.errs, &parser.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// ordinal names an argument position as Elasticsearch's TypeResolutions do.
func ordinal(i int) string {
	switch i {
	case 0:
		return "first "
	case 1:
		return "second "
	case 2:
		return "third "
	case 3:
		return "fourth "
	case 4:
		return "fifth "
	}
	return ""
}

// argTypeError reports Elasticsearch's "first argument of [f(x)] must be
// [string], found value [x] type [integer]".
func (c *checker) argTypeError(call parser.Expr, i int, arg *cexpr, expected string) {
	if arg.bad {
		return
	}
	c.errorf(call.Pos(), "%sargument of [%s] must be [%s], found value [%s] type [%s]",
		ordinal(i), c.text(call), expected, c.text(arg.node), arg.typ)
}

// compileExpr type-checks and compiles an expression against the current schema.
func (c *checker) compileExpr(n parser.Expr) *cexpr {
	switch n := n.(type) {
	case *parser.Paren:
		x := c.compileExpr(n.X)
		y := *x
		y.node = n
		return &y
	case *parser.Literal:
		return c.compileLiteral(n)
	case *parser.ListLiteral:
		return c.compileList(n)
	case *parser.Ident:
		return c.compileIdent(n)
	case *parser.Call:
		return c.compileCall(n)
	case *parser.Unary:
		return c.compileUnary(n)
	case *parser.Binary:
		return c.compileBinary(n)
	case *parser.In:
		return c.compileIn(n)
	case *parser.IsNull:
		return c.compileIsNull(n)
	case *parser.Like:
		return c.compileLike(n)
	case *parser.Cast:
		return c.compileCast(n)
	case *parser.Match:
		return c.compileMatchOperator(n)
	case *parser.MapLiteral:
		c.errorf(n.Pos(), "unexpected map literal [%s]", c.text(n))
		return badExpr(n)
	}
	c.errorf(n.Pos(), "unsupported expression [%s]", c.text(n))
	return badExpr(n)
}

func (c *checker) compileLiteral(n *parser.Literal) *cexpr {
	switch n.Kind {
	case parser.NullLit:
		return constExpr(n, Value{}, Null)
	case parser.BoolLit:
		b, _ := n.Value.(bool)
		return constExpr(n, Bool(b), Boolean)
	case parser.IntLit:
		i, _ := n.Value.(int64)
		// docs/esql-semantics.md §A1: an integer literal is integer when it fits
		// in 32 bits, else long.
		if i >= -1<<31 && i < 1<<31 {
			return constExpr(n, Int(int32(i)), Integer)
		}
		return constExpr(n, LongValue(i), Long)
	case parser.DecimalLit:
		f, _ := n.Value.(float64)
		return constExpr(n, DoubleValue(f), Double)
	case parser.StringLit:
		s, _ := n.Value.(string)
		return constExpr(n, KeywordValue(s), Keyword)
	case parser.TimeSpanLit:
		ts, _ := n.Value.(parser.TimeSpan)
		v, err := timeSpanValue(ts)
		if err != nil {
			c.errorf(n.Pos(), "%s", err)
			return badExpr(n)
		}
		return constExpr(n, v, v.t)
	case parser.ParamLit:
		c.errorf(n.Pos(), "query parameters are not supported [%s]", c.text(n))
		return badExpr(n)
	}
	c.errorf(n.Pos(), "unsupported literal [%s]", c.text(n))
	return badExpr(n)
}

// compileList compiles an array literal `[1, 2, 3]` into a constant
// multi-value; elements must be constants of one type (numbers widen).
func (c *checker) compileList(n *parser.ListLiteral) *cexpr {
	var vals []Value
	t := Null
	for _, el := range n.Elems {
		x := c.compileExpr(el)
		if x.bad {
			return badExpr(n)
		}
		if !x.konst {
			c.errorf(el.Pos(), "array literal elements must be constants, found [%s]", c.text(el))
			return badExpr(n)
		}
		switch {
		case t == Null:
			t = x.typ
		case isNumeric(t) && isNumeric(x.typ):
			t = widerNumeric(t, x.typ)
		case x.typ != t && x.typ != Null:
			c.errorf(el.Pos(), "array literal elements must have one type, found [%s] and [%s]", t, x.typ)
			return badExpr(n)
		}
		vals = x.val.appendValues(vals)
	}
	for i, v := range vals {
		vals[i] = castNumeric(v, t)
	}
	return constExpr(n, multiOf(vals), t)
}

func (c *checker) compileIdent(n *parser.Ident) *cexpr {
	col := c.lookup(n.Name)
	if col == nil && c.agg != nil && !c.agg.inArg {
		for _, in := range c.agg.input {
			if in.name == n.Name {
				c.errorf(n.Pos(), "column [%s] must appear in the STATS BY clause or be used in an aggregate function", n.Name)
				return badExpr(n)
			}
		}
	}
	if col == nil {
		c.errorf(n.Pos(), "Unknown column [%s]", n.Name)
		return badExpr(n)
	}
	if c.agg != nil && !c.agg.inArg {
		c.agg.keyRefs++
	}
	if col.typ == Unsupported {
		c.errorf(n.Pos(), "Cannot use field [%s] with unsupported type [%s]", n.Name, col.typ)
		return badExpr(n)
	}
	slot := c.slotOf(col)
	return &cexpr{typ: col.typ, node: n, fn: func(_ *env, row []Value) Value { return row[slot] }}
}
