package esql

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// The TO_* conversion functions convert every value of a multi-value; a
// value that fails records a warning and is dropped (AbstractConvertFunction).

func init() {
	conv := func(name string, out DataType, accept func(DataType) bool, expected string, f fn1) {
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if a[0].typ == out {
				y := *a[0]
				y.node = n
				return &y
			}
			if !c.want(n, a, 0, expected, accept) {
				return badExpr(n)
			}
			site := c.newSite(n)
			return c.finish(n, out, eachValue(site, a[0].fn, f), true, a...)
		})
	}
	notSpan := func(t DataType) bool { return !isSpan(t) && t != Unsupported }
	conv("to_string", Keyword, notSpan, "any type except counter types", func(v Value) (Value, *evalError) {
		return KeywordValue(v.scalarString()), nil
	})
	register("to_str", 1, 1, scalarFuncs["to_string"].build)
	numOrStr := func(t DataType) bool {
		return isNumeric(t) || isString(t) || t == Boolean || isDate(t)
	}
	conv("to_long", Long, numOrStr, "boolean, counter_integer, counter_long, date, keyword, text, double, long, unsigned_long or integer", func(v Value) (Value, *evalError) {
		return toIntegral(v, math.MinInt64, math.MaxInt64, Long)
	})
	conv("to_integer", Integer, numOrStr, "boolean, counter_integer, date, keyword, text, double, long, unsigned_long or integer", func(v Value) (Value, *evalError) {
		return toIntegral(v, math.MinInt32, math.MaxInt32, Integer)
	})
	register("to_int", 1, 1, scalarFuncs["to_integer"].build)
	conv("to_double", Double, numOrStr, "boolean, counter_double, counter_integer, counter_long, date, keyword, text, double, long, unsigned_long or integer", func(v Value) (Value, *evalError) {
		switch {
		case isString(v.t):
			f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("Cannot parse number [%s]", v.s)}
			}
			return DoubleValue(f), nil
		case v.t == Boolean:
			return DoubleValue(float64(v.n)), nil
		case isDate(v.t):
			return DoubleValue(float64(int64(v.n))), nil
		}
		return DoubleValue(v.AsFloat()), nil
	})
	register("to_dbl", 1, 1, scalarFuncs["to_double"].build)
	conv("to_ip", IP, isStringT, "ip, keyword or text", func(v Value) (Value, *evalError) {
		a, err := parseIP(v.s)
		if err != nil {
			return Value{}, illegalArg("%s", err)
		}
		return IPAddr(a), nil
	})
	conv("to_boolean", Boolean, func(t DataType) bool { return isNumeric(t) || isString(t) }, "boolean, keyword, text, double, long, unsigned_long or integer", func(v Value) (Value, *evalError) {
		if isString(v.t) {
			return Bool(strings.EqualFold(v.s, "true")), nil
		}
		return Bool(v.AsFloat() != 0), nil
	})
	register("to_bool", 1, 1, scalarFuncs["to_boolean"].build)
	conv("to_datetime", Datetime, func(t DataType) bool { return isNumeric(t) || isString(t) || isDate(t) }, "date_nanos, datetime, double, long, unsigned_long, integer, keyword or text", func(v Value) (Value, *evalError) {
		switch {
		case isString(v.t):
			tm, err := parseDate(v.s)
			if err != nil {
				return Value{}, illegalArg("%s", err)
			}
			return DatetimeValue(tm.UnixMilli()), nil
		case v.t == DateNanos:
			return DatetimeValue(floorDiv(int64(v.n), 1e6)), nil
		case v.t == Double:
			return DatetimeValue(int64(v.AsFloat())), nil
		}
		return DatetimeValue(int64(v.n)), nil
	})
	register("to_dt", 1, 1, scalarFuncs["to_datetime"].build)
	conv("to_version", Version, isStringT, "keyword, text or version", func(v Value) (Value, *evalError) {
		return VersionOf(v.s), nil
	})
	register("to_ver", 1, 1, scalarFuncs["to_version"].build)
}

// javaRound is Math.round: half rounds up (ES safeToLong rounds doubles,
// stats.csv-spec docsStatsWithSimpleFiltering).
func javaRound(f float64) int64 { return int64(math.Floor(f + 0.5)) }

// toIntegral converts to long or integer like ES's ToLong/ToInteger:
// doubles round half up (out of range fails), strings parse as integers or else
// as doubles, booleans are 1 or 0, dates their epoch milliseconds.
func toIntegral(v Value, lo, hi float64, t DataType) (Value, *evalError) {
	var i int64
	switch {
	case isString(v.t):
		s := strings.TrimSpace(v.s)
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || math.IsNaN(f) {
				return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("Cannot parse number [%s]", v.s)}
			}
			if f < lo || f > hi {
				return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("[%s] out of [%s] range", v.s, t)}
			}
			x = javaRound(f)
		}
		i = x
	case v.t == Double:
		f := v.AsFloat()
		if f < lo || f > hi {
			return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("[%s] out of [%s] range", formatDouble(f), t)}
		}
		i = javaRound(f)
	case v.t == UnsignedLong:
		if v.n > uint64(math.MaxInt64) {
			return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("[%d] out of [%s] range", v.n, t)}
		}
		i = int64(v.n)
	default:
		i = int64(v.n)
	}
	if float64(i) < lo || float64(i) > hi {
		return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("[%d] out of [%s] range", i, t)}
	}
	if t == Integer {
		return Int(int32(i)), nil
	}
	return LongValue(i), nil
}
