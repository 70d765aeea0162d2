package cloudtrail

import (
	"context"
	"io"
	"os"
	"sync"
	"time"
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
// floor of the whole pipeline (docs/architecture.md "Performance model").
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
	// A few may wait in the channel; when it is full their reader splits
	// the chunk itself, so no reader blocks on it, and a reader waiting for
	// its chunks splits waiting ones meanwhile (run.await). Workers stay
	// until every file is read (pending), as a reader of the last big file
	// still has chunks to share.
	chunks := make(chan *lineChunk, workers)
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
			u.fanout, u.help = offer, chunks
			files := files
			for {
				select {
				case job, ok := <-files:
					if !ok {
						files = nil // only chunks from now on
						continue
					}
					if ctx.Err() == nil {
						var err error
						if job.open != nil {
							err = u.object(job.path, job.open)
						} else {
							err = u.file(job.path)
						}
						if err != nil {
							fail(err)
						}
					}
					close(job.done)
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
	walker.fanout, walker.help = offer, chunks
	// Files are read in time order (walk.go), and none starts while one
	// delivered more than dispatchSpread earlier is still being read (nor
	// more than window files after it): a worker held up on one file (a
	// large one, or descheduled) cannot let the others run far ahead in
	// event time, which a time-bucketed rule's allowed lateness would have
	// to absorb. Files a delivery interval apart are still read together,
	// so that even one account's single region keeps two workers busy.
	window := 4 * workers
	var inflight []flight
	walker.dispatch = func(p string, open func(context.Context) (io.ReadCloser, error)) error {
		at, timed := DeliveryTime(p)
		for {
			for len(inflight) > 0 && inflight[0].finished() {
				inflight = inflight[1:]
			}
			wait := len(inflight) >= window ||
				timed && len(inflight) > 0 && inflight[0].timed && at.Sub(inflight[0].at) > dispatchSpread
			if !wait {
				break
			}
			select {
			case <-inflight[0].done:
				inflight = inflight[1:]
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		job := fileJob{path: p, open: open, done: make(chan struct{})}
		pending.Add(1)
		select {
		case files <- job:
			inflight = append(inflight, flight{done: job.done, at: at, timed: timed})
			return nil
		case <-ctx.Done():
			pending.Done()
			return ctx.Err()
		}
	}
	err := func() error {
		for _, p := range paths {
			if p != "-" {
				if err := walker.gather(p); err != nil {
					return err
				}
				continue
			}
			if err := walker.flush(); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := walker.stream("-", os.Stdin); err != nil {
				return err
			}
		}
		return walker.flush()
	}()
	if err != nil {
		fail(err)
	}
	close(files)
	pending.Wait()
	close(allRead)
	wg.Wait()

	var total Stats
	for _, s := range stats {
		total.Files += s.Files
		total.DigestFiles += s.DigestFiles
		total.PrunedFiles += s.PrunedFiles
		total.DeclinedFiles += s.DeclinedFiles
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
	open func(context.Context) (io.ReadCloser, error) // a remote object's (nil: a file)
	done chan struct{}
}

// dispatchSpread is how much later than the oldest file still being read
// a file may be delivered and start: CloudTrail's delivery interval.
const dispatchSpread = 5 * time.Minute

// flight is a file being read: when it was delivered (timed: from its
// name), and done closed when it is read.
type flight struct {
	done  chan struct{}
	at    time.Time
	timed bool
}

func (f flight) finished() bool { return closed(f.done) }
