package esql

import (
	"github.com/trailql/trailql/esql/parser"
)

// Functions used by the rule corpus that the core function files lack.

func init() {
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

// JSON_EXTRACT is in jsonextract.go; TO_GEOPOINT, ST_X, ST_Y and
// ST_DISTANCE are in geo.go.
