package esql

import (
	"github.com/trailql/trailql/esql/parser"
)

// finish wraps a compiled operator or function: it records whether it can
// warn and folds it to a constant when all its inputs are constants and
// evaluating it records no warning (ES folds such expressions too).
func (c *checker) finish(n parser.Expr, t DataType, fn evalFn, canWarn bool, args ...*cexpr) *cexpr {
	if anyBad(args...) {
		return badExpr(n)
	}
	x := &cexpr{typ: t, fn: fn, node: n, warns: canWarn || anyWarns(args...)}
	if allKonst(args...) {
		e := newEnv(c.sites)
		// NOW() is never a constant (func_date.go), so nothing folded here
		// reads the time: an expression over it is evaluated per execution.
		e.now = c.now
		v := fn(e, nil)
		if len(e.warnings) == 0 {
			return constExpr(n, v, t)
		}
	}
	return x
}

func (c *checker) compileUnary(n *parser.Unary) *cexpr {
	x := c.compileExpr(n.X)
	if x.bad {
		return badExpr(n)
	}
	switch n.Op {
	case parser.OpNot:
		if x.typ != Boolean && x.typ != Null {
			c.errorf(n.Pos(), "argument of [%s] must be [boolean], found value [%s] type [%s]", c.text(n), c.text(x.node), x.typ)
			return badExpr(n)
		}
		site := c.newSite(n)
		return c.finish(n, Boolean, single1(site, x.fn, func(a Value) (Value, *evalError) { return Bool(a.n == 0), nil }), true, x)
	case parser.OpPos:
		if !isNumeric(x.typ) && !isSpan(x.typ) && x.typ != Null {
			c.errorf(n.Pos(), "argument of [%s] must be [numeric], found value [%s] type [%s]", c.text(n), c.text(x.node), x.typ)
			return badExpr(n)
		}
		y := *x
		y.node = n
		return &y
	case parser.OpNeg:
		if !isNumeric(x.typ) && !isSpan(x.typ) && x.typ != Null {
			c.errorf(n.Pos(), "argument of [%s] must be [numeric, date_period or time_duration], found value [%s] type [%s]", c.text(n), c.text(x.node), x.typ)
			return badExpr(n)
		}
		site := c.newSite(n)
		return c.finish(n, x.typ, single1(site, x.fn, negate), true, x)
	}
	c.errorf(n.Pos(), "unsupported operator in [%s]", c.text(n))
	return badExpr(n)
}

func negate(a Value) (Value, *evalError) {
	switch a.t {
	case Integer:
		if int32(a.n) == -1<<31 {
			return Value{}, arithmeticErr("integer overflow")
		}
		return Int(-int32(a.n)), nil
	case Long:
		if int64(a.n) == -1<<63 {
			return Value{}, arithmeticErr("long overflow")
		}
		return LongValue(-int64(a.n)), nil
	case Double:
		return DoubleValue(-a.AsFloat()), nil
	case UnsignedLong:
		return Value{}, arithmeticErr("unsigned_long overflow")
	case TimeDuration:
		return Value{t: TimeDuration, n: uint64(-int64(a.n))}, nil
	case DatePeriod:
		y, m, d := a.period()
		return Period(-y, -m, -d), nil
	}
	return Value{}, nil
}

func (c *checker) compileBinary(n *parser.Binary) *cexpr {
	l, r := c.compileExpr(n.L), c.compileExpr(n.R)
	if l.bad || r.bad {
		return badExpr(n)
	}
	switch n.Op {
	case parser.OpAnd, parser.OpOr:
		return c.compileLogic(n, l, r)
	case parser.OpEq, parser.OpNeq, parser.OpLt, parser.OpLte, parser.OpGt, parser.OpGte, parser.OpEqIgnoreCase:
		return c.compileComparison(n, l, r)
	case parser.OpAdd, parser.OpSub, parser.OpMul, parser.OpDiv, parser.OpMod:
		return c.compileArith(n, l, r)
	}
	c.errorf(n.Pos(), "unsupported operator in [%s]", c.text(n))
	return badExpr(n)
}

// compileLogic compiles AND/OR with Kleene three-valued logic
// (docs/esql-semantics.md §A2): false AND null = false, true OR null = true,
// otherwise null wins.
func (c *checker) compileLogic(n *parser.Binary, l, r *cexpr) *cexpr {
	for i, x := range []*cexpr{l, r} {
		if x.typ != Boolean && x.typ != Null {
			c.errorf(n.Pos(), "%sargument of [%s] must be [boolean], found value [%s] type [%s]", ordinal(i), c.text(n), c.text(x.node), x.typ)
			return badExpr(n)
		}
	}
	site := c.newSite(n)
	lf, rf := l.fn, r.fn
	// Right operands that can warn are always evaluated, like
	// Elasticsearch's block evaluation; others are short-circuited.
	eager := r.warns
	isAnd := n.Op == parser.OpAnd
	// tri maps a boolean value to 0 false, 1 true, 2 null.
	tri := func(e *env, v Value) uint8 {
		if v.t == Null {
			return 2
		}
		if v.mv != nil {
			e.fail(site, errMultiValue)
			return 2
		}
		return uint8(v.n & 1)
	}
	var fn evalFn
	if isAnd {
		fn = func(e *env, row []Value) Value {
			a := tri(e, lf(e, row))
			if a == 0 && !eager {
				return Bool(false)
			}
			b := tri(e, rf(e, row))
			switch {
			case a == 0 || b == 0:
				return Bool(false)
			case a == 2 || b == 2:
				return Value{}
			}
			return Bool(true)
		}
	} else {
		fn = func(e *env, row []Value) Value {
			a := tri(e, lf(e, row))
			if a == 1 && !eager {
				return Bool(true)
			}
			b := tri(e, rf(e, row))
			switch {
			case a == 1 || b == 1:
				return Bool(true)
			case a == 2 || b == 2:
				return Value{}
			}
			return Bool(false)
		}
	}
	return c.finish(n, Boolean, fn, true, l, r)
}

// comparable checks that l and r can be compared, casting a string
// constant to the other side's date, ip, version or boolean type as
// Elasticsearch's implicit casting of string literals does. It returns the
// possibly converted operands.
func (c *checker) comparable(n parser.Expr, l, r *cexpr) (*cexpr, *cexpr, bool) {
	switch {
	case l.typ == Null || r.typ == Null:
		return l, r, true
	case isNumeric(l.typ) && isNumeric(r.typ):
		if (l.typ == UnsignedLong) != (r.typ == UnsignedLong) && l.typ != Double && r.typ != Double {
			// ES rejects mixing unsigned_long with signed integral types.
			break
		}
		return l, r, true
	case isString(l.typ) && isString(r.typ):
		return l, r, true
	case isDate(l.typ) && isDate(r.typ):
		return l, r, true
	case l.typ == r.typ && l.typ != Unsupported:
		return l, r, true
	case isString(l.typ) && l.konst && castableLiteral(r.typ):
		if x := c.castConst(l, r.typ); x != nil {
			return x, r, true
		}
		return l, r, false
	case isString(r.typ) && r.konst && castableLiteral(l.typ):
		if x := c.castConst(r, l.typ); x != nil {
			return l, x, true
		}
		return l, r, false
	}
	lt, rt := l.typ.String(), r.typ.String()
	if isNumeric(l.typ) {
		lt = "numeric"
		if isNumeric(r.typ) {
			rt = r.typ.String()
		}
	}
	if isString(l.typ) {
		lt = "keyword"
	}
	c.errorf(n.Pos(), "first argument of [%s] is [%s] so second argument must also be [%s] but was [%s]", c.text(n), lt, lt, rt)
	return l, r, false
}

func castableLiteral(t DataType) bool {
	return t == Datetime || t == DateNanos || t == IP || t == Version || t == Boolean
}

// castConst converts a string constant to type t at compile time; a value
// that does not parse is a compile error.
func (c *checker) castConst(x *cexpr, t DataType) *cexpr {
	vals := x.val.values()
	out := make([]Value, 0, len(vals))
	for _, v := range vals {
		w, err := parseAs(t, v.s)
		if err != nil {
			c.errorf(x.node.Pos(), "Cannot convert string [%s] to [%s], error [%s]", v.s, t, err)
			return nil
		}
		out = append(out, w)
	}
	return constExpr(x.node, multiOf(out), t)
}

// compileComparison compiles == != < <= > >= =~; null on either side gives
// null and a multi-value gives null with a warning
// (docs/esql-semantics.md §A2, §A3).
func (c *checker) compileComparison(n *parser.Binary, l, r *cexpr) *cexpr {
	if n.Op == parser.OpEqIgnoreCase {
		if (!isString(l.typ) && l.typ != Null) || (!isString(r.typ) && r.typ != Null) {
			bad := l
			i := 0
			if isString(l.typ) || l.typ == Null {
				bad, i = r, 1
			}
			c.argTypeError(n, i, bad, "string")
			return badExpr(n)
		}
		site := c.newSite(n)
		return c.finish(n, Boolean, single2(site, l.fn, r.fn, func(a, b Value) (Value, *evalError) {
			return Bool(equalFoldJava(a.s, b.s)), nil
		}), true, l, r)
	}
	if n.Op != parser.OpEq && n.Op != parser.OpNeq {
		// Only Equals and NotEquals have an evaluator for points; the
		// ordering comparisons reject them in type resolution.
		for i, x := range []*cexpr{l, r} {
			if x.typ == GeoPoint {
				c.argTypeError(n, i, x, "date_nanos, datetime, double, integer, ip, keyword, long, text, unsigned_long or version")
				return badExpr(n)
			}
		}
	}
	l, r, ok := c.comparable(n, l, r)
	if !ok {
		return badExpr(n)
	}
	var test func(int) bool
	switch n.Op {
	case parser.OpEq:
		test = func(c int) bool { return c == 0 }
	case parser.OpNeq:
		test = func(c int) bool { return c != 0 }
	case parser.OpLt:
		test = func(c int) bool { return c < 0 }
	case parser.OpLte:
		test = func(c int) bool { return c <= 0 }
	case parser.OpGt:
		test = func(c int) bool { return c > 0 }
	case parser.OpGte:
		test = func(c int) bool { return c >= 0 }
	}
	site := c.newSite(n)
	var fn evalFn
	if r.konst && r.val.t != Null && r.val.mv == nil && !l.konst {
		// The common `field == "literal"` case, without the generic wrapper.
		lf, k := l.fn, r.val
		fn = func(e *env, row []Value) Value {
			a := lf(e, row)
			if a.t == Null {
				return Value{}
			}
			if a.mv != nil {
				return e.fail(site, errMultiValue)
			}
			cmp, _ := compareScalar(a, k)
			return Bool(test(cmp))
		}
	} else {
		fn = single2(site, l.fn, r.fn, func(a, b Value) (Value, *evalError) {
			cmp, _ := compareScalar(a, b)
			return Bool(test(cmp)), nil
		})
	}
	return c.finish(n, Boolean, fn, true, l, r)
}

// compileIn compiles `x [NOT] IN (items)` with In.java's decision table
// (docs/esql-semantics.md §A2): null x -> null; multi-valued x -> null +
// warning; a non-null item equal to x -> true; else any null (or multi-valued)
// item -> null; else false.
func (c *checker) compileIn(n *parser.In) *cexpr {
	x := c.compileExpr(n.X)
	items := make([]*cexpr, len(n.List))
	bad := x.bad
	for i, it := range n.List {
		items[i] = c.compileExpr(it)
		bad = bad || items[i].bad
	}
	if bad {
		return badExpr(n)
	}
	for i, it := range items {
		_, y, ok := c.comparable(n, x, it)
		if !ok {
			return badExpr(n)
		}
		items[i] = y
	}
	site := c.newSite(n)
	xf := x.fn
	not := n.Not
	// Constant items are matched without evaluating them per row.
	var consts []Value
	var dyn []evalFn
	constNull := false
	for _, it := range items {
		switch {
		case it.konst && (it.val.t == Null || it.val.mv != nil):
			constNull = true
		case it.konst:
			consts = append(consts, it.val)
		default:
			dyn = append(dyn, it.fn)
		}
	}
	// A long list of strings (event.action IN (28 actions)) is a set.
	var set map[string]struct{}
	if len(consts) >= minInSet {
		set = make(map[string]struct{}, len(consts))
		for _, k := range consts {
			if !isString(k.t) {
				set = nil
				break
			}
			set[k.s] = struct{}{}
		}
	}
	fn := func(e *env, row []Value) Value {
		v := xf(e, row)
		// Items are evaluated even when x is null, so their warnings match
		// block evaluation.
		var buf [16]Value
		dv := buf[:0]
		for _, f := range dyn {
			dv = append(dv, f(e, row))
		}
		if v.t == Null {
			return Value{}
		}
		if v.mv != nil {
			return e.fail(site, errMultiValue)
		}
		sawNull := constNull
		found := false
		if set != nil && isString(v.t) {
			// Strings compare equal when their bytes are (compareScalar).
			_, found = set[v.s]
		} else {
			for _, k := range consts {
				if eq, _ := equalScalar(v, k); eq {
					found = true
					break
				}
			}
		}
		if !found {
			for _, w := range dv {
				if w.t == Null || w.mv != nil {
					sawNull = true
					continue
				}
				if eq, _ := equalScalar(v, w); eq {
					found = true
					break
				}
			}
		}
		switch {
		case found:
			return Bool(!not)
		case sawNull:
			return Value{}
		}
		return Bool(not)
	}
	return c.finish(n, Boolean, fn, true, append([]*cexpr{x}, items...)...)
}

// minInSet is the number of constant strings from which IN looks x up in
// a set instead of comparing it with each.
const minInSet = 8

// compileIsNull compiles `x IS [NOT] NULL`, which is never null
// (docs/esql-semantics.md §A2); a multi-value is not null.
func (c *checker) compileIsNull(n *parser.IsNull) *cexpr {
	x := c.compileExpr(n.X)
	if x.bad {
		return badExpr(n)
	}
	xf, not := x.fn, n.Not
	return c.finish(n, Boolean, func(e *env, row []Value) Value {
		return Bool((xf(e, row).t == Null) != not)
	}, false, x)
}

// compileLike compiles LIKE (wildcards) and RLIKE (Lucene regular
// expressions); both match the whole string, case-sensitively.
func (c *checker) compileLike(n *parser.Like) *cexpr {
	x := c.compileExpr(n.X)
	if x.bad {
		return badExpr(n)
	}
	if !isString(x.typ) && x.typ != Null {
		c.argTypeError(n, 0, x, "string")
		return badExpr(n)
	}
	var matchers []func(string) bool
	for _, p := range n.Patterns {
		s, _ := p.Value.(string)
		if n.Regex {
			m, err := compileLuceneRegexp(s)
			if err != nil {
				c.errorf(p.Pos(), "Invalid regex pattern for RLIKE [%s]: [%s]", s, err)
				return badExpr(n)
			}
			matchers = append(matchers, m)
		} else {
			matchers = append(matchers, compileWildcard(s))
		}
	}
	site := c.newSite(n)
	not := n.Not
	return c.finish(n, Boolean, single1(site, x.fn, func(a Value) (Value, *evalError) {
		for _, m := range matchers {
			if m(a.s) {
				return Bool(!not), nil
			}
		}
		return Bool(not), nil
	}), true, x)
}

// compileCast compiles `x::type` as the matching TO_* conversion.
func (c *checker) compileCast(n *parser.Cast) *cexpr {
	x := c.compileExpr(n.X)
	if x.bad {
		return badExpr(n)
	}
	name, ok := castFuncs[n.Type]
	if !ok {
		c.errorf(n.Pos(), "Unsupported conversion to type [%s]", n.Type)
		return badExpr(n)
	}
	return c.applyFunc(n, name, []*cexpr{x})
}

// castFuncs maps the type names accepted by `::` to conversion functions.
var castFuncs = map[string]string{
	"bool": "to_boolean", "boolean": "to_boolean",
	"int": "to_integer", "integer": "to_integer",
	"long": "to_long", "double": "to_double",
	"string": "to_string", "keyword": "to_string", "text": "to_string",
	"datetime": "to_datetime", "date": "to_datetime",
	"ip": "to_ip", "version": "to_version",
	"unsigned_long": "to_unsigned_long",
	"date_nanos":    "to_date_nanos",
}
