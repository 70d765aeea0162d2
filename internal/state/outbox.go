package state

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Delivery is one alert version waiting to be sent to one sink.
type Delivery struct {
	Sink     string
	AlertID  string
	Version  string
	Revision int    // the alert's revision: 1 = first version; > 1 = an update of an alert enqueued before
	Doc      []byte // the alert document of Version (JSON object)
	Attempts int    // failed attempts so far
	// LastError is the error of the last failed attempt, "" if none.
	LastError string
	Enqueued  time.Time
}

// Update reports whether this delivery is a new version of an alert that
// had an earlier one: sinks that can replace a document (Elasticsearch)
// overwrite it, the first version is created.
func (d Delivery) Update() bool { return d.Revision > 1 }

// Pending returns up to limit deliveries for sink that are due now (never
// parked, next attempt not in the future), oldest enqueued first. A
// delivery that failed keeps its place in the order and comes back once
// its retry time has passed.
func (s *Store) Pending(sink string, limit int) ([]Delivery, error) {
	return s.PendingAt(sink, limit, s.now())
}

// PendingAt is Pending as of time now.
func (s *Store) PendingAt(sink string, limit int, now time.Time) ([]Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.Query(`SELECT o.alert_id, o.version, a.revision, a.doc, o.attempts, o.last_error, o.enqueued_at
		FROM outbox o JOIN alerts a ON a.id = o.alert_id
		WHERE o.sink = ? AND o.parked = 0 AND o.next_attempt <= ?
		ORDER BY o.seq LIMIT ?`, sink, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("state: pending %s: %w", sink, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d := Delivery{Sink: sink}
		var enq int64
		if err := rows.Scan(&d.AlertID, &d.Version, &d.Revision, &d.Doc, &d.Attempts, &d.LastError, &enq); err != nil {
			return nil, fmt.Errorf("state: pending %s: %w", sink, err)
		}
		d.Enqueued = time.UnixMilli(enq).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: pending %s: %w", sink, err)
	}
	return out, nil
}

// NextAttempt is the earliest retry time among sink's unparked
// deliveries, and false when it has none: how long a dispatcher may sleep.
func (s *Store) NextAttempt(sink string) (time.Time, bool, error) {
	var next *int64
	if err := s.readRow(`SELECT min(next_attempt) FROM outbox WHERE sink = ? AND parked = 0`, sink).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("state: next attempt %s: %w", sink, err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(*next).UTC(), true, nil
}

// Delivered records that sink accepted version of alertID: the delivery
// leaves the outbox and the version is recorded as sent. When a newer
// version was enqueued meanwhile, that one stays pending.
func (s *Store) Delivered(sink, alertID, version string) error {
	return s.write(func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM outbox WHERE sink = ? AND alert_id = ? AND version = ?`, sink, alertID, version); err != nil {
			return fmt.Errorf("state: delivered %s to %s: %w", alertID, sink, err)
		}
		if _, err := tx.exec(`INSERT INTO sent (sink, alert_id, version, sent_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sink, alert_id) DO UPDATE SET version = excluded.version, sent_at = excluded.sent_at`,
			sink, alertID, version, ms(s.now())); err != nil {
			return fmt.Errorf("state: delivered %s to %s: %w", alertID, sink, err)
		}
		return nil
	})
}

// Failed records a failed attempt to send version of alertID to sink:
// the attempt count grows, the error is kept, and the delivery is not
// offered again before nextAttempt. A zero nextAttempt parks the delivery
// (the sink rejected it for good, e.g. HTTP 400): Pending skips it until
// Unpark. When a newer version was enqueued meanwhile, nothing changes.
func (s *Store) Failed(sink, alertID, version string, cause error, nextAttempt time.Time) error {
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	parked, next := 0, ms(nextAttempt)
	if nextAttempt.IsZero() {
		parked, next = 1, ms(s.now())
	}
	return s.write(func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?, parked = ?
			WHERE sink = ? AND alert_id = ? AND version = ?`, msg, next, parked, sink, alertID, version); err != nil {
			return fmt.Errorf("state: failed %s to %s: %w", alertID, sink, err)
		}
		return nil
	})
}

// Unpark makes sink's parked deliveries due again and returns how many.
// A dispatcher calls it at start, so a restart after fixing a sink's
// configuration retries what the sink had rejected.
func (s *Store) Unpark(sink string) (int64, error) {
	var n int64
	err := s.write(func(tx *Tx) error {
		res, err := tx.exec(`UPDATE outbox SET parked = 0, next_attempt = ? WHERE sink = ? AND parked = 1`, ms(s.now()), sink)
		if err != nil {
			return fmt.Errorf("state: unpark %s: %w", sink, err)
		}
		n, _ = res.RowsAffected()
		if n > 0 {
			tx.enqueued++
		}
		return nil
	})
	return n, err
}

// OutboxStats counts sink's outbox.
type OutboxStats struct {
	Pending int // waiting (due or retrying later)
	Parked  int // rejected for good until Unpark
	Sent    int // alerts with a version delivered
}

// Stats counts sink's deliveries, for status output and metrics.
func (s *Store) Stats(sink string) (OutboxStats, error) {
	var st OutboxStats
	err := s.readRow(`SELECT
		(SELECT count(*) FROM outbox WHERE sink = ?1 AND parked = 0),
		(SELECT count(*) FROM outbox WHERE sink = ?1 AND parked = 1),
		(SELECT count(*) FROM sent WHERE sink = ?1)`, sink).Scan(&st.Pending, &st.Parked, &st.Sent)
	if err != nil {
		return st, fmt.Errorf("state: stats %s: %w", sink, err)
	}
	return st, nil
}

// SentVersion is the version of alertID last delivered to sink, "" if none.
func (s *Store) SentVersion(sink, alertID string) (string, error) {
	var v string
	err := s.readRow(`SELECT version FROM sent WHERE sink = ? AND alert_id = ?`, sink, alertID).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("state: sent %s to %s: %w", alertID, sink, err)
	}
	return v, nil
}
