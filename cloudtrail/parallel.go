package cloudtrail

import (
	"context"
	"os"
	"sync"
)

// ReadParallel is Read with files decompressed and split by several workers
// at once: one goroutine walks the paths in order and hands each file to
// the next free worker, which calls fn(worker, record) for its records.
// Records of one file arrive in file order from one worker, except in
// NDJSON, whose lines are shared out in chunks to idle workers; files are
// interleaved. fn is called concurrently for different workers, never
// concurrently for the same one: worker is 0..workers-1 for files, and
// workers for standard input ("-"), which the walking goroutine reads in
// place. OnProblem calls are serialised.
//
// CloudTrail's unit of delivery is the file (a few KB to tens of MB, gzip),
// so files are the natural unit of parallel work: decompression is the
// floor of the whole pipeline (DESIGN.md, "Performance model").
func (r *Reader) ReadParallel(ctx context.Context, paths []string, workers int, fn func(worker int, rec Record) error) (Stats, error) {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Problems from several goroutines reach OnProblem one at a time.
	var mu sync.Mutex
	shared := *r
	if r.OnProblem != nil {
		shared.OnProblem = func(p Problem) {
			mu.Lock()
			defer mu.Unlock()
			r.OnProblem(p)
		}
	}

	var (
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	files := make(chan string, workers)
	stats := make([]Stats, workers+1)
	// Chunks of NDJSON lines go to whichever worker is idle (fanout.go).
	// The channel is unbuffered: a chunk is taken only by a worker waiting
	// for work, else its reader splits it itself, so no reader ever blocks.
	// Workers stay until every file is read (pending), as a reader of the
	// last big file still has chunks to share.
	chunks := make(chan *lineChunk)
	offer := func(c *lineChunk) bool {
		select {
		case chunks <- c:
			return true
		default:
			return false
		}
	}
	var pending sync.WaitGroup
	allRead := make(chan struct{})
	for w := 0; w < workers; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := newRun(&shared, ctx, func(rec Record) error { return fn(w, rec) }, &stats[w])
			u.fanout = offer
			files := files
			for {
				select {
				case p, ok := <-files:
					if !ok {
						files = nil // only chunks from now on
						continue
					}
					if ctx.Err() == nil {
						if err := u.file(p); err != nil {
							fail(err)
						}
					}
					pending.Done()
				case c := <-chunks:
					if err := u.lineChunk(c); err != nil {
						fail(err)
					}
				case <-allRead:
					return
				}
			}
		}()
	}

	walker := newRun(&shared, ctx, func(rec Record) error { return fn(workers, rec) }, &stats[workers])
	walker.fanout = offer
	walker.dispatch = func(p string) error {
		pending.Add(1)
		select {
		case files <- p:
			return nil
		case <-ctx.Done():
			pending.Done()
			return ctx.Err()
		}
	}
	for _, p := range paths {
		var err error
		if p == "-" {
			if err = ctx.Err(); err == nil {
				err = walker.stream("-", os.Stdin)
			}
		} else {
			err = walker.path(p, true)
		}
		if err != nil {
			fail(err)
			break
		}
	}
	close(files)
	pending.Wait()
	close(allRead)
	wg.Wait()

	var total Stats
	for _, s := range stats {
		total.Files += s.Files
		total.DigestFiles += s.DigestFiles
		total.Records += s.Records
		total.SkippedRecords += s.SkippedRecords
		total.SkippedFiles += s.SkippedFiles
		total.Bytes += s.Bytes
	}
	return total, firstErr
}
