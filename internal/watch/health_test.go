package watch

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// /readyz says why the daemon is not ready: a source whose last object
// failed (until one succeeds), a failed commit, a sink backlog above the
// bound, events older than the lag bound.
func TestHealthReady(t *testing.T) {
	store, err := state.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.SetSinks("file:x")
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	h := &Health{MaxLag: time.Hour, MaxBacklog: 2}
	h.attach(store, []string{"file:x"})
	ready := func() string {
		ok, reasons := h.Ready(now)
		if ok != (len(reasons) == 0) {
			t.Fatalf("ready %v with reasons %v", ok, reasons)
		}
		return strings.Join(reasons, "; ")
	}
	if r := ready(); r != "" {
		t.Errorf("fresh: %s", r)
	}
	h.object("s3://b", errors.New("access denied"), time.Time{})
	if r := ready(); !strings.Contains(r, "source s3://b: the last object failed: access denied") {
		t.Errorf("failing source: %q", r)
	}
	h.object("s3://b", nil, now.Add(-2*time.Hour))
	if r := ready(); !strings.Contains(r, "lag: the newest event read is 2h0m0s old") || strings.Contains(r, "source") {
		t.Errorf("recovered source, old events: %q", r)
	}
	h.object("s3://b", nil, now)
	h.commit(errors.New("disk full"))
	if r := ready(); r != "state: the last commit failed: disk full" {
		t.Errorf("commit: %q", r)
	}
	h.commit(nil)
	for i := 0; i < 3; i++ {
		if _, err := store.Upsert(fmt.Sprint("a", i), []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	if r := ready(); r != "sink file:x: 3 alerts waiting (more than 2)" {
		t.Errorf("backlog: %q", r)
	}
}
