package sink

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// FormatOCSF writes each alert as an OCSF 1.3 Detection Finding (class
// 2004), the schema Amazon Security Lake, Splunk and other SIEMs ingest
// (https://schema.ocsf.io/1.3.0/classes/detection_finding). The alert
// document itself travels under "unmapped", so nothing is lost.
const FormatOCSF = "ocsf"

// ocsfSeverity maps Kibana's severities to OCSF severity_id.
var ocsfSeverity = map[string]int{"low": 2, "medium": 3, "high": 4, "critical": 5}

// ocsfFinding renders one delivery as a Detection Finding. A first version
// is activity 1 (Create), a later one 2 (Update); metadata.uid is
// "<alert id>:<version>", so a reader (and the file sink after a restart)
// can tell versions apart.
func ocsfFinding(d state.Delivery) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(d.Doc, &doc); err != nil {
		return nil, fmt.Errorf("ocsf: alert document: %w", err)
	}
	str := func(k string) string { s, _ := doc[k].(string); return s }
	sev := strings.ToLower(str("kibana.alert.severity"))
	sevID, ok := ocsfSeverity[sev]
	if !ok {
		sevID = 99 // Other
	}
	activity, activityName := 1, "Create"
	if d.Revision > 1 {
		activity, activityName = 2, "Update"
	}
	when := time.Now().UTC()
	if t, err := time.Parse(time.RFC3339Nano, str("@timestamp")); err == nil {
		when = t
	}
	f := map[string]any{
		"class_uid":     2004,
		"class_name":    "Detection Finding",
		"category_uid":  2,
		"category_name": "Findings",
		"activity_id":   activity,
		"activity_name": activityName,
		"type_uid":      2004*100 + activity,
		"severity_id":   sevID,
		"severity":      titleCase(sev),
		"status_id":     1,
		"status":        "New",
		"time":          when.UnixMilli(),
		"message":       str("kibana.alert.reason"),
		"finding_info": map[string]any{
			"uid":   d.AlertID,
			"title": str("kibana.alert.rule.name"),
			"desc":  str("kibana.alert.rule.description"),
			"analytic": map[string]any{
				"uid": str("kibana.alert.rule.rule_id"), "name": str("kibana.alert.rule.name"),
				"type_id": 1, "type": "Rule",
			},
		},
		"metadata": map[string]any{
			"uid":     d.AlertID + ":" + d.Version,
			"version": "1.3.0",
			"product": map[string]any{"name": "trailql", "vendor_name": "trailql"},
		},
		"cloud":    map[string]any{"provider": "AWS"},
		"unmapped": doc,
	}
	return json.Marshal(f)
}

func titleCase(s string) string {
	if s == "" {
		return "Other"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ocsfVersion reads back the alert id and version of a line ocsfFinding
// wrote, for the file sink's record of what it holds.
func ocsfVersion(line []byte) (key string, ok bool) {
	var head struct {
		Class    int `json:"class_uid"`
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
	}
	if json.Unmarshal(line, &head) != nil || head.Class != 2004 {
		return "", false
	}
	id, version, found := strings.Cut(head.Metadata.UID, ":")
	if !found {
		return "", false
	}
	return id + "\x00" + version, true
}
