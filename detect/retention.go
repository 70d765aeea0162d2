package detect

import (
	"fmt"
	"slices"
)

// How long an evaluator keeps what: rows of windows no evaluation still to
// come needs leave memory for the spill store, and what is older than the
// amend horizon is forgotten.

// retire spills the windows no new evaluation needs (their rows stay
// available for amendments) and drops those the amend horizon has passed.
func (e *evaluator) retire(wm int64) error {
	if e.horizon > 0 && e.newest != minMs {
		if edge := e.newest - e.horizon; edge > e.dropped {
			e.drop(edge)
		}
	}
	if e.store == nil {
		return nil
	}
	// A window is cold once evaluated and no evaluation still to come
	// reads it: a bucket the watermark has passed, a slot older than the
	// lookback of the next run.
	cold := func(k int64) bool { return k+e.p.span <= wm }
	if e.p.shape == replayed {
		cold = func(k int64) bool { return k < e.ran+e.p.span-e.p.lookback }
	}
	for k := range e.mem {
		w := e.win[k]
		_, dirty := e.pending[k]
		if dirty && !e.deferAmend || !w.evaluated || !cold(k) {
			continue
		}
		if _, err := e.evict(k); err != nil {
			return err
		}
	}
	return nil
}

// evict moves window k's rows out of memory into the store, and reports
// whether it did. The live driver's windows are written by its checkpoint:
// one saved since its last change leaves memory as it is, an unsaved one
// stays.
func (e *evaluator) evict(k int64) (bool, error) {
	w := e.win[k]
	if e.checkpointed {
		if w.unsaved {
			return false, nil
		}
	} else {
		all := w.held
		if !w.inMemory {
			// Rows came since the window was last spilled: the record
			// written now replaces that one.
			rows, err := e.storedRows(k)
			if err != nil {
				return false, err
			}
			all = encodeRowBuf(rows)
		}
		if err := e.store.put(e.spillKey(k), all); err != nil {
			return false, fmt.Errorf("rule %q: spilling: %w", e.c.Rule.Name, err)
		}
	}
	w.held, w.inMemory, w.spilled = rowBuf{}, false, true
	delete(e.mem, k)
	return true, nil
}

// drop forgets what an event older than edge could amend: such events
// are too late (the amend horizon) and their alerts are final. A replayed
// rule keeps the rows a run after edge reads (one lookback more), and the
// results of an episode that goes on past edge, so that its first run, and
// so its alert id, stay known.
func (e *evaluator) drop(edge int64) {
	rowEdge := edge
	if e.p.shape == replayed {
		rowEdge = edge - e.p.lookback - e.p.span
	}
	i := 0
	for ; i < len(e.keys); i++ {
		k := e.keys[i]
		if k+e.p.span > rowEdge {
			break
		}
		if _, dirty := e.pending[k]; dirty {
			break
		}
		if e.win[k].spilled && e.store != nil {
			e.store.del(e.spillKey(k))
		}
		delete(e.win, k)
		delete(e.mem, k)
		if e.p.shape == bucketed {
			delete(e.hits, k)
		}
		e.removed = append(e.removed, k)
	}
	e.keys = slices.Delete(e.keys, 0, i)
	if e.p.shape == replayed {
		e.dropRuns(edge)
	}
	e.dropped = max(e.dropped, edge)
}

// dropRuns forgets the results of runs before edge, oldest first, up to the
// first whose alerts go on in the next run.
func (e *evaluator) dropRuns(edge int64) {
	runs := make([]int64, 0, len(e.hits))
	for t := range e.hits {
		if t < edge {
			runs = append(runs, t)
		}
	}
	slices.Sort(runs)
	names := e.c.columns()
	for _, t := range runs {
		next := map[string]bool{}
		for _, row := range e.hits[t+e.p.span] {
			next[alertID(e.c, names, row)] = true
		}
		for _, row := range e.hits[t] {
			if next[alertID(e.c, names, row)] {
				return
			}
		}
		delete(e.hits, t)
	}
}
