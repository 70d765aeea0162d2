package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/twmb/franz-go/pkg/kfake"
)

// kafkaBroker is a kfake cluster on loopback for the test, or the real one
// TRAILQL_KAFKA_SEEDS names; tests that start processes skip with -short.
func kafkaBroker(t *testing.T) string {
	t.Helper()
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

// kafkaTopic is a topic no other test, or earlier run on a real cluster,
// has used.
func kafkaTopic(broker, name string) string {
	return fmt.Sprintf("kafka://%s/trailql.test.%s.%d", broker, name, time.Now().UnixNano())
}

// byAccountRule is a scheduled rule grouped by account: its groups span
// ARNs (dozens in the late corpus), so it reads a repartition topic that
// ingest fills.
const byAccountRule = `[metadata]
creation_date = "2026/12/05"
[rule]
author = ["test"]
description = "many CLI actions in one account"
name = "Many CLI actions in one account"
risk_score = 21
rule_id = "00000000-0000-0000-0000-00000000acct"
severity = "low"
type = "esql"
language = "esql"
from = "now-1h"
interval = "10m"
query = '''
FROM logs-aws.cloudtrail-*
| WHERE user_agent.name == "aws-cli"
| STATS n = COUNT_DISTINCT(event.action), arns = COUNT_DISTINCT(aws.cloudtrail.user_identity.arn), c = COUNT(*) BY cloud.account.id
| WHERE n >= 10 AND arns >= 2
'''
`

// kafkaAlertSummary is an alert without its alert time, its lists sorted (the
// order of VALUES and of the evidence follows the order events were read).
func kafkaAlertSummary(doc map[string]any) string {
	m := map[string]any{}
	for k, v := range doc {
		if l, ok := v.([]any); ok {
			s := make([]string, len(l))
			for i, x := range l {
				s[i] = fmt.Sprint(x)
			}
			sort.Strings(s)
			v = s
		}
		m[k] = v
	}
	delete(m, "@timestamp")
	b, _ := json.Marshal(m)
	return string(b)
}

// sinkVersions reads file sinks: every version written of each alert.
func sinkVersions(files ...string) map[string][]string {
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var doc map[string]any
			if json.Unmarshal(sc.Bytes(), &doc) != nil {
				continue
			}
			id, _ := doc["kibana.alert.uuid"].(string)
			out[id] = append(out[id], kafkaAlertSummary(doc))
		}
		fh.Close()
	}
	return out
}

// groupDiff says how the sinks of a group differ from detect's alerts:
// every alert must be there in its final version, and no other alert;
// "" when they agree.
func groupDiff(want map[string]string, got map[string][]string) string {
	var diff []string
	for id, w := range want {
		found := false
		for _, v := range got[id] {
			found = found || v == w
		}
		if !found {
			diff = append(diff, fmt.Sprintf("missing %s (%d other versions)", id, len(got[id])))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			diff = append(diff, "extra "+id)
		}
	}
	sort.Strings(diff)
	if len(diff) > 10 {
		diff = append(diff[:10], fmt.Sprintf("... and %d more", len(diff)-10))
	}
	return strings.Join(diff, "\n")
}

// Scale-out on Kafka, as the README's "Trying it" does it: ingest of half
// the delivery files, three watch processes in one consumer group, one
// killed with SIGKILL once it has committed alerts while the group still
// reads, ingest of the other half. The alerts of the three sinks together are those of detect on all
// the files: every alert in its final version under its one id, none
// missing, none extra. The rules are the seed rule (keyed by the ARN) and a
// rule BY account (its repartition topic filled by ingest). The corpus
// has late deliveries, which amend alerts across the halves.
func TestKafkaScaleOut(t *testing.T) {
	broker := kafkaBroker(t)
	lc := newLateCase(t, 2)
	dir := t.TempDir()
	rules := writeFile(t, dir, "by-account.toml", byAccountRule)
	ruleFlags := []string{"--rules", "bundled", "--rule-id", "74f45152-9aee-11ef-b0a5-f661ea17fbcd", "--rules", rules, "--rule-id", "00000000-0000-0000-0000-00000000acct"}
	half := [2]string{filepath.Join(dir, "first"), filepath.Join(dir, "second")}
	for i, f := range lc.files {
		rel, err := filepath.Rel(lc.trail, f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(half[i*2/len(lc.files)], rel)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		b, _ := os.ReadFile(f)
		os.WriteFile(dst, b, 0o644)
	}
	det := trailql(t, "", append([]string{"detect", "--format", "ndjson", lc.trail}, ruleFlags...)...)
	if det.code != 0 {
		t.Fatalf("detect: exit %d: %s", det.code, det.stderr)
	}
	want := map[string]string{}
	rulesSeen := map[string]bool{}
	for _, a := range ndjsonAlerts(t, det.stdout) {
		want[a["kibana.alert.uuid"].(string)] = kafkaAlertSummary(a)
		rulesSeen[fmt.Sprint(a["kibana.alert.rule.rule_id"])] = true
	}
	if len(rulesSeen) != 2 {
		t.Fatalf("detect's alerts are of %d rules, want both", len(rulesSeen))
	}

	topic := kafkaTopic(broker, "scaleout")
	ingest := func(src string) {
		t.Helper()
		r := trailql(t, "", append([]string{"ingest", "--once", "--partitions", "12", "--state", filepath.Join(dir, "ingest.db"), "--to", topic, src}, ruleFlags...)...)
		if r.code != 0 {
			t.Fatalf("ingest %s: exit %d: %s", src, r.code, r.stderr)
		}
	}
	ingest(half[0])
	var ds []*daemon
	var sinks, listen []string
	for i := 0; i < 3; i++ {
		wd := filepath.Join(dir, fmt.Sprint("w", i))
		os.MkdirAll(wd, 0o755)
		sink := filepath.Join(wd, "alerts.ndjson")
		sinks = append(sinks, sink)
		listen = append(listen, freeAddr(t))
		d := newDaemon(t, wd, nil, append([]string{"--state", filepath.Join(wd, "state.db"), "--sink", "file:" + sink, "--listen", listen[i], topic + "?group=detectors"}, ruleFlags...)...)
		d.start()
		ds = append(ds, d)
	}
	defer func() {
		for _, d := range ds {
			d.stop(syscall.SIGTERM)
		}
	}()
	// Killed mid-stream: once it has committed alerts of its partitions
	// (their state is in the changelog), while the group still reads. A
	// member killed before it committed anything would leave no state in
	// the changelog to restore, and the test would test less: it waits
	// for one (a loaded machine forms the group slowly).
	for deadline := time.Now().Add(60 * time.Second); len(sinkVersions(sinks[0])) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first member committed no alert in 60 s; its log:\n%s", ds[0].logTail())
		}
	}
	ds[0].stop(syscall.SIGKILL)
	ingest(half[1])

	var diff string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if diff = groupDiff(want, sinkVersions(sinks...)); diff == "" {
			t.Logf("%d alerts, as detect; the killed member's sink had %d", len(want), len(sinkVersions(sinks[0])))
			checkMembers(t, listen[1:], 24)
			l1, _ := os.ReadFile(ds[1].log.Name())
			l2, _ := os.ReadFile(ds[2].log.Name())
			if logs := string(l1) + string(l2); !strings.Contains(logs, "state=changelog") {
				t.Errorf("no survivor restored a partition from the changelog:\n%s", logs)
			}
			return
		}
	}
	t.Errorf("the group's alerts differ from detect's (%d):\n%s\nlog of a survivor:\n%s", len(want), diff, ds[1].logTail())
}

// A rule that reads a repartition topic is refused when ingest was not
// given it (the topic does not exist): its events would never come.
func TestKafkaRepartitionTopicMissing(t *testing.T) {
	broker := kafkaBroker(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "by-account.toml", byAccountRule)
	topic := kafkaTopic(broker, "missing")
	if r := trailql(t, "", "ingest", "--once", "--partitions", "3", "--state", filepath.Join(dir, "ingest.db"), "--to", topic, "../../examples/AWSLogs"); r.code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
	}
	r := trailql(t, "", "watch", "--rules", rules, "--state", filepath.Join(dir, "state.db"), topic+"?group=x")
	if r.code != 2 || !strings.Contains(r.stderr, "ingest") || !strings.Contains(r.stderr, ".rekey.00000000-0000-0000-0000-00000000acct.") {
		t.Errorf("exit %d, want 2 and the topic named; stderr:\n%s", r.code, r.stderr)
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// checkMembers reads the survivors' /healthz and /metrics: healthy, owning
// every partition between them (the events topic's and the repartition
// topic's), none lagging.
func checkMembers(t *testing.T, addrs []string, partitions int) {
	t.Helper()
	owned := 0
	for _, a := range addrs {
		resp, err := http.Get("http://" + a + "/healthz")
		if err != nil {
			t.Errorf("%s/healthz: %v", a, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s/healthz: %s", a, resp.Status)
		}
		resp, err = http.Get("http://" + a + "/metrics")
		if err != nil {
			t.Errorf("%s/metrics: %v", a, err)
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "trailql_kafka_partition_owned{"):
				owned++
			case strings.HasPrefix(line, "trailql_kafka_consumer_lag{") && !strings.HasSuffix(line, " 0"):
				t.Errorf("%s: %s", a, line)
			case strings.HasPrefix(line, "trailql_kafka_group_lost ") && !strings.HasSuffix(line, " 0"):
				t.Errorf("%s: %s", a, line)
			}
		}
		resp.Body.Close()
	}
	if owned != partitions {
		t.Errorf("the survivors own %d partitions, want %d", owned, partitions)
	}
}

// Ingest reads an s3:// source as watch does, with the same checkpoints:
// a second --once run finds nothing new, and a group reading the topic
// gives detect's alerts on the bucket.
func TestKafkaIngestS3(t *testing.T) {
	broker := kafkaBroker(t)
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	if err := be.CreateBucket("trail"); err != nil {
		t.Fatal(err)
	}
	root := "../../examples"
	objects := 0
	err := filepath.Walk(filepath.Join(root, "AWSLogs"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		key, _ := filepath.Rel(root, p)
		objects++
		_, err = be.PutObject("trail", filepath.ToSlash(key), map[string]string{}, strings.NewReader(string(data)), int64(len(data)), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	awsTestEnv(t)
	dir := t.TempDir()
	topic := kafkaTopic(broker, "s3")
	ingest := func() result {
		t.Helper()
		r := trailql(t, "", "ingest", "--once", "--partitions", "6", "--state", filepath.Join(dir, "ingest.db"), "--endpoint-url", srv.URL, "--since", "all", "--to", topic, "s3://trail/AWSLogs/")
		if r.code != 0 {
			t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
		}
		return r
	}
	if r := ingest(); !strings.Contains(r.stderr, "1839 records produced") {
		t.Errorf("first ingest: %s", r.stderr)
	}
	if r := ingest(); !strings.Contains(r.stderr, "0 records produced") {
		t.Errorf("second ingest, nothing new in the bucket: %s", r.stderr)
	}
	want := map[string]string{}
	for _, a := range ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", filepath.Join(root, "AWSLogs")).stdout) {
		want[a["kibana.alert.uuid"].(string)] = kafkaAlertSummary(a)
	}
	sink := filepath.Join(dir, "alerts.ndjson")
	d := newDaemon(t, dir, nil, "--state", filepath.Join(dir, "state.db"), "--sink", "file:"+sink, topic+"?group=g")
	d.start()
	defer d.stop(syscall.SIGTERM)
	var diff string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if diff = groupDiff(want, sinkVersions(sink)); diff == "" {
			return
		}
	}
	t.Errorf("alerts from the bucket's topic differ from detect's:\n%s\n%s", diff, d.logTail())
}
