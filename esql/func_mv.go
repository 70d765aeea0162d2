package esql

import (
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// The MV_ functions take multi-valued arguments (docs/esql-semantics.md §A3).

func init() {
	register("mv_count", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		f := a[0].fn
		return c.finish(n, Integer, func(e *env, row []Value) Value {
			v := f(e, row)
			if v.t == Null {
				return Value{}
			}
			return Int(int32(v.Count()))
		}, false, a...)
	})
	mvPick := func(name string, pick func(vs []Value) Value) {
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			f := a[0].fn
			return c.finish(n, a[0].typ, func(e *env, row []Value) Value {
				v := f(e, row)
				if v.mv == nil {
					return v
				}
				return pick(*v.mv)
			}, false, a...)
		})
	}
	mvPick("mv_first", func(vs []Value) Value { return vs[0] })
	mvPick("mv_last", func(vs []Value) Value { return vs[len(vs)-1] })
	mvPick("mv_min", func(vs []Value) Value { return extreme(vs, -1) })
	mvPick("mv_max", func(vs []Value) Value { return extreme(vs, 1) })
	// MV_DEDUPE keeps the first occurrence of each value.
	mvPick("mv_dedupe", func(vs []Value) Value {
		seen := map[string]bool{}
		out := make([]Value, 0, len(vs))
		var buf []byte
		for _, v := range vs {
			buf = appendKey(buf[:0], v)
			if !seen[string(buf)] {
				seen[string(buf)] = true
				out = append(out, v)
			}
		}
		return multiOf(out)
	})
	register("mv_sort", 1, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		desc := false
		if len(a) == 2 {
			if !a[1].konst || !isString(a[1].typ) {
				c.argTypeError(n, 1, a[1], "string constant ASC or DESC")
				return badExpr(n)
			}
			switch strings.ToUpper(a[1].val.s) {
			case "ASC":
			case "DESC":
				desc = true
			default:
				c.errorf(n.Pos(), "Invalid order value in [%s], expected one of [ASC, DESC] but got [%s]", c.text(n), a[1].val.s)
				return badExpr(n)
			}
		}
		f := a[0].fn
		return c.finish(n, a[0].typ, func(e *env, row []Value) Value {
			v := f(e, row)
			if v.mv == nil {
				return v
			}
			vs := append([]Value(nil), *v.mv...)
			sortValues(vs)
			if desc {
				for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
					vs[i], vs[j] = vs[j], vs[i]
				}
			}
			return multiOf(vs)
		}, false, a[0])
	})
	register("mv_concat", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		f, d := a[0].fn, a[1].fn
		site := c.newSite(n)
		return c.finish(n, Keyword, func(e *env, row []Value) Value {
			v, sep := f(e, row), d(e, row)
			if v.t == Null || sep.t == Null {
				return Value{}
			}
			if sep.mv != nil {
				return e.fail(site, errMultiValue)
			}
			parts := make([]string, 0, v.Count())
			for _, x := range v.values() {
				parts = append(parts, x.s)
			}
			return KeywordValue(strings.Join(parts, sep.s))
		}, true, a...)
	})
	mvNum := func(name string, out func(t DataType) DataType, f func(vs []Value, t DataType) (Value, *evalError)) {
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "numeric", isNumericT) {
				return badExpr(n)
			}
			t := out(a[0].typ)
			g := a[0].fn
			site := c.newSite(n)
			return c.finish(n, t, func(e *env, row []Value) Value {
				v := g(e, row)
				if v.t == Null {
					return Value{}
				}
				r, err := f(v.values(), v.t)
				if err != nil {
					return e.fail(site, err)
				}
				return r
			}, true, a...)
		})
	}
	mvNum("mv_sum", func(t DataType) DataType { return t }, func(vs []Value, t DataType) (Value, *evalError) {
		acc := vs[0]
		op := numericOp(parser.OpAdd, t)
		for _, v := range vs[1:] {
			var err *evalError
			if acc, err = op(acc, v); err != nil {
				return Value{}, err
			}
		}
		return acc, nil
	})
	mvNum("mv_avg", func(DataType) DataType { return Double }, func(vs []Value, _ DataType) (Value, *evalError) {
		var s sumDouble
		for _, v := range vs {
			s.add(v)
		}
		return DoubleValue(s.sum / float64(s.n)), nil
	})
	// MV_SLICE(field, start[, end]): values from start to end inclusive;
	// negative positions count from the end.
	register("mv_slice", 2, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 1, "integer", isIntT) || !c.want(n, a, 2, "integer", isIntT) {
			return badExpr(n)
		}
		fns := exprFns(a)
		site := c.newSite(n)
		return c.finish(n, a[0].typ, func(e *env, row []Value) Value {
			v := fns[0](e, row)
			s := fns[1](e, row)
			end := s
			if len(fns) > 2 {
				end = fns[2](e, row)
			}
			if v.t == Null || s.t == Null || end.t == Null {
				return Value{}
			}
			if s.mv != nil || end.mv != nil {
				return e.fail(site, errMultiValue)
			}
			vs := v.values()
			from, to := int(int32(s.n)), int(int32(end.n))
			if from < 0 {
				from += len(vs)
			}
			if to < 0 {
				to += len(vs)
			}
			if from > to {
				return e.fail(site, illegalArg("Start offset is greater than end offset"))
			}
			if from < 0 {
				from = 0
			}
			if to >= len(vs) {
				to = len(vs) - 1
			}
			if from > to {
				return Value{}
			}
			return multiOf(append([]Value(nil), vs[from:to+1]...))
		}, true, a...)
	})
	// MV_CONTAINS(superset, subset): every value of subset is in superset.
	register("mv_contains", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		f, g := a[0].fn, a[1].fn
		return c.finish(n, Boolean, func(e *env, row []Value) Value {
			sup, sub := f(e, row), g(e, row)
			if sub.t == Null {
				return Bool(true)
			}
			for _, x := range sub.values() {
				found := false
				for _, y := range sup.values() {
					if eq, _ := equalScalar(x, y); eq {
						found = true
						break
					}
				}
				if !found {
					return Bool(false)
				}
			}
			return Bool(true)
		}, false, a...)
	})
	// MV_INTERSECTION(field1, field2): the values that appear in both
	// fields; null when either is null or none match. Per the ES|QL docs
	// (functions-operators/mv-functions/mv_intersection) both arguments
	// have the same type, text/keyword mixes give keyword, and
	// [true, false, false, false] with [false] gives the single false, so
	// the result is de-duplicated; it keeps field1's order.
	register("mv_intersection", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		t := a[0].typ
		switch {
		case isString(a[0].typ) && isString(a[1].typ):
			t = Keyword
		case a[0].typ == Null:
			t = a[1].typ
		case a[1].typ == Null || a[0].typ == a[1].typ:
		default:
			c.argTypeError(n, 1, a[1], a[0].typ.String())
			return badExpr(n)
		}
		if isString(t) {
			t = Keyword
		}
		f, g := a[0].fn, a[1].fn
		return c.finish(n, t, func(e *env, row []Value) Value {
			x, y := f(e, row), g(e, row)
			if x.t == Null || y.t == Null {
				return Value{}
			}
			var out []Value
			var buf []byte
			var seen map[string]bool
			for _, v := range x.values() {
				found := false
				for _, w := range y.values() {
					if eq, _ := equalScalar(v, w); eq {
						found = true
						break
					}
				}
				if !found {
					continue
				}
				buf = appendKey(buf[:0], v)
				if seen == nil {
					seen = map[string]bool{}
				}
				if seen[string(buf)] {
					continue
				}
				seen[string(buf)] = true
				if isString(v.t) {
					v = KeywordValue(v.s)
				}
				out = append(out, v)
			}
			return multiOf(out)
		}, false, a...)
	})
}

// extreme returns the minimum (sign -1) or maximum (sign 1) of values.
func extreme(vs []Value, sign int) Value {
	best := vs[0]
	for _, v := range vs[1:] {
		if c, _ := compareScalar(v, best); c*sign > 0 {
			best = v
		}
	}
	return best
}
