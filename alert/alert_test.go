package alert

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// TestSeedAlertGolden pins the whole alert document of the seed rule for a
// fixed row and time (docs/architecture.md "Alert document", docs/esql-semantics.md §B4).
func TestSeedAlertGolden(t *testing.T) {
	a := seedAlert()
	b, err := a.Doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	golden(t, "seed_alert.golden.json", out.Bytes())
}

// TestSeedAlertFields checks the facts the golden file must show, so an
// -update cannot silently accept a wrong document.
func TestSeedAlertFields(t *testing.T) {
	a := seedAlert()
	keys := a.Doc.Keys()
	if keys[0] != "@timestamp" || keys[len(keys)-1] != "event.kind" {
		t.Errorf("first/last keys %s, %s", keys[0], keys[len(keys)-1])
	}
	// Result columns follow @timestamp in column order, the null one omitted.
	var wantCols []string
	for _, c := range seedCols {
		if c != "Esql.source_as_organization_name_values" {
			wantCols = append(wantCols, c)
		}
	}
	if !reflect.DeepEqual(keys[1:1+len(wantCols)], wantCols) {
		t.Errorf("row keys %v\nwant %v", keys[1:1+len(wantCols)], wantCols)
	}
	if !reflect.DeepEqual(a.Columns, wantCols) {
		t.Errorf("Columns = %v", a.Columns)
	}
	// The brief's order for the alert fields.
	order := []string{"kibana.alert.uuid", "kibana.alert.reason", "kibana.alert.severity", "kibana.alert.risk_score",
		"kibana.alert.rule.name", "kibana.alert.rule.rule_id", "kibana.alert.rule.type", "kibana.alert.rule.threat",
		"kibana.alert.rule.tags", "kibana.alert.rule.from", "kibana.alert.rule.interval",
		"kibana.alert.workflow_status", "kibana.alert.status", "kibana.alert.depth", "event.kind"}
	pos := map[string]int{}
	for i, k := range keys {
		pos[k] = i
	}
	for i := 1; i < len(order); i++ {
		if pos[order[i-1]] >= pos[order[i]] {
			t.Errorf("%s is not before %s", order[i-1], order[i])
		}
	}
	want := map[string]any{
		"@timestamp":                       "2024-11-04T10:06:00.123Z",
		"kibana.alert.reason":              "event created low alert AWS Discovery API Calls via CLI from a Single Resource.",
		"kibana.alert.severity":            "low",
		"kibana.alert.risk_score":          21,
		"kibana.alert.rule.type":           "esql",
		"kibana.alert.rule.rule_id":        "74f45152-9aee-11ef-b0a5-f661ea17fbcd",
		"kibana.alert.rule.from":           "now-6m",
		"kibana.alert.rule.interval":       "5m",
		"kibana.alert.workflow_status":     "open",
		"kibana.alert.status":              "active",
		"kibana.alert.depth":               1,
		"event.kind":                       "signal",
		"Esql.event_action_count_distinct": int64(6),
		"kibana.alert.uuid":                a.ID,
	}
	for k, w := range want {
		if v, ok := a.Doc.Get(k); !ok || !reflect.DeepEqual(v, w) {
			t.Errorf("%s = %#v, want %#v", k, v, w)
		}
	}
	for _, k := range []string{"kibana.alert.original_time", "Esql.source_as_organization_name_values", "kibana.alert.rule.investigation_fields"} {
		if _, ok := a.Doc.Get(k); ok {
			t.Errorf("%s present; the seed row has no @timestamp / the cell is null / not an alert field", k)
		}
	}
	if len(a.ID) != 64 {
		t.Errorf("ID %q is not a SHA-256 hex digest", a.ID)
	}
	b, _ := a.Doc.MarshalJSON()
	if !bytes.Contains(b, []byte(`"kibana.alert.rule.threat":[{"framework":"MITRE ATT\u0026CK","tactic":{"id":"TA0007","name":"Discovery","reference":"https://attack.mitre.org/tactics/TA0007/"},"technique":[{"id":"T1087","name":"Account Discovery","reference":"https://attack.mitre.org/techniques/T1087/","subtechnique":[{"id":"T1087.004"`)) {
		t.Errorf("threat not written as Kibana writes it:\n%s", b)
	}
}

// TestBuildRowHandling: how result cells become alert fields.
func TestBuildRowHandling(t *testing.T) {
	r := rule.Seed()
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
	cols := []string{"@timestamp", "_id", "_index", "_version", "event.kind", "kibana.alert.uuid", "signal.rule.id",
		"event.action", "nan", "when", "empty", "source.ip"}
	row := []any{"2024-01-02T03:04:05.006Z", "doc-1", ".ds-logs-aws.cloudtrail-default-2024.01.02-000001", int64(3), "event", "forged", "x",
		"GetObject", math.NaN(), ts, []any{}, nil}
	a := Build(r, cols, row, nil, alertTime)
	if want := []string{"event.action", "when"}; !reflect.DeepEqual(a.Columns, want) {
		t.Errorf("Columns = %v, want %v", a.Columns, want)
	}
	checks := map[string]any{
		"@timestamp":                 "2024-11-04T10:06:00.123Z", // alert time, not the event's
		"kibana.alert.original_time": "2024-01-02T03:04:05.006Z",
		"event.kind":                 "signal",
		"kibana.alert.uuid":          a.ID,
		"when":                       "2024-01-02T03:04:05.006Z", // time.Time rendered as ES|QL renders datetimes
		"kibana.alert.ancestors":     []ancestor{{ID: "doc-1", Type: "event", Index: ".ds-logs-aws.cloudtrail-default-2024.01.02-000001"}},
	}
	for k, w := range checks {
		if v, _ := a.Doc.Get(k); !reflect.DeepEqual(v, w) {
			t.Errorf("%s = %#v, want %#v", k, v, w)
		}
	}
	for _, k := range []string{"_id", "_index", "_version", "signal.rule.id", "nan", "empty", "source.ip"} {
		if _, ok := a.Doc.Get(k); ok {
			t.Errorf("%s should be left out", k)
		}
	}
	if a.ID == "forged" {
		t.Error("row overwrote kibana.alert.uuid")
	}
	// Short rows do not panic; missing cells are null.
	Build(r, []string{"a", "b"}, []any{"x"}, []string{"b"}, alertTime)
	if _, err := Build(r, cols, row, nil, alertTime).Doc.MarshalJSON(); err != nil {
		t.Errorf("NaN made the document unencodable: %v", err)
	}
}

// TestSeverityMapping: Kibana's buildSeverityFromMapping, highest matching
// severity wins, and the reason uses the mapped severity.
func TestSeverityMapping(t *testing.T) {
	r := &rule.Rule{RuleID: "r", Name: "N", Severity: "low", RiskScore: 21, SeverityMapping: []rule.SeverityMapping{
		{Field: "Esql.verdict", Operator: "equals", Value: "MALICIOUS", Severity: "critical"},
		{Field: "Esql.verdict", Operator: "equals", Value: "SUSPICIOUS", Severity: "medium"},
		{Field: "Esql.code", Operator: "equals", Value: "7", Severity: "high"},
		{Field: "event.severity", Operator: "equals", Value: "3.9", Severity: "high"},
	}}
	cases := []struct {
		name string
		cols []string
		row  []any
		want string
	}{
		{"no match", []string{"Esql.verdict"}, []any{"BENIGN"}, "low"},
		{"one match", []string{"Esql.verdict"}, []any{"SUSPICIOUS"}, "medium"},
		{"array, highest wins", []string{"Esql.verdict"}, []any{[]any{"SUSPICIOUS", "MALICIOUS"}}, "critical"},
		{"number as string", []string{"Esql.code"}, []any{int64(7)}, "high"},
		{"non-integer number never matches", []string{"Esql.code"}, []any{7.5}, "low"},
		{"event.severity numeric, mapping floored", []string{"event.severity"}, []any{int64(3)}, "high"},
		{"null", []string{"Esql.verdict"}, []any{nil}, "low"},
	}
	for _, c := range cases {
		a := Build(r, c.cols, c.row, nil, alertTime)
		got, _ := a.Doc.Get("kibana.alert.severity")
		if got != c.want {
			t.Errorf("%s: severity %v, want %s", c.name, got, c.want)
		}
		reason, _ := a.Doc.Get("kibana.alert.reason")
		if !strings.Contains(reason.(string), "created "+c.want+" alert") {
			t.Errorf("%s: reason %q does not use the mapped severity", c.name, reason)
		}
		if rs, _ := a.Doc.Get("kibana.alert.rule.severity"); rs != "low" {
			t.Errorf("%s: rule severity %v changed", c.name, rs)
		}
	}
}
