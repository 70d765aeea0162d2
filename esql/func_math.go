package esql

import (
	"math"

	"github.com/trailql/trailql/esql/parser"
)

func init() {
	register("abs", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "numeric", isNumericT) {
			return badExpr(n)
		}
		return c.res1(n, a[0].typ, a[0], func(x Value) (Value, *evalError) {
			switch x.t {
			case Integer:
				if i := int32(x.n); i < 0 {
					return Int(-i), nil // Java Math.abs wraps MIN_VALUE
				}
			case Long:
				if i := int64(x.n); i < 0 {
					return LongValue(-i), nil
				}
			case Double:
				return DoubleValue(math.Abs(x.AsFloat())), nil
			}
			return x, nil
		})
	})
	// ROUND(x[, decimals]) rounds half away from zero (ES Maths.round).
	register("round", 1, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "numeric", isNumericT) || !c.want(n, a, 1, "integer or long", isIntegralT) {
			return badExpr(n)
		}
		return c.resultOf(n, a[0].typ, a, func(v []Value) (Value, *evalError) {
			dec := int64(0)
			if len(v) > 1 {
				dec = int64(v[1].n)
			}
			x := v[0]
			switch x.t {
			case Double:
				p := math.Pow(10, float64(dec))
				m := x.AsFloat() * p
				r := math.Round(math.Abs(m))
				if m < 0 {
					r = -r
				}
				return DoubleValue(r / p), nil
			case Integer, Long:
				if dec >= 0 {
					return x, nil
				}
				if dec < -18 {
					return castNumeric(LongValue(0), x.t), nil
				}
				p := int64(math.Pow(10, float64(-dec)))
				i := int64(x.n)
				q := i / p * p
				if r := i - q; 2*abs64(r) >= p {
					if i < 0 {
						q -= p
					} else {
						q += p
					}
				}
				if x.t == Integer {
					return Int(int32(q)), nil
				}
				return LongValue(q), nil
			}
			return x, nil
		})
	})
	for _, name := range []string{"ceil", "floor"} {
		name := name
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "numeric", isNumericT) {
				return badExpr(n)
			}
			return c.res1(n, a[0].typ, a[0], func(x Value) (Value, *evalError) {
				if x.t != Double {
					return x, nil
				}
				if name == "ceil" {
					return DoubleValue(math.Ceil(x.AsFloat())), nil
				}
				return DoubleValue(math.Floor(x.AsFloat())), nil
			})
		})
	}
	for name, v := range map[string]float64{"pi": math.Pi, "e": math.E, "tau": 2 * math.Pi} {
		v := v
		register(name, 0, 0, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			return constExpr(n, DoubleValue(v), Double)
		})
	}
}

func abs64(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}
