package detect

import (
	"cmp"
	"math/bits"
	"slices"
	"time"

	"github.com/trailql/trailql/esql"
)

// The evaluation of a replayed rule's windows: its schedule slots hold the
// rows, and the run at the end of each slot is executed once the watermark
// passes it, over the rows of its lookback; runs that late rows reach are
// executed again.

// advanceRuns executes the scheduled runs at or before limit not yet
// executed, then runs again those that rows arriving since have changed
// (only when finishing, if amendments are deferred).
func (e *evaluator) advanceRuns(limit int64, finishing bool) error {
	iv, lb := e.p.span, e.p.lookback
	if len(e.keys) == 0 {
		return nil
	}
	// Spilled slots read back during this call stay decoded while runs
	// still need them (runs go forward in time).
	e.cache = map[int64][]buffered{}
	defer func() { e.cache = nil }()
	// Runs again, first: those that late rows changed.
	if len(e.pending) > 0 && (finishing || !e.deferAmend) {
		again := map[int64]bool{}
		for s := range e.pending {
			// A row of slot s is in the runs from s to s + lookback.
			for t := s; t <= s+lb && t <= e.ran; t += iv {
				again[t] = true
			}
		}
		ts := make([]int64, 0, len(again))
		for t := range again {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		for _, t := range ts {
			if err := e.run(t); err != nil {
				return err
			}
		}
		clear(e.pending)
	}
	// Then the new runs, from the first that sees the earliest row.
	t := e.keys[0]
	if e.ran != minMs {
		t = e.ran + iv
	}
	for t <= limit {
		// Skip runs that see no row: jump to the next slot.
		i, _ := slices.BinarySearch(e.keys, t-lb)
		if i == len(e.keys) {
			e.ran = limit - ((limit-t)%iv+iv)%iv
			break
		}
		if e.keys[i] > t {
			next := ceilTo(e.keys[i], iv)
			if next > limit {
				e.ran = t + (limit-t)/iv*iv
				break
			}
			t = next
		}
		if err := e.run(t); err != nil {
			return err
		}
		e.ran = t
		t += iv
	}
	return nil
}

// run executes the run at t over the rows in [t-lookback, t], with
// NOW() = t. The rows are fed in time order slot by slot: a slot holds the
// rows of (k-interval, k], so sorting each slot gives the order of all, and
// a run over a long lookback never holds more than one slot read back from
// the spill store. Under a memory budget, a run over more rows than the
// budget holds aggregates its groups in partitions, reading its slots once
// for each (runParts).
func (e *evaluator) run(t int64) error {
	lb := e.p.lookback
	lo, _ := slices.BinarySearch(e.keys, t-lb)
	out, err := e.runAt(t, lo)
	if err != nil {
		return err
	}
	for k := range e.cache {
		if k < t+e.p.span-lb { // no later run reads it
			delete(e.cache, k)
		}
	}
	e.setHits(t, out)
	for _, k := range e.keys[lo:] {
		if k > t {
			break
		}
		e.win[k].evaluated = true
	}
	return nil
}

// runParts is the number of partitions the run at t aggregates its groups
// in: 1 without a budget or for a query whose groups cannot be split
// (esql.Program.Partitionable); else enough (up to maxRunParts) for the
// state of a partition to stay within twice the budget of held rows (the
// held rows are on disk while a run reads them back). A group's state is
// taken as three times the size of its rows: its aggregates hold its
// values, and more (measured on the 24-hour bundled rule).
func (e *evaluator) runParts(lo int, t int64) int {
	if e.budget == nil || e.p.suffix == nil || !e.p.suffix.Partitionable() {
		return 1
	}
	n := 0
	for _, k := range e.keys[lo:] {
		if k > t {
			break
		}
		n += e.win[k].n
	}
	state := 3 * int64(n) * rowBytes(len(e.p.rowTypes))
	per := 2 * e.budget.limit
	return int(min(maxRunParts, max(1, (state+per-1)/per)))
}

// maxRunParts bounds the partitions of a run: each reads the run's whole
// lookback, so beyond it a run takes more memory than the budget rather
// than reading its input more times.
const maxRunParts = 16

// runAt executes the run at t over the slots from index lo on. A sieving
// suffix (esql.Program.Sieves) is first shown, in any order, the rows of
// the windows holding the rarest conjunct's witnesses (rarestWitness);
// when no group can pass there is nothing to push, else the partitions
// push only the groups that can.
func (e *evaluator) runAt(t int64, lo int) ([][]any, error) {
	at := time.UnixMilli(t).UTC()
	var sieve *esql.Sieve
	if e.p.sieves() {
		term, none := e.rarestWitness(t, lo)
		if none {
			return nil, nil
		}
		var probe *evalRun
		err := e.lookback(t, lo, false, term, func(b buffered) error {
			if probe == nil {
				probe = e.startEval(at, esql.ExecOptions{SieveTerms: term})
			}
			return probe.observe(b)
		})
		if err != nil || probe == nil {
			return nil, err
		}
		if sieve = probe.exec.Sieve(); sieve != nil && sieve.Empty() {
			return probe.finish()
		}
	}
	parts := e.runParts(lo, t)
	var out [][]any
	for part := range parts {
		o, err := e.runPart(at, t, lo, esql.ExecOptions{Partitions: parts, Partition: part, Sieve: sieve})
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
	}
	return out, nil
}

// rarestWitness picks, from what the windows of the run at t record, the
// conjunct of the sieve witnessed in the fewest of them: term is its bit,
// or 0 (all conjuncts, every window) when the windows' witnesses are not
// tested. none reports that some conjunct has no witness in the run's
// windows: no group can pass, and the run has no output (the suffix
// outputs nothing for no input).
func (e *evaluator) rarestWitness(t int64, lo int) (term uint64, none bool) {
	if !e.witnessed {
		return 0, false
	}
	var union uint64
	count := make([]int, bits.Len64(e.allWitnesses))
	for _, k := range e.keys[lo:] {
		if k > t {
			break
		}
		m := e.win[k].witnessBits()
		union |= m
		for j := range count {
			if m&(1<<j) != 0 {
				count[j]++
			}
		}
	}
	if union&e.allWitnesses != e.allWitnesses {
		return 0, true
	}
	j := 0
	for i := range count {
		if count[i] < count[j] {
			j = i
		}
	}
	return 1 << j, false
}

// runPart feeds the run at t (time at), with opts (one partition of its
// groups), every row in its lookback in time order, and returns the output
// rows.
func (e *evaluator) runPart(at time.Time, t int64, lo int, opts esql.ExecOptions) ([][]any, error) {
	var r *evalRun // started at the first row: a run that sees none has no output
	err := e.lookback(t, lo, true, 0, func(b buffered) error {
		if r == nil {
			r = e.startEval(at, opts)
		}
		return r.push(b)
	})
	if err != nil || r == nil {
		return nil, err
	}
	return r.finish()
}

// lookback calls f with every row of the run at t's lookback, slot by
// slot from slot index lo, in time order if ordered, in the windows that
// witness a conjunct in mask (0: in every window).
func (e *evaluator) lookback(t int64, lo int, ordered bool, mask uint64, f func(buffered) error) error {
	lb := e.p.lookback
	var rows []buffered
	for _, k := range e.keys[lo:] {
		if k > t {
			break
		}
		if mask != 0 && e.win[k].witnessBits()&mask == 0 {
			continue
		}
		held, err := e.rowsOf(k)
		if err != nil {
			return err
		}
		rows = rows[:0]
		for _, b := range held {
			if b.ms >= t-lb && b.ms <= t {
				rows = append(rows, b)
			}
		}
		if ordered {
			slices.SortStableFunc(rows, func(a, b buffered) int { return cmp.Compare(a.ms, b.ms) })
		}
		for _, b := range rows {
			if err := f(b); err != nil {
				return err
			}
		}
	}
	return nil
}
