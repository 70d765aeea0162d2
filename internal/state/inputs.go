package state

import (
	"database/sql"
	"fmt"
	"time"
)

// MarkDone records that input key of source (an S3 object key, an SQS
// message id, a file path) was processed. info is free text kept for
// people inspecting the database (an ETag, a record count); it may be "".
// Marking an input twice keeps the first mark.
func (t *Tx) MarkDone(source, key, info string) error {
	_, err := t.exec(`INSERT INTO done (source, key, info, done_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, key) DO NOTHING`, source, key, info, ms(t.s.now()))
	if err != nil {
		return fmt.Errorf("state: mark done %s %q: %w", source, key, err)
	}
	return nil
}

// Done reports whether input key of source was marked done, counting this
// transaction's own marks.
func (t *Tx) Done(source, key string) (bool, error) {
	return scanDone(t.queryRow(`SELECT 1 FROM done WHERE source = ? AND key = ?`, source, key), source, key)
}

// SetCheckpoint stores the read position of source (for S3, the StartAfter
// key of the next listing). Put it in the same Batch as the MarkDone of the
// inputs it moves past.
func (t *Tx) SetCheckpoint(source, value string) error {
	_, err := t.exec(`INSERT INTO checkpoints (source, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		source, value, ms(t.s.now()))
	if err != nil {
		return fmt.Errorf("state: set checkpoint %s: %w", source, err)
	}
	return nil
}

// Checkpoint is source's stored read position, "" when none.
func (t *Tx) Checkpoint(source string) (string, error) {
	return scanCheckpoint(t.queryRow(`SELECT value FROM checkpoints WHERE source = ?`, source), source)
}

// MarkDone is Tx.MarkDone in a transaction of its own. Use Batch instead
// when the input had effects.
func (s *Store) MarkDone(source, key, info string) error {
	return s.write(func(tx *Tx) error { return tx.MarkDone(source, key, info) })
}

// Done reports whether input key of source was marked done.
func (s *Store) Done(source, key string) (bool, error) {
	return scanDone(s.readRow(`SELECT 1 FROM done WHERE source = ? AND key = ?`, source, key), source, key)
}

// SetCheckpoint is Tx.SetCheckpoint in a transaction of its own.
func (s *Store) SetCheckpoint(source, value string) error {
	return s.write(func(tx *Tx) error { return tx.SetCheckpoint(source, value) })
}

// Checkpoint is source's stored read position, "" when none.
func (s *Store) Checkpoint(source string) (string, error) {
	return scanCheckpoint(s.readRow(`SELECT value FROM checkpoints WHERE source = ?`, source), source)
}

// ForgetDone deletes the done-marks of source recorded before cutoff and
// returns how many. Call it only for inputs a checkpoint already moves
// past (S3 keys before StartAfter, SQS messages past their retention):
// a forgotten input that is offered again is processed again.
func (s *Store) ForgetDone(source string, cutoff time.Time) (int64, error) {
	var n int64
	err := s.write(func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM done WHERE source = ? AND done_at < ?`, source, ms(cutoff))
		if err != nil {
			return fmt.Errorf("state: forget done %s: %w", source, err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

func scanDone(row *sql.Row, source, key string) (bool, error) {
	var one int
	switch err := row.Scan(&one); err {
	case nil:
		return true, nil
	case sql.ErrNoRows:
		return false, nil
	default:
		return false, fmt.Errorf("state: done %s %q: %w", source, key, err)
	}
}

func scanCheckpoint(row *sql.Row, source string) (string, error) {
	var v string
	switch err := row.Scan(&v); err {
	case nil:
		return v, nil
	case sql.ErrNoRows:
		return "", nil
	default:
		return "", fmt.Errorf("state: checkpoint %s: %w", source, err)
	}
}
