package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/integrity/integritytest"
)

// trailql verify: exit 0 and no finding on an intact copy; one line per
// tampered file and exit 4 otherwise; exit 4 too when no digest proves
// anything (issue "Logs you can trust").
func TestVerifyCommand(t *testing.T) {
	cases := []struct {
		name     string
		tamper   func(tr *integritytest.Trail)
		sidecars bool
		code     int
		kinds    []string
	}{
		{"intact", func(*integritytest.Trail) {}, true, 0, nil},
		{"edited log", func(tr *integritytest.Trail) {
			tr.Files[tr.Logs[1][2]] = integritytest.Gzip([]byte(`{"Records":[]}`))
		}, true, 4, []string{"modified"}},
		{"deleted log, no metadata", func(tr *integritytest.Trail) { delete(tr.Files, tr.Logs[0][0]) }, false, 4,
			[]string{"missing", "no-signature", "no-signature"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := integritytest.New(t, 2)
			c.tamper(tr)
			dir := t.TempDir()
			tr.WriteDir(t, dir, c.sidecars)
			res := trailql(t, "", "verify", "--format", "ndjson", "--public-keys", tr.KeyDir(t), dir)
			if res.code != c.code {
				t.Fatalf("exit %d, want %d: %s", res.code, c.code, res.stderr)
			}
			var kinds []string
			for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
				if line == "" {
					continue
				}
				var f struct{ Kind, File string }
				if err := json.Unmarshal([]byte(line), &f); err != nil {
					t.Fatalf("not NDJSON: %q", line)
				}
				kinds = append(kinds, f.Kind)
			}
			sort.Strings(kinds)
			if strings.Join(kinds, " ") != strings.Join(c.kinds, " ") {
				t.Errorf("findings %v, want %v", kinds, c.kinds)
			}
			if !strings.Contains(res.stderr, "2 digest files, 6 log files checked") {
				t.Errorf("summary: %q", res.stderr)
			}
		})
	}
	if res := trailql(t, "", "verify", "../../examples"); res.code != 4 || !strings.Contains(res.stderr, "no digest file") {
		t.Errorf("no digests: exit %d, %q; want 4 and a word on it", res.code, res.stderr)
	}
}

// detect --verify raises an alert of the built-in integrity rule for each
// finding, with a stable id, besides the rules' alerts.
func TestDetectVerify(t *testing.T) {
	tr := integritytest.New(t, 2)
	delete(tr.Files, tr.Logs[1][0])
	dir := t.TempDir()
	tr.WriteDir(t, dir, true)
	run := func() map[string]string {
		res := trailql(t, "", "detect", "--format", "ndjson", "--verify", "--public-keys", tr.KeyDir(t), dir)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		out := map[string]string{}
		for _, a := range ndjsonAlerts(t, res.stdout) {
			if a["kibana.alert.rule.name"] == "CloudTrail log file integrity failure" {
				out[a["kibana.alert.uuid"].(string)] = a["trailql.integrity.kind"].(string) + " " + a["kibana.alert.severity"].(string)
			}
		}
		return out
	}
	first, second := run(), run()
	if len(first) != 1 || fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatalf("integrity alerts %v then %v; want one missing-file alert with the same id", first, second)
	}
	for _, v := range first {
		if v != "missing high" {
			t.Errorf("alert %q, want missing high", v)
		}
	}
}

// watch --verify validates its directory source at start: a deleted log
// file becomes one alert in the sink.
func TestWatchVerify(t *testing.T) {
	tr := integritytest.New(t, 2)
	delete(tr.Files, tr.Logs[0][1])
	work := t.TempDir()
	trail := filepath.Join(work, "trail")
	tr.WriteDir(t, trail, true)
	out := filepath.Join(work, "alerts.ndjson")
	d := newDaemon(t, work, nil, "--state", filepath.Join(work, "state.db"), "--sink", "file:"+out,
		"--poll-interval", "50ms", "--verify", "--public-keys", tr.KeyDir(t), trail)
	d.start()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		final, _ := readSink(out, func(doc map[string]any) string {
			return fmt.Sprint(doc["kibana.alert.rule.name"], " ", doc["trailql.integrity.kind"])
		})
		for _, v := range final {
			if v == "CloudTrail log file integrity failure missing" {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no integrity alert in the sink; log:\n%s", d.logTail())
}
