package detect

import (
	"fmt"
	"testing"

	"github.com/trailql/trailql/rule"
)

func suppressedRule(t *testing.T, strategy, duration string) *rule.Rule {
	t.Helper()
	r, err := rule.Parse("s.toml", []byte(fmt.Sprintf(`[metadata]
creation_date = "2026/01/01"
[rule]
author = ["test"]
description = "d"
name = "Suppressed"
risk_score = 47
rule_id = "00000000-0000-0000-0000-000000000sup"
severity = "medium"
type = "esql"
language = "esql"
interval = "5m"
from = "now-6m"
query = '''
from logs-aws.cloudtrail-* | stats c = count(*) by user.name, event.action
'''
[rule.alert_suppression]
group_by = ["user.name"]
missing_fields_strategy = %q
%s
`, strategy, duration)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// alert_suppression (docs/esql-semantics.md §B5): alerts with the same group_by
// values collapse into the first while within the duration of it.
func TestAlertSuppression(t *testing.T) {
	recs := []rec{at("ListA", "08:01:00"), at("ListB", "08:11:00"), at("ListA", "09:30:00")}
	got := runRule(t, suppressedRule(t, "suppress", "[rule.alert_suppression.duration]\nvalue = 30\nunit = \"m\""), recs)
	if len(got) != 2 {
		t.Fatalf("%d alerts, want 2: %v", len(got), got)
	}
	if fmt.Sprint(got[0]["kibana.alert.suppression.docs_count"]) != "1" || got[0]["kibana.alert.suppression.end"] != "2026-11-02T08:15:00.000Z" {
		t.Errorf("first alert: docs_count %v, end %v; want 1 and the 08:15 run", got[0]["kibana.alert.suppression.docs_count"], got[0]["kibana.alert.suppression.end"])
	}
	if fmt.Sprint(got[1]["kibana.alert.suppression.docs_count"]) != "0" {
		t.Errorf("second alert (after the duration): docs_count %v, want 0", got[1]["kibana.alert.suppression.docs_count"])
	}
	// Without a duration, only alerts of the same run collapse.
	got = runRule(t, suppressedRule(t, "suppress", ""), recs)
	if len(got) != 3 {
		t.Errorf("no duration: %d alerts, want 3", len(got))
	}
	// doNotSuppress: alerts missing a group_by field stand alone.
	noUser := []rec{at("ListA", "08:01:00").with("userIdentity.userName", nil), at("ListB", "08:02:00").with("userIdentity.userName", nil)}
	if got := runRule(t, suppressedRule(t, "doNotSuppress", "[rule.alert_suppression.duration]\nvalue = 30\nunit = \"m\""), noUser); len(got) != 2 {
		t.Errorf("doNotSuppress: %d alerts, want 2", len(got))
	}
	if got := runRule(t, suppressedRule(t, "suppress", "[rule.alert_suppression.duration]\nvalue = 30\nunit = \"m\""), noUser); len(got) != 1 {
		t.Errorf("suppress with missing fields: %d alerts, want 1", len(got))
	}
}
