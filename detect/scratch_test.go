package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/exception"
	"github.com/trailql/trailql/rule"
)

// poisonScratch maps into s a record of n bytes (n >= 64) whose strings are
// all X, overwriting the memory the strings of the document mapped before
// point into (ecs.Mapper.MapShared): whatever a reader kept of that document
// without copying it now reads XXXX.
func poisonScratch(t *testing.T, m *ecs.Mapper, s *ecs.Scratch, n int) {
	t.Helper()
	const head, tail = `{"eventTime":"2024-01-01T00:00:00Z","x":"`, `"}`
	n = max(n, len(head)+len(tail))
	rec := append([]byte(head), bytes.Repeat([]byte("X"), n-len(head)-len(tail))...)
	rec = append(rec, tail...)
	if _, err := m.MapShared(s, rec, false); err != nil {
		t.Fatal(err)
	}
}

// sharedCorpus is what the shared-mapping tests run: every bundled rule,
// the bundled examples and an exception list whose items remove events of
// the seed rule, with the alerts each item removed explained (a second
// evaluation that keeps the ids of removed events).
func sharedCorpus(t *testing.T) (rules []*Compiled, paths []string, ex *Exceptions) {
	t.Helper()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	rules, err := Compile(rule.Bundled(), now)
	must(t, err)
	set := exception.NewSet()
	must(t, set.LoadFile(filepath.Join("..", "testdata", "exceptions", "seed-allowlist.ndjson")))
	return rules, []string{filepath.Join("..", "examples")}, &Exceptions{Global: set.Lists(), Explain: true}
}

// normalAlerts renders alerts as sorted JSON lines, to compare two runs.
func normalAlerts(t *testing.T, alerts []*alert.Alert) []string {
	t.Helper()
	var out []string
	for _, a := range alerts {
		b, err := json.Marshal(a)
		must(t, err)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// A record mapped into a worker's scratch shares its strings with the
// scratch until the next record (ecs.Mapper.MapShared). Whatever a hunt
// keeps (held rows, group keys, exception explanations, evidence) must be
// copied: with the scratch overwritten after every record, the alerts and
// the exception report are those of a hunt that copies every string.
func TestSharedMappingKeepsNoString(t *testing.T) {
	rules, paths, ex := sharedCorpus(t)
	hunt := func(shared bool) ([]string, string) {
		d := New(rules, Options{Workers: 1, Now: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), Exceptions: ex})
		w := d.Worker(0)
		if !shared {
			w.scratch = nil
		}
		var n int
		_, err := (&cloudtrail.Reader{}).Read(context.Background(), paths, func(rec cloudtrail.Record) error {
			n++
			if err := w.process(rec.Raw, &rec); err != nil {
				t.Errorf("record %d: %v", rec.Index, err)
			}
			if shared {
				poisonScratch(t, d.reader.mapper, w.scratch, len(rec.Raw))
			}
			return nil
		})
		must(t, err)
		w.flushCount()
		if n < 1000 {
			t.Fatalf("read %d records from %v, want the examples' 1,882", n, paths)
		}
		alerts, err := d.Finish()
		must(t, err)
		var rep []string
		for _, s := range d.ExceptionReport() {
			rep = append(rep, fmt.Sprintf("%s %s %d %d", s.Rule, s.Item.ItemID, s.Events, s.Alerts))
		}
		return normalAlerts(t, alerts), fmt.Sprint(rep)
	}
	wantAlerts, wantReport := hunt(false)
	gotAlerts, gotReport := hunt(true)
	if len(wantAlerts) == 0 || wantReport == "[]" {
		t.Fatalf("the corpus raised %d alerts, report %s: it tests nothing", len(wantAlerts), wantReport)
	}
	if !slices.Equal(gotAlerts, wantAlerts) {
		t.Errorf("shared mapping: %d alerts differ from copied mapping's %d", len(gotAlerts), len(wantAlerts))
		for i := range min(len(gotAlerts), len(wantAlerts)) {
			if gotAlerts[i] != wantAlerts[i] {
				t.Errorf("first difference:\n got %s\nwant %s", gotAlerts[i], wantAlerts[i])
				break
			}
		}
	}
	if gotReport != wantReport {
		t.Errorf("exception report %s, want %s", gotReport, wantReport)
	}
}

// The daemon's engine (Live) keeps event ids to drop duplicate deliveries:
// with its scratch overwritten after every record, a record delivered twice
// is still dropped, and the alerts are those of copied mapping.
func TestLiveSharedMappingKeepsNoString(t *testing.T) {
	rules, paths, ex := sharedCorpus(t)
	run := func(shared bool) ([]string, int) {
		l, err := NewLive(rules, LiveOptions{Exceptions: ex, Now: func() time.Time { return time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) }})
		must(t, err)
		if !shared {
			l.scratch = nil
		}
		for range 2 { // every record twice: the second delivery is a duplicate
			_, err = (&cloudtrail.Reader{}).Read(context.Background(), paths, func(rec cloudtrail.Record) error {
				if err := l.ProcessRecord(&rec); err != nil {
					t.Errorf("record %d: %v", rec.Index, err)
				}
				if shared {
					poisonScratch(t, l.reader.mapper, l.scratch, len(rec.Raw))
				}
				return nil
			})
			must(t, err)
		}
		_, err = l.FlushIdle()
		must(t, err)
		return normalAlerts(t, l.Alerts()), l.Duplicates
	}
	wantAlerts, wantDup := run(false)
	gotAlerts, gotDup := run(true)
	if len(wantAlerts) == 0 || wantDup < 100 {
		t.Fatalf("%d alerts, %d duplicates: the corpus tests nothing", len(wantAlerts), wantDup)
	}
	if gotDup != wantDup {
		t.Errorf("shared mapping: %d duplicates dropped, want %d", gotDup, wantDup)
	}
	if !slices.Equal(gotAlerts, wantAlerts) {
		t.Errorf("shared mapping: alerts differ from copied mapping's (%d against %d)", len(gotAlerts), len(wantAlerts))
	}
}
