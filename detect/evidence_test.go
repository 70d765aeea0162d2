package detect

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/rule"
)

// Every alert carries the ids of the events behind it (alert.EvidenceIDs),
// distinct and oldest first, and their count: the events of its group for
// an aggregating rule, its one event otherwise.
func TestEvidence(t *testing.T) {
	seed := rule.Seed()
	nonAgg := testRule(t, `FROM logs-aws.cloudtrail-* | WHERE event.action == "CreateAccessKey" | KEEP @timestamp, event.action`, "5m", "now-6m")
	replayed := testRule(t, `FROM logs-aws.cloudtrail-* | WHERE event.action LIKE "Describe*" | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn | WHERE n >= 3`, "5m", "now-6m")
	b := burst(7, 1000)
	bob := event("DescribeInstances", 1500).with("userIdentity.arn", arnBob).with("eventID", "evt-bob")
	cases := []struct {
		name string
		r    *rule.Rule
		recs []rec
		max  int
		want [][]string // per alert, in alert order
		n    []int      // per alert: trailql.evidence.event_count
	}{
		{"seed: the burst's events, oldest first, whatever the order read",
			seed, concat([]rec{b[6], b[2]}, b[:2], b[3:6], []rec{bob}), 0,
			[][]string{ids(b)}, []int{7}},
		{"seed: a duplicate delivery counts once",
			seed, concat(b, b[3:4]), 0, [][]string{ids(b)}, []int{7}},
		{"seed: --evidence-max keeps the oldest, counts all",
			seed, b, 3, [][]string{ids(b[:3])}, []int{7}},
		{"non-aggregating: its own event",
			nonAgg, []rec{event("CreateAccessKey", 0), event("DescribeVpcs", 10)}, 0,
			[][]string{{"evt-CreateAccessKey-0"}}, []int{1}},
		{"replayed STATS: the group's events in the run",
			replayed, concat(b[:3], []rec{bob}), 0,
			[][]string{ids(b[:3])}, []int{3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.r)
			d := New([]*Compiled{c}, Options{EvidenceMax: tc.max})
			for _, r := range tc.recs {
				raw, _ := json.Marshal(r)
				must(t, d.Process(raw))
			}
			alerts, err := d.Finish()
			must(t, err)
			if len(alerts) != len(tc.want) {
				t.Fatalf("%d alerts, want %d", len(alerts), len(tc.want))
			}
			for i, a := range alerts {
				if got := a.Evidence(); !slices.Equal(got, tc.want[i]) {
					t.Errorf("alert %d: evidence %v, want %v", i, got, tc.want[i])
				}
				if got := get(a.Doc, alert.EvidenceCount); fmt.Sprint(got) != fmt.Sprint(tc.n[i]) {
					t.Errorf("alert %d: count %v, want %d", i, got, tc.n[i])
				}
				if slices.Contains(a.Columns, alert.EvidenceIDs) {
					t.Errorf("alert %d: evidence listed among the query's columns %v", i, a.Columns)
				}
			}
		})
	}
}

// The evidence column changes no alert id: ids name the group or the source
// event, as before evidence existed (the "row" form hashes only the query's
// own columns).
func TestEvidenceKeepsAlertIDs(t *testing.T) {
	r := testRule(t, `FROM logs-aws.cloudtrail-* | WHERE event.action == "CreateAccessKey" | KEEP event.action, source.ip`, "5m", "now-6m")
	c := mustCompile(t, r)
	d := New([]*Compiled{c}, Options{})
	raw, _ := json.Marshal(event("CreateAccessKey", 0))
	must(t, d.Process(raw))
	alerts, err := d.Finish()
	must(t, err)
	// A replayed rule's alert is an episode of the row's id, from the
	// first run that saw the event (08:00 or 08:05).
	base := alert.ID(r.RuleID, []string{"event.action", "source.ip"}, []any{"CreateAccessKey", "203.0.113.10"}, nil)
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	if id := alerts[0].ID; id != alert.EpisodeID(base, t0) && id != alert.EpisodeID(base, t0.Add(5*time.Minute)) {
		t.Fatalf("alert id %s is not an episode of %s", id, base)
	}
}

// ids lists the records' eventIDs.
func ids(recs []rec) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r["eventID"].(string))
	}
	return out
}

// KeyedBy tells the rules whose groups stay within one ARN (safe on a
// topic partitioned by it) from the others.
func TestKeyedBy(t *testing.T) {
	const arn = "aws.cloudtrail.user_identity.arn"
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{`FROM logs-aws.cloudtrail-* | WHERE event.action == "x" | KEEP event.action`, true},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn`, true},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY source.ip`, false},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn, source.ip | STATS m = COUNT(*) BY source.ip`, false},
	} {
		c := mustCompile(t, testRule(t, tc.query, "5m", "now-6m"))
		if got := c.KeyedBy(arn); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	if !mustCompile(t, rule.Seed()).KeyedBy(arn) {
		t.Error("the seed rule is keyed by the ARN")
	}
}
