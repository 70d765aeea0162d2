package kafka

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/internal/sink"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/rule"
)

// testRules are the seed rule (bucketed, keyed by the ARN), a scheduled
// rule BY source.ip and a rule BY a multi-valued key, both repartitioned.
func testRules(t *testing.T) []*detect.Compiled {
	seed, err := detect.CompileRule(rule.Seed(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return []*detect.Compiled{seed,
		testRule(t, "by-ip", `FROM logs-aws.cloudtrail-* | WHERE event.action LIKE "Describe*" | STATS n = COUNT_DISTINCT(event.action), c = COUNT(*) BY source.ip | WHERE n >= 4`),
		testRule(t, "by-part", `FROM logs-aws.cloudtrail-* | WHERE event.action LIKE "List*" | EVAL part = SPLIT(event.action, "s") | STATS n = COUNT(*), who = COUNT_DISTINCT(aws.cloudtrail.user_identity.arn) BY part | WHERE n >= 3`),
	}
}

// corpus is n records over about an hour from 2026-11-02T08:00Z: a dozen
// identities calling Describe*/List* APIs from a few addresses, in bursts
// that make the seed rule fire; then a quiet tail 40 minutes later that
// moves event time past every window.
func corpus(seed uint64, n int, first int) []string {
	rnd := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	actions := []string{"DescribeInstances", "DescribeVolumes", "DescribeSnapshots", "DescribeVpcs", "DescribeSubnets", "DescribeImages",
		"DescribeKeyPairs", "ListUsers", "ListRoles", "ListBuckets", "ListPolicies", "ListGroups"}
	var out []string
	for i := 0; i < n; i++ {
		arn := fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", rnd.IntN(12))
		if rnd.IntN(40) == 0 {
			arn = "" // the null group
		}
		at := t0.Add(time.Duration(i) * 3600 * time.Second / time.Duration(n))
		ip := fmt.Sprintf("198.51.100.%d", rnd.IntN(5))
		if rnd.IntN(20) == 0 {
			// A burst: one identity, many actions in a few seconds.
			for j := 0; j < 7; j++ {
				out = append(out, rec(arn, first+len(out), at.Truncate(10*time.Second).Add(time.Duration(j)*time.Second), actions[(j+i)%len(actions)], ip))
			}
			continue
		}
		out = append(out, rec(arn, first+len(out), at, actions[rnd.IntN(len(actions))], ip))
	}
	return out
}

// tail is records an hour and a half after the corpus that no rule reads:
// event time passes every window of it.
func tail(first int) []string {
	at := time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC)
	return []string{rec("arn:aws:iam::111122223333:user/tail", first, at, "PutObject", "192.0.2.1")}
}

// expected is what detect gives on the records (alerts by id, each
// summarised with its lists sorted).
func expected(t *testing.T, rules []*detect.Compiled, records []string) map[string]string {
	d := detect.New(rules, detect.Options{})
	for _, r := range records {
		if err := d.Process([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	alerts, err := d.Finish()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range alerts {
		b, _ := json.Marshal(a.Doc)
		out[a.ID] = summary(b)
	}
	return out
}

// summary is an alert document without its alert time, lists sorted
// (VALUES and the evidence ids come in the order events were read).
func summary(doc []byte) string {
	var m map[string]any
	json.Unmarshal(doc, &m)
	delete(m, "@timestamp")
	for k, v := range m {
		if l, ok := v.([]any); ok {
			s := make([]string, len(l))
			for i, x := range l {
				s[i] = fmt.Sprint(x)
			}
			sort.Strings(s)
			m[k] = s
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// sinkAlerts reads file sinks: per alert id, every version written.
func sinkAlerts(files ...string) map[string][]string {
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			id, _ := m["kibana.alert.uuid"].(string)
			out[id] = append(out[id], summary(sc.Bytes()))
		}
		fh.Close()
	}
	return out
}

// covers reports whether the sinks hold every expected alert in its final
// version, and nothing else: "" when they do, else the difference.
func covers(want map[string]string, got map[string][]string) string {
	var diff []string
	for id, w := range want {
		if !slices.Contains(got[id], w) {
			diff = append(diff, fmt.Sprintf("missing %s (%d versions in the sinks)", id[:12], len(got[id])))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			diff = append(diff, "extra "+id[:12]+" "+got[id][len(got[id])-1])
		}
	}
	sort.Strings(diff)
	if len(diff) > 8 {
		diff = append(diff[:8], fmt.Sprintf("... %d more", len(diff)-8))
	}
	return strings.Join(diff, "\n")
}

// member is one in-process group member.
type member struct {
	cancel context.CancelFunc
	done   chan error
	sink   string
}

func startMember(t *testing.T, spec string, rules []*detect.Compiled, dir string) *member {
	return startMemberWith(t, spec, rules, dir, nil)
}

func startMemberWith(t *testing.T, spec string, rules []*detect.Compiled, dir string, reg *prometheus.Registry) *member {
	t.Helper()
	return startMemberLive(t, spec, rules, dir, reg, detect.LiveOptions{})
}

func startMemberLive(t *testing.T, spec string, rules []*detect.Compiled, dir string, reg *prometheus.Registry, live detect.LiveOptions) *member {
	t.Helper()
	cfg, err := ParseURL(spec)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(cfg.Topic, rules)
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	m := &member{done: make(chan error, 1), sink: filepath.Join(dir, "alerts.ndjson")}
	s, err := sink.NewFile(m.sink)
	if err != nil {
		t.Fatal(err)
	}
	store.SetSinks(s.Name())
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		err := RunGroup(ctx, GroupConfig{Kafka: cfg, Plan: plan, Store: store, Sinks: []sink.Sink{s},
			Live: live, CommitEvery: 200 * time.Millisecond, Tick: time.Hour, Registry: reg})
		s.Close()
		store.Close()
		m.done <- err
	}()
	t.Cleanup(func() { m.stop(t) })
	return m
}

func (m *member) stop(t *testing.T) {
	if m.cancel == nil {
		return
	}
	m.cancel()
	m.cancel = nil
	select {
	case err := <-m.done:
		if err != nil {
			t.Errorf("member: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("member did not stop")
	}
}

func ingestRecords(t *testing.T, spec string, rules []*detect.Compiled, name string, records []string) {
	t.Helper()
	cfg, _ := ParseURL(spec)
	plan, err := NewPlan(cfg.Topic, rules)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewIngester(cfg, plan.Routes, detect.Options{}, "test-"+cfg.Topic+"-"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := in.EnsureTopics(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Object(ctx, name, strings.NewReader(strings.Join(records, "\n"))); err != nil {
		t.Fatal(err)
	}
	if err := in.Watermark(ctx); err != nil {
		t.Fatal(err)
	}
}

func waitAlerts(t *testing.T, want map[string]string, timeout time.Duration, sinks ...string) {
	t.Helper()
	var d string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if d = covers(want, sinkAlerts(sinks...)); d == "" {
			return
		}
	}
	t.Fatalf("the members' sinks differ from detect:\n%s", d)
}

// Two members share the events topic and the repartition topics; one
// leaves, the other restores its partitions from the changelog and goes
// on: the sinks together hold exactly detect's alerts, in their final
// versions, over both halves of the input.
func TestGroupMatchesDetect(t *testing.T) {
	broker := seeds(t)
	spec := "kafka://" + broker + "/" + uniqueTopic(t) + "?group=g&session-timeout=2s"
	rules := testRules(t)
	first := corpus(1, 1500, 0)
	second := corpus(2, 500, len(first)+1000)
	all := append(append(slices.Clone(first), second...), tail(100000)...)
	want := expected(t, rules, all)
	kinds := map[string]int{}
	for _, w := range want {
		var m map[string]any
		json.Unmarshal([]byte(w), &m)
		kinds[fmt.Sprint(m["kibana.alert.rule.rule_id"])]++
	}
	if len(kinds) != 3 {
		t.Fatalf("detect gives alerts of %d rules (%v): the corpus must make each fire", len(kinds), kinds)
	}
	t.Logf("detect: %d alerts %v", len(want), kinds)

	ingestRecords(t, spec, rules, "first", first)
	dir := t.TempDir()
	a := startMember(t, spec, rules, filepath.Join(dir, "a"))
	b := startMember(t, spec, rules, filepath.Join(dir, "b"))
	time.Sleep(3 * time.Second)
	a.stop(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ingestRecords(t, spec, rules, "second", append(slices.Clone(second), tail(100000)...))
	}()
	wg.Wait()
	waitAlerts(t, want, 30*time.Second, a.sink, b.sink)
}

// One member owns every partition: the last version of each alert in its
// sink is detect's. A record with a multi-valued key is on several
// partitions; a partition makes only part of the groups of the values that
// are not its own, and those (same ids, fewer events) must not be sent.
func TestGroupOneMemberLastVersions(t *testing.T) {
	broker := seeds(t)
	spec := "kafka://" + broker + "/" + uniqueTopic(t) + "?group=g&session-timeout=2s"
	rules := testRules(t)
	records := append(corpus(3, 1500, 0), tail(100000)...)
	want := expected(t, rules, records)
	ingestRecords(t, spec, rules, "all", records)
	m := startMember(t, spec, rules, t.TempDir())
	waitAlerts(t, want, 30*time.Second, m.sink)
	for id, versions := range sinkAlerts(m.sink) {
		if last := versions[len(versions)-1]; last != want[id] {
			t.Errorf("alert %s: the last version sent is\n  %s\nwant\n  %s", id[:12], last, want[id])
		}
	}
}

// Under a memory limit far too small for the windows the engines hold (one
// budget for every partition's engine), saved windows leave memory and are
// read back from the member's store: the alerts are still detect's.
func TestGroupMemoryLimit(t *testing.T) {
	broker := seeds(t)
	spec := "kafka://" + broker + "/" + uniqueTopic(t) + "?group=g&session-timeout=2s"
	rules := testRules(t)
	records := append(corpus(4, 6000, 0), tail(100000)...)
	want := expected(t, rules, records)
	ingestRecords(t, spec, rules, "all", records)
	m := startMemberLive(t, spec, rules, t.TempDir(), nil, detect.LiveOptions{MemoryLimit: 4 << 10})
	// Every run reads its windows back from the store: slow under -race.
	waitAlerts(t, want, 90*time.Second, m.sink)
	for id, versions := range sinkAlerts(m.sink) {
		if last := versions[len(versions)-1]; last != want[id] {
			t.Errorf("alert %s: the last version sent is\n  %s\nwant\n  %s", id[:12], last, want[id])
		}
	}
}

// Commits the group aborts (here: the offsets of the first three refused
// as from an old generation, as after a rebalance) leave nothing behind:
// the member goes back to its committed state and offsets, reads again,
// and its alerts are detect's, each last version the final one.
func TestGroupAbortedCommits(t *testing.T) {
	if os.Getenv("TRAILQL_KAFKA_SEEDS") != "" {
		t.Skip("injects faults into kfake")
	}
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.GroupMinSessionTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.TxnOffsetCommit}, Err: kerr.IllegalGeneration, Count: 3})
	spec := "kafka://" + c.ListenAddrs()[0] + "/" + uniqueTopic(t) + "?group=g&session-timeout=2s"
	rules := testRules(t)
	records := append(corpus(4, 6000, 0), tail(100000)...)
	want := expected(t, rules, records)
	ingestRecords(t, spec, rules, "all", records)
	reg := prometheus.NewRegistry()
	m := startMemberWith(t, spec, rules, t.TempDir(), reg)
	waitAlerts(t, want, 30*time.Second, m.sink)
	for id, versions := range sinkAlerts(m.sink) {
		if last := versions[len(versions)-1]; last != want[id] {
			t.Errorf("alert %s: the last version sent is not detect's", id[:12])
		}
	}
	mfs, _ := reg.Gather()
	aborts := -1.0
	for _, mf := range mfs {
		if mf.GetName() == "trailql_kafka_commits_aborted_total" {
			aborts = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if aborts < 1 {
		t.Errorf("trailql_kafka_commits_aborted_total = %v, want the faulted commits counted", aborts)
	}
}

// The changelog round trip: blobs larger than a record go in chunks, a
// deletion is a tombstone, records of an aborted transaction are not
// state, and reading stops at the last stable offset.
func TestChangelogRoundTrip(t *testing.T) {
	broker := seeds(t)
	topic := uniqueTopic(t)
	cfg, _ := ParseURL("kafka://" + broker + "/" + topic)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	changelog := changelogTopic(topic, "g")
	cl, err := kgo.NewClient(append(cfg.clientOpts(), kgo.TransactionalID("test-"+topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	compact := "compact"
	if _, err := ensureTopic(ctx, adm, changelog, 2, map[string]*string{"cleanup.policy": &compact}); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 3*chunkSize+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	write := func(commit bool, blobs map[string][]byte, order []string) {
		t.Helper()
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, changelogRecords(changelog, "ev", 1, blobs, order)...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	write(true, map[string][]byte{"meta": big, "w/r/1": []byte("one"), "w/r/2": []byte("two"), nextKey: []byte("10")}, []string{"meta", "w/r/1", "w/r/2", nextKey})
	write(true, map[string][]byte{"w/r/1": nil, "w/r/3": []byte{}, nextKey: []byte("20")}, []string{"w/r/1", "w/r/3", nextKey})
	write(false, map[string][]byte{"w/r/2": []byte("aborted"), nextKey: []byte("30")}, []string{"w/r/2", nextKey})
	got, err := readChangelog(ctx, cfg, changelog, []int32{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0]) != 0 {
		t.Errorf("partition 0: %d blobs, want none", len(got[0]))
	}
	p := got[1]
	if string(p["ev/meta"]) != string(big) || string(p["ev/w/r/2"]) != "two" || p["ev/w/r/3"] == nil || len(p["ev/w/r/3"]) != 0 || string(p["ev/"+nextKey]) != "20" {
		t.Errorf("state read back: meta %d bytes (want %d), w/r/2 %q, w/r/3 %v, next %q", len(p["ev/meta"]), len(big), p["ev/w/r/2"], p["ev/w/r/3"], p["ev/"+nextKey])
	}
	if _, ok := p["ev/w/r/1"]; ok || len(p) != 4 {
		t.Errorf("blobs %v: want meta, w/r/2, w/r/3 and the offset (w/r/1 deleted)", slices.Sorted(maps.Keys(p)))
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
