package esql

import (
	"github.com/trailql/trailql/esql/parser"
)

// unify returns the common type of values that may be returned from one
// expression (COALESCE, CASE branches): equal types, string types (as
// keyword), or null with anything. ok is false when they differ.
func unify(a, b DataType) (DataType, bool) {
	switch {
	case a == Null:
		return b, true
	case b == Null || a == b:
		return a, true
	case isString(a) && isString(b):
		return Keyword, true
	}
	return a, false
}

func init() {
	// COALESCE returns the first non-null argument, multi-values included
	// (docs/esql-semantics.md §A2).
	register("coalesce", 1, -1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		t := Null
		for i, x := range a {
			u, ok := unify(t, x.typ)
			if !ok {
				c.argTypeError(n, i, x, t.String())
				return badExpr(n)
			}
			t = u
		}
		fns := exprFns(a)
		return c.finish(n, t, func(e *env, row []Value) Value {
			for _, f := range fns {
				if v := f(e, row); v.t != Null {
					return v
				}
			}
			return Value{}
		}, false, a...)
	})
	// CASE(cond1, value1, ..., [else]): the value of the first true
	// condition; a null or false condition moves on; no match and no else
	// gives null. Values are evaluated lazily.
	register("case", 2, -1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		t := Null
		var conds, vals []evalFn
		var elseFn evalFn
		for i := 0; i < len(a); i += 2 {
			if i+1 == len(a) {
				u, ok := unify(t, a[i].typ)
				if !ok {
					c.argTypeError(n, i, a[i], t.String())
					return badExpr(n)
				}
				t = u
				elseFn = a[i].fn
				break
			}
			if !c.want(n, a, i, "boolean", func(t DataType) bool { return t == Boolean }) {
				return badExpr(n)
			}
			u, ok := unify(t, a[i+1].typ)
			if !ok {
				c.argTypeError(n, i+1, a[i+1], t.String())
				return badExpr(n)
			}
			t = u
			conds = append(conds, a[i].fn)
			vals = append(vals, a[i+1].fn)
		}
		site := c.newSite(n)
		return c.finish(n, t, func(e *env, row []Value) Value {
			for i, cond := range conds {
				v := cond(e, row)
				if v.mv != nil {
					e.fail(site, errMultiValue)
					continue
				}
				if v.t == Boolean && v.n != 0 {
					return vals[i](e, row)
				}
			}
			if elseFn != nil {
				return elseFn(e, row)
			}
			return Value{}
		}, true, a...)
	})
	for _, name := range []string{"greatest", "least"} {
		sign := 1
		if name == "least" {
			sign = -1
		}
		register(name, 1, -1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			t := Null
			for i, x := range a {
				u, ok := unify(t, x.typ)
				if !ok && isNumeric(t) && isNumeric(x.typ) {
					u, ok = widerNumeric(t, x.typ), true
				}
				if !ok {
					c.argTypeError(n, i, x, t.String())
					return badExpr(n)
				}
				t = u
			}
			fns := exprFns(a)
			// GREATEST/LEAST consider every value of multi-valued arguments
			// and are null when any argument is null.
			return c.finish(n, t, func(e *env, row []Value) Value {
				var best Value
				for _, f := range fns {
					v := f(e, row)
					if v.t == Null {
						return Value{}
					}
					for _, x := range v.values() {
						x = castNumeric(x, t)
						if best.t == Null {
							best = x
						} else if cmp, _ := compareScalar(x, best); cmp*sign > 0 {
							best = x
						}
					}
				}
				return best
			}, false, a...)
		})
	}
}
