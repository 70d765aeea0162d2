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
// lateness; it returns the alert summaries and the count of rows that
// amended a window already evaluated.
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
	if d.Late() != 0 {
		t.Errorf("%d rows dropped as too late; the hunt keeps every window", d.Late())
	}
	return summarise(t, alerts), d.Amended()
}

// With an allowed lateness, windows are evaluated as the input moves on;
// the alerts are those of keeping every window to the end, whatever the
// order: an event later than the lateness amends its window (issue "late
// CloudTrail never vanishes").
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
	// of lateness the second half arrives after its window was evaluated
	// and spilled, and amends it.
	split := concat(burst(6, 0)[:3], burst(6, 2*hour), burst(6, 0)[3:])
	want, _ = detectLate(t, split, 0)
	if len(want) != 2 {
		t.Fatalf("unbounded: %v; want both alerts", want)
	}
	for _, lateness := range []time.Duration{time.Second, 15 * time.Minute, 3 * time.Hour} {
		got, amended := detectLate(t, split, lateness)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("lateness %s: %v; want %v", lateness, got, want)
		}
		if wantAmended := lateness < time.Hour; (amended == 3) != wantAmended {
			t.Errorf("lateness %s: %d rows amended an evaluated window, want 3: %v", lateness, amended, wantAmended)
		}
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
		if d.Late() != 0 {
			t.Errorf("%d rows dropped", d.Late())
		}
		return alertSet(alerts), d.Amended()
	}
	want, _ := run(0)
	// The examples span 15 minutes; an 11-minute lateness finishes their
	// first windows while later files are read. It covers the spread the
	// reader allows (files within 5 minutes of delivery, each holding up to
	// 5 minutes of events), so no event may be late.
	// A 1-minute lateness is less than that spread: events amend windows
	// already evaluated, which shows that windows are finished while the
	// files are read, and the alerts are still the same.
	if got, amended := run(time.Minute); amended == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lateness 1m: %d amendments (want some), %d alerts; unbounded: %d alerts", amended, len(got), len(want))
	}
	for _, lateness := range []time.Duration{11 * time.Minute, DefaultHuntLateness} {
		for range 3 {
			got, amended := run(lateness)
			if fmt.Sprint(got) != fmt.Sprint(want) || amended != 0 || len(want) == 0 {
				t.Errorf("lateness %s: %d alerts, %d amended; unbounded: %d alerts", lateness, len(got), amended, len(want))
			}
		}
	}
}

// A replayed rule's runs execute as the input moves on when a lateness is
// allowed: the alerts are those of the batch replay, the events kept in
// memory are one lookback's worth instead of all (the rest is spilled), and
// an event older than an executed run amends the runs that see it.
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
			most = max(most, d.rules[0].ev.held())
		}
		alerts, err := d.Finish()
		must(t, err)
		var out []string
		for _, a := range alerts {
			out = append(out, a.ID)
		}
		if d.Late() != 0 {
			t.Errorf("%d rows dropped", d.Late())
		}
		return out, d.Amended(), most
	}
	want, _, _ := run(recs, 0)
	got, late, most := run(recs, 10*time.Minute)
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) || late != 0 {
		t.Errorf("lateness 10m: %d alerts, %d late; batch replay: %d alerts", len(got), late, len(want))
	}
	if most > 10 {
		t.Errorf("kept up to %d events at once; want about a lookback plus the lateness", most)
	}
	// An event from 08:00 after the 13:00 events: its runs are long done,
	// and are run again.
	late1 := append(append([]rec{}, recs...), at("DescribeInstances", "08:00:10"))
	want, _, _ = run(late1, 0)
	if got, amended, _ := run(late1, 10*time.Minute); amended != 1 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("late event: %d amended, want 1; %d alerts, want %d", amended, len(got), len(want))
	}
}
