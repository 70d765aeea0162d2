package esql

import (
	"fmt"

	"github.com/trailql/trailql/esql/parser"
)

// aggContext is the state of compiling one STATS command's aggregates.
type aggContext struct {
	input  []column // the schema STATS reads
	nkeys  int
	calls  []*aggCall
	filter evalFn // the current aggregate field's WHERE, or nil
	// filterNode is that WHERE's syntax (Program.WitnessConditions).
	filterNode parser.Expr
	inArg      bool // compiling an aggregate's argument
	// keyRefs counts references to BY keys outside aggregate arguments.
	keyRefs int
}

// aggCall is one aggregate function call of a STATS command.
type aggCall struct {
	name     string // the function, lower-cased
	newState func() aggState
	arg      evalFn // nil for COUNT(*)
	filter   evalFn
	site     int // for failures reported when the result is computed
	// argNode and filterNode are the syntax of arg and filter
	// (Program.WitnessConditions).
	argNode, filterNode parser.Expr
}

// compileStats implements STATS ... BY (docs/esql-semantics.md §A6): the
// output is the aggregate columns in written order, then the BY columns;
// duplicate names keep the rightmost (so a BY key beats an aggregate of the
// same name).
func (c *checker) compileStats(cmd *parser.StatsCommand) {
	input := c.schema
	spec := &statsSpec{}
	var keyCols []column
	for i, g := range cmd.Groups {
		x := c.compileExpr(g.Expr)
		if x.bad {
			continue
		}
		// geo_point groups by the exact point: Aggregate's verification
		// only refuses counter types, and points hash by their bytes.
		if isSpan(x.typ) {
			c.errorf(g.Pos(), "cannot group by [%s] of type [%s]", c.text(g.Expr), x.typ)
			continue
		}
		spec.keys = append(spec.keys, x.fn)
		keyCols = append(keyCols, column{name: g.Name, typ: x.typ, ref: &slotRef{slot: i}})
	}
	if len(keyCols) != len(cmd.Groups) {
		return
	}
	// Aggregate arguments and filters may name a BY alias (`max(l) ... BY
	// l = languages`): the key value is written into a slot of the input
	// row before the aggregates read it.
	aggInput := append([]column(nil), input...)
	for _, k := range keyCols {
		slot := c.seg.alloc()
		spec.keySlots = append(spec.keySlots, slot)
		aggInput = append(aggInput, column{name: k.name, typ: k.typ, ref: &slotRef{slot: slot, seg: c.seg}})
	}
	pseudo := append([]column(nil), keyCols...)
	c.agg = &aggContext{input: aggInput, nkeys: len(keyCols)}
	var aggCols []column
	var positions []parser.Pos
	for _, f := range cmd.Aggs {
		c.agg.filter, c.agg.filterNode = nil, f.Filter
		if f.Filter != nil {
			c.schema, c.agg.inArg = aggInput, true
			leave := c.enterFullText(cmd, f.Filter)
			fx := c.compileExpr(f.Filter)
			leave()
			c.agg.inArg = false
			if !fx.bad && fx.typ != Boolean && fx.typ != Null {
				c.errorf(f.Filter.Pos(), "Condition expression needs to be boolean, found [%s]", fx.typ)
			}
			c.agg.filter = fx.fn
		}
		c.schema = pseudo
		before, beforeRefs := len(c.agg.calls), c.agg.keyRefs
		x := c.compileExpr(f.Expr)
		if x.bad {
			continue
		}
		// An output may be an expression over aggregates and BY keys
		// (`length(f) + 1 ... BY f`), not over nothing.
		if len(c.agg.calls) == before && c.agg.keyRefs == beforeRefs {
			c.errorf(f.Expr.Pos(), "expected an aggregate function but found [%s]", c.text(f.Expr))
			continue
		}
		spec.outs = append(spec.outs, x.fn)
		spec.bare = append(spec.bare, bareCall(f.Expr, c.agg.calls, before))
		aggCols = append(aggCols, column{name: f.Name, typ: x.typ})
		positions = append(positions, f.Pos())
	}
	for _, call := range c.agg.calls {
		spec.calls = append(spec.calls, call)
	}
	c.agg = nil
	// STATS starts a new row layout; INLINE STATS appends to the input rows.
	seg := &segment{}
	if cmd.Inline {
		seg = c.seg
	}
	var out []column
	for _, col := range aggCols {
		out = append(out, column{name: col.name, typ: col.typ, ref: &slotRef{slot: seg.alloc(), seg: seg}})
	}
	for i, col := range keyCols {
		out = append(out, column{name: col.name, typ: col.typ, ref: &slotRef{slot: seg.alloc(), seg: seg}})
		positions = append(positions, cmd.Groups[i].Pos())
	}
	// Rightmost definition of a name wins (docs/esql-semantics.md §A6), with
	// Elasticsearch's warning naming both places.
	final := make([]column, 0, len(out))
	for i, col := range out {
		shadowed := false
		for j := i + 1; j < len(out); j++ {
			if out[j].name == col.name {
				shadowed = true
				c.warnings = append(c.warnings, fmt.Sprintf("Line %d:%d: Field '%s' shadowed by field at line %d:%d",
					positions[i].Line, positions[i].Col, col.name, positions[j].Line, positions[j].Col))
				break
			}
		}
		if !shadowed {
			final = append(final, col)
		}
	}
	for _, col := range out {
		spec.outSlots = append(spec.outSlots, col.ref.slot)
	}
	spec.seg = seg
	spec.nouts = len(aggCols)
	spec.inline = cmd.Inline
	if cmd.Inline {
		// INLINE STATS keeps the input columns, minus those the new columns
		// override, then appends the aggregates and the BY columns.
		kept := make([]column, 0, len(input)+len(final))
		for _, col := range input {
			overridden := false
			for _, f := range final {
				if f.name == col.name {
					overridden = true
				}
			}
			if !overridden {
				kept = append(kept, col)
			}
		}
		final = append(kept, final...)
	} else {
		// Kibana's computeIsESQLQueryAggregating looks for a top-level STATS only.
		c.aggregates = true
	}
	c.schema = final
	c.seg = seg
	c.streaming = false
	c.ops = append(c.ops, spec)
}

// bareCall is the index of the call an aggregate output expression is
// exactly (`n = COUNT(*)`, not `n = COUNT(*) + 1`), given that its calls
// start at index before, or -1.
func bareCall(x parser.Expr, calls []*aggCall, before int) int {
	call, ok := parser.Unparen(x).(*parser.Call)
	if !ok || len(calls) != before+1 || calls[before].name != call.Name {
		return -1
	}
	return before
}

// compileAggCall compiles an aggregate function call inside STATS: its
// arguments read the STATS input; the call's result is read from the
// group's result row.
func (c *checker) compileAggCall(n *parser.Call, def *aggDef) *cexpr {
	if c.agg == nil {
		c.errorf(n.Pos(), "aggregate function [%s] not allowed outside STATS command", c.text(n))
		return badExpr(n)
	}
	if c.agg.inArg {
		c.errorf(n.Pos(), "nested aggregations [%s] not allowed inside other aggregations", c.text(n))
		return badExpr(n)
	}
	saved := c.schema
	c.schema, c.agg.inArg = c.agg.input, true
	var args []*cexpr
	for _, a := range n.Args {
		args = append(args, c.compileExpr(a))
	}
	c.schema, c.agg.inArg = saved, false
	if anyBad(args...) {
		return badExpr(n)
	}
	if n.Star && n.Name != "count" {
		c.errorf(n.Pos(), "[%s] does not take [*]", n.Name)
		return badExpr(n)
	}
	if len(args) < def.min || len(args) > def.max {
		c.errorf(n.Pos(), "error building [%s]: expects %s", n.Name, arity(def.min, def.max))
		return badExpr(n)
	}
	t, newState, ok := def.check(c, n, args)
	if !ok {
		return badExpr(n)
	}
	call := &aggCall{name: n.Name, newState: newState, filter: c.agg.filter, filterNode: c.agg.filterNode, site: c.newSite(n)}
	if len(args) > 0 && !n.Star {
		call.arg, call.argNode = args[0].fn, n.Args[0]
	}
	c.agg.calls = append(c.agg.calls, call)
	slot := c.agg.nkeys + len(c.agg.calls) - 1
	return &cexpr{typ: t, node: n, fn: func(_ *env, row []Value) Value { return row[slot] }}
}
