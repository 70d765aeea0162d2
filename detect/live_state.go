package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/trailql/trailql/esql"
	"slices"
	"strconv"
)

// Live's state is saved as blobs: one "meta" blob (watermark inputs,
// de-duplication ids, each rule's run results and the alerts reported) and
// one blob per window holding its rows, written only when the window
// changed. The daemon writes a checkpoint in the same transaction as the
// done-mark of the object that changed it, so after a crash the restored
// state is exactly that of the objects marked done.

// liveStateVersion is the version of the saved state; a state of another
// version is refused rather than misread.
const liveStateVersion = 2

type liveMeta struct {
	Version    int                 `json:"version"`
	MaxEvent   int64               `json:"max_event"`
	Seen       map[string]int64    `json:"seen"`
	Duplicates int                 `json:"duplicates"`
	Rules      map[string]ruleMeta `json:"rules"`
}

type ruleMeta struct {
	Newest  int64               `json:"newest"`
	Ran     int64               `json:"ran"`
	Dropped int64               `json:"dropped"`
	Hits    map[int64][][]any   `json:"hits,omitempty"`
	Pending []int64             `json:"pending,omitempty"`
	Sent    map[string]string   `json:"sent,omitempty"`
	TooLate int64               `json:"too_late,omitempty"`
	Nulls   json.RawMessage     `json:"nulls,omitempty"`
	Changed bool                `json:"changed,omitempty"`
	Windows map[int64]windowTag `json:"windows,omitempty"`
}

// windowTag is what the meta blob says of a window; its rows are in a blob
// of their own.
type windowTag struct {
	Evaluated bool `json:"evaluated,omitempty"`
}

// StateWriter receives a checkpoint: blobs to put and keys to delete.
type StateWriter interface {
	PutBlob(key string, b []byte) error
	DeleteBlob(key string) error
}

// StateReader reads the committed checkpoint back: at Restore, and for the
// rows of windows that left memory once saved (LiveOptions.State).
type StateReader interface {
	GetBlob(key string) ([]byte, bool, error)
}

// stateSpill reads evicted windows back from the saved state.
type stateSpill struct{ r StateReader }

func (s stateSpill) put(string, rowBuf) error {
	return fmt.Errorf("live windows are saved by Checkpoint")
}

func (s stateSpill) get(key string, types []esql.DataType, strs *interner) ([]buffered, error) {
	b, ok, err := s.r.GetBlob(key)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := decodeRows(b, types)
	for _, r := range rows {
		strs.share(r.row)
	}
	return rows, err
}

func (s stateSpill) del(string) {} // Checkpoint deletes what was dropped

func windowKey(ruleID string, k int64) string { return "w/" + ruleID + "/" + strconv.FormatInt(k, 10) }

// Checkpoint writes the state changed since the last checkpoint.
func (l *Live) Checkpoint(w StateWriter) error {
	meta := liveMeta{Version: liveStateVersion, MaxEvent: l.maxEvent, Seen: l.seen, Duplicates: l.Duplicates, Rules: map[string]ruleMeta{}}
	for _, lr := range l.rules {
		ev := lr.ev
		rm := ruleMeta{Newest: ev.newest, Ran: ev.ran, Dropped: ev.dropped, Hits: ev.hits, Sent: lr.sent,
			TooLate: ev.tooLate, Changed: ev.changed, Windows: map[int64]windowTag{}}
		for k := range ev.pending {
			rm.Pending = append(rm.Pending, k)
		}
		slices.Sort(rm.Pending)
		if ev.nulls != nil {
			rows, err := ev.nulls.held.rows()
			if err != nil {
				return err
			}
			b, err := encodeRows(rows)
			if err != nil {
				return err
			}
			rm.Nulls = b
		}
		for _, k := range ev.removed {
			if err := w.DeleteBlob(windowKey(lr.c.Rule.RuleID, k)); err != nil {
				return err
			}
		}
		ev.removed = nil
		for k, win := range ev.win {
			rm.Windows[k] = windowTag{Evaluated: win.evaluated}
			if !win.unsaved {
				continue
			}
			rows, err := ev.rowsOf(k) // all of them, for a window evicted before
			if err != nil {
				return err
			}
			b, err := encodeRows(rows)
			if err != nil {
				return err
			}
			if err := w.PutBlob(windowKey(lr.c.Rule.RuleID, k), b); err != nil {
				return err
			}
			win.unsaved = false
			if !win.inMemory {
				win.held = rowBuf{} // the blob holds them now
			}
		}
		meta.Rules[lr.c.Rule.RuleID] = rm
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return w.PutBlob("meta", b)
}

// Restore loads a Checkpoint taken from a Live with the same rules (a rule
// not in the state starts empty). Windows already evaluated stay in the
// state until an evaluation needs their rows.
func (l *Live) Restore(r StateReader) error {
	mb, ok, err := r.GetBlob("meta")
	if err != nil || !ok {
		return err
	}
	var meta liveMeta
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil {
		return fmt.Errorf("live state: %w", err)
	}
	if meta.Version != liveStateVersion {
		return fmt.Errorf("live state: version %d, want %d (remove the state file to start afresh)", meta.Version, liveStateVersion)
	}
	l.maxEvent, l.Duplicates = meta.MaxEvent, meta.Duplicates
	if meta.Seen != nil {
		l.seen = meta.Seen
	}
	for _, lr := range l.rules {
		rm, ok := meta.Rules[lr.c.Rule.RuleID]
		if !ok {
			continue
		}
		ev := lr.ev
		ev.newest, ev.ran, ev.dropped, ev.tooLate, ev.changed = rm.Newest, rm.Ran, rm.Dropped, rm.TooLate, rm.Changed
		if rm.Hits != nil {
			ev.hits = rm.Hits
		}
		if rm.Sent != nil {
			lr.sent = rm.Sent
		}
		for _, k := range rm.Pending {
			ev.pending[k] = struct{}{}
		}
		if rm.Nulls != nil {
			rows, err := decodeRows(rm.Nulls, ev.p.rowTypes)
			if err != nil {
				return fmt.Errorf("live state: rule %q: %w", lr.c.Rule.Name, err)
			}
			ev.nulls = &window{held: encodeRowBuf(rows), inMemory: true}
		}
		for k, tag := range rm.Windows {
			// What its rows witness is not known: all, for the runs.
			w := &window{evaluated: tag.Evaluated, spilled: true, witnesses: ^uint64(0)}
			ev.win[k] = w
			ev.keys = append(ev.keys, k)
			if _, dirty := ev.pending[k]; !dirty && tag.Evaluated && ev.store != nil {
				continue // read back when an evaluation needs it
			}
			b, ok, err := r.GetBlob(windowKey(lr.c.Rule.RuleID, k))
			if err != nil {
				return err
			}
			if ok {
				rows, err := decodeRows(b, ev.p.rowTypes)
				if err != nil {
					return fmt.Errorf("live state: rule %q: %w", lr.c.Rule.Name, err)
				}
				w.held, w.n = encodeRowBuf(rows), len(rows)
			}
			w.inMemory = true
			ev.mem[k] = struct{}{}
		}
		slices.Sort(ev.keys)
	}
	return nil
}
