package state

import (
	"database/sql"
	"fmt"
)

// PutBlob stores b under (ns, key), replacing any earlier value. The live
// engine keeps its open-bucket snapshots here, in the same Batch as the
// done-mark of the input that changed them, so after a crash the restored
// buckets are exactly those of the inputs marked done.
func (t *Tx) PutBlob(ns, key string, b []byte) error {
	if b == nil {
		b = []byte{} // NOT NULL column; an empty blob is a value
	}
	_, err := t.exec(`INSERT INTO blobs (ns, key, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		ns, key, b, ms(t.s.now()))
	if err != nil {
		return fmt.Errorf("state: put blob %s/%s: %w", ns, key, err)
	}
	return nil
}

// DeleteBlob removes (ns, key); removing a missing key is not an error.
func (t *Tx) DeleteBlob(ns, key string) error {
	if _, err := t.exec(`DELETE FROM blobs WHERE ns = ? AND key = ?`, ns, key); err != nil {
		return fmt.Errorf("state: delete blob %s/%s: %w", ns, key, err)
	}
	return nil
}

// GetBlobs returns every blob of namespace ns by key, as this transaction
// sees them.
func (t *Tx) GetBlobs(ns string) (map[string][]byte, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT key, value FROM blobs WHERE ns = ?`, ns)
	return scanBlobs(rows, err, ns)
}

// PutBlob is Tx.PutBlob in a transaction of its own.
func (s *Store) PutBlob(ns, key string, b []byte) error {
	return s.write(func(tx *Tx) error { return tx.PutBlob(ns, key, b) })
}

// DeleteBlob is Tx.DeleteBlob in a transaction of its own.
func (s *Store) DeleteBlob(ns, key string) error {
	return s.write(func(tx *Tx) error { return tx.DeleteBlob(ns, key) })
}

// GetBlobs returns every committed blob of namespace ns by key (an empty
// map when there is none).
func (s *Store) GetBlobs(ns string) (map[string][]byte, error) {
	rows, err := s.r.Query(`SELECT key, value FROM blobs WHERE ns = ?`, ns)
	return scanBlobs(rows, err, ns)
}

func scanBlobs(rows *sql.Rows, err error, ns string) (map[string][]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("state: get blobs %s: %w", ns, err)
	}
	defer rows.Close()
	out := make(map[string][]byte)
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("state: get blobs %s: %w", ns, err)
		}
		if v == nil {
			v = []byte{} // SQLite returns an empty blob as NULL bytes
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: get blobs %s: %w", ns, err)
	}
	return out, nil
}

// GetBlob returns the committed blob (ns, key), and whether there is one.
func (s *Store) GetBlob(ns, key string) ([]byte, bool, error) {
	var v []byte
	err := s.r.QueryRow(`SELECT value FROM blobs WHERE ns = ? AND key = ?`, ns, key).Scan(&v)
	switch {
	case err == sql.ErrNoRows:
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("state: get blob %s/%s: %w", ns, key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// GetBlobKeys returns the keys of every committed blob of namespace ns.
func (s *Store) GetBlobKeys(ns string) ([]string, error) {
	rows, err := s.r.Query(`SELECT key FROM blobs WHERE ns = ?`, ns)
	if err != nil {
		return nil, fmt.Errorf("state: get blob keys %s: %w", ns, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("state: get blob keys %s: %w", ns, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
