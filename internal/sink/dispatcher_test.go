package sink

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// switchable is a webhook receiver that can be down (it drops every
// connection) or up, and counts each alert id it accepted.
type switchable struct {
	*httptest.Server
	down     atomic.Bool
	mu       sync.Mutex
	accepted map[string]int
}

func newSwitchable(t *testing.T) *switchable {
	s := &switchable{accepted: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		var doc map[string]any
		json.NewDecoder(r.Body).Decode(&doc)
		id, _ := doc["kibana.alert.uuid"].(string)
		s.mu.Lock()
		s.accepted[id]++
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *switchable) total() (n int, dup bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.accepted {
		n += c
		dup = dup || c > 1
	}
	return n, dup
}

// TestDownSinkKeepsAlertsUntilItRecovers: alerts raised while a sink is
// down wait in the state database, survive a restart of the daemon, and
// are delivered once each when the sink comes back. Another sink keeps
// receiving meanwhile.
func TestDownSinkKeepsAlertsUntilItRecovers(t *testing.T) {
	srv := newSwitchable(t)
	srv.down.Store(true)
	path := filepath.Join(t.TempDir(), "state.db")
	fileOut := filepath.Join(t.TempDir(), "alerts.ndjson")

	run := func(st *state.Store, sinks []Sink) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- NewDispatcher(st, sinks, fastOpts()).Run(ctx) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}

	// First life of the daemon: the webhook is down.
	wh := fastWebhook(t, srv.URL, func(o *WebhookOptions) { o.MaxAttempts = 2 })
	file, err := NewFile(fileOut)
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.SetSinks(wh.Name(), file.Name())
	stop := run(st, []Sink{wh, file})
	ids := upsert(t, st, 3)
	eventually(t, "the file sink to get all alerts", func() bool { return stats(t, st, file.Name()).Sent == 3 })
	eventually(t, "failed webhook attempts", func() bool {
		ds, _ := st.PendingAt(wh.Name(), 10, time.Now().Add(time.Hour))
		return len(ds) == 3 && ds[0].Attempts >= 2
	})
	stop()
	if n, _ := srv.total(); n != 0 {
		t.Fatalf("down receiver accepted %d", n)
	}
	st.Close()
	file.Close()

	// Second life: the webhook is back.
	srv.down.Store(false)
	st, err = state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetSinks(wh.Name(), file.Name())
	if p := stats(t, st, wh.Name()).Pending; p != 3 {
		t.Fatalf("after restart %d pending, want 3", p)
	}
	stop = run(st, []Sink{wh})
	eventually(t, "delivery after recovery", func() bool { return stats(t, st, wh.Name()).Sent == 3 })
	stop()
	n, dup := srv.total()
	if n != 3 || dup {
		t.Errorf("receiver accepted %d (duplicates: %v), want each of %d once", n, dup, len(ids))
	}
	for _, id := range ids {
		if srv.accepted[id] != 1 {
			t.Errorf("alert %s accepted %d times", id, srv.accepted[id])
		}
	}
	if lines := fileLines(t, fileOut); len(lines) != 3 {
		t.Errorf("file sink has %d lines, want 3 (no re-delivery after restart)", len(lines))
	}
}

// TestDispatcherWakesOnUpsert: with polling effectively off, a new alert
// is delivered promptly because the commit wakes the dispatcher.
func TestDispatcherWakesOnUpsert(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a.ndjson")
	file, _ := NewFile(out)
	defer file.Close()
	st := newStore(t, file.Name())
	opts := fastOpts()
	opts.Poll = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewDispatcher(st, []Sink{file}, opts).Run(ctx) }()
	time.Sleep(50 * time.Millisecond) // let the loop go to sleep
	start := time.Now()
	upsert(t, st, 1)
	eventually(t, "the upsert to be delivered", func() bool { return stats(t, st, file.Name()).Sent == 1 })
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("delivery took %v", took)
	}
	cancel()
	<-done
}

// TestDispatcherStopsCleanly: cancelling Run while a sink hangs returns
// within the grace period, and the interrupted attempt is not counted
// against the delivery.
func TestDispatcherStopsCleanly(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	wh := fastWebhook(t, hang.URL, func(o *WebhookOptions) { o.Timeout = time.Hour })
	st := newStore(t, wh.Name())
	upsert(t, st, 1)
	opts := fastOpts()
	opts.Grace = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewDispatcher(st, []Sink{wh}, opts).Run(ctx) }()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Run took %v to stop", took)
	}
	ds, _ := st.Pending(wh.Name(), 10)
	if len(ds) != 1 || ds[0].Attempts != 0 {
		t.Errorf("pending after shutdown = %+v, want the delivery untouched", ds)
	}
}
