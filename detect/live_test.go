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

// liveClock is the wall clock of the live tests: just after the events of
// burst and event, so that the watermark follows the events.
var liveClock = func() time.Time { return time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC) }

func newLive(t *testing.T) *Live {
	t.Helper()
	l, err := NewLive([]*Compiled{mustCompile(t, rule.Seed())}, LiveOptions{Now: liveClock})
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
		t.Errorf("%d buckets held, want 1", l.OpenBuckets())
	}
	// An event 20 minutes later moves the watermark past the bucket: final.
	feed(t, l, event("DescribeVpcs", 20*60*1000))
	if l.OpenBuckets() != 2 { // kept for amendment, and the new event's bucket
		t.Errorf("%d buckets held after the watermark passed, want 2", l.OpenBuckets())
	}
	// A late event for the final bucket amends its alert.
	got = feed(t, l, event("DescribeRegions", 1950))
	if len(got) != 1 || !got[0].Update || got[0].ID != id || fmt.Sprint(get(got[0].Doc, "Esql.event_action_count_distinct")) != "8" || l.TooLate() != 0 {
		t.Errorf("late event: %+v, TooLate %d; want an update of %s with count 8", got, l.TooLate(), id)
	}
}

// An event later than the amend horizon is counted, not applied.
func TestLiveAmendHorizon(t *testing.T) {
	l, err := NewLive([]*Compiled{mustCompile(t, rule.Seed())}, LiveOptions{Now: liveClock, AmendHorizon: time.Hour})
	must(t, err)
	if got := feed(t, l, burst(6, 1000)...); len(got) != 1 {
		t.Fatalf("burst: %d alerts, want 1", len(got))
	}
	feed(t, l, event("DescribeVpcs", 3*3600*1000))
	if got := feed(t, l, event("DescribeRegions", 1950)); len(got) != 0 || l.TooLate() != 1 {
		t.Errorf("event 3h late with a 1h horizon: %d alerts, TooLate %d; want 0 and 1", len(got), l.TooLate())
	}
}

// mapState is a StateWriter into a map, as the state database holds it.
type mapState map[string][]byte

func (m mapState) PutBlob(k string, b []byte) error { m[k] = append([]byte(nil), b...); return nil }
func (m mapState) DeleteBlob(k string) error        { delete(m, k); return nil }
func (m mapState) GetBlob(k string) ([]byte, bool, error) {
	b, ok := m[k]
	return b, ok, nil
}

// Live, fed records in any order in batches, ends with the same alerts as
// the batch Detector on the same records; and so does a Live restored from
// a checkpoint taken midway.
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
			restoreAt := -1
			if restore {
				restoreAt = 1500
			}
			got, _ := replayLive(t, func() *Live { return newLive(t) }, mapState{}, raws, 250, restoreAt)
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
			get(a.Doc, "aws.cloudtrail.user_identity.arn"), " ", get(a.Doc, "Esql.event_action_count_distinct"), " ", acts, " ", a.Evidence(), " ", get(a.Doc, alert.EvidenceCount)))
	}
	sort.Strings(out)
	return out
}

// Rules not bucketed by event time run on their schedule, by event time:
// a run at T executes once the watermark (the newest event, or the wall
// clock when the sources are idle, minus the allowed lateness) has passed T, over the
// events of its lookback, with NOW() = T; a late event runs it again and
// updates its alert.
func TestLiveScheduledRule(t *testing.T) {
	r := testRule(t, "from logs-aws.cloudtrail-* | stats c = count(*) by user.name | where c >= 3", "5m", "now-6m")
	clock := time.Date(2026, 11, 2, 8, 0, 30, 0, time.UTC)
	newL := func() *Live {
		l, err := NewLive([]*Compiled{mustCompile(t, r)}, LiveOptions{AllowedLateness: time.Minute, Now: func() time.Time { return clock }})
		must(t, err)
		return l
	}
	l := newL()
	if got := l.Scheduled(); len(got) != 1 {
		t.Fatalf("scheduled rules %v", got)
	}
	state := mapState{}
	for i, a := range []string{"A", "B", "C"} {
		if got := feed(t, l, event(a, i*1000)); len(got) != 0 {
			t.Fatalf("alert before the first run: %v", got)
		}
		must(t, l.Checkpoint(state))
	}
	l = newL()
	must(t, l.Restore(state)) // a restart before the run loses nothing
	clock = time.Date(2026, 11, 2, 8, 6, 10, 0, time.UTC)
	got := feedIdle(t, l)
	if len(got) != 1 || fmt.Sprint(get(got[0].Doc, "c")) != "3" {
		t.Fatalf("run at 08:05: %v, want one alert with c=3", got)
	}
	id := got[0].ID
	clock = time.Date(2026, 11, 2, 8, 11, 10, 0, time.UTC)
	if got := feedIdle(t, l); len(got) != 0 {
		t.Errorf("run at 08:10 (no event in its lookback): %v", got)
	}
	// A late event in the 08:05 run's lookback: the run again, an update.
	got = feed(t, l, event("D", 3000))
	if len(got) != 1 || got[0].ID != id || !got[0].Update || fmt.Sprint(get(got[0].Doc, "c")) != "4" {
		t.Errorf("late event: %v, want an update of %s with c=4", got, id)
	}
}

// replayLive feeds raws to a Live in batches, each flushed and checkpointed
// into state as the daemon does per object; at record restoreAt (if not
// negative) it is replaced by a fresh one restored from the state, as after
// a kill -9. It returns the last reported version of each alert, and the
// Live it ended with.
func replayLive(t *testing.T, newL func() *Live, state mapState, raws [][]byte, batch, restoreAt int) ([]*alert.Alert, *Live) {
	t.Helper()
	l := newL()
	latest := map[string]*alert.Alert{}
	for i := 0; i < len(raws); i += batch {
		if i == restoreAt {
			l = newL()
			must(t, l.Restore(state))
		}
		for _, raw := range raws[i:min(i+batch, len(raws))] {
			_ = l.Process(raw)
		}
		out, err := l.Flush()
		must(t, err)
		must(t, l.Checkpoint(state))
		for _, a := range out {
			latest[a.ID] = a.Alert
		}
	}
	var got []*alert.Alert
	for _, a := range latest {
		got = append(got, a)
	}
	return got, l
}

// feedIdle flushes as the daemon does when its sources had nothing new.
func feedIdle(t *testing.T, l *Live) []LiveAlert {
	t.Helper()
	out, err := l.FlushIdle()
	must(t, err)
	return out
}
