package esql

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/trailql/trailql/esql/parser"
)

func init() {
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
	register("url_decode", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			s, err := url.QueryUnescape(x.s)
			if err != nil {
				return Value{}, illegalArg("URLDecoder: %s", err)
			}
			return KeywordValue(s), nil
		})
	})
	register("url_encode", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			return KeywordValue(url.QueryEscape(x.s)), nil
		})
	})
	// LOCATE(string, substring[, start]): 1-based position of substring, 0
	// when absent.
	register("locate", 2, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) || !c.want(n, a, 2, "integer", isIntT) {
			return badExpr(n)
		}
		return c.resultOf(n, Integer, a, func(v []Value) (Value, *evalError) {
			r := []rune(v[0].s)
			start := 0
			if len(v) > 2 {
				start = int(int32(v[2].n)) - 1
				if start < 0 {
					start = 0
				}
			}
			if start > len(r) {
				return Int(0), nil
			}
			i := strings.Index(string(r[start:]), v[1].s)
			if i < 0 {
				return Int(0), nil
			}
			return Int(int32(start + utf8.RuneCountInString(string(r[start:])[:i]) + 1)), nil
		})
	})
	register("contains", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Boolean, a[0], a[1], func(x, y Value) (Value, *evalError) { return Bool(strings.Contains(x.s, y.s)), nil })
	})
	register("space", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "integer", isIntT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			k := int(int32(x.n))
			if k < 0 {
				return Value{}, illegalArg("Number parameter cannot be negative, found [%d]", k)
			}
			if k > 1<<20 {
				return Value{}, illegalArg("Creating strings longer than [1048576] bytes is not supported")
			}
			return KeywordValue(strings.Repeat(" ", k)), nil
		})
	})
}
