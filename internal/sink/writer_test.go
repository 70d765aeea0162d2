package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/trailql/trailql/internal/state"
)

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestFileSinkAppendsNDJSON: alerts are appended one JSON object per line
// after what the file held, across sink restarts, and are in the file as
// soon as Send returns (read back through another handle, before Close).
func TestFileSinkAppendsNDJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	if err := os.WriteFile(path, []byte("{\"earlier\":true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "file:"+path {
		t.Errorf("Name() = %q", s.Name())
	}
	st := newStore(t, s.Name())
	ids := upsert(t, st, 3)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := fileLines(t, path) // before Close: written and synced by Send
	if len(lines) != 4 || lines[0] != `{"earlier":true}` {
		t.Fatalf("file lines = %d: %q", len(lines), lines)
	}
	for i, id := range ids {
		var doc map[string]any
		if err := json.Unmarshal([]byte(lines[i+1]), &doc); err != nil || doc["kibana.alert.uuid"] != id {
			t.Errorf("line %d: %v, uuid %v, want %s", i+2, err, doc["kibana.alert.uuid"], id)
		}
	}
	s.Close()
	s2, _ := NewFile(path)
	defer s2.Close()
	_, doc := seedAlert(t, "arn:aws:iam::1:user/again", 6)
	if err := s2.Send(context.Background(), []state.Delivery{{AlertID: "x", Doc: doc}}); err != nil {
		t.Fatal(err)
	}
	if lines := fileLines(t, path); len(lines) != 5 {
		t.Errorf("after reopen: %d lines, want 5", len(lines))
	}
}

// TestFileSinkNewFileIsPrivate: a new alerts file is created 0600.
func TestFileSinkNewFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	path := filepath.Join(t.TempDir(), "new.ndjson")
	s, err := NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

// TestFileSinkEndsATruncatedLastLine: a line cut short by a crash is
// ended, so the next alert starts on its own line and stays parseable.
func TestFileSinkEndsATruncatedLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	os.WriteFile(path, []byte("{\"whole\":1}\n{\"cut"), 0o600)
	s, err := NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, doc := seedAlert(t, "arn:aws:iam::1:user/x", 6)
	if err := s.Send(context.Background(), []state.Delivery{{AlertID: "x", Doc: doc}}); err != nil {
		t.Fatal(err)
	}
	lines := fileLines(t, path)
	if len(lines) != 3 || lines[1] != `{"cut` || !json.Valid([]byte(lines[2])) {
		t.Errorf("lines = %q", lines)
	}
}

// failAfter accepts n writes, then fails: a full disk.
type failAfter struct {
	n   int
	buf bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("no space left on device")
	}
	f.n--
	return f.buf.Write(p)
}

// TestWriterSinkWritesPerAlertAndReportsPartialFailure: each alert is
// its own write, so on a write error the earlier alerts are out and
// delivered, the failing one failed, the rest not attempted. A document
// with newlines is compacted onto one line.
func TestWriterSinkWritesPerAlertAndReportsPartialFailure(t *testing.T) {
	w := &failAfter{n: 1}
	s := NewWriter("test", w)
	ds := []state.Delivery{
		{AlertID: "a", Doc: []byte("{\n  \"a\": 1\n}")},
		{AlertID: "b", Doc: []byte(`{"b":2}`)},
		{AlertID: "c", Doc: []byte(`{"c":3}`)},
	}
	err := s.Send(context.Background(), ds)
	var be *BatchError
	if !errors.As(err, &be) || len(be.Errs) != 3 {
		t.Fatalf("err = %v, want a BatchError of 3", err)
	}
	if be.Errs[0] != nil || be.Errs[1] == nil || IsPermanent(be.Errs[1]) || !errors.Is(be.Errs[2], ErrNotAttempted) {
		t.Errorf("outcomes = %v", be.Errs)
	}
	if got := w.buf.String(); got != "{\"a\":1}\n" {
		t.Errorf("written = %q", got)
	}
}
