package sink

import (
	"context"
	"encoding/json"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// externalAlertsRule is what Kibana's prebuilt rule "External Alerts"
// (elastic/detection-rules rules/promotions/external_alerts.toml, rule_id
// eb079c62-4481-4d6e-9643-3ca499df7aaa) does with a document of an index it
// reads: its index patterns, its KQL query
//
//	event.kind:alert and not event.module:(endgame or endpoint or cloud_defend) and
//	    not data_stream.dataset:(m365_defender.alert or m365_defender.incident)
//
// its overrides (rule name from message, severity from event.severity
// 21/47/73/99, risk score from event.risk_score, time from event.ingested),
// and Kibana's test for a source document that is itself an alert
// (kibana.alert.uuid set: isWrappedDetectionAlert), which would make ours an
// alert of an alert. It returns the Kibana alert's name, severity and risk
// score, or why the rule would not take the document as it should.
func externalAlertsRule(index string, doc map[string]any) (name, severity string, risk float64, why string) {
	matched := false
	for _, p := range []string{"apm-*-transaction*", "traces-apm*", "auditbeat-*", "filebeat-*", "logs-*", "packetbeat-*", "winlogbeat-*"} {
		if ok, _ := path.Match(p, index); ok {
			matched = true
		}
	}
	switch {
	case !matched:
		return "", "", 0, "index " + index + " is not read by the rule"
	case doc["event.kind"] != "alert":
		return "", "", 0, "event.kind is not alert"
	}
	for _, m := range []string{"endgame", "endpoint", "cloud_defend"} {
		if doc["event.module"] == m {
			return "", "", 0, "excluded event.module"
		}
	}
	for _, ds := range []string{"m365_defender.alert", "m365_defender.incident"} {
		if doc["data_stream.dataset"] == ds {
			return "", "", 0, "excluded data_stream.dataset"
		}
	}
	if _, ok := doc["kibana.alert.uuid"]; ok {
		return "", "", 0, "kibana.alert.uuid: Kibana would take the document for an alert"
	}
	name, _ = doc["message"].(string)
	if name == "" {
		return "", "", 0, "no message for rule_name_override"
	}
	severity = "medium" // the rule's own
	for sev, n := range externalSeverity {
		if doc["event.severity"] == float64(n) {
			severity = sev
		}
	}
	risk, _ = doc["event.risk_score"].(float64)
	ts, _ := doc["event.ingested"].(string)
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		return "", "", 0, "event.ingested is not a date"
	}
	return name, severity, risk, ""
}

// The external profile's documents, for each severity, are what Kibana's
// External Alerts rule turns into a Security alert with the rule's name,
// severity and risk score; they keep the alert's ECS fields, Esql.* columns
// and evidence, carry the rule's MITRE mapping as ECS threat.*, and no
// kibana.* field.
func TestExternalAlertDocuments(t *testing.T) {
	for _, tc := range []struct {
		severity string
		risk     float64
	}{{"low", 21}, {"medium", 47}, {"high", 73}, {"critical", 99}} {
		t.Run(tc.severity, func(t *testing.T) {
			es := newFakeES(t)
			s, err := Parse("elasticsearch:" + es.URL + "?profile=external")
			if err != nil {
				t.Fatal(err)
			}
			id, doc := seedAlert(t, "arn:aws:iam::123456789012:user/alice", 6)
			var m map[string]any
			json.Unmarshal(doc, &m)
			m["kibana.alert.severity"], m["kibana.alert.risk_score"] = tc.severity, tc.risk
			m["trailql.evidence.event_ids"], m["trailql.evidence.event_count"] = []string{"e-1"}, 1
			doc, _ = json.Marshal(m)
			if err := s.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}); err != nil {
				t.Fatal(err)
			}
			index := "logs-trailql.alert-default"
			got := es.doc(t, index, id+"-1")
			if got == nil {
				t.Fatalf("no document (actions %v)", es.actions)
			}
			name, sev, risk, why := externalAlertsRule(index, got)
			if why != "" {
				t.Fatal(why)
			}
			if name != "AWS Discovery API Calls via CLI from a Single Resource" || sev != tc.severity || risk != tc.risk {
				t.Errorf("Kibana alert %q, %s, %v", name, sev, risk)
			}
			for k := range got {
				if strings.HasPrefix(k, "kibana.") {
					t.Errorf("field %s", k)
				}
			}
			for k, want := range map[string]any{
				"aws.cloudtrail.user_identity.arn": "arn:aws:iam::123456789012:user/alice",
				"Esql.event_action_count_distinct": 6.0,
				"trailql.evidence.event_count":     1.0,
				"rule.id":                          m["kibana.alert.rule.rule_id"],
				"rule.name":                        name,
				"event.reason":                     m["kibana.alert.reason"],
				"trailql.alert.id":                 id,
				"trailql.alert.revision":           1.0,
				"trailql.alert.severity":           tc.severity,
				"threat.framework":                 "MITRE ATT&CK",
				"data_stream.type":                 "logs",
			} {
				if got[k] != want {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
			if tactics, _ := got["threat.tactic.name"].([]any); len(tactics) == 0 || tactics[0] != "Discovery" {
				t.Errorf("threat.tactic.name = %v", got["threat.tactic.name"])
			}
		})
	}
}

// template=false leaves the index template to the cluster's administrators.
func TestExternalProfileWithoutTemplate(t *testing.T) {
	es := newFakeES(t)
	s, err := Parse("elasticsearch:" + es.URL + "?profile=external&template=false")
	if err != nil {
		t.Fatal(err)
	}
	id, doc := seedAlert(t, "alice", 6)
	if err := s.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}); err != nil {
		t.Fatal(err)
	}
	if len(es.templates) != 0 || es.doc(t, "logs-trailql.alert-default", id+"-1") == nil {
		t.Errorf("templates %v, actions %v", es.templates, es.actions)
	}
	for _, bad := range []string{"?template=false", "?profile=external&template=no"} {
		if _, err := Parse("elasticsearch:" + es.URL + bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
