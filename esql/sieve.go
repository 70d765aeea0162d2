package esql

import (
	"errors"
	"fmt"

	"github.com/trailql/trailql/esql/parser"
)

// Group sieving. Detection rules often aggregate many groups and keep
// only those with some rare row in them:
//
//	STATS creations = COUNT(*) WHERE action == "CreateAccessKey", ... BY key
//	| WHERE creations > 0 AND ...
//
// A group can pass such a WHERE only if one of its rows is a witness (here:
// a row with action == "CreateAccessKey"). A caller that holds its input
// and can read it twice (a scheduled rule's run over its lookback) first
// shows every row to Observe, which notes the groups that have witnesses
// for every such conjunct of the WHERE, then pushes the rows again: Push
// drops, before any aggregate sees it, a row whose groups have none. The
// output is the same (the dropped groups are the ones the WHERE removes),
// and most rows of most runs cost a key lookup instead of every aggregate.
//
// The conjuncts understood are those whose truth needs a row to contribute
// to one aggregate (the aggregate's WHERE true, and its argument):
//
//	COUNT(*) WHERE c > k, COUNT(x) WHERE c > k,
//	COUNT_DISTINCT(x) WHERE c > k (k >= 0; or >= k, k > 0): a row counted
//	SUM(x) > k (k >= 0; or >= k, k > 0)                 : a row with a positive value of x
//	VALUES(x), MIN(x), MAX(x), SUM(x), AVG(x) IS NOT NULL: a row with x not null
//	key IS NOT NULL (a BY column)                       : a row with the key not null
//
// Anything else in the WHERE is left to the WHERE. Only a WHERE right after
// a STATS BY (not INLINE STATS) is read, and only when the commands before
// that STATS are stateless row-local ones, which Observe runs too.

// witnessKind says what makes a row a witness of one conjunct.
type witnessKind int

const (
	witnessCounted  witnessKind = iota // the aggregate's WHERE holds and its argument (if any) is not null
	witnessPositive                    // as witnessCounted, and some value of the argument is > 0
	witnessKey                         // the BY key is not null
)

// witness is one conjunct's condition on rows: call (an index into the
// STATS's calls) or key (an index into its keys), per kind.
type witness struct {
	kind witnessKind
	call int
	key  int
}

// Sieves reports whether Observe can narrow what Push aggregates: the
// program's first STATS is followed by a WHERE with witnesses, and only
// stateless row-local commands come before it.
func (p *Program) Sieves() bool { return p.sieveAt() >= 0 }

// sieveAt is the index of the sieving STATS in p.ops, or -1.
func (p *Program) sieveAt() int {
	for i, op := range p.ops {
		switch op := op.(type) {
		case *whereSpec, *evalSpec, *extractSpec:
		case *statsSpec:
			if len(op.sieve) > 0 {
				return i
			}
			return -1
		default:
			return -1
		}
	}
	return -1
}

// Observe shows the execution one input row (aligned with Inputs()) that
// it will also be pushed, before any Push: when every input row was
// observed first, Push skips the rows of groups that cannot pass the WHERE
// after the first STATS (see Sieves). Observing some rows and not others
// would drop groups wrongly; a program that does not sieve ignores it.
func (x *Execution) Observe(row []Value) error {
	if x.observe == nil {
		return nil
	}
	if x.pushed {
		return errObserveAfterPush
	}
	if len(row) != len(x.p.inputSlots) {
		return fmt.Errorf("esql: Observe got %d values, want %d (Inputs)", len(row), len(x.p.inputSlots))
	}
	for i, slot := range x.p.inputSlots {
		x.buf[slot] = row[i]
	}
	return x.observe.push(x.buf)
}

// Sieve is what observing every input row of an execution found: the
// groups of the first STATS that its WHERE may keep.
type Sieve struct{ viable map[string]struct{} }

// Empty reports that no group can pass: pushing the rows would aggregate
// none, and Finish alone gives the output.
func (s *Sieve) Empty() bool { return len(s.viable) == 0 }

// Sieve ends the observing (after every row was observed) and returns what
// it found, for this execution's pushes and for other executions of the
// program over the same rows (ExecOptions.Sieve: the partitions of a run).
// It is nil when the program does not sieve or nothing was observed.
func (x *Execution) Sieve() *Sieve {
	o := x.sieving
	if o == nil {
		return nil
	}
	if !o.sifted {
		o.sift()
	}
	if o.viable == nil {
		return nil
	}
	return &Sieve{viable: o.viable}
}

// WitnessTest returns a test of one input row (aligned with Inputs()):
// bit j of its result is set when the row is a witness of conjunct j of
// the sieve (0 <= j < Witnesses()). A caller that holds rows may test each
// once and then, run after run, skip what no conjunct needs: rows that
// witness nothing give an observing execution nothing, and an execution
// that observes only conjunct j's witnesses (ExecOptions.SieveTerms) keeps
// a superset of the groups that can pass, which is still exact. It is nil
// when the program does not sieve, has commands before the STATS, or
// reads NOW() (a row's answer could change from run to run). The test is
// not safe for concurrent use.
func (p *Program) WitnessTest() func(row []Value) uint64 {
	if !p.witnessable() {
		return nil
	}
	x := p.Start(func([]Value) error { return nil })
	o := x.sieving
	return func(row []Value) uint64 {
		for i, slot := range p.inputSlots {
			x.buf[slot] = row[i]
		}
		o.evalKeys(x.buf)
		var bits uint64
		for j, w := range o.sieve {
			if o.witnesses(w, x.buf) {
				bits |= 1 << j
			}
		}
		return bits
	}
}

// WitnessConditions returns, for each conjunct j of the sieve (as
// WitnessTest numbers them), a condition that every witness of j meets,
// as syntax over the columns the sieving STATS reads: the aggregate's
// WHERE, and its argument not null (> 0 for a SUM). Entry j is nil when
// no condition can be said (a BY key's witnesses, COUNT(*) without
// WHERE). A caller may derive from it what a source record must hold to
// become a witness, and leave a record that cannot for later (detect's
// raw rows). The result is nil whenever WitnessTest is. The conditions
// are the query's own nodes, to be read, not changed.
func (p *Program) WitnessConditions() []parser.Expr {
	if !p.witnessable() {
		return nil
	}
	spec := p.ops[0].(*statsSpec)
	out := make([]parser.Expr, len(spec.sieve))
	for j, w := range spec.sieve {
		if w.kind == witnessKey {
			continue
		}
		call := spec.calls[w.call]
		var cond parser.Expr
		and := func(x parser.Expr) {
			if cond == nil {
				cond = x
			} else {
				cond = &parser.Binary{Op: parser.OpAnd, L: cond, R: x}
			}
		}
		if call.filterNode != nil {
			and(call.filterNode)
		}
		switch {
		case call.argNode == nil:
		case w.kind == witnessPositive:
			and(&parser.Binary{Op: parser.OpGt, L: call.argNode, R: &parser.Literal{Kind: parser.IntLit, Value: int64(0)}})
		default:
			and(&parser.IsNull{X: call.argNode, Not: true})
		}
		out[j] = cond
	}
	return out
}

// witnessable reports whether a row's witnesses can be told from the row
// alone (WitnessTest): the program starts with its sieving STATS, does not
// read NOW(), and has at most 64 conjuncts.
func (p *Program) witnessable() bool {
	return p.sieveAt() == 0 && !p.UsesNow() && p.Witnesses() <= 64
}

// Witnesses is the number of conjuncts the sieve observes (0: none).
func (p *Program) Witnesses() int {
	if i := p.sieveAt(); i >= 0 {
		return len(p.ops[i].(*statsSpec).sieve)
	}
	return 0
}

// EmptyIn reports whether the program outputs no row when it has no input
// row (true unless a STATS without BY, which emits one row for nothing,
// or a ROW source is in it): a caller that finds no witness may then skip
// a run altogether.
func (p *Program) EmptyIn() bool {
	if p.row != nil {
		return false
	}
	for _, op := range p.ops {
		if s, ok := op.(*statsSpec); ok && len(s.keys) == 0 {
			return false
		}
	}
	return true
}

// observeOp hands rows that reach the sieving STATS to its observe.
type observeOp struct{ stats *statsOp }

func (o observeOp) push(row []Value) error { o.stats.observe(row); return nil }
func (o observeOp) finish() error          { return nil }

// observe notes the groups of row for each witness it is.
func (o *statsOp) observe(row []Value) {
	if o.seen == nil {
		o.seen = make([]map[string]struct{}, len(o.sieve))
		for i := range o.seen {
			o.seen[i] = map[string]struct{}{}
		}
	}
	keyed := false
	for i, w := range o.sieve {
		if o.terms != 0 && o.terms&(1<<i) == 0 {
			continue
		}
		if !keyed {
			// Aggregate arguments and filters may read the BY keys.
			o.evalKeys(row)
			keyed = true
		}
		if !o.witnesses(w, row) {
			continue
		}
		o.eachKey(0, func(k []byte) bool {
			o.seen[i][string(k)] = struct{}{}
			return true
		})
	}
}

// witnesses reports whether row is a witness for w.
func (o *statsOp) witnesses(w witness, row []Value) bool {
	if w.kind == witnessKey {
		return !o.kv[w.key].IsNull()
	}
	call := o.calls[w.call]
	if call.filter != nil {
		v := call.filter(o.env, row)
		if v.t != Boolean || v.mv != nil || v.n == 0 {
			return false
		}
	}
	if call.arg == nil {
		return true
	}
	v := call.arg(o.env, row)
	if v.IsNull() {
		return false
	}
	if w.kind != witnessPositive {
		return true
	}
	for _, e := range v.values() {
		if e.AsFloat() > 0 {
			return true
		}
	}
	return false
}

// sift turns what was observed into the set of groups Push aggregates: a
// group is kept when it has a witness for every conjunct.
func (o *statsOp) sift() {
	o.sifted = true
	if o.seen == nil {
		return // nothing observed: nothing to drop
	}
	// Only the conjuncts observed count (ExecOptions.SieveTerms).
	var seen []map[string]struct{}
	for i := range o.seen {
		if o.terms == 0 || o.terms&(1<<i) != 0 {
			seen = append(seen, o.seen[i])
		}
	}
	if len(seen) == 0 {
		return
	}
	smallest := 0
	for i := range seen {
		if len(seen[i]) < len(seen[smallest]) {
			smallest = i
		}
	}
	o.viable = map[string]struct{}{}
	for k := range seen[smallest] {
		all := true
		for i := range seen {
			if _, ok := seen[i][k]; !ok {
				all = false
				break
			}
		}
		if all {
			o.viable[k] = struct{}{}
		}
	}
	o.seen = nil
}

// anyViable reports whether one of the current row's groups is kept.
func (o *statsOp) anyViable() bool {
	found := false
	o.eachKey(0, func(k []byte) bool {
		_, found = o.viable[string(k)]
		return !found
	})
	return found
}

// eachKey calls f with the group key of every combination of the current
// row's key values (o.kv) from key i on, until f returns false.
func (o *statsOp) eachKey(i int, f func([]byte) bool) bool {
	if i == len(o.kv) {
		o.keyBuf = o.keyBuf[:0]
		for _, v := range o.combo {
			o.keyBuf = appendKey(o.keyBuf, v)
		}
		return f(o.keyBuf)
	}
	v := o.kv[i]
	if v.mv == nil {
		o.combo[i] = v
		return o.eachKey(i+1, f)
	}
	for _, e := range *v.mv {
		o.combo[i] = e
		if !o.eachKey(i+1, f) {
			return false
		}
	}
	return true
}

var errObserveAfterPush = errors.New("esql: Observe after Push")
