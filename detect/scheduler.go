package detect

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"time"
)

// scheduler replays a rule's schedule (schedule.go) over events given in
// roughly increasing time. A run at T is executed once events newer than
// T + lateness have been seen, since no event it needs can still come; the
// events that no later run needs are then dropped, so memory holds one
// lookback of events (plus the lateness) instead of the whole input. With
// lateness 0 every run waits for finish: the batch replay.
type scheduler struct {
	rr       *ruleRun
	iv, lb   int64 // interval and lookback, in milliseconds
	lateness int64 // 0: run only at finish

	buf     []buffered // events a run may still need; unsorted past sorted
	sorted  int        // buf[:sorted] is in time order
	started bool       // a run was executed
	next    int64      // the next run's time, once started
	newest  int64      // newest event time seen
	oldest  int64      // oldest event time in buf, before the schedule starts
	late    int64      // events that arrived after a run that needed them

	names []string
	open  map[string]*episode
	done  []*episode
}

func newScheduler(rr *ruleRun, lateness time.Duration) *scheduler {
	iv, lb := schedule(rr.c)
	return &scheduler{rr: rr, iv: iv, lb: lb, lateness: lateness.Milliseconds(), newest: minMs,
		names: columnNames(rr.c.Program.Columns()), open: map[string]*episode{}}
}

// add takes one event's inputs, and runs what the watermark allows.
func (s *scheduler) add(ev buffered) error {
	if s.started && ev.ms <= s.next-s.iv {
		// The run at or after the event's time was executed without it.
		s.late++
		return nil
	}
	s.buf = append(s.buf, ev)
	if len(s.buf) == 1 || ev.ms < s.oldest {
		s.oldest = ev.ms
	}
	if ev.ms > s.newest {
		s.newest = ev.ms
		if s.lateness > 0 {
			return s.runUntil(s.newest - s.lateness)
		}
	}
	return nil
}

// runUntil executes the runs at or before t.
func (s *scheduler) runUntil(t int64) error {
	if len(s.buf) == 0 && !s.started {
		return nil
	}
	if !s.started {
		// The first run that sees the earliest event; the schedule starts
		// with that run's execution, as an earlier event may still come.
		s.next = ceilDiv(s.oldest, s.iv) * s.iv
		if s.next > t {
			return nil
		}
		s.started = true
	}
	if s.next > t {
		return nil // nothing due: sort only when a run needs order
	}
	s.sort()
	for ; s.next <= t; s.next += s.iv {
		if err := s.run(s.next); err != nil {
			return err
		}
		// Events older than the next run's window are needed no more.
		keep := s.next + s.iv - s.lb
		i := sort.Search(len(s.buf), func(i int) bool { return s.buf[i].ms >= keep })
		s.buf = slices.Delete(s.buf, 0, i)
		s.sorted -= i
	}
	return nil
}

// sort puts buf in time order, stably (arrival order among equal times).
func (s *scheduler) sort() {
	if s.sorted == len(s.buf) {
		return
	}
	byTime := func(a, b buffered) int { return cmp.Compare(a.ms, b.ms) }
	slices.SortStableFunc(s.buf[s.sorted:], byTime)
	if s.sorted > 0 && s.buf[s.sorted].ms < s.buf[s.sorted-1].ms {
		slices.SortStableFunc(s.buf, byTime)
	}
	s.sorted = len(s.buf)
}

// run executes the run at t over the events in [t-lookback, t] and updates
// the episodes: a group that qualifies in consecutive runs is one alert.
func (s *scheduler) run(t int64) error {
	lo := sort.Search(len(s.buf), func(i int) bool { return s.buf[i].ms >= t-s.lb })
	hi := sort.Search(len(s.buf), func(i int) bool { return s.buf[i].ms > t })
	var runRows [][]any
	if hi > lo {
		var err error
		if runRows, err = s.rr.runOnce(time.UnixMilli(t).UTC(), s.buf[lo:hi]); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, row := range runRows {
		key := groupKey(s.rr.c, s.names, row)
		seen[key] = true
		if ep, ok := s.open[key]; ok && ep.last == t-s.iv {
			ep.last, ep.row = t, row
			continue
		} else if ok {
			s.done = append(s.done, ep)
		}
		s.open[key] = &episode{key: key, first: t, last: t, row: row}
	}
	for key, ep := range s.open {
		if !seen[key] && ep.last < t {
			s.done = append(s.done, ep)
			delete(s.open, key)
		}
	}
	return nil
}

// finish executes the remaining runs, up to the first at or after the
// newest event, and returns one row per episode, in order of first run,
// with an identity that includes that run so that separate episodes of one
// group are separate alerts.
func (s *scheduler) finish() (rows [][]any, ids []string, raised, intended []time.Time, err error) {
	if s.newest != minMs {
		if err := s.runUntil(ceilDiv(s.newest, s.iv) * s.iv); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	s.buf = nil
	done := s.done
	for _, ep := range s.open {
		done = append(done, ep)
	}
	sort.SliceStable(done, func(i, j int) bool {
		if done[i].first != done[j].first {
			return done[i].first < done[j].first
		}
		return done[i].key < done[j].key
	})
	for _, ep := range done {
		rows = append(rows, ep.row)
		h := sha256.Sum256([]byte(ep.key + "\x00" + time.UnixMilli(ep.first).UTC().Format(time.RFC3339Nano)))
		ids = append(ids, hex.EncodeToString(h[:]))
		raised = append(raised, time.UnixMilli(ep.first).UTC())
		intended = append(intended, time.UnixMilli(ep.last).UTC())
	}
	return rows, ids, raised, intended, nil
}
