package state

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestOutboxRetryOrdering(t *testing.T) {
	s, path := openTemp(t, "a", "b")
	for i, id := range []string{"x1", "x2", "x3"} {
		if _, err := s.Upsert(id, alertDoc(id, "t", i)); err != nil {
			t.Fatal(err)
		}
	}
	version := func(id string) string {
		a, _, _ := s.Alert(id)
		return a.Version
	}
	now := time.Now()
	pending := func(sink string, at time.Time) []string {
		t.Helper()
		ds, err := s.PendingAt(sink, 100, at)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.AlertID)
		}
		return ids
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	check("a initially", pending("a", now), []string{"x1", "x2", "x3"})

	// x1 fails on a: it waits, others go ahead; sink b is unaffected.
	v1 := version("x1")
	if err := s.Failed("a", "x1", v1, errors.New("503 Service Unavailable"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("a after x1 failed", pending("a", now), []string{"x2", "x3"})
	check("b after x1 failed on a", pending("b", now), []string{"x1", "x2", "x3"})
	// Once due, x1 comes back in its original place, with its history.
	ds, _ := s.PendingAt("a", 100, now.Add(2*time.Hour))
	if len(ds) != 3 || ds[0].AlertID != "x1" || ds[0].Attempts != 1 || ds[0].LastError != "503 Service Unavailable" {
		t.Fatalf("a when x1 due: %+v", ds)
	}
	if next, ok, _ := s.NextAttempt("a"); !ok || next.After(now) {
		t.Errorf("NextAttempt(a) = %v %v, want a due time (x2, x3 are due now)", next, ok)
	}

	// x2 changes before a delivered it: the pending entry takes the new
	// version and moves to the back; the old version's outcome is ignored.
	old2 := version("x2")
	s.Upsert("x2", alertDoc("x2", "t", 99))
	check("a after x2 changed", pending("a", now), []string{"x3", "x2"})
	s.Delivered("a", "x2", old2)
	s.Failed("a", "x2", old2, errors.New("late failure"), now.Add(time.Hour))
	ds, _ = s.PendingAt("a", 100, now)
	if len(ds) != 2 || ds[1].AlertID != "x2" || ds[1].Version != version("x2") || ds[1].Attempts != 0 || ds[1].Revision != 2 {
		t.Fatalf("x2 after stale outcomes: %+v", ds)
	}

	// A rejection parks x3 until Unpark (a restart after fixing config).
	s.Failed("a", "x3", version("x3"), errors.New("400 Bad Request"), time.Time{})
	check("a with x3 parked", pending("a", now.Add(48*time.Hour)), []string{"x1", "x2"})
	st, _ := s.Stats("a")
	if st.Parked != 1 || st.Pending != 2 {
		t.Errorf("stats = %+v", st)
	}
	s.Close()
	s = mustOpen(t, path, "a", "b")
	if n, err := s.Unpark("a"); err != nil || n != 1 {
		t.Fatalf("Unpark = %d, %v", n, err)
	}
	check("a after unpark", pending("a", now.Add(48*time.Hour)), []string{"x1", "x3", "x2"})

	// Delivered removes; limit caps.
	s.Delivered("a", "x3", version("x3"))
	check("a limit 1", func() []string {
		ds, _ := s.PendingAt("a", 1, now.Add(48*time.Hour))
		return []string{ds[0].AlertID}
	}(), []string{"x1"})
	st, _ = s.Stats("a")
	if st.Sent != 2 || st.Pending != 2 || st.Parked != 0 { // x2's old version and x3 were delivered
		t.Errorf("stats after delivery = %+v", st)
	}
}

// TestOutboxDeliveryCarriesDocument: the pending delivery carries the
// newest document bytes exactly as upserted.
func TestOutboxDeliveryCarriesDocument(t *testing.T) {
	s, _ := openTemp(t, "file")
	doc := alertDoc("z", "2024-11-04T10:06:00.123Z", 6)
	s.Upsert("z", doc)
	ds, err := s.Pending("file", 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("pending = %v, %v", ds, err)
	}
	d := ds[0]
	if string(d.Doc) != string(doc) || d.Sink != "file" || d.AlertID != "z" || d.Enqueued.IsZero() {
		t.Errorf("delivery = %+v", d)
	}
	if v, _ := Version(doc); d.Version != v {
		t.Errorf("delivery version %s, want %s", d.Version, v)
	}
}
