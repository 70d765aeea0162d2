package detect

import (
	"context"
	"errors"
	"sync"

	"github.com/trailql/trailql/cloudtrail"
)

// Read reads paths with r and evaluates every record, in parallel: files are
// read and decompressed by as many goroutines as the Detector has workers,
// and records are handed in batches to the workers, so one large NDJSON
// file is evaluated on every core too. Records that are not valid CloudTrail
// go to bad (called concurrently from several workers); any other error ends
// the read. Finish gives the alerts afterwards.
func (d *Detector) Read(ctx context.Context, r *cloudtrail.Reader, paths []string, bad func(rec cloudtrail.Record, err error)) (cloudtrail.Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(d.workers)
	batches := make(chan *batch, 2*n)
	var (
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	for i := 0; i < n; i++ {
		w := d.workers[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if ctx.Err() == nil {
					if err := b.process(w, bad); err != nil {
						fail(err)
					}
				}
				batchPool.Put(b)
			}
		}()
	}
	// One open batch per reading goroutine (ReadParallel's worker index,
	// which counts standard input as one more).
	open := make([]*batch, n+1)
	send := func(i int) {
		if b := open[i]; b != nil && len(b.recs) > 0 {
			open[i] = nil
			batches <- b
		}
	}
	// Most records are wanted by no rule: they are counted where they are
	// read, and never copied or handed on.
	unwanted := make([]int64, n+1)
	// A batch is handed on when full, and when its reader pauses: records
	// must not wait in an idle reader's batch, as a time-bucketed rule
	// finishes windows by the times of the rows it has seen (AllowedLateness).
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
	pr.OnPause = func(i int) {
		send(i)
		if r.OnPause != nil {
			r.OnPause(i)
		}
	}
	st, err := pr.ReadParallel(ctx, paths, n, func(i int, rec cloudtrail.Record) error {
		if d.unwanted(rec) {
			if unwanted[i]++; unwanted[i] == 256 {
				d.events.Add(256)
				unwanted[i] = 0
			}
			return nil
		}
		b := open[i]
		if b == nil {
			b = batchPool.Get().(*batch)
			b.reset()
			open[i] = b
		}
		b.add(rec)
		if b.full() {
			send(i)
		}
		return ctx.Err()
	})
	for i := range open {
		send(i)
		d.events.Add(unwanted[i])
	}
	close(batches)
	wg.Wait()
	if firstErr != nil {
		return st, firstErr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return st, err
	}
	return st, err
}

// batch holds copies of records for a worker: reading goroutines reuse their
// buffers, so a record's bytes must be copied before it crosses goroutines.
type batch struct {
	data []byte
	recs []batchRec
}

type batchRec struct {
	file       string
	index      int
	start, end int
	checked    bool
	et         int // end of the copy of Record.EventTime after the record; end when nil
}

var batchPool = sync.Pool{New: func() any { return &batch{} }}

const (
	batchRecords = 256
	batchBytes   = 1 << 20
)

func (b *batch) reset() { b.data, b.recs = b.data[:0], b.recs[:0] }

func (b *batch) add(rec cloudtrail.Record) {
	start := len(b.data)
	b.data = append(b.data, rec.Raw...)
	end := len(b.data)
	b.data = append(b.data, rec.EventTime...)
	b.recs = append(b.recs, batchRec{file: rec.File, index: rec.Index, start: start, end: end,
		checked: rec.Checked && rec.EventTime != nil, et: len(b.data)})
}

func (b *batch) full() bool { return len(b.recs) >= batchRecords || len(b.data) >= batchBytes }

func (b *batch) process(w *Worker, bad func(cloudtrail.Record, error)) error {
	for _, r := range b.recs {
		raw := b.data[r.start:r.end:r.end]
		var et []byte
		if r.checked {
			et = b.data[r.end:r.et:r.et]
		}
		err := w.process(raw, r.checked, et)
		var re *RecordError
		switch {
		case errors.As(err, &re):
			bad(cloudtrail.Record{Raw: raw, File: r.file, Index: r.index}, err)
		case err != nil:
			return err
		}
	}
	return nil
}
