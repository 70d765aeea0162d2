package esql

import (
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/trailql/trailql/esql/internal/datemath"
	"github.com/trailql/trailql/esql/parser"
)

// equalFoldJava is =~ (InsensitiveEquals): equality ignoring case.
func equalFoldJava(a, b string) bool { return strings.EqualFold(a, b) }

// widerNumeric is the type two numeric operands promote to: double beats
// unsigned_long beats long beats integer (ES EsqlDataTypeConverter.commonType).
func widerNumeric(a, b DataType) DataType {
	switch {
	case a == Double || b == Double:
		return Double
	case a == UnsignedLong || b == UnsignedLong:
		return UnsignedLong
	case a == Long || b == Long:
		return Long
	}
	return Integer
}

// castNumeric converts a numeric value to numeric type t.
func castNumeric(v Value, t DataType) Value {
	if v.t == t || v.t == Null || !isNumeric(v.t) || !isNumeric(t) {
		return v
	}
	switch t {
	case Double:
		return DoubleValue(v.AsFloat())
	case Long:
		return LongValue(int64(v.n))
	case UnsignedLong:
		return ULong(v.n)
	}
	return v
}

var arithSymbols = map[parser.BinaryOp]string{
	parser.OpAdd: "+", parser.OpSub: "-", parser.OpMul: "*", parser.OpDiv: "/", parser.OpMod: "%",
}

// compileArith compiles + - * / % with Elasticsearch's numeric promotion
// (integer op integer = integer, with long and double widening), integer
// overflow and division by zero giving null plus a warning, and date ±
// time span arithmetic.
func (c *checker) compileArith(n *parser.Binary, l, r *cexpr) *cexpr {
	op := n.Op
	lt, rt := l.typ, r.typ
	site := c.newSite(n)
	var t DataType
	var f fn2
	switch {
	case lt == Null && rt == Null:
		t = Null
	case (isNumeric(lt) || lt == Null) && (isNumeric(rt) || rt == Null):
		t = lt
		if t == Null {
			t = rt
		} else if rt != Null {
			t = widerNumeric(lt, rt)
		}
		f = numericOp(op, t)
	case (op == parser.OpAdd || op == parser.OpSub) && (isDate(lt) || lt == Null) && (isSpan(rt) || rt == Null):
		t = lt
		if t == Null {
			t = Datetime
		}
		sub := op == parser.OpSub
		f = func(a, b Value) (Value, *evalError) { return addSpan(a, b, sub) }
	case op == parser.OpAdd && isSpan(lt) && isDate(rt):
		t = rt
		f = func(a, b Value) (Value, *evalError) { return addSpan(b, a, false) }
	case (op == parser.OpAdd || op == parser.OpSub) && isSpan(lt) && lt == rt:
		t = lt
		sub := op == parser.OpSub
		f = func(a, b Value) (Value, *evalError) { return addSpans(a, b, sub) }
	default:
		c.errorf(n.Pos(), "[%s] has arguments with incompatible types [%s] and [%s]", arithSymbols[op], lt, rt)
		return badExpr(n)
	}
	if t == Null || f == nil {
		return c.finish(n, t, func(*env, []Value) Value { return Value{} }, false, l, r)
	}
	return c.finish(n, t, single2(site, l.fn, r.fn, f), true, l, r)
}

// numericOp returns the operation for result type t.
func numericOp(op parser.BinaryOp, t DataType) fn2 {
	switch t {
	case Double:
		return func(a, b Value) (Value, *evalError) {
			x, y := a.AsFloat(), b.AsFloat()
			var z float64
			switch op {
			case parser.OpAdd:
				z = x + y
			case parser.OpSub:
				z = x - y
			case parser.OpMul:
				z = x * y
			case parser.OpDiv:
				z = x / y
				if math.IsNaN(z) || math.IsInf(z, 0) {
					return Value{}, arithmeticErr("/ by zero")
				}
			case parser.OpMod:
				z = math.Mod(x, y)
				if math.IsNaN(z) || math.IsInf(z, 0) {
					return Value{}, arithmeticErr("/ by zero")
				}
			}
			if math.IsNaN(z) || math.IsInf(z, 0) {
				return Value{}, arithmeticErr("not a finite double number: " + formatDouble(z))
			}
			return DoubleValue(z), nil
		}
	case UnsignedLong:
		return func(a, b Value) (Value, *evalError) {
			x, y := a.n, b.n
			switch op {
			case parser.OpAdd:
				z, carry := bits.Add64(x, y, 0)
				if carry != 0 {
					return Value{}, arithmeticErr("unsigned_long overflow")
				}
				return ULong(z), nil
			case parser.OpSub:
				z, borrow := bits.Sub64(x, y, 0)
				if borrow != 0 {
					return Value{}, arithmeticErr("unsigned_long overflow")
				}
				return ULong(z), nil
			case parser.OpMul:
				hi, lo := bits.Mul64(x, y)
				if hi != 0 {
					return Value{}, arithmeticErr("unsigned_long overflow")
				}
				return ULong(lo), nil
			case parser.OpDiv:
				if y == 0 {
					return Value{}, arithmeticErr("/ by zero")
				}
				return ULong(x / y), nil
			default:
				if y == 0 {
					return Value{}, arithmeticErr("/ by zero")
				}
				return ULong(x % y), nil
			}
		}
	case Long:
		return func(a, b Value) (Value, *evalError) {
			z, err := longOp(op, int64(a.n), int64(b.n))
			if err != nil {
				return Value{}, err
			}
			return LongValue(z), nil
		}
	}
	return func(a, b Value) (Value, *evalError) {
		x, y := int64(a.n), int64(b.n)
		switch op {
		case parser.OpDiv:
			if y == 0 {
				return Value{}, arithmeticErr("/ by zero")
			}
			return Int(int32(x) / int32(y)), nil // Java int division wraps MIN/-1
		case parser.OpMod:
			if y == 0 {
				return Value{}, arithmeticErr("/ by zero")
			}
			return Int(int32(x) % int32(y)), nil
		}
		z, _ := longOp(op, x, y)
		if z < math.MinInt32 || z > math.MaxInt32 {
			return Value{}, arithmeticErr("integer overflow")
		}
		return Int(int32(z)), nil
	}
}

// longOp is exact long arithmetic (Math.addExact and friends).
func longOp(op parser.BinaryOp, x, y int64) (int64, *evalError) {
	switch op {
	case parser.OpAdd:
		z := x + y
		if (x > 0 && y > 0 && z < 0) || (x < 0 && y < 0 && z >= 0) {
			return 0, arithmeticErr("long overflow")
		}
		return z, nil
	case parser.OpSub:
		z := x - y
		if (x >= 0 && y < 0 && z < 0) || (x < 0 && y > 0 && z >= 0) {
			return 0, arithmeticErr("long overflow")
		}
		return z, nil
	case parser.OpMul:
		if x == 0 || y == 0 {
			return 0, nil
		}
		z := x * y
		if z/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
			return 0, arithmeticErr("long overflow")
		}
		return z, nil
	case parser.OpDiv:
		if y == 0 {
			return 0, arithmeticErr("/ by zero")
		}
		return x / y, nil
	case parser.OpMod:
		if y == 0 {
			return 0, arithmeticErr("/ by zero")
		}
		return x % y, nil
	}
	return 0, nil
}

// addSpan adds (or subtracts) a time span to a date. Periods follow
// java.time: years and months first, clamping the day to the month's
// length, then days.
func addSpan(d, span Value, sub bool) (Value, *evalError) {
	sign := int64(1)
	if sub {
		sign = -1
	}
	unit := int64(1) // ms per date unit
	if d.t == DateNanos {
		unit = 0
	}
	switch span.t {
	case TimeDuration:
		ms := sign * int64(span.n)
		if d.t == DateNanos {
			z, err := longOp(parser.OpAdd, int64(d.n), ms*int64(time.Millisecond))
			if err != nil {
				return Value{}, err
			}
			return DateNanosOf(z), nil
		}
		z, err := longOp(parser.OpAdd, int64(d.n), ms)
		if err != nil {
			return Value{}, err
		}
		return DatetimeValue(z), nil
	case DatePeriod:
		y, m, dd := span.period()
		tm := d.AsTime()
		tm = plusPeriod(tm, int(sign)*y, int(sign)*m, int(sign)*dd)
		if unit == 0 {
			return DateNanosOf(tm.UnixNano()), nil
		}
		return DatetimeValue(tm.UnixMilli()), nil
	}
	return Value{}, nil
}

// plusPeriod is java.time ZonedDateTime.plus(Period) in UTC.
func plusPeriod(t time.Time, years, months, days int) time.Time {
	total := years*12 + months
	if total != 0 {
		y, mo, d := t.Date()
		idx := y*12 + int(mo) - 1 + total
		ny, nm := floorDivInt(idx, 12), floorModInt(idx, 12)+1
		if last := datemath.DaysIn(ny, time.Month(nm)); d > last {
			d = last
		}
		h, mi, s := t.Clock()
		t = time.Date(ny, time.Month(nm), d, h, mi, s, t.Nanosecond(), time.UTC)
	}
	if days != 0 {
		t = t.AddDate(0, 0, days)
	}
	return t
}

func addSpans(a, b Value, sub bool) (Value, *evalError) {
	if a.t == TimeDuration {
		z, err := longOp(map[bool]parser.BinaryOp{false: parser.OpAdd, true: parser.OpSub}[sub], int64(a.n), int64(b.n))
		if err != nil {
			return Value{}, err
		}
		return Value{t: TimeDuration, n: uint64(z)}, nil
	}
	ay, am, ad := a.period()
	by, bm, bd := b.period()
	if sub {
		by, bm, bd = -by, -bm, -bd
	}
	return Period(ay+by, am+bm, ad+bd), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func floorDivInt(a, b int) int { return int(floorDiv(int64(a), int64(b))) }
func floorModInt(a, b int) int { return int(floorMod(int64(a), int64(b))) }
