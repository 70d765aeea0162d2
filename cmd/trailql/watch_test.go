package main

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// summaryOf reduces an alert document to what identifies its content: the
// distinct count and the set of actions.
func summaryOf(doc map[string]any) string {
	var acts []string
	switch v := doc["Esql.event_action_values"].(type) {
	case string:
		acts = []string{v}
	case []any:
		for _, x := range v {
			acts = append(acts, fmt.Sprint(x))
		}
	}
	sort.Strings(acts)
	return fmt.Sprint(doc["Esql.event_action_count_distinct"], acts)
}

// Files replayed into a watched directory (out of order, one of them twice),
// with the daemon killed with SIGKILL half-way and restarted, end with exactly
// the alerts `trailql detect` gives on the same files, and no alert version
// is written twice (issue: trailql watch).
func TestWatchKillRestartMatchesDetect(t *testing.T) {
	det := trailql(t, "", "detect", "--format", "ndjson", "../../examples")
	if det.code != 0 {
		t.Fatalf("detect: exit %d: %s", det.code, det.stderr)
	}
	want := map[string]string{}
	for _, a := range ndjsonAlerts(t, det.stdout) {
		want[a["kibana.alert.uuid"].(string)] = summaryOf(a)
	}

	var files []string
	filepath.WalkDir("../../examples", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".ndjson")) {
			files = append(files, p)
		}
		return nil
	})
	rand.New(rand.NewSource(3)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	files = append(files, files[1]) // delivered twice (under another name)

	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	out := filepath.Join(dir, "alerts.ndjson")
	os.MkdirAll(in, 0o755)
	logf, _ := os.Create(filepath.Join(dir, "watch.log"))
	defer logf.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(binary, "watch", "--state", filepath.Join(dir, "state.db"), "--sink", "file:"+out,
			"--poll-interval", "100ms", "--allowed-lateness", "1h", in)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	p := start()
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%03d-%s", i, filepath.Base(f))
		tmp := filepath.Join(in, "."+name)
		os.WriteFile(tmp, data, 0o644)
		os.Rename(tmp, filepath.Join(in, name))
		time.Sleep(40 * time.Millisecond)
		if i == len(files)/2 {
			time.Sleep(150 * time.Millisecond)
			p.Process.Signal(syscall.SIGKILL)
			p.Wait()
			p = start()
		}
	}

	// Wait until every expected alert is in the file in its final form.
	read := func() (map[string]string, map[string]int) { return readSink(out, summaryOf) }
	deadline := time.Now().Add(30 * time.Second)
	var final map[string]string
	var versions map[string]int
	for time.Now().Before(deadline) {
		final, versions = read()
		if fmt.Sprint(final) == fmt.Sprint(want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.Process.Signal(syscall.SIGTERM)
	p.Wait()
	if len(want) == 0 {
		t.Fatal("detect found no alerts to compare")
	}
	if fmt.Sprint(final) != fmt.Sprint(want) {
		log, _ := os.ReadFile(filepath.Join(dir, "watch.log"))
		t.Fatalf("watch alerts differ from detect\nwatch:  %v\ndetect: %v\nlog:\n%s", final, want, log)
	}
	for k, n := range versions {
		if n > 1 {
			t.Errorf("alert version %s written %d times", k, n)
		}
	}
}

// A config file sets what the command line does not; unknown keys fail.
func TestWatchConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "trailql.toml")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	os.WriteFile(cfg, []byte("sink = [\"file:"+filepath.Join(dir, "a.ndjson")+"\"]\nallowed-lateness = \"2h\"\nstate = \""+filepath.Join(dir, "s.db")+"\"\npoll-interval = \"100ms\"\nlisten = \""+addr+"\"\n"), 0o644)
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	data, _ := os.ReadFile("../../examples/ndjson/" + func() string {
		es, _ := os.ReadDir("../../examples/ndjson")
		for _, e := range es {
			if strings.HasSuffix(e.Name(), ".ndjson") {
				return e.Name()
			}
		}
		return ""
	}())
	os.WriteFile(filepath.Join(in, "x.ndjson"), data, 0o644)
	cmd := exec.Command(binary, "watch", "--config", cfg, in)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(filepath.Join(dir, "a.ndjson")); len(b) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// /healthz and /metrics on --listen (from the config file too).
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if h := get("/healthz"); strings.TrimSpace(h) != "ok" {
		t.Errorf("/healthz: %q", h)
	}
	if r := get("/readyz"); strings.TrimSpace(r) != "ready" {
		t.Errorf("/readyz: %q", r)
	}
	m := get("/metrics")
	for _, want := range []string{"trailql_events_read_total 43", "trailql_objects_processed_total 1", `trailql_sink_alerts_delivered{sink="file:`, "trailql_open_buckets",
		"trailql_build_info{", "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if b, _ := os.ReadFile(filepath.Join(dir, "a.ndjson")); len(b) == 0 {
		t.Error("the sink from the config file received no alert")
	}
	os.WriteFile(cfg, []byte("sinks = [\"stdout\"]\n"), 0o644)
	if r := trailql(t, "", "watch", "--config", cfg, in); r.code != 2 || !strings.Contains(r.stderr, `unknown setting "sinks"`) {
		t.Errorf("typo in config: exit %d, %q", r.code, r.stderr)
	}
}

// watch --once reads what the directory holds, delivers, and exits 0 with
// the alerts detect gives; a second run finds nothing new and adds nothing.
func TestWatchOnce(t *testing.T) {
	det := trailql(t, "", "detect", "--format", "ndjson", "../../examples")
	want := map[string]string{}
	for _, a := range ndjsonAlerts(t, det.stdout) {
		want[a["kibana.alert.uuid"].(string)] = summaryOf(a)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "alerts.ndjson")
	args := []string{"watch", "--once", "--log-format", "json", "--state", filepath.Join(dir, "s.db"), "--sink", "file:" + out, "../../examples"}
	for run := 0; run < 2; run++ {
		res := trailql(t, "", args...)
		if res.code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, res.code, res.stderr)
		}
		if !strings.HasPrefix(strings.TrimSpace(res.stderr), "{") {
			t.Errorf("--log-format json: %q", res.stderr[:min(200, len(res.stderr))])
		}
		got, versions := readSink(out, summaryOf)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("run %d: sink %v, want %v", run, got, want)
		}
		for v, n := range versions {
			if n > 1 {
				t.Errorf("run %d: version %s written %d times", run, v, n)
			}
		}
	}
}

// SIGHUP reloads the rules (a broken set is refused, the running one
// stays) and reopens the file sink after a rotation; the daemon goes on.
// Sources may come from the config file alone, as the systemd unit runs it.
func TestWatchSIGHUP(t *testing.T) {
	work := t.TempDir()
	rules := filepath.Join(work, "rules")
	os.MkdirAll(rules, 0o755)
	seed, err := os.ReadFile("../../rule/bundled/seed/discovery_multiple_discovery_api_calls_via_cli.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rules, "seed.toml"), seed, 0o644)
	in := filepath.Join(work, "in")
	os.MkdirAll(in, 0o755)
	out := filepath.Join(work, "alerts.ndjson")
	cfg := filepath.Join(work, "watch.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("source = [%q]\nrules = [%q]\nsink = [%q]\nstate = %q\npoll-interval = \"50ms\"\n",
		in, rules, "file:"+out, filepath.Join(work, "s.db"))), 0o644)
	d := newDaemon(t, work, nil, "--config", cfg)
	d.start()
	waitLog := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if b, _ := os.ReadFile(d.log.Name()); strings.Contains(string(b), what) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no %q in the log:\n%s", what, d.logTail())
	}
	waitLog("watching")
	os.WriteFile(filepath.Join(rules, "broken.toml"), []byte("[rule\n"), 0o644)
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitLog("reload failed")
	os.Remove(filepath.Join(rules, "broken.toml"))
	os.Rename(out, out+".1") // logrotate
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitLog("reloaded")
	// The daemon goes on, into the reopened file.
	b, _ := os.ReadFile("../../examples/ndjson/cloudtrail.ndjson")
	os.WriteFile(filepath.Join(in, "events.ndjson"), b, 0o644)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(out); len(b) > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no alert in the reopened sink file:\n%s", d.logTail())
}
