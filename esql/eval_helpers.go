package esql

// Wrappers for single-value functions and operators: null in gives null
// out; a multi-valued argument gives null plus the "single-value function
// encountered multi-value" warning (docs/esql-semantics.md §A3). Arguments are
// checked in order, so `f(null, mv)` is null without a warning and `f(mv,
// null)` warns, as Elasticsearch's generated evaluators do.

type fn1 func(a Value) (Value, *evalError)
type fn2 func(a, b Value) (Value, *evalError)
type fnN func(args []Value) (Value, *evalError)

func single1(site int, a evalFn, f fn1) evalFn {
	return func(e *env, row []Value) Value {
		x := a(e, row)
		if x.t == Null {
			return Value{}
		}
		if x.mv != nil {
			return e.fail(site, errMultiValue)
		}
		v, err := f(x)
		if err != nil {
			return e.fail(site, err)
		}
		return v
	}
}

func single2(site int, a, b evalFn, f fn2) evalFn {
	return func(e *env, row []Value) Value {
		x, y := a(e, row), b(e, row)
		if x.t == Null {
			return Value{}
		}
		if x.mv != nil {
			return e.fail(site, errMultiValue)
		}
		if y.t == Null {
			return Value{}
		}
		if y.mv != nil {
			return e.fail(site, errMultiValue)
		}
		v, err := f(x, y)
		if err != nil {
			return e.fail(site, err)
		}
		return v
	}
}

// singleN is single1/single2 for any number of arguments; the argument
// slice passed to f is reused between rows.
func singleN(site int, args []evalFn, f fnN) evalFn {
	return func(e *env, row []Value) Value {
		var buf [8]Value
		vals := buf[:0]
		for _, a := range args {
			vals = append(vals, a(e, row))
		}
		for _, x := range vals {
			if x.t == Null {
				return Value{}
			}
			if x.mv != nil {
				return e.fail(site, errMultiValue)
			}
		}
		v, err := f(vals)
		if err != nil {
			return e.fail(site, err)
		}
		return v
	}
}

// eachValue applies a conversion to every value of a multi-value, as
// Elasticsearch's conversion functions (TO_STRING, TO_LONG, ...) do: a value
// that fails to convert records a warning and is dropped.
func eachValue(site int, a evalFn, f fn1) evalFn {
	return func(e *env, row []Value) Value {
		x := a(e, row)
		if x.t == Null {
			return Value{}
		}
		if x.mv == nil {
			v, err := f(x)
			if err != nil {
				return e.fail(site, err)
			}
			return v
		}
		out := make([]Value, 0, len(*x.mv))
		for _, el := range *x.mv {
			v, err := f(el)
			if err != nil {
				e.fail(site, err)
				continue
			}
			out = v.appendValues(out)
		}
		return multiOf(out)
	}
}

// exprFns returns the closures of compiled expressions.
func exprFns(xs []*cexpr) []evalFn {
	fns := make([]evalFn, len(xs))
	for i, x := range xs {
		fns[i] = x.fn
	}
	return fns
}

// anyWarns reports whether any of xs can record warnings.
func anyWarns(xs ...*cexpr) bool {
	for _, x := range xs {
		if x.warns {
			return true
		}
	}
	return false
}

// anyBad reports whether any of xs failed to check.
func anyBad(xs ...*cexpr) bool {
	for _, x := range xs {
		if x.bad {
			return true
		}
	}
	return false
}

// allKonst reports whether all of xs are constants.
func allKonst(xs ...*cexpr) bool {
	for _, x := range xs {
		if !x.konst {
			return false
		}
	}
	return true
}
