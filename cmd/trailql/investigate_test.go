package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// investigate --alert finds the alert by running the rules, and lists
// exactly its actor's events within ±30 minutes of its window, its own
// events flagged (golden file: UPDATE_GOLDEN=1 rewrites it).
func TestInvestigateAlert(t *testing.T) {
	const examples = "../../examples"
	alerts := ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", examples).stdout)
	var a map[string]any
	for _, x := range alerts {
		if x["aws.cloudtrail.user_identity.arn"] == "arn:aws:sts::534439589175:assumed-role/ec2-web/i-0c08f2398ad2440ec" {
			a = x
		}
	}
	if a == nil {
		t.Fatal("the examples' ec2-web alert is gone")
	}
	id := a["kibana.alert.uuid"].(string)
	r := trailql(t, "", "investigate", "--alert", id[:12], "--format", "ndjson", examples)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden := "../../testdata/investigate/ec2-web-alert.ndjson"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want) {
		t.Errorf("timeline differs from %s:\n%s", golden, r.stdout)
	}
	// What the golden file must say, checked apart from it.
	window, _ := time.Parse(time.RFC3339, a["Esql.time_window_date_trunc"].(string))
	evidence := map[string]bool{}
	for _, e := range a["trailql.evidence.event_ids"].([]any) {
		evidence[e.(string)] = true
	}
	inAlert := 0
	for _, ev := range ndjsonAlerts(t, r.stdout) {
		ts, _ := time.Parse(time.RFC3339, ev["@timestamp"].(string))
		if ev["aws.cloudtrail.user_identity.arn"] != a["aws.cloudtrail.user_identity.arn"] ||
			ts.Before(window.Add(-30*time.Minute)) || ts.After(window.Add(10*time.Second+30*time.Minute)) {
			t.Errorf("event outside the actor or the range: %v", ev)
		}
		if ev["trailql.in_alert"] != evidence[ev["event.id"].(string)] {
			t.Errorf("in_alert wrong on %v", ev["event.id"])
		}
		if ev["trailql.in_alert"] == true {
			inAlert++
		}
	}
	if inAlert != len(evidence) {
		t.Errorf("%d events flagged, the alert has %d", inAlert, len(evidence))
	}

	out := filepath.Join(t.TempDir(), "report.html")
	r = trailql(t, "", "investigate", "--alert", id, "--format", "html", "-o", out, examples)
	html, _ := os.ReadFile(out)
	if r.code != 0 || !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "Investigation guide") {
		t.Errorf("html report: exit %d, %d bytes: %s", r.code, len(html), r.stderr)
	}
	r = trailql(t, "", "investigate", "--alert", "0123456789abcdef", examples)
	if r.code != 1 || !strings.Contains(r.stderr, "no alert 0123456789abcdef") {
		t.Errorf("unknown alert: exit %d, %s", r.code, r.stderr)
	}
	r = trailql(t, "", "investigate", "--alert", id, "--arn", "x", examples)
	if r.code != 2 {
		t.Errorf("--alert with --arn: exit %d", r.code)
	}
}

// investigate --arn --at: the actor's events around a time, none flagged.
func TestInvestigateARN(t *testing.T) {
	r := trailql(t, "", "investigate", "--arn", "arn:aws:iam::494027974809:user/user011", "--at", "2026-11-02T08:05:00Z", "--around", "10m", "--format", "ndjson", "../../examples")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	evs := ndjsonAlerts(t, r.stdout)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	for _, ev := range evs {
		ts, _ := time.Parse(time.RFC3339, ev["@timestamp"].(string))
		if ev["aws.cloudtrail.user_identity.arn"] != "arn:aws:iam::494027974809:user/user011" || ev["trailql.in_alert"] != false ||
			ts.Before(time.Date(2026, 11, 2, 7, 55, 0, 0, time.UTC)) || ts.After(time.Date(2026, 11, 2, 8, 15, 0, 0, time.UTC)) {
			t.Errorf("unexpected event %v", ev)
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &first)
	if _, ok := first["trailql.sensitive"]; !ok {
		t.Error("events lack trailql.sensitive")
	}
}
