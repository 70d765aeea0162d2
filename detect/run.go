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
	n := len(d.workers)
	// ReadParallel's readers are 0..n-1, and n reads standard input.
	for len(d.workers) < n+1 {
		d.workers = append(d.workers, d.newWorker())
	}
	pr := *r
	if d.opts.Skim {
		// Lines of NDJSON that no rule can match are only counted.
		pr.Skim = func(line []byte) bool {
			if d.filters.match(line, nil) {
				return true
			}
			d.events.Add(1)
			return false
		}
	}
	// Most records are wanted by no rule: they are only counted (in bulk:
	// the counter is shared).
	unwanted := make([]int64, n+1)
	st, err := pr.ReadParallel(ctx, paths, n, func(i int, rec cloudtrail.Record) error {
		if d.unwanted(rec) {
			if unwanted[i]++; unwanted[i] == 256 {
				d.events.Add(256)
				unwanted[i] = 0
			}
			return nil
		}
		err := d.workers[i].process(rec.Raw, rec.Checked, rec.EventTime)
		var re *RecordError
		switch {
		case errors.As(err, &re):
			bad(rec, err)
		case err != nil:
			return err
		}
		return nil
	})
	for _, k := range unwanted {
		d.events.Add(k)
	}
	return st, err
}
