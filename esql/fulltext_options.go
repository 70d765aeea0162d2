package esql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// ftOptions reads a full-text function's options argument, a map literal
// of constants, checked against the names and types the function allows
// (Options.resolve / populateMap): each value is converted from its text to
// the declared type, so `{"fuzziness": 1}` gives the keyword "1". The
// result maps names to values; ok is false after an error.
func (c *checker) ftOptions(call parser.Expr, arg parser.Expr, argIdx int, allowed map[string]DataType) (map[string]Value, bool) {
	m, isMap := arg.(*parser.MapLiteral)
	if !isMap {
		x := c.compileExpr(arg)
		if !x.bad {
			c.errorf(arg.Pos(), "%sargument of [%s] must be a map expression, received [%s]", ordinal(argIdx), c.text(call), c.text(arg))
		}
		return nil, false
	}
	src := c.text(call)
	out := map[string]Value{}
	for i, key := range m.Keys {
		t, known := allowed[key]
		x := c.compileExpr(m.Values[i])
		if x.bad {
			return nil, false
		}
		if !x.konst || x.val.IsMulti() {
			c.errorf(m.Values[i].Pos(), "Invalid option [%s] in [%s], expected a [%s] value", key, src, t)
			return nil, false
		}
		if !known {
			names := make([]string, 0, len(allowed))
			for k := range allowed {
				names = append(names, k)
			}
			sort.Strings(names)
			c.errorf(m.Pos(), "Invalid option [%s] in [%s], expected one of [%s]", key, src, strings.Join(names, ", "))
			return nil, false
		}
		v, err := convertOption(x.val.scalarString(), t)
		if err != nil {
			c.errorf(m.Values[i].Pos(), "Invalid option [%s] in [%s], %v", key, src, err)
			return nil, false
		}
		out[key] = v
	}
	return out, true
}

// convertOption converts an option's text to its declared type.
func convertOption(s string, t DataType) (Value, error) {
	switch t {
	case Keyword:
		return KeywordValue(s), nil
	case Boolean:
		switch strings.ToLower(s) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
	case Integer:
		if i, err := strconv.ParseInt(s, 10, 32); err == nil {
			return Int(int32(i)), nil
		}
	case Double:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return DoubleValue(f), nil
		}
	}
	name := t.String()
	if t == Double {
		name = "float"
	}
	return Value{}, fmt.Errorf("cannot convert [%s] to [%s]", s, name)
}

// queryConstant checks a full-text function's query argument: a constant
// that is not null, of one of the accepted types (resolveQuery). expected
// lists them for the message.
func (c *checker) queryConstant(call parser.Expr, i int, x *cexpr, expected string, ok func(DataType) bool) bool {
	if x.bad {
		return false
	}
	if x.typ != Null && !ok(x.typ) {
		c.argTypeError(call, i, x, expected)
		return false
	}
	if x.typ == Null || x.konst && x.val.IsNull() {
		c.errorf(call.Pos(), "%sargument of [%s] cannot be null, received [%s]", ordinal(i), c.text(call), c.text(x.node))
		return false
	}
	if !x.konst {
		c.errorf(x.node.Pos(), "Query must be a constant string in [%s], found [%s]", c.text(call), c.text(x.node))
		return false
	}
	if x.val.IsMulti() {
		c.errorf(x.node.Pos(), "Query must be a valid string in [%s], found [%s]", c.text(call), c.text(x.node))
		return false
	}
	return true
}

// minShouldMatch computes how many of n optional clauses must match for a
// minimum_should_match spec (Queries.calculateMinShouldMatch): an integer,
// a negative integer (all but that many), a percentage (rounded down), a
// negative percentage, or conditions `N<spec ...` applying spec above N
// clauses. The result is kept within 0..n, as the documentation says.
func minShouldMatch(spec string, n int) (int, error) {
	spec = strings.TrimSpace(spec)
	result := n
	if strings.Contains(spec, "<") {
		for strings.Contains(spec, " <") || strings.Contains(spec, "< ") {
			spec = strings.ReplaceAll(strings.ReplaceAll(spec, " <", "<"), "< ", "<")
		}
		for _, part := range strings.Fields(spec) {
			bound, sub, ok := strings.Cut(part, "<")
			upper, err := strconv.Atoi(strings.TrimSpace(bound))
			if !ok || err != nil {
				return 0, fmt.Errorf("invalid minimum_should_match [%s]", spec)
			}
			if n <= upper {
				return clamp(result, n), nil
			}
			if result, err = minShouldMatch(sub, n); err != nil {
				return 0, err
			}
		}
		return clamp(result, n), nil
	}
	if pct, ok := strings.CutSuffix(spec, "%"); ok {
		p, err := strconv.Atoi(pct)
		if err != nil {
			return 0, fmt.Errorf("invalid minimum_should_match [%s]", spec)
		}
		calc := float32(result*p) * (1 / float32(100))
		if calc < 0 {
			result += int(calc)
		} else {
			result = int(calc)
		}
		return clamp(result, n), nil
	}
	v, err := strconv.Atoi(spec)
	if err != nil {
		return 0, fmt.Errorf("invalid minimum_should_match [%s]", spec)
	}
	if v < 0 {
		result += v
	} else {
		result = v
	}
	return clamp(result, n), nil
}

func clamp(v, n int) int { return max(0, min(v, n)) }
