package state

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestExactlyOnceAcrossReopen runs the watch loop over 12 objects, closing
// and reopening the store between passes and offering objects again (a
// re-listed bucket, a redelivered SQS message). The final state must equal
// one uninterrupted pass: each object applied once, each alert at the
// right count with one revision per change.
func TestExactlyOnceAcrossReopen(t *testing.T) {
	sinks := []string{"stdout", "webhook"}
	path := filepath.Join(t.TempDir(), "state.db")
	passes := [][]int{{0, 1, 2, 3}, {2, 3, 4, 5, 6}, {0, 6, 7, 8, 9, 10, 11}, {11, 5}}
	for n, objs := range passes {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.SetSinks(sinks...)
		e, err := restoreToy(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range objs {
			skipped, err := e.process(s, i, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantSkip := n > 0 && contains(passes[:n], i)
			if skipped != wantSkip {
				t.Errorf("pass %d object %d: skipped = %v, want %v", n, i, skipped, wantSkip)
			}
		}
		if _, err := checkToyConsistent(s, sinks); err != nil {
			t.Fatalf("pass %d: %v", n, err)
		}
		s.Close()
	}
	s := mustOpen(t, path, sinks...)
	done, err := checkToyConsistent(s, sinks)
	if err != nil {
		t.Fatal(err)
	}
	if done != 12 {
		t.Errorf("done = %d, want 12", done)
	}
	// 12 objects, 4 per group: alerts at count 4, revision 3.
	for _, g := range []string{"g0", "g1", "g2"} {
		a, ok, _ := s.Alert("alert-" + g)
		if !ok || a.Revision != 3 {
			t.Errorf("alert-%s: ok=%v revision=%d, want revision 3", g, ok, a.Revision)
		}
	}
}

func contains(passes [][]int, i int) bool {
	for _, p := range passes {
		for _, j := range p {
			if j == i {
				return true
			}
		}
	}
	return false
}

// TestUpsertSameVersionIsNotEnqueuedAgain pins the no-duplicate rule: a
// rebuild of the same alert (same row, new alert time) is the same
// version, even after it was delivered; a changed row is a new revision.
func TestUpsertSameVersionIsNotEnqueuedAgain(t *testing.T) {
	s, path := openTemp(t, "es")
	changed, err := s.Upsert("a1", alertDoc("a1", "2024-11-04T10:00:00.000Z", 6))
	if err != nil || !changed {
		t.Fatalf("first upsert: changed=%v err=%v", changed, err)
	}
	ds, _ := s.Pending("es", 10)
	if len(ds) != 1 || ds[0].Revision != 1 || ds[0].Update() {
		t.Fatalf("pending = %+v", ds)
	}
	if err := s.Delivered("es", "a1", ds[0].Version); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = mustOpen(t, path, "es")
	// Re-evaluation after a restart: only @timestamp differs.
	changed, err = s.Upsert("a1", alertDoc("a1", "2024-11-04T10:09:00.000Z", 6))
	if err != nil || changed {
		t.Fatalf("same-version upsert: changed=%v err=%v, want unchanged", changed, err)
	}
	if ids := pendingIDs(t, s, "es"); len(ids) != 0 {
		t.Fatalf("same version re-enqueued: %v", ids)
	}
	changed, err = s.Upsert("a1", alertDoc("a1", "2024-11-04T10:10:00.000Z", 7))
	if err != nil || !changed {
		t.Fatalf("changed upsert: changed=%v err=%v", changed, err)
	}
	ds, _ = s.Pending("es", 10)
	if len(ds) != 1 || ds[0].Revision != 2 || !ds[0].Update() {
		t.Fatalf("pending after change = %+v", ds)
	}
	if v, _ := s.SentVersion("es", "a1"); v == "" || v == ds[0].Version {
		t.Errorf("sent version %q should be the first version, not %q", v, ds[0].Version)
	}
}

// TestBatchRollsBackEverything: when the processing function fails, no
// part of the batch is kept and no dispatcher is woken.
func TestBatchRollsBackEverything(t *testing.T) {
	s, _ := openTemp(t, "stdout")
	boom := errors.New("boom")
	err := s.Batch(func(tx *Tx) error {
		tx.MarkDone("s3", "k", "")
		tx.PutBlob("live", "b", []byte("x"))
		tx.SetCheckpoint("s3", "k")
		if ch, err := tx.Upsert("a", alertDoc("a", "2024-01-01T00:00:00.000Z", 1)); err != nil || !ch {
			t.Fatalf("upsert in tx: %v %v", ch, err)
		}
		// Reads inside the transaction see its writes.
		if d, _ := tx.Done("s3", "k"); !d {
			t.Error("tx.Done does not see the tx's own mark")
		}
		if b, _ := tx.GetBlobs("live"); string(b["b"]) != "x" {
			t.Error("tx.GetBlobs does not see the tx's own blob")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Batch err = %v", err)
	}
	if d, _ := s.Done("s3", "k"); d {
		t.Error("done-mark survived rollback")
	}
	if b, _ := s.GetBlobs("live"); len(b) != 0 {
		t.Error("blob survived rollback")
	}
	if cp, _ := s.Checkpoint("s3"); cp != "" {
		t.Error("checkpoint survived rollback")
	}
	if _, ok, _ := s.Alert("a"); ok {
		t.Error("alert survived rollback")
	}
	if ids := pendingIDs(t, s, "stdout"); len(ids) != 0 {
		t.Error("delivery survived rollback")
	}
	select {
	case <-s.Notify():
		t.Error("Notify fired for a rolled-back batch")
	default:
	}
}

func TestUpsertNeedsSinksAndValidDocument(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.Upsert("a", alertDoc("a", "x", 1)); !errors.Is(err, ErrNoSinks) {
		t.Errorf("no sinks: err = %v", err)
	}
	s.SetSinks("stdout")
	for _, doc := range []string{``, `[1]`, `null`, `{"a":`} {
		if _, err := s.Upsert("a", []byte(doc)); err == nil {
			t.Errorf("Upsert(%q) accepted", doc)
		}
	}
	if _, err := s.Upsert("", alertDoc("", "x", 1)); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := s.Upsert("a", alertDoc("a", "x", 1)); err != nil {
		t.Error(err)
	}
	select {
	case <-s.Notify():
	default:
		t.Error("Notify did not fire after an enqueue")
	}
}

func TestVersionIgnoresOnlyAlertTime(t *testing.T) {
	base, _ := Version([]byte(`{"@timestamp":"t1","a":1,"b":[1,2]}`))
	tests := []struct {
		doc  string
		same bool
	}{
		{`{"@timestamp":"t2","a":1,"b":[1,2]}`, true},
		{`{"b":[1, 2],  "a":1}`, true}, // key order and whitespace do not matter
		{`{"@timestamp":"t1","a":2,"b":[1,2]}`, false},
		{`{"@timestamp":"t1","a":1,"b":[2,1]}`, false}, // value order is content
		{`{"@timestamp":"t1","a":1,"b":[1,2],"c":null}`, false},
	}
	for _, tc := range tests {
		v, err := Version([]byte(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		if (v == base) != tc.same {
			t.Errorf("Version(%s) same=%v, want %v", tc.doc, v == base, tc.same)
		}
	}
}

func TestBlobsAndCheckpoints(t *testing.T) {
	s, path := openTemp(t)
	s.PutBlob("live", "rule1", []byte{0, 1, 2})
	s.PutBlob("live", "rule2", nil)
	s.PutBlob("other", "rule1", []byte("o"))
	s.PutBlob("live", "rule1", []byte{9})
	s.DeleteBlob("live", "missing")
	s.SetCheckpoint("s3://b/p", "AWSLogs/1/CloudTrail/us-east-1/2024/11/04/x.json.gz")
	s.Close()
	s = mustOpen(t, path)
	b, err := s.GetBlobs("live")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 || string(b["rule1"]) != "\x09" || b["rule2"] == nil || len(b["rule2"]) != 0 {
		t.Errorf("GetBlobs(live) = %q", b)
	}
	s.DeleteBlob("live", "rule1")
	if b, _ := s.GetBlobs("live"); len(b) != 1 {
		t.Errorf("after delete: %q", b)
	}
	if cp, _ := s.Checkpoint("s3://b/p"); cp != "AWSLogs/1/CloudTrail/us-east-1/2024/11/04/x.json.gz" {
		t.Errorf("checkpoint = %q", cp)
	}
	if cp, _ := s.Checkpoint("unknown"); cp != "" {
		t.Errorf("unknown checkpoint = %q", cp)
	}
}
