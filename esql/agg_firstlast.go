package esql

import "github.com/trailql/trailql/esql/parser"

// FIRST(field, sort) and LAST(field, sort) give the value of field at the
// smallest / largest sort value of the group. Per the ES|QL docs
// (functions-operators/aggregation-functions/first, GA 9.3): sorting is
// ascending with null sort values last, both arguments may be null, single-
// or multi-valued, and on ties any matching value may be returned. Rows
// whose field is null are skipped (ALL_FIRST / ALL_LAST are the variants
// that "can operate on null values"). A multi-valued field yields all its
// values; a multi-valued sort competes with its extreme value.
func checkFirstLast(sign int) func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	return func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
		t := args[0].typ
		switch {
		case isNumeric(t), isDate(t), isString(t), t == Boolean, t == IP, t == Null:
		default:
			c.argTypeError(n, 0, args[0], "boolean, date, ip, string or numeric except unsigned_long or counter types")
			return 0, nil, false
		}
		if st := args[1].typ; !isDate(st) && st != Integer && st != Long && st != Double && st != Null {
			c.argTypeError(n, 1, args[1], "date, date_nanos, integer or long")
			return 0, nil, false
		}
		if isString(t) {
			t = Keyword
		}
		// The STATS operator passes one argument value per row, so the
		// field and sort values travel packed together in a two-element
		// multi-value that only firstLastState reads.
		val, key := args[0].fn, args[1].fn
		args[0].fn = func(e *env, row []Value) Value {
			v := val(e, row)
			if v.t == Null {
				return Value{}
			}
			pair := []Value{v, key(e, row)}
			return Value{t: v.t, mv: &pair}
		}
		return t, func() aggState { return &firstLastState{sign: sign} }, true
	}
}

type firstLastState struct {
	sign      int   // -1 FIRST, 1 LAST
	val, sort Value // best so far; sort null while only null sorts were seen
	seen      bool
}

func (s *firstLastState) add(p Value) {
	if p.mv == nil {
		return // null field (or filtered out)
	}
	v, k := (*p.mv)[0], (*p.mv)[1]
	if k.mv != nil {
		k = extreme(*k.mv, s.sign)
	}
	switch {
	case !s.seen:
	case k.t == Null:
		return // null sorts last: never beats a seen row
	case s.sort.t == Null:
	default:
		if c, _ := compareScalar(k, s.sort); c*s.sign <= 0 {
			return
		}
	}
	s.val, s.sort, s.seen = v, k, true
}

func (s *firstLastState) result() Value {
	if isString(s.val.t) && s.val.t != Keyword {
		return textToKeyword(s.val)
	}
	return s.val
}

// textToKeyword retypes every value of a text value as keyword.
func textToKeyword(v Value) Value {
	if v.mv == nil {
		return KeywordValue(v.s)
	}
	out := make([]Value, len(*v.mv))
	for i, e := range *v.mv {
		out[i] = KeywordValue(e.s)
	}
	return multiOf(out)
}
