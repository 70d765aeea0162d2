package state

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// toyEngine stands in for the live detection engine in these tests: it
// counts one event per input object into a group (object i goes to group
// i%3) and raises one alert per group once the group has two events, with
// the count in the document, so every further event changes the alert.
// Counting (not a set) makes a doubly applied object visible: the count
// would be off by one. Its state is one blob per group, restored only from
// committed blobs, as the real engine must do.
type toyEngine struct {
	groups map[string]*toyGroup
}

type toyGroup struct {
	Count   int      `json:"count"`
	Objects []string `json:"objects"`
}

const toyNS = "toy"

func toyObject(i int) string  { return fmt.Sprintf("obj-%03d", i) }
func toyGroupOf(i int) string { return fmt.Sprintf("g%d", i%3) }

func restoreToy(s *Store) (*toyEngine, error) {
	blobs, err := s.GetBlobs(toyNS)
	if err != nil {
		return nil, err
	}
	e := &toyEngine{groups: map[string]*toyGroup{}}
	for k, b := range blobs {
		var g toyGroup
		if err := json.Unmarshal(b, &g); err != nil {
			return nil, fmt.Errorf("blob %s: %w", k, err)
		}
		e.groups[k] = &g
	}
	return e, nil
}

// process is the watch loop's step for object i: skip it if done, apply
// it, then commit its done-mark, its snapshot and its alert in one Batch.
// beforeCommit, if set, runs inside the transaction after every write.
func (e *toyEngine) process(s *Store, i int, beforeCommit func()) (skipped bool, err error) {
	key := toyObject(i)
	done, err := s.Done("s3", key)
	if err != nil || done {
		return done, err
	}
	gname := toyGroupOf(i)
	g := e.groups[gname]
	if g == nil {
		g = &toyGroup{}
	}
	next := toyGroup{Count: g.Count + 1, Objects: append(append([]string(nil), g.Objects...), key)}
	snap, _ := json.Marshal(next)
	err = s.Batch(func(tx *Tx) error {
		if err := tx.MarkDone("s3", key, "etag-"+key); err != nil {
			return err
		}
		if err := tx.PutBlob(toyNS, gname, snap); err != nil {
			return err
		}
		if next.Count >= 2 {
			if _, err := tx.Upsert("alert-"+gname, toyAlert(gname, next.Count, time.Now())); err != nil {
				return err
			}
		}
		if err := tx.SetCheckpoint("s3", key); err != nil {
			return err
		}
		if beforeCommit != nil {
			beforeCommit()
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	// Only a committed batch changes the in-memory state.
	e.groups[gname] = &next
	return false, nil
}

func toyAlert(group string, count int, at time.Time) []byte {
	return []byte(fmt.Sprintf(`{"@timestamp":%q,"group":%q,"count":%d,"kibana.alert.uuid":%q}`,
		at.UTC().Format("2006-01-02T15:04:05.000Z"), group, count, "alert-"+group))
}

// checkToyConsistent verifies the all-or-nothing invariant: the objects
// marked done are exactly those applied to the blobs, each once; every
// group with two or more events has its alert at the matching count and
// revision; every alert has one outbox entry per sink at its version.
func checkToyConsistent(s *Store, sinks []string) (doneCount int, err error) {
	e, err := restoreToy(s)
	if err != nil {
		return 0, err
	}
	applied := map[string]bool{}
	for gname, g := range e.groups {
		if g.Count != len(g.Objects) {
			return 0, fmt.Errorf("group %s: count %d, objects %v", gname, g.Count, g.Objects)
		}
		for _, o := range g.Objects {
			if applied[o] {
				return 0, fmt.Errorf("object %s applied twice", o)
			}
			applied[o] = true
		}
		a, ok, err := s.Alert("alert-" + gname)
		if err != nil {
			return 0, err
		}
		if g.Count < 2 {
			if ok {
				return 0, fmt.Errorf("group %s: alert before its second event", gname)
			}
			continue
		}
		if !ok {
			return 0, fmt.Errorf("group %s (count %d): alert missing", gname, g.Count)
		}
		var doc struct{ Count int }
		if err := json.Unmarshal(a.Doc, &doc); err != nil {
			return 0, err
		}
		if doc.Count != g.Count || a.Revision != g.Count-1 {
			return 0, fmt.Errorf("group %s: alert count %d revision %d, want %d and %d", gname, doc.Count, a.Revision, g.Count, g.Count-1)
		}
		for _, sink := range sinks {
			var v string
			if err := s.readRow(`SELECT version FROM outbox WHERE sink = ? AND alert_id = ?`, sink, a.ID).Scan(&v); err != nil {
				return 0, fmt.Errorf("alert %s not enqueued to %s: %w", a.ID, sink, err)
			}
			if v != a.Version {
				return 0, fmt.Errorf("alert %s: outbox %s has version %s, alert %s", a.ID, sink, v, a.Version)
			}
		}
	}
	rows, err := s.r.Query(`SELECT key FROM done WHERE source = 's3' ORDER BY key`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var done []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		done = append(done, k)
		if !applied[k] {
			return 0, fmt.Errorf("object %s marked done but not applied", k)
		}
	}
	if len(done) != len(applied) {
		var a []string
		for k := range applied {
			a = append(a, k)
		}
		sort.Strings(a)
		return 0, fmt.Errorf("applied %v but done %v", a, done)
	}
	var orphans int
	s.readRow(`SELECT count(*) FROM outbox WHERE alert_id NOT IN (SELECT id FROM alerts)`).Scan(&orphans)
	if orphans != 0 {
		return 0, fmt.Errorf("%d outbox entries without an alert", orphans)
	}
	if len(done) > 0 {
		cp, _ := s.Checkpoint("s3")
		if cp != done[len(done)-1] {
			return 0, fmt.Errorf("checkpoint %q, last done %q", cp, done[len(done)-1])
		}
	}
	return len(done), nil
}
