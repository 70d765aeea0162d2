package esql

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// aggState accumulates one aggregate for one group. add receives the
// argument's value for one row: null, a single value or a multi-value, all
// of whose values count (docs/esql-semantics.md §A3).
type aggState interface {
	add(v Value)
	result() Value
}

// aggFailer is a state whose result can fail (SUM's long overflow), which
// Elasticsearch reports as a warning on the aggregate call.
type aggFailer interface {
	failure() *evalError
}

// aggDef describes an aggregate function: its arity and a checker that
// returns the result type and a state constructor.
type aggDef struct {
	min, max int
	check    func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool)
}

// aggFuncs are the supported aggregate functions (docs/esql-semantics.md §A5).
var aggFuncs map[string]*aggDef

func init() {
	aggFuncs = map[string]*aggDef{
		"count":          {0, 1, checkCount},
		"count_distinct": {1, 2, checkCountDistinct},
		"values":         {1, 1, checkValues},
		"min":            {1, 1, checkMinMax(-1)},
		"max":            {1, 1, checkMinMax(1)},
		"sum":            {1, 1, checkSum},
		"avg":            {1, 1, checkAvg},
		"top":            {3, 3, checkTop},
		"present":        {1, 1, checkPresent},
		"median":         {1, 1, checkPercentile(50)},
		"percentile":     {2, 2, checkPercentile(-1)},
		"first":          {2, 2, checkFirstLast(-1)},
		"last":           {2, 2, checkFirstLast(1)},
		// Internal: Options.Evidence's aggregate, which no query can name.
		evidenceAgg: {2, 2, checkEvidence},
	}
}

func arity(min, max int) string {
	switch {
	case min == max:
		return fmt.Sprintf("exactly %d argument(s)", min)
	case max < 0:
		return fmt.Sprintf("at least %d argument(s)", min)
	}
	return fmt.Sprintf("between %d and %d arguments", min, max)
}

// COUNT(*) counts rows, COUNT(x) counts values (a multi-value counts all
// of them), never null (docs/esql-semantics.md §A2).
func checkCount(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	if len(args) == 0 || n.Star {
		return Long, func() aggState { return &countStar{} }, true
	}
	return Long, func() aggState { return &countState{} }, true
}

type countStar struct{ n int64 }

func (s *countStar) add(Value)     { s.n++ }
func (s *countStar) result() Value { return LongValue(s.n) }

type countState struct{ n int64 }

func (s *countState) add(v Value)   { s.n += int64(v.Count()) }
func (s *countState) result() Value { return LongValue(s.n) }

// COUNT_DISTINCT is exact here (Elasticsearch's HyperLogLog++ is exact in
// practice below its 3000 precision threshold, docs/esql-semantics.md §A5);
// nulls are ignored and no values give 0.
func checkCountDistinct(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	t := args[0].typ
	if isSpan(t) || t == GeoPoint || t == Unsupported {
		c.argTypeError(n, 0, args[0], "any exact type except unsigned_long, _source, or counter types")
		return 0, nil, false
	}
	if len(args) > 1 && (!args[1].konst || !isNumeric(args[1].typ)) {
		c.argTypeError(n, 1, args[1], "integer, long or unsigned_long")
		return 0, nil, false
	}
	return Long, func() aggState { return &distinctState{} }, true
}

type distinctState struct{ set valueSet }

func (s *distinctState) add(v Value) {
	for _, e := range v.values() {
		s.set.add(e)
	}
}
func (s *distinctState) result() Value { return LongValue(int64(len(s.set.list))) }

// VALUES collects the distinct values in first-seen order
// (docs/esql-semantics.md §A5); one value is a scalar and none is null.
func checkValues(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	t := args[0].typ
	if isSpan(t) || t == Unsupported {
		c.argTypeError(n, 0, args[0], "any type except unsigned_long and spatial types")
		return 0, nil, false
	}
	return t, func() aggState { return &valuesState{} }, true
}

type valuesState struct{ set valueSet }

func (s *valuesState) add(v Value) {
	for _, e := range v.values() {
		s.set.add(e)
	}
}

func (s *valuesState) result() Value {
	return multiOf(append([]Value(nil), s.set.list...))
}

// MIN and MAX range over every value, ignore nulls and give null for none.
func checkMinMax(sign int) func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	return func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
		t := args[0].typ
		switch {
		case isNumeric(t), isDate(t), isString(t), t == Boolean, t == IP, t == Version, t == Null:
		default:
			c.argTypeError(n, 0, args[0], "boolean, date, ip, string, version or numeric except unsigned_long or counter types")
			return 0, nil, false
		}
		return t, func() aggState { return &extremeState{sign: sign} }, true
	}
}

type extremeState struct {
	sign int
	best Value
}

func (s *extremeState) add(v Value) {
	for _, e := range v.values() {
		if s.best.t == Null {
			s.best = e
			continue
		}
		if c, _ := compareScalar(e, s.best); c*s.sign > 0 {
			s.best = e
		}
	}
}
func (s *extremeState) result() Value { return s.best }

// SUM is long for integer and long input and double for double input;
// null when there are no values (docs/esql-semantics.md §A5). Long overflow
// gives null.
func checkSum(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	switch t := args[0].typ; t {
	case Null:
		// SUM(null) is of type null (null.csv-spec multipleAggsOverNullExpressions).
		return Null, func() aggState { return &sumLong{} }, true
	case Integer, Long:
		return Long, func() aggState { return &sumLong{} }, true
	case Double:
		return Double, func() aggState { return &sumDouble{} }, true
	}
	c.argTypeError(n, 0, args[0], "aggregate_metric_double or numeric except unsigned_long or counter types")
	return 0, nil, false
}

type sumLong struct {
	sum      int64
	n        int64
	overflow bool
}

func (s *sumLong) add(v Value) {
	for _, e := range v.values() {
		z, err := longOp(parser.OpAdd, s.sum, int64(e.n))
		if err != nil {
			s.overflow = true
		}
		s.sum = z
		s.n++
	}
}

func (s *sumLong) failure() *evalError {
	if s.overflow {
		return arithmeticErr("long overflow")
	}
	return nil
}

func (s *sumLong) result() Value {
	if s.n == 0 || s.overflow {
		return Value{}
	}
	return LongValue(s.sum)
}

// sumDouble uses Kahan summation, as Elasticsearch's double sums do.
type sumDouble struct {
	sum, comp float64
	n         int64
}

func (s *sumDouble) add(v Value) {
	for _, e := range v.values() {
		y := e.AsFloat() - s.comp
		t := s.sum + y
		s.comp = (t - s.sum) - y
		s.sum = t
		s.n++
	}
}

func (s *sumDouble) result() Value {
	if s.n == 0 {
		return Value{}
	}
	return DoubleValue(s.sum)
}

// AVG is a double; null when there are no values.
func checkAvg(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	if !isNumeric(args[0].typ) && args[0].typ != Null {
		c.argTypeError(n, 0, args[0], "aggregate_metric_double or numeric except unsigned_long or counter types")
		return 0, nil, false
	}
	return Double, func() aggState { return &avgState{} }, true
}

type avgState struct{ sum sumDouble }

func (s *avgState) add(v Value) { s.sum.add(v) }
func (s *avgState) result() Value {
	if s.sum.n == 0 {
		return Value{}
	}
	r := s.sum.sum / float64(s.sum.n)
	if math.IsNaN(r) {
		return Value{}
	}
	return DoubleValue(r)
}

// TOP(field, limit, order) collects the top limit values, repeats
// included, sorted in order ("asc" or "desc"); one value is a scalar
// (docs/esql-semantics.md §A5).
func checkTop(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	t := args[0].typ
	switch {
	case isNumeric(t), isDate(t), isString(t), t == Boolean, t == IP, t == Null:
	default:
		c.argTypeError(n, 0, args[0], "boolean, date, ip, string or numeric except unsigned_long or counter types")
		return 0, nil, false
	}
	if !args[1].konst || !isIntegralT(args[1].typ) || args[1].val.t == Null || int64(args[1].val.n) <= 0 {
		c.errorf(n.Pos(), "Limit must be greater than 0 in [%s], found [%s]", c.text(n), c.text(args[1].node))
		return 0, nil, false
	}
	if !args[2].konst || !isString(args[2].typ) {
		c.argTypeError(n, 2, args[2], "string constant")
		return 0, nil, false
	}
	desc := false
	switch strings.ToLower(args[2].val.s) {
	case "asc":
	case "desc":
		desc = true
	default:
		c.errorf(n.Pos(), "Invalid order value in [%s], expected [ASC, DESC] but got [%s]", c.text(n), args[2].val.s)
		return 0, nil, false
	}
	limit := int(int64(args[1].val.n))
	return t, func() aggState { return &topState{limit: limit, desc: desc} }, true
}

type topState struct {
	limit int
	desc  bool
	vals  []Value
}

func (s *topState) add(v Value) {
	for _, e := range v.values() {
		s.vals = append(s.vals, e)
	}
	if len(s.vals) > 4*s.limit+64 {
		s.trim()
	}
}

func (s *topState) trim() {
	sortValues(s.vals)
	if s.desc {
		for i, j := 0, len(s.vals)-1; i < j; i, j = i+1, j-1 {
			s.vals[i], s.vals[j] = s.vals[j], s.vals[i]
		}
	}
	if len(s.vals) > s.limit {
		s.vals = s.vals[:s.limit]
	}
}

func (s *topState) result() Value {
	s.trim()
	return multiOf(append([]Value(nil), s.vals...))
}

// PRESENT(x) is true when the group has any value of x.
func checkPresent(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	return Boolean, func() aggState { return &presentState{} }, true
}

type presentState struct{ seen bool }

func (s *presentState) add(v Value)   { s.seen = s.seen || v.t != Null }
func (s *presentState) result() Value { return Bool(s.seen) }

// MEDIAN and PERCENTILE are exact here, interpolating linearly between the
// closest ranks; Elasticsearch's t-digest agrees on small groups and
// approximates large ones.
func checkPercentile(fixed float64) func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
	return func(c *checker, n *parser.Call, args []*cexpr) (DataType, func() aggState, bool) {
		if !isNumeric(args[0].typ) && args[0].typ != Null {
			c.argTypeError(n, 0, args[0], "numeric except unsigned_long")
			return 0, nil, false
		}
		p := fixed
		if fixed < 0 {
			if !args[1].konst || !isNumeric(args[1].typ) || args[1].val.t == Null {
				c.argTypeError(n, 1, args[1], "numeric constant")
				return 0, nil, false
			}
			p = args[1].val.AsFloat()
			if p < 0 || p > 100 {
				c.errorf(n.Pos(), "Percentile must be between 0 and 100 in [%s]", c.text(n))
				return 0, nil, false
			}
		}
		return Double, func() aggState { return &percentileState{p: p} }, true
	}
}

type percentileState struct {
	p    float64
	vals []float64
}

func (s *percentileState) add(v Value) {
	for _, e := range v.values() {
		s.vals = append(s.vals, e.AsFloat())
	}
}

func (s *percentileState) result() Value {
	if len(s.vals) == 0 {
		return Value{}
	}
	sort.Float64s(s.vals)
	pos := s.p / 100 * float64(len(s.vals)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return DoubleValue(s.vals[lo] + (s.vals[hi]-s.vals[lo])*(pos-float64(lo)))
}
