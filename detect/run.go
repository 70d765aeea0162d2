package detect

import (
	"context"
	"errors"

	"github.com/trailql/trailql/cloudtrail"
)

// Read reads paths with r and evaluates every record, in parallel: files are
// read, decompressed and evaluated by as many goroutines as the Detector has
// workers, and the lines of one large NDJSON file (or stdin) are shared out
// to them too (cloudtrail.Reader.ReadParallel). Each record is evaluated by
// the goroutine that read it, so that no record waits in a queue while
// newer ones are evaluated: how far apart in time the records being
// evaluated at once can be is bounded by how the reader hands out files
// and lines, which is what a rule's allowed lateness has to cover
// (Options.AllowedLateness). Records that are not valid CloudTrail go to bad
// (called concurrently from several goroutines); any other error ends the
// read. Finish gives the alerts afterwards.
func (d *Detector) Read(ctx context.Context, r *cloudtrail.Reader, paths []string, bad func(rec cloudtrail.Record, err error)) (cloudtrail.Stats, error) {
	n := d.opts.Workers
	// ReadParallel's readers are 0..n-1, and n reads standard input.
	for len(d.workers) < n+1 {
		d.workers = append(d.workers, d.newWorker())
	}
	pr := *r
	if d.opts.Skim {
		// Lines of NDJSON that no rule can match are only counted.
		pr.Skim = func(line []byte) bool {
			if d.reader.filters.match(line, nil, nil) {
				return true
			}
			d.events.Add(1)
			return false
		}
	}
	st, err := pr.ReadParallel(ctx, paths, n, func(i int, rec cloudtrail.Record) error {
		err := d.workers[i].process(rec.Raw, &rec)
		if err == nil {
			return nil
		}
		var re *RecordError
		if errors.As(err, &re) {
			bad(rec, err)
			return nil
		}
		return err
	})
	for _, w := range d.workers {
		w.flushCount()
		if ferr := w.flush(); err == nil {
			err = ferr
		}
	}
	return st, err
}
