package detect

import (
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// bucketRun evaluates the suffix of a split rule (STATS and after) one event
// time bucket at a time, in hunt mode, so that memory holds the groups of
// open buckets only instead of every group of the input.
//
// A bucket is final once rows of a bucket at least `lateness` newer have
// arrived: its groups are complete unless a record arrives that much out of
// order. Such rows are counted (late) and not evaluated, and the caller says
// so; lateness 0 keeps every bucket open until the input ends, which is exact
// for input in any order. CloudTrail's delivery files hold minutes of events
// and are read in time order (cloudtrail.Reader): DefaultHuntLateness.
//
// The suffix must be row-local after its STATS (rowLocalTail): a SORT or a
// LIMIT there would see one bucket's rows instead of all.
type bucketRun struct {
	plan     *splitPlan
	emit     func(row []esql.Value) error
	lateness int64 // milliseconds; 0: never finalise before finish
	span     int64 // bucket width in milliseconds

	open   map[int64]*esql.Execution
	nulls  *esql.Execution // rows whose bucket is null
	newest int64           // start of the newest bucket seen
	// finalBefore: a bucket that ends at or before it is final.
	finalBefore int64
	late        int64
	warnings    []string
	peak        int // most buckets open at once
}

func newBucketRun(plan *splitPlan, lateness time.Duration, emit func([]esql.Value) error) *bucketRun {
	return &bucketRun{plan: plan, emit: emit, lateness: lateness.Milliseconds(), span: plan.span.Milliseconds(),
		open: map[int64]*esql.Execution{}, newest: minMs, finalBefore: minMs}
}

// DefaultHuntLateness is trailql detect's --allowed-lateness, as watch's:
// CloudTrail delivers most events within minutes, and a directory's files
// are read in time order, so a quarter of an hour is a wide margin.
const DefaultHuntLateness = DefaultAllowedLateness

// minMs is before any bucket.
const minMs = -1 << 62

// push feeds one suffix input row of the bucket starting at start (ok false:
// a null bucket).
func (b *bucketRun) push(start int64, ok bool, row []esql.Value) error {
	if !ok {
		if b.nulls == nil {
			b.nulls = b.plan.suffix.Start(b.emit)
		}
		return b.nulls.Push(row)
	}
	if start+b.span <= b.finalBefore {
		b.late++
		return nil
	}
	ex := b.open[start]
	if ex == nil {
		ex = b.plan.suffix.Start(b.emit)
		b.open[start] = ex
		b.peak = max(b.peak, len(b.open))
	}
	if err := ex.Push(row); err != nil {
		return err
	}
	if start > b.newest {
		b.newest = start
		if b.lateness > 0 {
			return b.finalise(start - b.lateness)
		}
	}
	return nil
}

// finalise ends every bucket that ends at or before watermark.
func (b *bucketRun) finalise(watermark int64) error {
	if watermark <= b.finalBefore {
		return nil
	}
	b.finalBefore = watermark
	for start, ex := range b.open {
		if start+b.span <= watermark {
			delete(b.open, start)
			if err := b.end(ex); err != nil {
				return err
			}
		}
	}
	return nil
}

// end finishes one bucket's execution, keeping its warnings.
func (b *bucketRun) end(ex *esql.Execution) error {
	err := ex.Finish()
	b.warnings = appendNew(b.warnings, ex.Warnings())
	return err
}

// finish ends every bucket still open, at the end of the input.
func (b *bucketRun) finish() error {
	for start, ex := range b.open {
		delete(b.open, start)
		if err := b.end(ex); err != nil {
			return err
		}
	}
	if b.nulls != nil {
		ex := b.nulls
		b.nulls = nil
		return b.end(ex)
	}
	return nil
}

// rowLocalTail reports whether every command after the last STATS works on
// one row at a time, so that evaluating the STATS bucket by bucket and
// concatenating the outputs gives the rows of the whole query.
func rowLocalTail(q *parser.Query) bool {
	_, idx := lastStats(q)
	if idx < 0 {
		return false
	}
	for _, cmd := range q.Commands[idx+1:] {
		switch cmd.(type) {
		case *parser.WhereCommand, *parser.EvalCommand, *parser.KeepCommand, *parser.DropCommand,
			*parser.RenameCommand, *parser.DissectCommand, *parser.GrokCommand, *parser.MvExpandCommand:
		default:
			return false
		}
	}
	return true
}
