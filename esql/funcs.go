package esql

import (
	"github.com/trailql/trailql/esql/parser"
)

// funcDef describes a scalar function: arity (max -1 = variadic) and a
// checker that type-checks the arguments and builds the closure.
type funcDef struct {
	min, max int
	build    func(c *checker, n parser.Expr, args []*cexpr) *cexpr
}

// scalarFuncs is the registry of scalar functions, by lower-case name
// (function names are case-insensitive, docs/esql-semantics.md §A1).
var scalarFuncs = map[string]*funcDef{}

func register(name string, min, max int, build func(c *checker, n parser.Expr, args []*cexpr) *cexpr) {
	scalarFuncs[name] = &funcDef{min: min, max: max, build: build}
}

func (c *checker) compileCall(n *parser.Call) *cexpr {
	if build, ok := fullTextFunc(n.Name); ok {
		return build(c, n)
	}
	if def, ok := aggFuncs[n.Name]; ok {
		return c.compileAggCall(n, def)
	}
	if _, ok := scalarFuncs[n.Name]; !ok {
		c.errorf(n.Pos(), "Unknown function [%s]", n.Name)
		return badExpr(n)
	}
	if n.Star {
		c.errorf(n.Pos(), "[%s] does not take [*]", n.Name)
		return badExpr(n)
	}
	args := make([]*cexpr, len(n.Args))
	for i, a := range n.Args {
		args[i] = c.compileExpr(a)
	}
	if anyBad(args...) {
		return badExpr(n)
	}
	return c.applyFunc(n, n.Name, args)
}

// applyFunc checks the arity and builds a scalar function call.
func (c *checker) applyFunc(n parser.Expr, name string, args []*cexpr) *cexpr {
	def := scalarFuncs[name]
	if len(args) < def.min || (def.max >= 0 && len(args) > def.max) {
		c.errorf(n.Pos(), "error building [%s]: expects %s", name, arity(def.min, def.max))
		return badExpr(n)
	}
	return def.build(c, n, args)
}

// want checks that argument i has one of the accepted types (null is
// always accepted); expected names them for the error message.
func (c *checker) want(n parser.Expr, args []*cexpr, i int, expected string, ok func(DataType) bool) bool {
	if i >= len(args) {
		return true
	}
	if args[i].typ == Null || ok(args[i].typ) {
		return true
	}
	c.argTypeError(n, i, args[i], expected)
	return false
}

// resultOf builds the compiled call for a single-value function of the
// arguments; any null argument gives null (docs/esql-semantics.md §A2).
func (c *checker) resultOf(n parser.Expr, t DataType, args []*cexpr, f fnN) *cexpr {
	site := c.newSite(n)
	return c.finish(n, t, singleN(site, exprFns(args), f), true, args...)
}

// res1 is resultOf for one argument, without per-row allocation.
func (c *checker) res1(n parser.Expr, t DataType, a *cexpr, f fn1) *cexpr {
	site := c.newSite(n)
	return c.finish(n, t, single1(site, a.fn, f), true, a)
}

// res2 is resultOf for two arguments, without per-row allocation.
func (c *checker) res2(n parser.Expr, t DataType, a, b *cexpr, f fn2) *cexpr {
	site := c.newSite(n)
	return c.finish(n, t, single2(site, a.fn, b.fn, f), true, a, b)
}

func anyType(DataType) bool       { return true }
func isStringT(t DataType) bool   { return isString(t) }
func isNumericT(t DataType) bool  { return isNumeric(t) }
func isDateT(t DataType) bool     { return isDate(t) }
func isIntegralT(t DataType) bool { return t == Integer || t == Long }
