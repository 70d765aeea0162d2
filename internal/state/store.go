package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Store is an open state database. Its methods are safe for concurrent
// use: reads run on a pool of read-only connections (WAL lets them proceed
// while a write transaction is open), and every write goes through one
// writer connection, so transactions never contend inside the process.
type Store struct {
	path string
	w    *sql.DB // exactly one connection: the single writer
	r    *sql.DB // read-only connections
	lock *os.File

	mu     sync.Mutex
	sinks  []string
	notify chan struct{}
	now    func() time.Time
}

// ErrNoSinks is returned by Upsert when SetSinks was never called: the
// alert would be recorded as known but delivered nowhere, ever.
var ErrNoSinks = errors.New("state: no sinks configured (call SetSinks before Upsert)")

// busyTimeout bounds how long a statement waits for a lock held by
// another connection (another process reading the file, a checkpoint).
const busyTimeout = 10 * time.Second

// Open opens (creating if needed, with its directory) the state database at
// path and migrates its schema. The database runs in WAL mode with
// synchronous=FULL: a committed Batch survives kill -9 and power loss, which
// is what makes a done-mark trustworthy. Open fails when another trailql
// process holds the same database, or when the file was written by a newer
// trailql (a schema version Open does not know).
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: empty database path")
	}
	// modernc.org/sqlite cuts the DSN at the first '?' for its
	// parameters, so such a path cannot be named safely.
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("state: database path %q must not contain '?' or '#'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		// 0700: the database holds alert documents (identities, IPs).
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
	}
	// Create the file ourselves so it gets 0600; SQLite gives the -wal
	// and -shm files the main file's permissions.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	} else {
		f.Close()
	}
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, lock: lock, notify: make(chan struct{}, 1), now: time.Now}
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, err
	}
	// _txlock=immediate: a write transaction takes the write lock at
	// BEGIN, so it can never fail halfway with SQLITE_BUSY on upgrade.
	params := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)", busyTimeout.Milliseconds())
	if s.w, err = sql.Open("sqlite", path+"?"+params+"&_txlock=immediate"); err != nil {
		return fail(fmt.Errorf("state: open %s: %w", path, err))
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := migrate(s.w); err != nil {
		return fail(fmt.Errorf("state: %s: %w", path, err))
	}
	if s.r, err = sql.Open("sqlite", path+"?"+params+"&_pragma=query_only(1)"); err != nil {
		return fail(fmt.Errorf("state: open %s: %w", path, err))
	}
	s.r.SetMaxOpenConns(4)
	return s, nil
}

// Path is the database file the store was opened on.
func (s *Store) Path() string { return s.path }

// Close closes the database and releases the process lock. Everything
// committed is on disk already; Close only ends the connections (and lets
// SQLite checkpoint the WAL into the main file).
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// SetSinks names the sinks every new or changed alert is enqueued to (the
// Name of each configured sink). Names must be stable across restarts: the
// outbox is keyed by them. Deliveries already enqueued to a sink that is no
// longer configured stay in the outbox untouched; a sink added later
// receives the alerts upserted from then on, not older ones.
func (s *Store) SetSinks(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinks = append([]string(nil), names...)
}

func (s *Store) sinkNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sinks
}

// Notify returns a channel that receives a value (coalesced: capacity one)
// after each committed transaction that enqueued at least one delivery, so
// a dispatcher can wake instead of polling. It is meant for one consumer.
func (s *Store) Notify() <-chan struct{} { return s.notify }

func (s *Store) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// ms converts a time to the integer milliseconds stored in the database.
func ms(t time.Time) int64 { return t.UnixMilli() }

// readRow runs a single-row query on the read pool.
func (s *Store) readRow(query string, args ...any) *sql.Row {
	return s.r.QueryRowContext(context.Background(), query, args...)
}
