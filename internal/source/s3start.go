package source

import (
	"fmt"
	"time"
)

// Where an S3 source starts.
//
// A fresh state starts at Options.Start (watch's default: the largest rule
// lookback before now) rather than at a bucket's years of history. That
// start is kept with the checkpoints, under startMark, the first time the
// source runs: an account or region that has no checkpoint of its own at a
// later start (it was idle, or is new) must begin at the first start, not at
// the later one, or whatever it received while watch was down (an attacker
// in a region nobody uses) would be skipped unseen. A state kept before
// the mark existed has checkpoints but no mark: it started at the bucket's
// beginning, and so do its new leaves.

// startMarkAll is the mark of a source that started at the bucket's
// beginning.
const startMarkAll = "all"

// startMark names the checkpoint holding where the source first started.
// Leaf checkpoints are named s3://bucket/prefix/, ending with "/", so it
// cannot be one of them.
func (s *s3Source) startMark() string { return "s3://" + s.bucket + "/" + s.prefix + "#start" }

// resolveStart sets s.start, where leaves without a checkpoint start: Since
// when given, else the first start kept in the mark, writing the mark on a
// source's first run. It needs the leaves (a state kept before the mark
// existed is told by its leaves' checkpoints).
func (s *s3Source) resolveStart() error {
	name := s.startMark()
	mark, err := s.opts.Checkpoints.Checkpoint(name)
	if err != nil {
		return Fatal(fmt.Errorf("checkpoints: %w", err))
	}
	var first time.Time
	switch mark {
	case startMarkAll:
	case "":
		first = s.opts.Since
		if first.IsZero() {
			first = s.opts.Start
		}
		for _, l := range s.leaves {
			cp, err := s.opts.Checkpoints.Checkpoint("s3://" + s.bucket + "/" + l.prefix)
			if err != nil {
				return Fatal(fmt.Errorf("checkpoints: %w", err))
			}
			if cp != "" {
				first = time.Time{} // read from the beginning before the mark existed
				break
			}
		}
		mark = startMarkAll
		if !first.IsZero() {
			mark = first.UTC().Format(time.RFC3339Nano)
		}
		if err := s.opts.Checkpoints.SetCheckpoint(name, mark); err != nil {
			return Fatal(fmt.Errorf("checkpoints: %w", err))
		}
	default:
		if first, err = time.Parse(time.RFC3339Nano, mark); err != nil {
			return Fatal(fmt.Errorf("checkpoints: %s: %q is not a start time", name, mark))
		}
	}
	s.start = first
	if !s.opts.Since.IsZero() {
		s.start = s.opts.Since // asked for: it wins over the first start
	}
	return nil
}
