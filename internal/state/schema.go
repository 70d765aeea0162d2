package state

import (
	"database/sql"
	"fmt"
)

// migrations are applied in order; migrations[i] brings the schema from
// version i to i+1. Never edit a released entry: append a new one.
var migrations = []string{
	// v1
	`CREATE TABLE done (
		source  TEXT NOT NULL,
		key     TEXT NOT NULL,
		info    TEXT NOT NULL DEFAULT '',
		done_at INTEGER NOT NULL,
		PRIMARY KEY (source, key)
	) WITHOUT ROWID;
	CREATE TABLE checkpoints (
		source     TEXT PRIMARY KEY,
		value      TEXT NOT NULL,
		updated_at INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE alerts (
		id         TEXT PRIMARY KEY,
		version    TEXT NOT NULL,
		revision   INTEGER NOT NULL,
		doc        BLOB NOT NULL,
		first_seen INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	);
	CREATE TABLE outbox (
		sink         TEXT NOT NULL,
		alert_id     TEXT NOT NULL REFERENCES alerts(id),
		version      TEXT NOT NULL,
		seq          INTEGER NOT NULL,
		attempts     INTEGER NOT NULL DEFAULT 0,
		last_error   TEXT NOT NULL DEFAULT '',
		next_attempt INTEGER NOT NULL,
		parked       INTEGER NOT NULL DEFAULT 0,
		enqueued_at  INTEGER NOT NULL,
		PRIMARY KEY (sink, alert_id)
	) WITHOUT ROWID;
	CREATE INDEX outbox_order ON outbox (sink, parked, seq);
	CREATE TABLE sent (
		sink     TEXT NOT NULL,
		alert_id TEXT NOT NULL,
		version  TEXT NOT NULL,
		sent_at  INTEGER NOT NULL,
		PRIMARY KEY (sink, alert_id)
	) WITHOUT ROWID;
	CREATE TABLE blobs (
		ns         TEXT NOT NULL,
		key        TEXT NOT NULL,
		value      BLOB NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (ns, key)
	) WITHOUT ROWID;
	CREATE TABLE counters (
		name  TEXT PRIMARY KEY,
		value INTEGER NOT NULL
	) WITHOUT ROWID;
	INSERT INTO counters (name, value) VALUES ('outbox_seq', 0);`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// migrate brings the database to SchemaVersion in one transaction, so a
// crash mid-migration leaves the previous version intact.
func migrate(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	var v int
	switch err := tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err {
	case nil:
	case sql.ErrNoRows:
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	default:
		return fmt.Errorf("schema: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this trailql supports (%d); use a newer trailql or another --state", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("schema migration to v%d: %w", v+1, err)
		}
	}
	if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	return tx.Commit()
}
