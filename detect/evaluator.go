package detect

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/trailql/trailql/esql"
)

// evaluator is the one evaluation core of a rule. Every driver uses it: the
// hunt (Detector: files, in parallel, the answer printed at the end) and the
// live daemon (Live: objects as they arrive, alerts sent as they change).
// Drivers hand it the rows of the rule's streaming prefix with their time,
// move its watermark, and ask it for the rule's current alerts (alerts.go);
// they differ only in when they do so.
//
// Rows are held in windows keyed by time: a bucket of a bucketed rule, or
// the schedule slot (interval) a replayed rule's row falls in, whose run is
// at the slot's end. A window is evaluated once the watermark (the newest
// row time minus the allowed lateness) has passed it. A row that arrives
// for a window already evaluated makes it dirty, and it is evaluated again
// at the next advance: late events amend alerts instead of vanishing. The
// rows of evaluated windows are kept for that, spilled to a store when one
// is given (spill.go), until the amend horizon (0: forever) has passed.
//
// An evaluator is not safe for concurrent use; Detector locks it per rule.
type evaluator struct {
	c *Compiled
	p *plan

	lateness int64 // ms a window stays open after the newest row (0: until finish)
	horizon  int64 // ms a window's rows are kept for amendment (0: forever)
	store    spillStore
	// checkpointed: the store is the live driver's saved state, written by
	// its checkpoints (live_state.go), not by the evaluator.
	checkpointed bool
	// deferAmend: scheduled runs that late rows changed run again only at
	// finish (the hunt prints alerts at the end), each once, however many
	// late rows reach them, instead of at every advance.
	deferAmend bool
	// cache holds spilled slots read back during one advanceRuns.
	cache map[int64][]buffered
	clock func() time.Time // alert time; NOW() of a run is its own time

	win     map[int64]*window
	keys    []int64            // sorted keys of win
	pending map[int64]struct{} // windows to evaluate: new or dirty
	mem     map[int64]struct{} // windows with rows in memory
	nulls   *window            // bucketed rows whose bucket is null

	newest int64 // newest row time (bucketed: newest bucket start)
	ran    int64 // replayed: every run at or before it was executed
	// dropped: windows before it are gone (amend horizon); rows for them
	// are counted in tooLate.
	dropped int64
	// hits: output rows of each evaluated window (bucketed) or run
	// (replayed), non-empty ones only.
	hits map[int64][][]any
	// changed: hits changed since the drivers last took the alerts.
	changed bool
	// removed: windows dropped since the last checkpoint (live).
	removed []int64
	tooLate int64
	// amended counts rows that arrived for a window already evaluated.
	amended  int64
	warnings []string
	// strs shares the strings of rows read back from the spill store, one
	// copy per repeated value.
	strs interner
	// budget, when set, bounds the rows held in memory with those of the
	// driver's other evaluators (budget.go); sinceCheck counts the rows
	// added since the last report, spilledForBudget the windows it spilled.
	budget           *memBudget
	sinceCheck       int
	spilledForBudget int64
	// witnessed: for a replayed rule whose suffix sieves
	// (esql.Program.WitnessTest), each row is tested, as it is made ready
	// (rowPrep), for the conjuncts it witnesses (window.witnesses);
	// allWitnesses has a bit per conjunct.
	witnessed    bool
	allWitnesses uint64
	// prep makes the rows of Live, which has no workers, ready (made at
	// its first row: a Detector's workers have their own).
	prep *rowPrep
	// expand makes the rows of a record held raw (deferral.go) ready, as
	// a driver's worker would have when it read the record: nil when the
	// driver holds no record raw.
	expand func(raw []byte, emit func(readyRow) error) error
}

// window is one bucket or schedule slot of a rule.
type window struct {
	held      rowBuf // the rows held in memory
	spilled   bool   // rows were written to the store (and may be dropped from memory)
	inMemory  bool   // held holds every row (not only those since the spill)
	evaluated bool
	unsaved   bool // changed since the last checkpoint (live)
	// witnesses has bit j when a row of the window witnesses conjunct j of
	// its rule's sieve (evaluator.witness); all bits when not known (a
	// window a daemon restored).
	witnesses uint64
	// maybe has the bits of the conjuncts the window's raw rows may
	// witness (deferral.go); raw counts those rows.
	maybe uint64
	raw   int
	// n counts the window's rows, in memory or not (0 for a window a
	// daemon restored without reading it): what a run will read.
	n int
}

// witnessBits are the conjuncts the window's rows witness or, held raw,
// may witness.
func (w *window) witnessBits() uint64 { return w.witnesses | w.maybe }

// buffered is one held row with its time (ms): its values, or, for a
// record held raw until a run reads it (deferral.go), the record.
type buffered struct {
	ms  int64
	row []esql.Value
	raw []byte
}

// minMs is before any window.
const minMs = math.MinInt64 / 4

// maxMs is after any window.
const maxMs = math.MaxInt64 / 4

func newEvaluator(c *Compiled, p *plan, lateness, horizon time.Duration, store spillStore, clock func() time.Time) *evaluator {
	e := &evaluator{c: c, p: p, lateness: lateness.Milliseconds(), horizon: horizon.Milliseconds(), store: store, clock: clock,
		win: map[int64]*window{}, pending: map[int64]struct{}{}, mem: map[int64]struct{}{}, newest: minMs, ran: minMs, dropped: minMs, hits: map[int64][][]any{}}
	if p.witnessed {
		e.witnessed = true
		e.allWitnesses = 1<<p.suffix.Witnesses() - 1
	}
	return e
}

// addPrefixRow takes one output row of the rule's prefix, for an event of
// time eventMs. The row may point into the record and the caller's buffers:
// what is kept is copied here (plan.ready).
func (e *evaluator) addPrefixRow(row []esql.Value, eventMs int64) error {
	if e.prep == nil {
		e.prep = e.p.newRowPrep()
	}
	return e.addHeld(e.p.ready(e.prep, row, eventMs))
}

// readyRow is a prefix row ready to be held: encoded (rowBuf), with its
// window and what it witnesses.
type readyRow struct {
	key int64
	ms  int64
	// enc is the row in rowBuf's form, in the rowPrep's buffer: valid
	// until it makes the next row ready (Worker.hand copies a row that
	// waits).
	enc       []byte
	witnesses uint64 // evaluator.witnessed: the conjuncts it witnesses
	null      bool   // a bucketed row whose bucket is null
	// raw: enc holds a record held raw (appendRawRow), and witnesses the
	// conjuncts it may witness.
	raw bool
}

// rowPrep is what a goroutine that makes a rule's rows ready needs of its
// own: the witness test (esql.Program.WitnessTest's function is not safe
// for concurrent use) and scratch rows.
type rowPrep struct {
	witness  func([]esql.Value) uint64 // nil: rows are not tested
	in, hold []esql.Value
	enc      []byte // the last row made ready, encoded
}

// newRowPrep returns a rowPrep for the plan's rows.
func (p *plan) newRowPrep() *rowPrep {
	rp := &rowPrep{hold: make([]esql.Value, len(p.hold))}
	if p.witnessed {
		rp.witness = p.suffix.WitnessTest()
		rp.in = make([]esql.Value, len(p.suffixIdx))
	}
	return rp
}

// ready encodes what a window keeps of a prefix row, strings included,
// finds its window and tests what it witnesses. It reads only the plan and
// rp, so that a driver's workers can do it before they take the
// evaluator's lock.
func (p *plan) ready(rp *rowPrep, row []esql.Value, eventMs int64) readyRow {
	if p.shape == bucketed {
		held := row
		if p.hold != nil {
			held = rp.hold
			for i, j := range p.hold {
				held[i] = row[j]
			}
		}
		start, ok := p.bucketOf(row)
		if !ok {
			rp.enc = appendRow(rp.enc[:0], 0, held)
			return readyRow{enc: rp.enc, null: true}
		}
		rp.enc = appendRow(rp.enc[:0], start, held)
		return readyRow{key: start, ms: start, enc: rp.enc}
	}
	ms := eventMs
	if p.timeCol >= 0 {
		ms = row[p.timeCol].AsInt64()
	}
	rp.enc = appendRow(rp.enc[:0], ms, row)
	h := readyRow{key: ceilTo(ms, p.span), ms: ms, enc: rp.enc}
	if rp.witness != nil {
		h.witnesses = rp.witness(p.suffixInput(rp.in, row))
	}
	return h
}

// addHeld holds a row that plan.ready made ready.
func (e *evaluator) addHeld(h readyRow) error {
	if h.null {
		if e.nulls == nil {
			e.nulls = &window{inMemory: true}
		}
		if e.nulls.evaluated {
			e.amended++
		}
		e.nulls.held.addEncoded(h.enc)
		e.nulls.evaluated = false
		e.nulls.unsaved = true
		e.changed = true
		return nil
	}
	return e.add(h)
}

// add holds a row in its window, and evaluates what the new watermark
// allows.
func (e *evaluator) add(h readyRow) error {
	key := h.key
	if end := key + e.p.span; e.p.shape == bucketed && end <= e.dropped || e.p.shape == replayed && h.ms < e.dropped {
		e.tooLate++
		return nil
	}
	w := e.win[key]
	if w == nil {
		w = &window{inMemory: true}
		e.win[key] = w
		i, _ := slices.BinarySearch(e.keys, key)
		e.keys = slices.Insert(e.keys, i, key)
	}
	if w.evaluated {
		e.amended++
	}
	switch {
	case h.raw:
		w.maybe |= h.witnesses
		w.raw++
	case e.witnessed:
		w.witnesses |= h.witnesses
	}
	if h.raw {
		w.held.addRaw(h.enc)
	} else {
		w.held.addEncoded(h.enc)
	}
	w.n++
	w.unsaved = true
	e.mem[key] = struct{}{}
	if e.budget != nil {
		if e.sinceCheck++; e.sinceCheck >= budgetCheckRows {
			e.sinceCheck = 0
			if err := e.relieve(); err != nil {
				return err
			}
		}
	}
	if e.p.shape == bucketed || key <= e.ran {
		e.pending[key] = struct{}{}
	}
	newest := h.ms
	if newest > e.newest {
		e.newest = newest
		if e.lateness > 0 {
			return e.advance(e.newest - e.lateness)
		}
	}
	return nil
}

// advance evaluates every window that ends at or before wm and is new or
// dirty, then spills what no new evaluation needs and drops what the amend
// horizon has passed.
func (e *evaluator) advance(wm int64) error {
	var err error
	if e.p.shape == bucketed {
		err = e.advanceBuckets(wm)
	} else {
		err = e.advanceRuns(min(wm, ceilTo(e.newest, e.p.span)), false)
	}
	if err != nil {
		return err
	}
	return e.retire(wm)
}

// finish evaluates everything the input holds: the end of a hunt, or a
// live driver with nothing more to wait for.
func (e *evaluator) finish() error {
	if e.p.shape == bucketed {
		if err := e.advanceBuckets(maxMs); err != nil {
			return err
		}
		return e.evalNulls()
	}
	if e.newest == minMs {
		return nil
	}
	return e.advanceRuns(ceilTo(e.newest, e.p.span), true)
}

// evaluate runs the suffix over held rows with NOW() = t; a rule whose
// whole query streams has its held rows as output already.
func (e *evaluator) evaluate(t time.Time, rows []buffered) ([][]any, error) {
	r := e.startEval(t, esql.ExecOptions{})
	if e.p.sieves() {
		for _, b := range rows {
			if err := r.observe(b); err != nil {
				return nil, err
			}
		}
		if s := r.exec.Sieve(); s != nil && s.Empty() {
			return r.finish()
		}
	}
	for _, b := range rows {
		if err := r.push(b); err != nil {
			return nil, err
		}
	}
	return r.finish()
}

// evalRun is one evaluation of the suffix, fed one held row at a time, so
// that a run over a long lookback reads its slots one by one instead of
// holding them all (eval_runs.go).
type evalRun struct {
	e    *evaluator
	exec *esql.Execution // nil when the whole query streams
	in   []esql.Value    // the suffix's input columns of a row
	out  [][]any
}

func (e *evaluator) startEval(t time.Time, opts esql.ExecOptions) *evalRun {
	r := &evalRun{e: e}
	p := e.p
	if p.suffix == nil {
		return r
	}
	r.exec = p.startSuffix(t, opts, func(row []esql.Value) error {
		r.out = append(r.out, jsonRow(row))
		return nil
	})
	if p.suffixIdx != nil {
		r.in = make([]esql.Value, len(p.suffixIdx))
	}
	return r
}

// sieves reports whether runs read their rows twice, observing them first
// (esql.Program.Sieves).
func (p *plan) sieves() bool { return !noSieve && p.suffix != nil && p.suffix.Sieves() }

// noSieve turns sieving off: the reference a sieved evaluation must equal
// (tests only).
var noSieve bool

// observe shows the run a row it will be pushed later (pass 1 of a
// sieving run).
func (r *evalRun) observe(b buffered) error {
	return r.exec.Observe(r.input(b))
}

// input is the suffix's input row of a held row.
func (r *evalRun) input(b buffered) []esql.Value {
	return r.e.p.suffixInput(r.in, b.row)
}

func (r *evalRun) push(b buffered) error {
	if r.exec == nil {
		r.out = append(r.out, jsonRow(b.row))
		return nil
	}
	return r.exec.Push(r.input(b))
}

func (r *evalRun) finish() ([][]any, error) {
	if r.exec == nil {
		return r.out, nil
	}
	if err := r.exec.Finish(); err != nil {
		return nil, err
	}
	r.e.warnings = appendNew(r.e.warnings, r.exec.Warnings())
	return r.out, nil
}

// setHits records a window's or run's output rows, noting a change.
func (e *evaluator) setHits(k int64, out [][]any) {
	old, had := e.hits[k]
	if len(out) == 0 {
		if had {
			delete(e.hits, k)
			e.changed = true
		}
		return
	}
	if !had || canonical(old) != canonical(out) {
		e.changed = true
	}
	e.hits[k] = out
}

// rowsOf returns every row of window k, reading spilled ones back and
// mapping the records held raw.
func (e *evaluator) rowsOf(k int64) ([]buffered, error) {
	rows, err := e.storedRows(k)
	if err != nil || e.win[k].raw == 0 {
		return rows, err
	}
	return e.materialize(k, rows)
}

// materialize makes the rows of window k's records held raw (rows are the
// window's, in order) and keeps the window's rows so from then on, where
// they were: in memory, or in the store.
func (e *evaluator) materialize(k int64, rows []buffered) ([]buffered, error) {
	w := e.win[k]
	var out rowBuf
	var bits uint64
	for _, b := range rows {
		if b.raw == nil {
			out.add(b.ms, b.row)
			continue
		}
		err := e.expand(b.raw, func(h readyRow) error {
			if h.key != k {
				// Held raw in the window of its eventTime, which is its
				// @timestamp (holdRaw): the prefix does not change it.
				return fmt.Errorf("a record held raw in window %d belongs to window %d", k, h.key)
			}
			out.addEncoded(h.enc)
			bits |= h.witnesses
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", e.c.Rule.Name, err)
		}
	}
	w.witnesses |= bits
	w.maybe, w.raw, w.n = 0, 0, out.n
	w.unsaved = true
	delete(e.cache, k)
	if w.inMemory {
		w.held = out
	} else {
		if err := e.store.put(e.spillKey(k), out); err != nil {
			return nil, fmt.Errorf("rule %q: spilling: %w", e.c.Rule.Name, err)
		}
		w.held = rowBuf{}
		delete(e.mem, k)
	}
	return out.rows()
}

// storedRows returns every row of window k as held, reading spilled ones
// back: records held raw stay so.
func (e *evaluator) storedRows(k int64) ([]buffered, error) {
	w := e.win[k]
	held, err := w.held.rows()
	if err != nil {
		return nil, fmt.Errorf("rule %q: window %s: %w", e.c.Rule.Name, time.UnixMilli(k).UTC().Format(time.RFC3339), err)
	}
	if w.inMemory {
		return held, nil
	}
	if rows, ok := e.cache[k]; ok {
		return append(rows[:len(rows):len(rows)], held...), nil
	}
	old, err := e.store.get(e.spillKey(k), e.p.rowTypes, &e.strs)
	if err != nil {
		return nil, fmt.Errorf("rule %q: reading back window %s: %w", e.c.Rule.Name, time.UnixMilli(k).UTC().Format(time.RFC3339), err)
	}
	// Under a memory budget slots are read back for each run instead:
	// a cache would hold them all again.
	if e.cache != nil && len(e.cache) < maxCachedSlots && e.budget == nil {
		e.cache[k] = old
	}
	return append(old, held...), nil
}

// maxCachedSlots bounds the spilled slots kept decoded during one advance.
const maxCachedSlots = 512

func (e *evaluator) spillKey(k int64) string { return windowKey(e.c.Rule.RuleID, k) }

// ceilTo rounds ms up to a multiple of span: the slot of a replayed rule's
// row, whose first run is at its end.
func ceilTo(ms, span int64) int64 {
	f := floorTo(ms, span)
	if f == ms {
		return ms
	}
	return f + span
}

// held is the number of rows held in memory (for tests and metrics).
func (e *evaluator) held() int {
	n := 0
	for k := range e.mem {
		n += e.win[k].held.n
	}
	if e.nulls != nil {
		n += e.nulls.held.n
	}
	return n
}

// heldBytes is the memory the rows held in memory take.
func (e *evaluator) heldBytes() int64 {
	var n int64
	for k := range e.mem {
		n += e.win[k].held.size() + windowBytes
	}
	if e.nulls != nil {
		n += e.nulls.held.size()
	}
	return n
}

// windowBytes estimates what a window costs beside its rows' bytes.
const windowBytes = 128
