package detect

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/rule"
)

// detectLate runs the seed rule over recs, in order, with the given allowed
// lateness; it returns the alert summaries and the late count.
func detectLate(t *testing.T, recs []rec, lateness time.Duration) ([]summary, int64) {
	t.Helper()
	c, err := CompileRule(rule.Seed(), time.Now())
	must(t, err)
	d := New([]*Compiled{c}, Options{AllowedLateness: lateness})
	for i, r := range recs {
		raw, err := json.Marshal(r)
		must(t, err)
		if err := d.Process(raw); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	alerts, err := d.Finish()
	must(t, err)
	return summarise(t, alerts), d.Late()
}

// With an allowed lateness, windows are evaluated as the input moves on;
// the alerts are those of keeping every window to the end as long as no
// event is later than that, and late events are counted, never silently
// lost.
func TestAllowedLatenessFinalisesWindows(t *testing.T) {
	hour := 3600 * 1000
	inOrder := concat(burst(6, 0), burst(3, 20_000), burst(7, hour), burst(6, 2*hour))
	want, late := detectLate(t, inOrder, 0)
	if len(want) != 3 || late != 0 {
		t.Fatalf("unbounded: %d alerts, %d late; want 3, 0", len(want), late)
	}
	for _, lateness := range []time.Duration{time.Second, 10 * time.Second, 15 * time.Minute} {
		got, late := detectLate(t, inOrder, lateness)
		if fmt.Sprint(got) != fmt.Sprint(want) || late != 0 {
			t.Errorf("lateness %s: %v, %d late; want %v", lateness, got, late, want)
		}
	}
	// A window's events split around events an hour newer: with 15 minutes
	// of lateness the second half arrives after its window was evaluated.
	split := concat(burst(6, 0)[:3], burst(6, 2*hour), burst(6, 0)[3:])
	got, late := detectLate(t, split, 15*time.Minute)
	if len(got) != 1 || late != 3 {
		t.Errorf("late events: %v, %d late; want the 2h alert only and 3 late", got, late)
	}
	if got, late := detectLate(t, split, 0); len(got) != 2 || late != 0 {
		t.Errorf("unbounded: %v, %d late; want both alerts", got, late)
	}
	// Within the lateness, out of order is fine.
	got, late = detectLate(t, split, 3*time.Hour)
	if len(got) != 2 || late != 0 {
		t.Errorf("lateness 3h: %v, %d late; want both alerts", got, late)
	}
}

// On the examples' S3 layout, read in parallel, finishing windows early
// changes no alert: files are read in time order, within a bounded spread.
func TestAllowedLatenessExamples(t *testing.T) {
	paths := []string{"../examples/AWSLogs"}
	if !cloudtrail.DeliveryOrdered(paths) || cloudtrail.DeliveryOrdered([]string{"../examples"}) {
		t.Fatal("DeliveryOrdered: want true for examples/AWSLogs only (examples/ holds NDJSON too)")
	}
	rules := append([]*rule.Rule{rule.Seed()}, rule.Bundled()...)
	compiled, err := Compile(rules, time.Now())
	must(t, err)
	run := func(lateness time.Duration) ([]string, int64) {
		d := New(compiled, Options{Workers: 2, Now: time.Unix(0, 0), AllowedLateness: lateness})
		_, err := d.Read(context.Background(), &cloudtrail.Reader{}, paths, func(cloudtrail.Record, error) {})
		must(t, err)
		alerts, err := d.Finish()
		must(t, err)
		return alertSet(alerts), d.Late()
	}
	want, _ := run(0)
	// The examples span 15 minutes; an 11-minute lateness finishes their
	// first windows while later files are read. It covers the spread the
	// reader allows (files within 5 minutes of delivery, each holding up to
	// 5 minutes of events), so no event may be late.
	// A 1-minute lateness is less than that spread: events are late, which
	// shows that windows are finished while the files are read.
	if _, late := run(time.Minute); late == 0 {
		t.Error("lateness 1m: no late event; windows are not finished during the read")
	}
	for _, lateness := range []time.Duration{11 * time.Minute, DefaultHuntLateness} {
		for range 3 {
			got, late := run(lateness)
			if fmt.Sprint(got) != fmt.Sprint(want) || late != 0 || len(want) == 0 {
				t.Errorf("lateness %s: %d alerts, %d late; unbounded: %d alerts", lateness, len(got), late, len(want))
			}
		}
	}
}

// A replayed rule's runs execute as the input moves on when a lateness is
// allowed: the alerts are those of the batch replay, the events kept are one
// lookback's worth instead of all, and an event older than an executed run
// is counted late.
func TestAllowedLatenessReplaysScheduleAsItGoes(t *testing.T) {
	r := testRule(t, `FROM logs-aws.cloudtrail-* | WHERE event.action == "DescribeInstances"
| STATS c = COUNT(*) BY user.name | WHERE c >= 2`, "5m", "now-9m")
	var recs []rec
	for h := 8; h < 14; h++ {
		for m := 0; m < 60; m += 7 {
			ts := fmt.Sprintf("%02d:%02d:00", h, m)
			recs = append(recs, at("DescribeInstances", ts))
			if m%3 == 0 { // a second call, so that the group qualifies
				recs = append(recs, at("DescribeInstances", fmt.Sprintf("%02d:%02d:30", h, m)))
			}
		}
	}
	run := func(recs []rec, lateness time.Duration) ([]string, int64, int) {
		c, err := CompileRule(r, time.Now())
		must(t, err)
		d := New([]*Compiled{c}, Options{AllowedLateness: lateness})
		most := 0
		for _, x := range recs {
			raw, _ := json.Marshal(x)
			must(t, d.Process(raw))
			most = max(most, len(d.rules[0].sched.buf))
		}
		alerts, err := d.Finish()
		must(t, err)
		var out []string
		for _, a := range alerts {
			out = append(out, a.ID)
		}
		return out, d.Late(), most
	}
	want, _, _ := run(recs, 0)
	got, late, most := run(recs, 10*time.Minute)
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) || late != 0 {
		t.Errorf("lateness 10m: %d alerts, %d late; batch replay: %d alerts", len(got), late, len(want))
	}
	if most > 10 {
		t.Errorf("kept up to %d events at once; want about a lookback plus the lateness", most)
	}
	// An event from 08:00 after the 13:00 events: its runs are long done.
	late1 := append(append([]rec{}, recs...), at("DescribeInstances", "08:00:10"))
	if _, late, _ := run(late1, 10*time.Minute); late != 1 {
		t.Errorf("late = %d, want 1", late)
	}
}
