package cloudtrail

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Reader reads CloudTrail logs from files, directories and standard input.
// The zero Reader is ready to use. A Reader is not safe for concurrent Reads.
type Reader struct {
	// OnProblem, when set, receives every problem found in the input, in order.
	// Problems never stop a Read; they are counted in Stats either way.
	OnProblem func(Problem)

	// MaxRecordSize is the largest record, in bytes, passed to the callback;
	// a larger one is a skipped record and reading goes on at the next one.
	// 0 means DefaultMaxRecordSize. Lines and documents are still held whole
	// in memory up to their own limits (256 MiB per NDJSON line, 1 GiB per
	// multi-line document) before records are cut out of them.
	MaxRecordSize int
	// MaxDepth is the deepest nesting of objects and arrays a record may have,
	// counting the record object itself as 1; a deeper record is skipped and
	// reading goes on at the next one. 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxProblemRaw caps Problem.Raw: 0 means 64 KiB, a negative value keeps
	// the offending bytes whole (a dead-letter writer wants them unchanged).
	MaxProblemRaw int
	// Skim, when set, is asked about each line of NDJSON of records before
	// the line is checked: a line for which it returns false, and that has
	// the shape of one whole JSON object (it starts with '{' and ends with
	// '}', and has no backslash and an even number of quotes) and is within
	// MaxRecordSize, is counted
	// in Stats.Records and Stats.Skimmed without being checked further or
	// passed on. A caller whose filters reject most records (detect's
	// prefilters) so avoids the cost of checking them; a damaged line, cut
	// short or garbled, almost never has that shape and is still reported.
	Skim func(line []byte) bool
	// Since and Until, when set, prune delivery files by the time in their
	// names before they are opened (a bounded hunt): a file delivered
	// before Since holds only older events; one delivered more than
	// LateDelivery after Until holds only newer ones, unless late. Pruned
	// files are counted in Stats.PrunedFiles. Files without such a name
	// are read. Events are filtered by their own time by the caller.
	Since, Until time.Time
	// Remote, when set, reads the paths it handles (s3://...) instead of
	// the file system (remote.go).
	Remote Remote
}

// LateDelivery is how long after Until a delivery file may still hold
// events before it: CloudTrail delivers late by hours at most.
const LateDelivery = 24 * time.Hour

// pruned reports whether a file's name puts it outside [Since, Until].
func (r *Reader) pruned(p string) bool {
	if r.Since.IsZero() && r.Until.IsZero() {
		return false
	}
	stamp := deliveryTime(filepath.Base(p))
	if stamp == "" {
		return false
	}
	t, err := time.Parse("20060102T1504Z", stamp)
	if err != nil {
		return false
	}
	// The name is to the minute: a file named in Since's minute may hold it.
	return !r.Since.IsZero() && t.Add(time.Minute).Before(r.Since) || !r.Until.IsZero() && t.After(r.Until.Add(LateDelivery))
}

const (
	// DefaultMaxRecordSize is 16 MiB. CloudTrail's own records are far
	// smaller (the largest in the public data sets are a few hundred KB: big
	// requestParameters/responseElements, policy documents), so the limit
	// only stops hostile or broken input from reaching the mapper.
	DefaultMaxRecordSize = 16 << 20
	// DefaultMaxDepth is 256 levels. Real records nest about ten deep. The
	// ECS mapper's JSON parser (valyala/fastjson, MaxDepth = 300) rejects
	// anything deeper than 300, so a larger limit only moves the error.
	DefaultMaxDepth = 256
)

func (r *Reader) maxRecordSize() int {
	if r.MaxRecordSize > 0 {
		return r.MaxRecordSize
	}
	return DefaultMaxRecordSize
}

func (r *Reader) maxDepth() int {
	switch {
	case r.MaxDepth <= 0:
		return DefaultMaxDepth
	case r.MaxDepth > maxDepth:
		return maxDepth // the scanner's own bound on its stack
	}
	return r.MaxDepth
}

func (r *Reader) maxProblemRaw() int {
	switch {
	case r.MaxProblemRaw < 0:
		return int(^uint(0) >> 1)
	case r.MaxProblemRaw == 0:
		return defaultProblemRaw
	}
	return r.MaxProblemRaw
}

// Read reads paths (files, directories walked recursively, or "-" for
// standard input) and calls fn once per record, in file order. The files
// are read in the time order of the delivery times in CloudTrail's file
// names, across all the paths (other files first, in the order named and
// walked): see order.go and walk.go.
// It returns when all input is read, when ctx is cancelled (with ctx.Err()) or
// when fn returns an error (with that error). Bad input is reported through
// OnProblem and does not end the Read. A blocked read of standard input is not
// interrupted by ctx: it is noticed when the read returns.
func (r *Reader) Read(ctx context.Context, paths []string, fn func(Record) error) (Stats, error) {
	var st Stats
	u := newRun(r, ctx, fn, &st)
	for _, p := range paths {
		var err error
		if p == "-" {
			if err = u.flush(); err == nil {
				if err = ctx.Err(); err == nil {
					err = u.stream("-", os.Stdin)
				}
			}
		} else {
			err = u.gather(p)
		}
		if err != nil {
			return st, err
		}
	}
	return st, u.flush()
}

func (r *Reader) report(p Problem) {
	if r.OnProblem != nil {
		r.OnProblem(p)
	}
}

// ReadStream reads one input, such as an S3 object's body, under the given
// name, as Read reads a file: gzip detected by content, every format, the
// same problems and limits. The name appears in Records and Problems.
func (r *Reader) ReadStream(ctx context.Context, name string, src io.Reader, fn func(Record) error) (Stats, error) {
	var st Stats
	err := newRun(r, ctx, fn, &st).stream(name, src)
	return st, err
}
