package state

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestOpenCreatesSchemaWALAndPrivateFile(t *testing.T) {
	s, path := openTemp(t)
	var mode string
	if err := s.readRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var sync int
	if err := s.w.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if sync != 2 { // FULL: a committed done-mark survives power loss
		t.Errorf("synchronous = %d, want 2 (FULL)", sync)
	}
	var v int
	if err := s.readRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion || v < 1 {
		t.Errorf("schema version = %d, want %d", v, SchemaVersion)
	}
	if runtime.GOOS != "windows" {
		for _, p := range []string{path, filepath.Dir(path)} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s mode %v: readable by others", p, perm)
			}
		}
	}
}

func TestOpenIsIdempotentAndRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint("s3", "k1"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening migrates nothing and keeps the data.
	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if cp, _ := s.Checkpoint("s3"); cp != "k1" {
		t.Errorf("checkpoint after reopen = %q", cp)
	}
	if _, err := s.w.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer than this trailql") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
}

func TestOpenLocksAgainstSecondProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock on windows")
	}
	_, path := openTemp(t)
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "in use by another trailql process") {
		t.Fatalf("second Open: err = %v, want in-use error", err)
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", "/tmp/a?b.db", "/tmp/a#b.db"} {
		if s, err := Open(p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("XDG layout is for unix")
	}
	tests := []struct {
		xdg, home, want string
	}{
		{"/var/lib/x", "/home/u", "/var/lib/x/trailql/state.db"},
		{"", "/home/u", "/home/u/.local/state/trailql/state.db"},
		{"relative/dir", "/home/u", "/home/u/.local/state/trailql/state.db"}, // XDG: relative values are ignored
	}
	for _, tc := range tests {
		t.Setenv("XDG_STATE_HOME", tc.xdg)
		t.Setenv("HOME", tc.home)
		if got := DefaultPath(); got != tc.want {
			t.Errorf("XDG_STATE_HOME=%q HOME=%q: DefaultPath() = %q, want %q", tc.xdg, tc.home, got, tc.want)
		}
	}
}
