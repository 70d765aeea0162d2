package detect

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/rule"
)

func newLive(t *testing.T) *Live {
	t.Helper()
	l, err := NewLive([]*Compiled{mustCompile(t, rule.Seed())}, LiveOptions{})
	must(t, err)
	return l
}

func feed(t *testing.T, l *Live, recs ...rec) []LiveAlert {
	t.Helper()
	for _, r := range recs {
		raw, _ := json.Marshal(r)
		must(t, l.Process(raw))
	}
	out, err := l.Flush()
	must(t, err)
	return out
}

func TestLiveEarlyAlertThenUpdate(t *testing.T) {
	l := newLive(t)
	if got := feed(t, l, burst(5, 1000)...); len(got) != 0 {
		t.Fatalf("5 distinct actions alerted: %v", got)
	}
	got := feed(t, l, burst(6, 1000)[5])
	if len(got) != 1 || got[0].Update || fmt.Sprint(get(got[0].Doc, "Esql.event_action_count_distinct")) != "6" {
		t.Fatalf("6th action: got %+v, want one new alert with count 6", got)
	}
	id := got[0].ID
	// The same event again (redelivery) changes nothing.
	if again := feed(t, l, burst(6, 1000)[5]); len(again) != 0 || l.Duplicates != 1 {
		t.Fatalf("redelivered event: %d alerts, %d duplicates", len(again), l.Duplicates)
	}
	got = feed(t, l, event("DescribeKeyPairs", 1900))
	if len(got) != 1 || !got[0].Update || got[0].ID != id || fmt.Sprint(get(got[0].Doc, "Esql.event_action_count_distinct")) != "7" {
		t.Fatalf("7th action: got %+v, want an update of %s with count 7", got, id)
	}
	if l.OpenBuckets() != 1 {
		t.Errorf("%d open buckets, want 1", l.OpenBuckets())
	}
	// An event 20 minutes later moves the watermark past the bucket: final.
	feed(t, l, event("DescribeVpcs", 20*60*1000))
	if l.OpenBuckets() != 1 { // the new event's bucket
		t.Errorf("%d open buckets after the watermark passed, want 1", l.OpenBuckets())
	}
	// A late event for the final bucket is counted, not applied.
	if got := feed(t, l, event("DescribeRegions", 1950)); len(got) != 0 || l.Late != 1 {
		t.Errorf("late event: %d alerts, Late = %d; want 0 and 1", len(got), l.Late)
	}
}

// Live, fed records out of order (within the allowed lateness) in batches,
// ends with the same alerts as the batch Detector on the same records; and
// so does a Live restored from a snapshot taken midway.
func TestLiveMatchesBatch(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		raws := randomCorpus(seed, 3000)
		c := mustCompile(t, rule.Seed())
		d := New([]*Compiled{c}, Options{})
		for _, raw := range raws {
			_ = d.Process(raw)
		}
		batch, err := d.Finish()
		must(t, err)
		want := alertSet(batch)

		r := rand.New(rand.NewSource(seed))
		r.Shuffle(len(raws), func(i, j int) { raws[i], raws[j] = raws[j], raws[i] })
		for _, restore := range []bool{false, true} {
			l := newLive(t)
			latest := map[string]*alert.Alert{}
			for i := 0; i < len(raws); i += 250 {
				if restore && i == 1500 {
					snap, err := l.Snapshot()
					must(t, err)
					l = newLive(t)
					must(t, l.Restore(snap))
				}
				for _, raw := range raws[i:min(i+250, len(raws))] {
					_ = l.Process(raw)
				}
				out, err := l.Flush()
				must(t, err)
				for _, a := range out {
					latest[a.ID] = a.Alert
				}
			}
			var got []*alert.Alert
			for _, a := range latest {
				got = append(got, a)
			}
			if g := alertSet(got); fmt.Sprint(g) != fmt.Sprint(want) {
				t.Errorf("seed %d restore=%v: live and batch differ\nlive:  %v\nbatch: %v", seed, restore, g, want)
			}
			if len(want) == 0 {
				t.Errorf("seed %d: no alerts to compare", seed)
			}
		}
	}
}

// alertSet renders alerts as sorted "id window arn count actions" lines.
func alertSet(alerts []*alert.Alert) []string {
	var out []string
	for _, a := range alerts {
		acts := fmt.Sprint(get(a.Doc, "Esql.event_action_values"))
		if xs, ok := get(a.Doc, "Esql.event_action_values").([]any); ok {
			ss := make([]string, len(xs))
			for i, x := range xs {
				ss[i] = fmt.Sprint(x)
			}
			sort.Strings(ss)
			acts = fmt.Sprint(ss)
		}
		out = append(out, fmt.Sprint(a.ID[:12], " ", get(a.Doc, "Esql.time_window_date_trunc"), " ",
			get(a.Doc, "aws.cloudtrail.user_identity.arn"), " ", get(a.Doc, "Esql.event_action_count_distinct"), " ", acts))
	}
	sort.Strings(out)
	return out
}

// Rules not bucketed by event time run on their schedule over the events
// read within their lookback, with NOW() at the run (live_schedule.go).
func TestLiveScheduledRule(t *testing.T) {
	r := testRule(t, "from logs-aws.cloudtrail-* | stats c = count(*) by user.name | where c >= 3", "5m", "now-6m")
	clock := time.Date(2026, 11, 25, 8, 0, 30, 0, time.UTC)
	newL := func() *Live {
		l, err := NewLive([]*Compiled{mustCompile(t, r)}, LiveOptions{Now: func() time.Time { return clock }})
		must(t, err)
		return l
	}
	l := newL()
	if got := l.Scheduled(); len(got) != 1 {
		t.Fatalf("scheduled rules %v", got)
	}
	for i, a := range []string{"A", "B", "C"} {
		clock = clock.Add(time.Duration(i) * 30 * time.Second)
		if got := feed(t, l, event(a, i*1000)); len(got) != 0 {
			t.Fatalf("alert before the first run: %v", got)
		}
	}
	snap, err := l.Snapshot()
	must(t, err)
	l = newL()
	must(t, l.Restore(snap)) // a restart before the run loses nothing
	clock = time.Date(2026, 11, 25, 8, 5, 10, 0, time.UTC)
	got := feed(t, l)
	if len(got) != 1 || fmt.Sprint(get(got[0].Doc, "c")) != "3" {
		t.Fatalf("run at 08:05: %v, want one alert with c=3", got)
	}
	clock = time.Date(2026, 11, 25, 8, 10, 10, 0, time.UTC)
	if got := feed(t, l); len(got) != 0 {
		t.Errorf("run at 08:10 (events read before its lookback): %v", got)
	}
}
