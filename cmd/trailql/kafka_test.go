package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// finalAlerts reads file sinks and keeps, per alert id, the version with the
// most events behind it (a later version of a growing group), and reports
// an id seen with two different versions of the same event count.
func finalAlerts(t *testing.T, files ...string) map[string]string {
	out := map[string]string{}
	best := map[string]float64{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			var a map[string]any
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			id := a["kibana.alert.uuid"].(string)
			n, _ := a["trailql.evidence.event_count"].(float64)
			if n >= best[id] {
				best[id] = n
				out[id] = fmt.Sprint(a["Esql.event_action_count_distinct"], " ", n)
			}
		}
	}
	return out
}

func describe(m map[string]string) string {
	var s []string
	for id, v := range m {
		s = append(s, id[:12]+" "+v)
	}
	sort.Strings(s)
	return strings.Join(s, "\n")
}

// Scale-out on Kafka (kfake on loopback): ingest half the files, three
// watch processes in one consumer group, one killed with SIGKILL, ingest
// the other half: the alerts of the three sinks together are the alerts of
// detect on all the files, each group counted once.
func TestKafkaScaleOut(t *testing.T) {
	broker := kafkaBroker(t)
	dir := t.TempDir()
	var files []string
	filepath.Walk("../../examples/AWSLogs", func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return filepath.Base(files[i]) < filepath.Base(files[j]) })
	half := [2]string{filepath.Join(dir, "first"), filepath.Join(dir, "second")}
	for i, f := range files {
		d := half[0]
		if i >= len(files)/2 {
			d = half[1]
		}
		os.MkdirAll(d, 0o755)
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(d, filepath.Base(f)), b, 0o644)
	}
	topic := fmt.Sprintf("kafka://%s/trailql.events", broker)
	ingest := func(src string) {
		r := trailql(t, "", "ingest", "--once", "--partitions", "12", "--state", filepath.Join(dir, "ingest.db"), "--to", topic, src)
		if r.code != 0 {
			t.Fatalf("ingest %s: exit %d: %s", src, r.code, r.stderr)
		}
	}
	ingest(half[0])
	var ds []*daemon
	var sinks []string
	for i := 0; i < 3; i++ {
		wd := filepath.Join(dir, fmt.Sprint("w", i))
		os.MkdirAll(wd, 0o755)
		sink := filepath.Join(wd, "alerts.ndjson")
		sinks = append(sinks, sink)
		d := newDaemon(t, wd, nil, "--state", filepath.Join(wd, "state.db"), "--sink", "file:"+sink, "--log-level", "info", topic+"?group=detectors")
		d.start()
		ds = append(ds, d)
	}
	defer func() {
		for _, d := range ds {
			d.stop(syscall.SIGTERM)
		}
	}()
	time.Sleep(8 * time.Second) // the group forms, partitions are read
	ds[0].stop(syscall.SIGKILL)
	ingest(half[1])

	want := map[string]string{}
	for _, a := range ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", "../../examples/AWSLogs").stdout) {
		want[a["kibana.alert.uuid"].(string)] = fmt.Sprint(a["Esql.event_action_count_distinct"], " ", a["trailql.evidence.event_count"])
	}
	if len(want) == 0 {
		t.Fatal("no reference alerts")
	}
	var got map[string]string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if got = finalAlerts(t, sinks...); describe(got) == describe(want) {
			return
		}
	}
	t.Errorf("the group's alerts\n%s\nwant (detect)\n%s\nlogs of a survivor:\n%s", describe(got), describe(want), ds[1].logTail())
}

// A rule whose groups span ARNs (here BY source.ip) is not run by a group
// by default; with --kafka-rules unkeyed in a group of one member, which
// owns every partition, it is exact: the documented way to run such rules
// beside a scaled-out group.
func TestKafkaUnkeyedRuleOneMember(t *testing.T) {
	broker := kafkaBroker(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "by-ip.toml", `[metadata]
creation_date = "2026/12/05"
[rule]
author = ["test"]
description = "many actions from one address"
name = "Many actions from one source IP"
risk_score = 21
rule_id = "00000000-0000-0000-0000-0000000000ip"
severity = "low"
type = "esql"
language = "esql"
from = "now-1h"
interval = "10m"
query = '''
FROM logs-aws.cloudtrail-*
| STATS n = COUNT_DISTINCT(event.action) BY source.ip
| WHERE n >= 15
'''
`)
	topic := fmt.Sprintf("kafka://%s/trailql.events-by-ip", broker)
	if r := trailql(t, "", "ingest", "--once", "--partitions", "12", "--state", filepath.Join(dir, "ingest.db"), "--to", topic, "../../examples/AWSLogs"); r.code != 0 {
		t.Fatalf("ingest: %s", r.stderr)
	}
	// By default a group runs only the rules keyed by the ARN: none here.
	if r := trailql(t, "", "watch", "--rules", rules, "--state", filepath.Join(dir, "x.db"), topic+"?group=x"); r.code != 2 || !strings.Contains(r.stderr, "leaves no rule") {
		t.Errorf("an unkeyed rule in a default group: exit %d, %s", r.code, r.stderr)
	}
	sink := filepath.Join(dir, "alerts.ndjson")
	d := newDaemon(t, dir, nil, "--rules", rules, "--kafka-rules", "unkeyed", "--state", filepath.Join(dir, "state.db"), "--sink", "file:"+sink, topic+"?group=by-ip")
	d.start()
	defer d.stop(syscall.SIGTERM)
	want := map[string]string{}
	for _, a := range ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", "--rules", rules, "../../examples/AWSLogs").stdout) {
		want[a["kibana.alert.uuid"].(string)] = fmt.Sprint(a["n"], " ", a["trailql.evidence.event_count"])
	}
	if len(want) == 0 {
		t.Fatal("no reference alerts: the test rule needs a lower threshold")
	}
	var got string
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		m := map[string]string{}
		b, _ := os.ReadFile(sink)
		for _, a := range ndjsonAlerts(t, string(b)) {
			m[a["kibana.alert.uuid"].(string)] = fmt.Sprint(a["n"], " ", a["trailql.evidence.event_count"])
		}
		if got = describe(m); got == describe(want) {
			return
		}
	}
	t.Errorf("alerts\n%s\nwant\n%s\n%s", got, describe(want), d.logTail())
}

// kafkaBroker is a kfake cluster on loopback for the test, or the real one
// TRAILQL_KAFKA_SEEDS names; tests that start processes skip with -short.
func kafkaBroker(t *testing.T) string {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if s := os.Getenv("TRAILQL_KAFKA_SEEDS"); s != "" {
		return s
	}
	c, err := kfake.NewCluster(kfake.Ports(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}
