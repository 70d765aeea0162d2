package detect

import (
	"sort"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// Raw rows. A replayed rule whose runs are sieved skips every run whose
// lookback holds no witness of some conjunct of the WHERE after its STATS
// (esql/sieve.go, evaluator.rarestWitness): the 24-hour rule
//
//	EVAL is_assume = CASE(event.action == "AssumeRoleWithWebIdentity", 1, 0)
//	| STATS assumes = SUM(is_assume), ... BY access_key
//	| WHERE assumes >= 1 AND ...
//
// runs only where an AssumeRoleWithWebIdentity event is near, yet holds
// every one of the thousands of AssumedRole reads its first WHERE selects,
// each mapped to ECS and run through the prefix as it is read. A record
// that cannot witness one of the conjuncts (here: one without the text
// "AssumeRoleWithWebIdentity") can only matter to a run that some other
// record makes happen. So it is held as it came, raw, with the conjuncts it
// may witness, and mapped only when a run reads its window (a run that is
// skipped never does); the window then holds the mapped rows from there on
// (evaluator.materialize). The alerts are the same: a run sees the same
// rows, and a run skipped for want of a witness is skipped either way.
//
// Which records cannot witness a conjunct is derived from the query as
// prefilters are (prefilter.go): the conjunct's condition on a STATS input
// row (esql.Program.WitnessConditions: the aggregate's WHERE, its argument
// not null or positive), with the EVALs before the STATS put in place of the
// columns they compute and comparisons of a CASE of constants with a
// constant read as the conditions of the branches that meet them.

// deferral says which records of a rule may be held raw.
type deferral struct {
	// may[j] rejects the records that cannot witness conjunct j (nil:
	// any record may).
	may []*prefilter
	all uint64 // a bit per conjunct
}

// noDeferral turns raw rows off: every record a rule selects is mapped
// as it is read (the reference deferral must equal; tests only).
var noDeferral bool

// newDeferral derives the rule's deferral, or nil when no record could be
// held raw: the rule is not a sieved replayed one with a streaming prefix,
// or nothing tells that a record cannot witness some conjunct.
func newDeferral(c *Compiled, p *plan, opts prefilterOptions) *deferral {
	if noDeferral || p.shape != replayed || !p.witnessed || p.prefix == nil {
		return nil
	}
	conds := p.suffix.WitnessConditions()
	q := c.Program.Query()
	defs, unknown, ok := preStatsDefs(q.Commands)
	if !ok || len(conds) == 0 || len(conds) > 64 {
		return nil
	}
	if opts.absent != nil && !cloudTrailOnly(fromIndices(q)) {
		opts.absent = nil
	}
	d := &deferral{all: 1<<len(conds) - 1}
	useful := false
	for _, cond := range conds {
		var pf *prefilter
		if cond != nil {
			if x, ok := substitute(cond, defs); ok {
				pf = conditionPrefilter(relax(x), unknown, opts)
			}
		}
		d.may = append(d.may, pf)
		useful = useful || pf != nil
	}
	if !useful {
		return nil
	}
	return d
}

// maybe returns the conjuncts raw may witness.
func (d *deferral) maybe(raw []byte) uint64 {
	bits := d.all
	for j, pf := range d.may {
		if pf != nil && !pf.pass(raw) {
			bits &^= 1 << j
		}
	}
	return bits
}

// preStatsDefs reads the commands before the first STATS. defs maps each
// column an EVAL computes to its expression over source fields; unknown
// names the columns no expression gives (GROK and DISSECT outputs, an EVAL
// of syntax substitute does not read, a BY key computed by the STATS), to
// which no requirement may be tied. ok is false when a command changes
// rows or names in ways not followed here (RENAME, MV_EXPAND, LIMIT ...)
// or there is no STATS BY.
func preStatsDefs(cmds []parser.Command) (defs map[string]parser.Expr, unknown map[string]bool, ok bool) {
	defs, unknown = map[string]parser.Expr{}, map[string]bool{}
	set := func(name string, x parser.Expr) {
		delete(defs, name)
		delete(unknown, name)
		if x == nil {
			unknown[name] = true
		} else {
			defs[name] = x
		}
	}
	for _, cmd := range cmds {
		switch c := cmd.(type) {
		case *parser.WhereCommand, *parser.KeepCommand, *parser.DropCommand:
			// Rows pass or not; the values of the columns left are unchanged.
		case *parser.EvalCommand:
			for _, f := range c.Fields {
				x, ok := substitute(f.Expr, defs)
				if !ok {
					x = nil
				}
				set(f.Name, x)
			}
		case *parser.GrokCommand, *parser.DissectCommand:
			names, ok := esql.ExtractedColumns(c)
			if !ok {
				return nil, nil, false
			}
			for _, n := range names {
				set(n, nil)
			}
		case *parser.StatsCommand:
			if c.Inline || len(c.Groups) == 0 {
				return nil, nil, false
			}
			for _, g := range c.Groups {
				if id, ok := parser.Unparen(g.Expr).(*parser.Ident); !ok || id.Name != g.Name {
					set(g.Name, nil) // aggregates read the key, not the input column
				}
			}
			return defs, unknown, true
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// substitute returns e with the columns defs computes replaced by their
// expressions; ok is false for syntax it does not walk.
func substitute(e parser.Expr, defs map[string]parser.Expr) (parser.Expr, bool) {
	all := func(xs []parser.Expr) ([]parser.Expr, bool) {
		out := make([]parser.Expr, len(xs))
		for i, x := range xs {
			y, ok := substitute(x, defs)
			if !ok {
				return nil, false
			}
			out[i] = y
		}
		return out, true
	}
	switch x := e.(type) {
	case *parser.Ident:
		if d, ok := defs[x.Name]; ok {
			return d, true
		}
		return x, true
	case *parser.Literal:
		return x, true
	case *parser.Paren:
		y, ok := substitute(x.X, defs)
		return &parser.Paren{X: y}, ok
	case *parser.Unary:
		y, ok := substitute(x.X, defs)
		return &parser.Unary{Op: x.Op, X: y}, ok
	case *parser.Binary:
		lr, ok := all([]parser.Expr{x.L, x.R})
		if !ok {
			return nil, false
		}
		return &parser.Binary{Op: x.Op, L: lr[0], R: lr[1]}, true
	case *parser.IsNull:
		y, ok := substitute(x.X, defs)
		return &parser.IsNull{X: y, Not: x.Not}, ok
	case *parser.Like:
		y, ok := substitute(x.X, defs)
		return &parser.Like{X: y, Patterns: x.Patterns, Not: x.Not, Regex: x.Regex}, ok
	case *parser.In:
		xs, ok := all(append([]parser.Expr{x.X}, x.List...))
		if !ok {
			return nil, false
		}
		return &parser.In{X: xs[0], List: xs[1:], Not: x.Not}, true
	case *parser.Call:
		args, ok := all(x.Args)
		if !ok {
			return nil, false
		}
		return &parser.Call{Name: x.Name, Args: args, Star: x.Star}, true
	case *parser.Cast:
		y, ok := substitute(x.X, defs)
		return &parser.Cast{X: y, Type: x.Type}, ok
	}
	return nil, false
}

// falseExpr is the condition no row meets.
var falseExpr = &parser.Literal{Kind: parser.BoolLit, Value: false}

func isFalse(x parser.Expr) bool { return x == falseExpr }

// relax returns a condition that every row meeting cond meets, in terms
// the deriver reads (nil: none, any row may; falseExpr: no row can). A
// CASE of constants compared with a constant, as rules write flags
// (CASE(c, 1, 0) == 1, SUM(CASE(c, 1, 0)) > 0), becomes the conditions of
// the branches whose value meets the comparison. Under NOT nothing is
// relaxed (a weaker condition negated is a stronger one).
func relax(cond parser.Expr) parser.Expr {
	switch x := parser.Unparen(cond).(type) {
	case *parser.Binary:
		switch x.Op {
		case parser.OpAnd:
			l, r := relax(x.L), relax(x.R)
			switch {
			case l == nil:
				return r
			case r == nil:
				return l
			case isFalse(l) || isFalse(r):
				return falseExpr
			}
			return &parser.Binary{Op: parser.OpAnd, L: l, R: r}
		case parser.OpOr:
			return or(relax(x.L), relax(x.R))
		case parser.OpEq, parser.OpNeq, parser.OpLt, parser.OpLte, parser.OpGt, parser.OpGte:
			call, k, op, ok := caseAgainstConstant(x)
			if !ok {
				break
			}
			return caseWhere(call, func(v *parser.Literal) (bool, bool) { return compareConst(v, op, k) })
		}
	case *parser.IsNull:
		if call := caseCall(x.X); call != nil {
			return caseWhere(call, func(v *parser.Literal) (bool, bool) { return (v.Kind != parser.NullLit) == x.Not, true })
		}
	case *parser.Literal:
		if x.Kind == parser.BoolLit && x.Value == false || x.Kind == parser.NullLit {
			return falseExpr
		}
	}
	return cond
}

// or is the disjunction of two relaxed conditions.
func or(l, r parser.Expr) parser.Expr {
	switch {
	case l == nil || r == nil:
		return nil
	case isFalse(l):
		return r
	case isFalse(r):
		return l
	}
	return &parser.Binary{Op: parser.OpOr, L: l, R: r}
}

// caseCall returns x when it is a CASE call.
func caseCall(x parser.Expr) *parser.Call {
	if c, ok := parser.Unparen(x).(*parser.Call); ok && c.Name == "case" {
		return c
	}
	return nil
}

// flipped is the comparison with its sides swapped (k < x is x > k).
var flipped = map[parser.BinaryOp]parser.BinaryOp{parser.OpLt: parser.OpGt, parser.OpLte: parser.OpGte,
	parser.OpGt: parser.OpLt, parser.OpGte: parser.OpLte, parser.OpEq: parser.OpEq, parser.OpNeq: parser.OpNeq}

// caseAgainstConstant reads `CASE(...) op k` or `k op CASE(...)` as the
// CASE, k and the operator with the CASE on the left.
func caseAgainstConstant(x *parser.Binary) (*parser.Call, *parser.Literal, parser.BinaryOp, bool) {
	if call := caseCall(x.L); call != nil {
		k, ok := parser.Unparen(x.R).(*parser.Literal)
		return call, k, x.Op, ok
	}
	if call := caseCall(x.R); call != nil {
		k, ok := parser.Unparen(x.L).(*parser.Literal)
		return call, k, flipped[x.Op], ok
	}
	return nil, nil, 0, false
}

// caseWhere is the condition under which the value of CASE call meets
// pred: the disjunction of the (relaxed) conditions of the branches whose
// constant value meets it, a branch being taken only when its condition is
// true. nil when a value is not a constant, pred cannot tell, or the
// default value (null when there is none) meets it.
func caseWhere(call *parser.Call, pred func(*parser.Literal) (meets, known bool)) parser.Expr {
	args := call.Args
	var out parser.Expr = falseExpr
	for i := 0; i+1 < len(args); i += 2 {
		v, ok := parser.Unparen(args[i+1]).(*parser.Literal)
		if !ok {
			return nil
		}
		meets, known := pred(v)
		if !known {
			return nil
		}
		if meets {
			if out = or(out, relax(args[i])); out == nil {
				return nil
			}
		}
	}
	def := &parser.Literal{Kind: parser.NullLit}
	if len(args)%2 == 1 {
		v, ok := parser.Unparen(args[len(args)-1]).(*parser.Literal)
		if !ok {
			return nil
		}
		def = v
	}
	if meets, known := pred(def); !known || meets {
		return nil
	}
	return out
}

// compareConst evaluates `v op k` for constants: numbers with numbers,
// strings and booleans for (in)equality; a null compares to nothing.
// known is false for anything else.
func compareConst(v *parser.Literal, op parser.BinaryOp, k *parser.Literal) (meets, known bool) {
	if v.Kind == parser.NullLit || k.Kind == parser.NullLit {
		return false, true
	}
	num := func(l *parser.Literal) (float64, bool) {
		switch x := l.Value.(type) {
		case int64:
			return float64(x), l.Kind == parser.IntLit
		case float64:
			return x, l.Kind == parser.DecimalLit
		}
		return 0, false
	}
	a, ok1 := num(v)
	b, ok2 := num(k)
	if ok1 && ok2 {
		switch op {
		case parser.OpEq:
			return a == b, true
		case parser.OpNeq:
			return a != b, true
		case parser.OpLt:
			return a < b, true
		case parser.OpLte:
			return a <= b, true
		case parser.OpGt:
			return a > b, true
		case parser.OpGte:
			return a >= b, true
		}
		return false, false
	}
	if v.Kind == k.Kind && (v.Kind == parser.StringLit || v.Kind == parser.BoolLit) {
		switch op {
		case parser.OpEq:
			return v.Value == k.Value, true
		case parser.OpNeq:
			return v.Value != k.Value, true
		}
	}
	return false, false
}

// conditionPrefilter derives a prefilter from one condition over source
// fields (nil: cond says nothing a record's bytes could show); unknown
// are columns that are not source fields.
func conditionPrefilter(cond parser.Expr, unknown map[string]bool, opts prefilterOptions) *prefilter {
	if cond == nil {
		return nil
	}
	if isFalse(cond) {
		return &prefilter{none: true}
	}
	d := deriver{assigned: unknown, opts: opts}
	p := &prefilter{all: d.conjuncts(cond)}
	if len(p.all) == 0 {
		return nil
	}
	for _, r := range p.all {
		p.none = p.none || len(r.anyOf) == 0
	}
	sort.SliceStable(p.all, func(i, j int) bool { return len(p.all[i].anyOf) < len(p.all[j].anyOf) })
	return p
}
