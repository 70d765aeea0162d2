package state

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// VolatileFields are the top-level alert fields Version ignores: they
// change each time the same alert is rebuilt, without the alert changing.
// @timestamp is the alert time (alert.Build's now), set anew by every
// evaluation of the same group.
var VolatileFields = []string{"@timestamp"}

// Version is the content version of an alert document: the hex SHA-256 of
// its top-level fields, sorted by name, each value compacted, with
// VolatileFields left out. Two builds of the same alert from the same row
// have the same version; any change of the row (a count, a value list, a
// rule field) gives a new one. doc must be a JSON object.
func Version(doc []byte) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return "", fmt.Errorf("state: alert document: %w", err)
	}
	if m == nil {
		return "", fmt.Errorf("state: alert document is not a JSON object")
	}
	for _, k := range VolatileFields {
		delete(m, k)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	var buf bytes.Buffer
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		buf.Reset()
		if err := json.Compact(&buf, m[k]); err != nil {
			return "", fmt.Errorf("state: alert document field %s: %w", k, err)
		}
		h.Write(kb)
		h.Write([]byte{':'})
		h.Write(buf.Bytes())
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Alert is an alert as recorded: its newest version.
type Alert struct {
	ID        string
	Version   string
	Revision  int    // 1 for the first version, +1 for each change
	Doc       []byte // the document of the newest version
	FirstSeen time.Time
	Updated   time.Time
}

// Upsert records alert id with document doc (its JSON object, e.g.
// alert.Document.MarshalJSON). When the alert is new, or its Version
// differs from the recorded one, the document is stored as the next
// revision and a delivery is enqueued to every sink named by SetSinks,
// all in this transaction, and changed is true. When the version is the
// one recorded, nothing is written and changed is false: the alert was
// already enqueued (and maybe sent), so it is never sent twice.
//
// A delivery still pending for a sink is replaced by the new version (and
// moves to the back of the queue, keeping its attempt count and retry
// time; a parked one is unparked, since the rejection may have been of the
// old content): a sink that is behind gets the newest state, not every
// intermediate one.
func (t *Tx) Upsert(id string, doc []byte) (changed bool, err error) {
	if id == "" {
		return false, fmt.Errorf("state: upsert: empty alert id")
	}
	sinks := t.s.sinkNames()
	if len(sinks) == 0 {
		return false, ErrNoSinks
	}
	version, err := Version(doc)
	if err != nil {
		return false, fmt.Errorf("state: upsert %s: %w", id, err)
	}
	var old string
	var rev int
	switch err := t.queryRow(`SELECT version, revision FROM alerts WHERE id = ?`, id).Scan(&old, &rev); err {
	case nil:
		if old == version {
			return false, nil
		}
	case sql.ErrNoRows:
	default:
		return false, fmt.Errorf("state: upsert %s: %w", id, err)
	}
	now := ms(t.s.now())
	if _, err := t.exec(`INSERT INTO alerts (id, version, revision, doc, first_seen, updated_at) VALUES (?, ?, 1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version, revision = alerts.revision + 1,
			doc = excluded.doc, updated_at = excluded.updated_at`,
		id, version, doc, now, now); err != nil {
		return false, fmt.Errorf("state: upsert %s: %w", id, err)
	}
	for _, sink := range sinks {
		var seq int64
		if err := t.queryRow(`UPDATE counters SET value = value + 1 WHERE name = 'outbox_seq' RETURNING value`).Scan(&seq); err != nil {
			return false, fmt.Errorf("state: upsert %s: sequence: %w", id, err)
		}
		if _, err := t.exec(`INSERT INTO outbox (sink, alert_id, version, seq, next_attempt, enqueued_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (sink, alert_id) DO UPDATE SET version = excluded.version, seq = excluded.seq,
				enqueued_at = excluded.enqueued_at, parked = 0`,
			sink, id, version, seq, now, now); err != nil {
			return false, fmt.Errorf("state: enqueue %s to %s: %w", id, sink, err)
		}
		t.enqueued++
	}
	return true, nil
}

// Alert returns the recorded alert id, as this transaction sees it.
func (t *Tx) Alert(id string) (Alert, bool, error) {
	return scanAlert(t.queryRow(alertQuery, id), id)
}

// Upsert is Tx.Upsert in a transaction of its own.
func (s *Store) Upsert(id string, doc []byte) (changed bool, err error) {
	err = s.write(func(tx *Tx) error {
		changed, err = tx.Upsert(id, doc)
		return err
	})
	return changed, err
}

// Alert returns the recorded alert id and whether there is one.
func (s *Store) Alert(id string) (Alert, bool, error) {
	return scanAlert(s.readRow(alertQuery, id), id)
}

const alertQuery = `SELECT id, version, revision, doc, first_seen, updated_at FROM alerts WHERE id = ?`

func scanAlert(row *sql.Row, id string) (Alert, bool, error) {
	var a Alert
	var first, upd int64
	switch err := row.Scan(&a.ID, &a.Version, &a.Revision, &a.Doc, &first, &upd); err {
	case nil:
		a.FirstSeen, a.Updated = time.UnixMilli(first).UTC(), time.UnixMilli(upd).UTC()
		return a, true, nil
	case sql.ErrNoRows:
		return Alert{}, false, nil
	default:
		return Alert{}, false, fmt.Errorf("state: alert %s: %w", id, err)
	}
}
