package detect

import (
	"slices"
	"time"
)

// The evaluation of a bucketed rule's windows: each event-time bucket is
// evaluated once the watermark passes its end, and again whenever rows
// arrive for it later.

// provisional evaluates the open buckets that changed, before they are
// final: the live driver reports a group as soon as it qualifies. It does
// nothing for replayed rules, whose runs wait for the watermark.
func (e *evaluator) provisional() error {
	if e.p.shape != bucketed {
		return nil
	}
	if err := e.advanceBuckets(maxMs); err != nil {
		return err
	}
	return e.evalNulls()
}

// advanceBuckets evaluates the buckets with new rows that end at or before
// wm. Evaluating a bucket before it is final only costs a second
// evaluation if more rows come: the result is the same either way.
func (e *evaluator) advanceBuckets(wm int64) error {
	keys := make([]int64, 0, len(e.pending))
	for k := range e.pending {
		if k+e.p.span <= wm {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		rows, err := e.rowsOf(k)
		if err != nil {
			return err
		}
		out, err := e.evaluate(time.UnixMilli(k+e.p.span).UTC(), rows)
		if err != nil {
			return err
		}
		e.setHits(k, out)
		delete(e.pending, k)
		e.win[k].evaluated = true
	}
	return nil
}

// evalNulls evaluates the rows whose bucket is null (they form one group
// set of their own, evaluated whenever they change).
func (e *evaluator) evalNulls() error {
	if e.nulls == nil || e.nulls.evaluated {
		return nil
	}
	rows, err := e.nulls.held.rows()
	if err != nil {
		return err
	}
	out, err := e.evaluate(e.clock(), rows)
	if err != nil {
		return err
	}
	e.setHits(minMs, out)
	e.nulls.evaluated = true
	return nil
}
