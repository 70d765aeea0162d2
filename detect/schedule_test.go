package detect

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// testRule builds a rule from a query and its schedule.
func testRule(t *testing.T, query, interval, from string) *rule.Rule {
	t.Helper()
	src := fmt.Sprintf(`[metadata]
creation_date = "2026/01/01"
[rule]
author = ["test"]
description = "test rule"
name = "Test rule"
risk_score = 47
rule_id = "00000000-0000-0000-0000-00000000test"
severity = "medium"
type = "esql"
language = "esql"
interval = %q
from = %q
query = '''
%s
'''
`, interval, from, query)
	r, err := rule.Parse("test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// at returns event(action, ...) at a wall-clock time on 2026-11-02.
func at(action, hhmmss string) rec {
	ts, err := time.Parse("2006-01-02T15:04:05Z", "2026-11-02T"+hhmmss+"Z")
	if err != nil {
		panic(err)
	}
	r := event(action, 0)
	r["eventTime"] = ts.Format(time.RFC3339)
	r["eventID"] = action + "-" + hhmmss
	return r
}

func runRule(t *testing.T, r *rule.Rule, recs []rec) []map[string]any {
	t.Helper()
	c, err := CompileRule(r, time.Now())
	must(t, err)
	d := New([]*Compiled{c}, Options{})
	for _, x := range recs {
		raw, _ := json.Marshal(x)
		must(t, d.Process(raw))
	}
	alerts, err := d.Finish()
	must(t, err)
	var out []map[string]any
	for _, a := range alerts {
		m := map[string]any{"id": a.ID}
		for _, k := range a.Doc.Keys() {
			m[k] = get(a.Doc, k)
		}
		out = append(out, m)
	}
	return out
}

// Rules not bucketed by event time are replayed on their schedule
// (schedule.go; docs/esql-semantics.md §B1).
func TestScheduleReplay(t *testing.T) {
	t.Run("non-aggregating: each matching event is one alert, though overlapping runs see it twice", func(t *testing.T) {
		r := testRule(t, `from logs-aws.cloudtrail-* metadata _id
| where event.action == "CreateAccessKey"
| keep @timestamp, event.action, _id`, "5m", "now-6m")
		got := runRule(t, r, []rec{at("CreateAccessKey", "08:04:30"), at("CreateAccessKey", "08:20:00"), at("ListUsers", "08:04:31")})
		if len(got) != 2 {
			t.Fatalf("%d alerts, want 2: %v", len(got), got)
		}
		if got[0]["kibana.alert.original_time"] != "2026-11-02T08:04:30.000Z" {
			t.Errorf("original_time = %v", got[0]["kibana.alert.original_time"])
		}
	})
	agg := `from logs-aws.cloudtrail-*
| stats c = count(*) by user.name
| where c >= 3`
	t.Run("aggregating: a group in one run is one alert", func(t *testing.T) {
		got := runRule(t, testRule(t, agg, "5m", "now-6m"), []rec{at("A", "08:00:10"), at("B", "08:00:20"), at("C", "08:00:30")})
		if len(got) != 1 || fmt.Sprint(got[0]["c"]) != "3" || got[0]["kibana.alert.intended_timestamp"] != "2026-11-02T08:05:00.000Z" {
			t.Fatalf("got %v, want one alert with c=3 raised by the 08:05 run", got)
		}
	})
	t.Run("aggregating: consecutive runs update one alert", func(t *testing.T) {
		got := runRule(t, testRule(t, agg, "5m", "now-6m"), []rec{at("A", "08:04:10"), at("B", "08:04:20"), at("C", "08:04:30"), at("D", "08:06:00")})
		if len(got) != 1 || fmt.Sprint(got[0]["c"]) != "4" || got[0]["kibana.alert.intended_timestamp"] != "2026-11-02T08:10:00.000Z" {
			t.Fatalf("got %v, want one alert, updated by the 08:10 run to c=4", got)
		}
	})
	t.Run("aggregating: the same group later is a new alert", func(t *testing.T) {
		got := runRule(t, testRule(t, agg, "5m", "now-6m"), []rec{at("A", "08:00:10"), at("B", "08:00:20"), at("C", "08:00:30"),
			at("A", "09:00:10"), at("B", "09:00:20"), at("C", "09:00:30")})
		if len(got) != 2 || got[0]["id"] == got[1]["id"] {
			t.Fatalf("got %v, want two alerts with distinct ids", got)
		}
	})
	t.Run("below the threshold in every run: no alert, though the input as a whole passes it", func(t *testing.T) {
		got := runRule(t, testRule(t, agg, "5m", "now-6m"), []rec{at("A", "08:00:10"), at("B", "08:20:20"), at("C", "08:40:30")})
		if len(got) != 0 {
			t.Fatalf("got %v, want none", got)
		}
	})
	t.Run("NOW() is the run's time", func(t *testing.T) {
		q := `from logs-aws.cloudtrail-* metadata _id
| where @timestamp > now() - 1 minute
| keep @timestamp, _id`
		got := runRule(t, testRule(t, q, "5m", "now-6m"), []rec{at("Early", "08:00:10"), at("Late", "08:04:30")})
		if len(got) != 1 || got[0]["kibana.alert.original_time"] != "2026-11-02T08:04:30.000Z" {
			t.Fatalf("got %v, want only the event within a minute of the 08:05 run", got)
		}
	})
	t.Run("a rule bucketed by event time runs once over all input", func(t *testing.T) {
		if isReplayed(mustCompile(t, rule.Seed()).Program.Query()) {
			t.Error("the seed rule would be replayed")
		}
	})
}

func mustCompile(t *testing.T, r *rule.Rule) *Compiled {
	t.Helper()
	c, err := CompileRule(r, time.Now())
	must(t, err)
	return c
}
