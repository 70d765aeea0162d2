package esql

import "slices"

// statsSpec is a compiled STATS ... BY.
type statsSpec struct {
	keys     []evalFn
	keySlots []int // input-row slots the key values are copied to for aggregate arguments
	calls    []*aggCall
	outs     []evalFn // aggregate columns over [keys..., call results...]
	nouts    int
	outSlots []int // slots of the aggregate columns, then the BY columns
	seg      *segment
	inline   bool // INLINE STATS: append the results to every input row
	// bare[i] is the index in calls of aggregate output i when that output
	// is the call itself (`n = COUNT(*)`), else -1 (sieve.go).
	bare []int
	// sieve: the witnesses the WHERE right after this STATS requires of a
	// group (sieve.go).
	sieve []witness
	// filter is that WHERE's condition, when finish can test it before
	// building a group's row (stats_filter.go).
	filter *statsFilter
}

type group struct {
	keys   []Value
	states []aggState
}

type statsOp struct {
	*statsSpec
	env    *env
	next   operator
	groups []*group
	index  map[string]int
	keyBuf []byte
	kv     []Value // key values of the current row
	combo  []Value // one combination of single key values
	args   []Value
	pass   []bool
	// touched, when set, collects the groups the current row joined
	// (INLINE STATS).
	touched *[]int
	// maxGroups bounds len(groups) (< 0: none); err is the sticky
	// LimitError once exceeded.
	maxGroups int
	err       error
	// parts > 1: only the groups of partition part are aggregated
	// (ExecOptions.Partitions).
	part, parts int
	// Sieving (sieve.go): seen holds, per witness, the keys of the groups
	// observed to have one; viable, once sifted, the groups Push keeps
	// (nil: all).
	seen   []map[string]struct{}
	viable map[string]struct{}
	sifted bool
	terms  uint64 // the conjuncts observed (ExecOptions.SieveTerms; 0: all)
	// past, with a filter, is what follows the WHERE that finish tests
	// itself (stats_filter.go).
	past operator
}

func (s *statsSpec) build(x *Execution, next operator) operator {
	if s.inline {
		return &inlineStatsOp{statsOp: s.newOp(x, next)}
	}
	return s.newOp(x, next)
}

func (s *statsSpec) newOp(x *Execution, next operator) *statsOp {
	o := &statsOp{
		statsSpec: s, env: x.env, next: next, index: map[string]int{},
		kv: make([]Value, len(s.keys)), combo: make([]Value, len(s.keys)),
		args: make([]Value, len(s.calls)), pass: make([]bool, len(s.calls)),
		maxGroups: x.p.maxGroups,
	}
	if w, ok := next.(*whereOp); ok && s.filter != nil {
		o.past = w.next
	}
	return o
}

func (o *statsOp) push(row []Value) error {
	if o.err != nil {
		return o.err
	}
	o.evalKeys(row)
	if !o.sifted && o.sieve != nil {
		o.sift()
	}
	if o.viable != nil && !o.anyViable() {
		return nil
	}
	for i, call := range o.calls {
		o.pass[i] = true
		if call.filter != nil {
			v := call.filter(o.env, row)
			o.pass[i] = v.t == Boolean && v.mv == nil && v.n != 0
		}
		if o.pass[i] && call.arg != nil {
			o.args[i] = call.arg(o.env, row)
		} else {
			o.args[i] = Value{}
		}
	}
	// A multi-valued key puts the row in one group per value
	// (docs/esql-semantics.md §A3, §A6).
	o.expand(0)
	return o.err
}

// evalKeys computes the BY values of row into kv and the row's key slots.
func (o *statsOp) evalKeys(row []Value) {
	for i, k := range o.keys {
		o.kv[i] = k(o.env, row)
		row[o.keySlots[i]] = o.kv[i]
	}
}

// expand visits every combination of the key values from key i on.
func (o *statsOp) expand(i int) {
	if i == len(o.kv) {
		o.accumulate()
		return
	}
	v := o.kv[i]
	if v.mv == nil {
		o.combo[i] = v
		o.expand(i + 1)
		return
	}
	for _, e := range *v.mv {
		o.combo[i] = e
		o.expand(i + 1)
	}
}

func (o *statsOp) accumulate() {
	o.keyBuf = o.keyBuf[:0]
	for _, v := range o.combo {
		o.keyBuf = appendKey(o.keyBuf, v)
	}
	gi, ok := o.index[string(o.keyBuf)]
	if !ok {
		if o.viable != nil {
			if _, keep := o.viable[string(o.keyBuf)]; !keep {
				return
			}
		}
		if o.parts > 1 && !inPartition(o.keyBuf, o.part, o.parts) {
			return
		}
		if o.maxGroups >= 0 && len(o.groups) >= o.maxGroups {
			o.err = &LimitError{What: "groups", Limit: o.maxGroups}
			return
		}
		gi = len(o.groups)
		o.index[string(o.keyBuf)] = gi
		o.groups = append(o.groups, o.newGroup(append([]Value(nil), o.combo...)))
	}
	if o.touched != nil {
		*o.touched = append(*o.touched, gi)
	}
	g := o.groups[gi]
	for i, st := range g.states {
		if o.pass[i] {
			st.add(o.args[i])
		}
	}
}

func (o *statsOp) newGroup(keys []Value) *group {
	g := &group{keys: keys, states: make([]aggState, len(o.calls))}
	for i, call := range o.calls {
		g.states[i] = call.newState()
	}
	return g
}

// finish emits one row per group in first-seen order; without BY there is
// exactly one row even for no input, with BY and no input none
// (docs/esql-semantics.md §A2).
func (o *statsOp) finish() error {
	if o.err != nil {
		return o.err
	}
	if len(o.keys) == 0 && len(o.groups) == 0 {
		o.groups = append(o.groups, o.newGroup(nil))
	}
	o.index = nil
	var row, pseudo []Value
	if o.past != nil {
		pseudo = make([]Value, len(o.keys)+len(o.calls))
	}
	for i, g := range o.groups {
		// The group's state can go once its row is out: the memory of
		// a large STATS falls as it is emitted instead of at the end.
		o.groups[i] = nil
		if row == nil {
			row = make([]Value, o.seg.width)
		}
		next := o.next
		if o.past != nil {
			if !o.filtered(g, row, pseudo) {
				clear(row)
				continue
			}
			next = o.past
		}
		o.fill(g, row)
		if err := next.push(row); err != nil {
			return err
		}
		row = nil
	}
	o.groups = nil
	return o.next.finish()
}

// fill writes a group's aggregate and BY columns into row.
func (o *statsOp) fill(g *group, row []Value) {
	pseudo := make([]Value, len(o.keys)+len(o.calls))
	copy(pseudo, g.keys)
	for i, st := range g.states {
		pseudo[len(o.keys)+i] = st.result()
		if f, ok := st.(aggFailer); ok {
			if err := f.failure(); err != nil {
				o.env.fail(o.calls[i].site, err)
			}
		}
	}
	for i, f := range o.outs {
		row[o.outSlots[i]] = f(o.env, pseudo)
	}
	for j, k := range g.keys {
		row[o.outSlots[o.nouts+j]] = k
	}
}

// inlineStatsOp is INLINE STATS: it keeps every input row and, at Finish,
// emits each with its group's aggregates appended (one row per group a
// multi-valued key puts it in).
type inlineStatsOp struct {
	*statsOp
	rows   [][]Value
	groups [][]int
}

func (o *inlineStatsOp) push(row []Value) error {
	var touched []int
	o.statsOp.touched = &touched
	if err := o.statsOp.push(row); err != nil {
		return err
	}
	o.rows = append(o.rows, slices.Clone(row))
	o.groups = append(o.groups, touched)
	return nil
}

func (o *inlineStatsOp) finish() error {
	results := make([][]Value, len(o.statsOp.groups))
	for gi, g := range o.statsOp.groups {
		results[gi] = make([]Value, o.seg.width)
		o.fill(g, results[gi])
	}
	for ri, row := range o.rows {
		for _, gi := range o.groups[ri] {
			out := slices.Clone(row)
			for _, s := range o.outSlots {
				out[s] = results[gi][s]
			}
			if err := o.next.push(out); err != nil {
				return err
			}
		}
	}
	o.rows, o.groups = nil, nil
	return o.next.finish()
}
