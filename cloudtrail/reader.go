package cloudtrail

import (
	"context"
	"os"
)

// Reader reads CloudTrail logs from files, directories and standard input.
// The zero Reader is ready to use. A Reader is not safe for concurrent Reads.
type Reader struct {
	// OnProblem, when set, receives every problem found in the input, in order.
	// Problems never stop a Read; they are counted in Stats either way.
	OnProblem func(Problem)
}

// Read reads paths in order (files, directories walked recursively in sorted
// order, or "-" for standard input) and calls fn once per record, in file order.
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
			if err = ctx.Err(); err == nil {
				err = u.stream("-", os.Stdin)
			}
		} else {
			err = u.path(p, true)
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

func (r *Reader) report(p Problem) {
	if r.OnProblem != nil {
		r.OnProblem(p)
	}
}
