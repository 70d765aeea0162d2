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
	files := make(chan fileJob, workers)
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
	pause := func(w int) {
		if r.OnPause != nil {
			r.OnPause(w)
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
			u.pause = func() { pause(w) }
			files := files
			for {
				select {
				case job, ok := <-files:
					if !ok {
						files = nil // only chunks from now on
						continue
					}
					if ctx.Err() == nil {
						if err := u.file(job.path); err != nil {
							fail(err)
						}
					}
					pause(w)
					close(job.done)
					pending.Done()
				case c := <-chunks:
					if err := u.lineChunk(c); err != nil {
						fail(err)
					}
					pause(w)
				case <-allRead:
					return
				}
			}
		}()
	}

	walker := newRun(&shared, ctx, func(rec Record) error { return fn(workers, rec) }, &stats[workers])
	walker.fanout = offer
	walker.pause = func() { pause(workers) }
	// Files are read in the order given (a directory's in time order), and
	// no file starts more than window files after one still being read: a
	// worker held up on one file (a large one, or descheduled) cannot let
	// the others run far ahead in event time, which a time-bucketed rule's
	// allowed lateness would have to absorb.
	window := 4 * workers
	var inflight []chan struct{}
	walker.dispatch = func(p string) error {
		if len(inflight) >= window {
			select {
			case <-inflight[0]:
				inflight = inflight[1:]
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		job := fileJob{path: p, done: make(chan struct{})}
		pending.Add(1)
		select {
		case files <- job:
			inflight = append(inflight, job.done)
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
			pause(workers)
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
		total.Skimmed += s.Skimmed
		total.Bytes += s.Bytes
	}
	return total, firstErr
}

// fileJob is a file handed to a worker; done is closed when it is read.
type fileJob struct {
	path string
	done chan struct{}
}
