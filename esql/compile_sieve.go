package esql

import "github.com/trailql/trailql/esql/parser"

// Compiling a sieve (sieve.go): which conjuncts of a WHERE right after a
// STATS BY need a row to contribute to one aggregate.

// sieveOf reads the conjuncts of a WHERE that directly follows STATS spec
// (whose output columns are the current schema) and returns the witnesses
// they require, if any.
func (c *checker) sieveOf(spec *statsSpec, cond parser.Expr) []witness {
	var ws, keys []witness
	for _, x := range splitAnd(cond) {
		if w, ok := c.witnessOf(spec, x); !ok {
			continue
		} else if w.kind == witnessKey {
			keys = append(keys, w)
		} else {
			ws = append(ws, w)
		}
	}
	// Nearly every row has its key: a key's witnesses would only be
	// observed for nothing when a rarer condition is there. (Observing
	// fewer conjuncts keeps more groups, never fewer: still exact.)
	if len(ws) == 0 {
		return keys
	}
	return ws
}

// witnessOf reads one conjunct.
func (c *checker) witnessOf(spec *statsSpec, x parser.Expr) (witness, bool) {
	switch x := parser.Unparen(x).(type) {
	case *parser.IsNull:
		if !x.Not {
			return witness{}, false
		}
		out, ok := c.statsOutput(spec, x.X)
		if !ok {
			return witness{}, false
		}
		if out >= spec.nouts {
			return witness{kind: witnessKey, key: out - spec.nouts}, true
		}
		call := spec.bare[out]
		if call < 0 {
			return witness{}, false
		}
		switch spec.calls[call].name {
		case "values", "min", "max", "sum", "avg":
			return witness{kind: witnessCounted, call: call}, spec.calls[call].arg != nil
		}
	case *parser.Binary:
		l, r, op := x.L, x.R, x.Op
		// k < A is A > k.
		if _, ok := parser.Unparen(l).(*parser.Literal); ok {
			l, r = r, l
			switch op {
			case parser.OpLt:
				op = parser.OpGt
			case parser.OpLte:
				op = parser.OpGte
			default:
				return witness{}, false
			}
		}
		k, ok := numericLiteral(r)
		if !ok || !(op == parser.OpGt && k >= 0 || op == parser.OpGte && k > 0) {
			return witness{}, false
		}
		out, ok := c.statsOutput(spec, l)
		if !ok || out >= spec.nouts || spec.bare[out] < 0 {
			return witness{}, false
		}
		call := spec.bare[out]
		switch spec.calls[call].name {
		case "count", "count_distinct":
			// Without its own WHERE a count's threshold is about volume
			// (COUNT_DISTINCT(event.action) > 5): nearly every row is a
			// witness, and sieving would only cost a pass.
			if spec.calls[call].filter == nil {
				return witness{}, false
			}
			return witness{kind: witnessCounted, call: call}, true
		case "sum":
			return witness{kind: witnessPositive, call: call}, true
		}
	}
	return witness{}, false
}

// statsOutput finds the STATS output that the column reference x names:
// an aggregate (index < nouts) or a BY key (nouts + key index).
func (c *checker) statsOutput(spec *statsSpec, x parser.Expr) (int, bool) {
	id, ok := parser.Unparen(x).(*parser.Ident)
	if !ok {
		return 0, false
	}
	col := c.lookup(id.Name)
	if col == nil || col.ref == nil || col.ref.seg != spec.seg {
		return 0, false
	}
	for i, s := range spec.outSlots {
		if s == col.ref.slot {
			return i, true
		}
	}
	return 0, false
}

// numericLiteral is the value of an integer or decimal literal.
func numericLiteral(x parser.Expr) (float64, bool) {
	l, ok := parser.Unparen(x).(*parser.Literal)
	if !ok {
		return 0, false
	}
	switch v := l.Value.(type) {
	case int64:
		return float64(v), l.Kind == parser.IntLit
	case float64:
		return v, l.Kind == parser.DecimalLit
	}
	return 0, false
}
