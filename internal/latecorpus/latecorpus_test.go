package latecorpus

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The same seed gives byte-identical files; another seed does not.
func TestDeterministic(t *testing.T) {
	a, b := Generate(Options{Seed: 7}), Generate(Options{Seed: 7})
	if len(a.Files) != len(b.Files) {
		t.Fatalf("%d vs %d files", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i].Key != b.Files[i].Key || !bytes.Equal(a.Content(a.Files[i]), b.Content(b.Files[i])) {
			t.Fatalf("file %d differs: %s vs %s", i, a.Files[i].Key, b.Files[i].Key)
		}
	}
	dir := t.TempDir()
	for i, c := range []*Corpus{a, b} {
		if err := c.WriteNDJSON(filepath.Join(dir, string(rune('a'+i))+".ndjson")); err != nil {
			t.Fatal(err)
		}
	}
	x, _ := os.ReadFile(filepath.Join(dir, "a.ndjson"))
	y, _ := os.ReadFile(filepath.Join(dir, "b.ndjson"))
	if !bytes.Equal(x, y) {
		t.Error("NDJSON differs between two runs of one seed")
	}
	if c := Generate(Options{Seed: 8}); c.Files[0].Key == a.Files[0].Key {
		t.Error("seeds 7 and 8 give the same first file")
	}
}

var keyRE = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4}/\d{2}/\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Z0-9]{16}\.json\.gz$`)

// The corpus has the shape the tests rely on: CloudTrail's layout and file
// names, delays in their ranges, about 2% and 12% late, both kinds of burst
// that late events change, and every event in exactly one file.
func TestShape(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		c := Generate(Options{Seed: seed})
		s := c.Stats()
		t.Logf("seed %d: %s", seed, s)
		if len(c.Accounts) != 2 || len(c.Regions) < 2 || len(c.Regions) > 4 || c.Regions[0] != "us-east-1" {
			t.Errorf("accounts %v, regions %v", c.Accounts, c.Regions)
		}
		if s.MinOnTime < OnTimeMin || s.MaxOnTime > OnTimeMax || s.MinLate < LateMin || s.MaxLate > LateMax {
			t.Errorf("delays out of range: %s", s)
		}
		if r := float64(s.LateEvents-s.LateBurstEvents) / float64(s.Events-s.BurstEvents); r < 0.01 || r > 0.03 {
			t.Errorf("background late share %.3f", r)
		}
		if r := float64(s.LateBurstEvents) / float64(s.BurstEvents); r < 0.06 || r > 0.2 {
			t.Errorf("burst late share %.3f", r)
		}
		if s.MissingWithoutLate == 0 || s.ShrunkWithoutLate == 0 || s.AlertingBursts < 8 {
			t.Errorf("bursts: %s", s)
		}
		seen := make([]int, len(c.Events))
		for i, f := range c.Files {
			m := keyRE.FindStringSubmatch(f.Key)
			if m == nil || m[1] != f.Account || m[4] != f.Account || m[2] != f.Region || m[5] != f.Region ||
				m[3] != f.Delivery.Format("2006/01/02") || m[6] != f.Delivery.Format("20060102T1504Z") {
				t.Fatalf("bad key %q for %+v", f.Key, f)
			}
			if i > 0 && f.Delivery.Before(c.Files[i-1].Delivery) {
				t.Fatalf("files not in delivery order at %d", i)
			}
			zr, err := gzip.NewReader(bytes.NewReader(c.Content(f)))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(zr)
			var doc struct{ Records []map[string]any }
			if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Records) != len(f.Events) {
				t.Fatalf("%s: %v, %d records", f.Key, err, len(doc.Records))
			}
			for j, e := range f.Events {
				seen[e]++
				ev := c.Events[e]
				r := doc.Records[j]
				if r["recipientAccountId"] != f.Account || r["awsRegion"] != f.Region || ev.Account != f.Account || !ev.Delivery.Equal(f.Delivery) {
					t.Fatalf("%s holds an event of %v/%v", f.Key, r["recipientAccountId"], r["awsRegion"])
				}
				for _, k := range []string{"eventID", "eventTime", "eventSource", "eventName", "sourceIPAddress", "userAgent", "eventType"} {
					if s, _ := r[k].(string); s == "" {
						t.Fatalf("record without %s: %v", k, r)
					}
				}
				if tm, err := time.Parse(time.RFC3339, r["eventTime"].(string)); err != nil || !tm.Equal(ev.Time) {
					t.Fatalf("eventTime %v, want %v", r["eventTime"], ev.Time)
				}
			}
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("event %d is in %d files", i, n)
			}
		}
		for _, b := range c.Bursts {
			if b.Window.Second()%10 != 0 || !strings.Contains(b.ARN, ":") || !slices.IsSorted(b.Actions) {
				t.Errorf("burst %+v", b)
			}
		}
	}
}

// WriteTrail and WriteNDJSON write every event once; file times give
// delivery order.
func TestWrite(t *testing.T) {
	c := Generate(Options{Seed: 1, Duration: 30 * time.Minute, Rate: 1, Bursts: 3})
	dir := t.TempDir()
	if err := c.Write(dir); err != nil {
		t.Fatal(err)
	}
	paths, err := c.WriteTrail(filepath.Join(dir, "trail"))
	if err != nil {
		t.Fatal(err)
	}
	var prev time.Time
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().After(prev) {
			t.Fatalf("%s: modification time %v not after %v", p, fi.ModTime(), prev)
		}
		prev = fi.ModTime()
	}
	nd, _ := os.ReadFile(filepath.Join(dir, "events.ndjson"))
	lines := strings.Split(strings.TrimSuffix(string(nd), "\n"), "\n")
	if len(lines) != len(c.Events) {
		t.Fatalf("%d NDJSON lines, %d events", len(lines), len(c.Events))
	}
	ids := map[string]bool{}
	for _, l := range lines {
		var r struct{ EventID string }
		if err := json.Unmarshal([]byte(l), &r); err != nil || ids[r.EventID] {
			t.Fatalf("line %q: %v (or a duplicate)", l, err)
		}
		ids[r.EventID] = true
	}
}
