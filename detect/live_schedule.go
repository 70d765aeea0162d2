package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/esql"
)

// Rules that are not bucketed by event time run live as Kibana runs them:
// every `interval` of wall-clock time, over the events that arrived (were
// read by trailql: their event.ingested) within the rule's lookback, with
// NOW() bound to the run. Their inputs are buffered for the lookback only, so
// memory stays bounded by the event rate times the lookback. A group that
// qualifies in consecutive runs is one alert, updated by each run that
// changes it; Kibana would raise it again in every overlapping run.

// liveScheduled is a rule evaluated on its schedule.
type liveScheduled struct {
	c        *Compiled
	idx      []int
	filter   *prefilter
	pass     bool
	buffer   []ingested
	nextRun  int64                   // ms; 0 until the first event
	episodes map[string]*liveEpisode // by group key
	warnings []string
}

// ingested is one event's inputs with the time it was read.
type ingested struct {
	at  int64
	row []esql.Value
}

type liveEpisode struct {
	first, last int64
	row         string // canonical JSON, to report only changes
}

// runDue runs every scheduled run up to now and returns the alerts that are
// new or changed.
func (ls *liveScheduled) runDue(now time.Time, alertTime time.Time) ([]LiveAlert, error) {
	iv, lb := schedule(ls.c)
	nowMs := now.UnixMilli()
	if ls.nextRun == 0 {
		return nil, nil
	}
	var out []LiveAlert
	names := columnNames(ls.c.Program.Columns())
	for ls.nextRun <= nowMs {
		t := ls.nextRun
		ls.nextRun += iv
		var events []buffered
		for _, e := range ls.buffer {
			if e.at >= t-lb && e.at <= t {
				events = append(events, buffered{ms: e.at, row: e.row})
			}
		}
		seen := map[string]bool{}
		if len(events) > 0 {
			rr := &ruleRun{c: ls.c}
			rows, err := rr.runOnce(time.UnixMilli(t).UTC(), events)
			if err != nil {
				return out, err
			}
			ls.warnings = appendNew(ls.warnings, rr.warnings)
			sortRows(names, ls.c.GroupBy, rows)
			for _, row := range rows {
				key := groupKey(ls.c, names, row)
				seen[key] = true
				body := canonical(row)
				ep, ok := ls.episodes[key]
				update := ok && ep.last == t-iv
				if !update {
					ep = &liveEpisode{first: t}
					ls.episodes[key] = ep
				}
				ep.last = t
				if update && ep.row == body {
					continue
				}
				ep.row = body
				a := alert.Build(ls.c.Rule, names, row, ls.c.GroupBy, alertTime)
				h := sha256.Sum256([]byte(key + "\x00" + time.UnixMilli(ep.first).UTC().Format(time.RFC3339Nano)))
				a.ID = hex.EncodeToString(h[:])
				a.Doc.Set("kibana.alert.uuid", a.ID)
				out = append(out, LiveAlert{Alert: a, Update: update})
			}
		}
		for key, ep := range ls.episodes {
			if !seen[key] && ep.last < t {
				delete(ls.episodes, key)
			}
		}
	}
	// Keep only what a future run can still see.
	keep := ls.buffer[:0]
	for _, e := range ls.buffer {
		if e.at >= ls.nextRun-lb {
			keep = append(keep, e)
		}
	}
	ls.buffer = keep
	return out, nil
}

// add buffers an event read at `at`, and starts the schedule on the first.
func (ls *liveScheduled) add(at int64, row []esql.Value) {
	if ls.nextRun == 0 {
		iv, _ := schedule(ls.c)
		ls.nextRun = (at/iv + 1) * iv // the first run after the first event
	}
	ls.buffer = append(ls.buffer, ingested{at: at, row: row})
}

// scheduledSnapshot is a scheduled rule's state in a Live snapshot.
type scheduledSnapshot struct {
	NextRun  int64                   `json:"next_run"`
	Buffer   []scheduledEvent        `json:"buffer"`
	Episodes map[string]*liveEpisode `json:"episodes"`
}

type scheduledEvent struct {
	At  int64 `json:"at"`
	Row []any `json:"row"`
}

func (ls *liveScheduled) snapshot() scheduledSnapshot {
	s := scheduledSnapshot{NextRun: ls.nextRun, Episodes: ls.episodes}
	for _, e := range ls.buffer {
		s.Buffer = append(s.Buffer, scheduledEvent{At: e.at, Row: jsonRow(e.row)})
	}
	return s
}

func (ls *liveScheduled) restore(s scheduledSnapshot, types []esql.DataType) error {
	ls.nextRun = s.NextRun
	if s.Episodes != nil {
		ls.episodes = s.Episodes
	}
	ls.buffer = nil
	for _, e := range s.Buffer {
		row, err := rowFromJSON(types, e.Row)
		if err != nil {
			return fmt.Errorf("live state: rule %q: %w", ls.c.Rule.Name, err)
		}
		ls.buffer = append(ls.buffer, ingested{at: e.At, row: row})
	}
	sort.SliceStable(ls.buffer, func(i, j int) bool { return ls.buffer[i].at < ls.buffer[j].at })
	return nil
}
