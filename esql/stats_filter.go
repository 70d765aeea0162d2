package esql

import "github.com/trailql/trailql/esql/parser"

// A WHERE right after STATS BY usually keeps few groups (a burst of more
// than five distinct actions in a window, a source seen by two vendors):
// STATS would compute every aggregate of every group, a list per VALUES,
// for the WHERE to drop most of them. When the condition reads only
// aggregates and keys, statsOp.finish computes what it reads first, tests
// the condition and builds the rest of the row only for a group that
// passes, which it hands on past the WHERE. The rows out are the same:
// aggregates are computed from the same states, the condition is
// evaluated once per group, as the WHERE would, and a state whose result
// can fail (aggFailer) still gets its result and reports its failure for a
// group that is dropped.

// statsFilter is the condition of the WHERE right after a STATS.
type statsFilter struct {
	cond evalFn
	// outs are the indexes in statsSpec.outs of the aggregate outputs the
	// condition reads.
	outs []int
}

// statsFilterOf returns the filter of a WHERE with condition cond (compiled
// as fn) right after STATS spec, when the condition reads only the
// STATS's outputs and each aggregate output is its call itself (`n =
// COUNT(*)`, not `n = COUNT(*) + 1`, whose evaluation could warn for a
// dropped group).
func (c *checker) statsFilterOf(spec *statsSpec, cond parser.Expr, fn evalFn) *statsFilter {
	if spec.inline || len(spec.keys) == 0 {
		return nil
	}
	for i := range spec.nouts {
		if spec.bare[i] < 0 {
			return nil
		}
	}
	f := &statsFilter{cond: fn}
	seen := map[int]bool{}
	ok := true
	parser.Inspect(cond, func(n parser.Node) bool {
		id, isIdent := n.(*parser.Ident)
		if !ok || !isIdent {
			return ok
		}
		out, found := c.statsOutput(spec, id)
		if !found {
			ok = false
			return false
		}
		if out < spec.nouts && !seen[out] {
			seen[out] = true
			f.outs = append(f.outs, out)
		}
		return true
	})
	if !ok {
		return nil
	}
	return f
}

// filtered is finish's test of group g against the WHERE after the STATS:
// it writes into row the keys and the aggregates the condition reads and
// reports whether the condition holds. For a group that fails, the states
// whose result can fail report it, as fill would have.
func (o *statsOp) filtered(g *group, row []Value, pseudo []Value) bool {
	copy(pseudo, g.keys)
	for j, k := range g.keys {
		row[o.outSlots[o.nouts+j]] = k
	}
	for _, i := range o.filter.outs {
		call := o.bare[i]
		pseudo[len(o.keys)+call] = g.states[call].result()
		row[o.outSlots[i]] = o.outs[i](o.env, pseudo)
	}
	v := o.filter.cond(o.env, row)
	if v.t == Boolean && v.mv == nil && v.n != 0 {
		return true
	}
	for i, st := range g.states {
		if f, ok := st.(aggFailer); ok {
			st.result()
			if err := f.failure(); err != nil {
				o.env.fail(o.calls[i].site, err)
			}
		}
	}
	return false
}
