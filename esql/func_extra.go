package esql

import (
	"math"
	"strings"
	"time"

	"github.com/trailql/trailql/esql/parser"
)

func init() {
	// LEFT/RIGHT(string, length): the first/last length characters.
	for _, name := range []string{"left", "right"} {
		right := name == "right"
		register(name, 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "integer", isIntT) {
				return badExpr(n)
			}
			return c.res2(n, strType(a[0]), a[0], a[1], func(x, l Value) (Value, *evalError) {
				r := []rune(x.s)
				k := int(int32(l.n))
				if k < 0 {
					k = 0
				}
				if k > len(r) {
					k = len(r)
				}
				if right {
					return retext(x, string(r[len(r)-k:])), nil
				}
				return retext(x, string(r[:k])), nil
			})
		})
	}
	for name, v := range map[string]float64{"pi": math.Pi, "e": math.E, "tau": 2 * math.Pi} {
		v := v
		register(name, 0, 0, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			return constExpr(n, DoubleValue(v), Double)
		})
	}
	// DATE_EXTRACT(part, date) for the common ChronoField names.
	register("date_extract", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "date_nanos or datetime", isDateT) {
			return badExpr(n)
		}
		return c.res2(n, Long, a[0], a[1], func(p, d Value) (Value, *evalError) {
			t := d.AsTime()
			var v int64
			switch strings.ToUpper(p.s) {
			case "YEAR":
				v = int64(t.Year())
			case "MONTH_OF_YEAR":
				v = int64(t.Month())
			case "DAY_OF_MONTH":
				v = int64(t.Day())
			case "DAY_OF_YEAR":
				v = int64(t.YearDay())
			case "DAY_OF_WEEK":
				v = int64((int(t.Weekday())+6)%7 + 1) // ISO: Monday = 1
			case "HOUR_OF_DAY":
				v = int64(t.Hour())
			case "MINUTE_OF_HOUR":
				v = int64(t.Minute())
			case "SECOND_OF_MINUTE":
				v = int64(t.Second())
			case "MILLI_OF_SECOND":
				v = int64(t.Nanosecond() / int(time.Millisecond))
			case "EPOCH_DAY":
				v = floorDiv(t.UnixMilli(), msPerDay)
			case "ALIGNED_WEEK_OF_YEAR":
				v = int64((t.YearDay()-1)/7 + 1)
			default:
				return Value{}, illegalArg("No enum constant java.time.temporal.ChronoField.%s", strings.ToUpper(p.s))
			}
			return LongValue(v), nil
		})
	})
}
