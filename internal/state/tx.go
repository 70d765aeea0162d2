package state

import (
	"context"
	"database/sql"
	"fmt"
)

// Tx is one write transaction, passed to the function given to Batch.
// Reads through a Tx see its own uncommitted writes. A Tx must not be used
// after its function returns.
type Tx struct {
	s        *Store
	tx       *sql.Tx
	ctx      context.Context
	enqueued int
}

// Batch runs fn in one write transaction and commits it when fn returns
// nil; when fn returns an error (or panics) nothing of it is kept. This is
// the unit of exactly-once processing: put an input's MarkDone together
// with all its effects (PutBlob, Upsert, SetCheckpoint) in one Batch.
// Batches run one at a time (there is one writer connection).
func (s *Store) Batch(fn func(tx *Tx) error) error {
	return s.BatchContext(context.Background(), fn)
}

// BatchContext is Batch with a context that bounds waiting for the writer
// and the statements.
func (s *Store) BatchContext(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: begin: %w", err)
	}
	t := &Tx{s: s, tx: sqlTx, ctx: ctx}
	committed := false
	defer func() {
		if !committed {
			sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	committed = true
	if t.enqueued > 0 {
		s.signal()
	}
	return nil
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// write runs fn in its own Batch: the Store's single-statement write
// methods are shorthands for a one-call Batch.
func (s *Store) write(fn func(tx *Tx) error) error { return s.Batch(fn) }
