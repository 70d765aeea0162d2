package alert

import (
	"strings"
	"time"

	"github.com/trailql/trailql/rule"
)

// Alert is one alert of one rule: its deterministic id, the rule and the
// document to write.
type Alert struct {
	ID   string // kibana.alert.uuid; see alertID for how it is derived
	Rule *rule.Rule
	Doc  *Document

	// Columns are the result-row columns copied into Doc, in row order
	// (null cells and metadata columns left out; @timestamp is in
	// kibana.alert.original_time). The table writer reads them.
	Columns []string
	// GroupBy are the STATS ... BY columns of an aggregating rule, nil for
	// a non-aggregating one, as passed to Build.
	GroupBy []string
}

// Build makes the alert for one result row of rule r. cols are the
// query's output column names and row the row's values aligned with them,
// JSON-ready (string, bool, int64, float64, []any for multi-values; nil
// for null). groupBy is non-nil for an aggregating rule (its BY columns,
// possibly empty) and nil otherwise. now is the alert time.
//
// The document holds, in order (docs/architecture.md "Alert document", docs/esql-semantics.md §B4):
// @timestamp (now, UTC with milliseconds); the row's columns under their
// ES|QL names, null cells omitted; then kibana.alert.uuid, .reason,
// .severity, .risk_score and the kibana.alert.rule.* fields Kibana's
// buildAlertFields writes that a rule file defines (name, rule_id, type,
// threat, tags, from, interval, to, max_signals, timestamp_override,
// version, severity, risk_score, description, author, license,
// references, false_positives, building_block_type, note, and the constant
// rule_type_id/consumer/producer); kibana.alert.original_time when the row
// has @timestamp; workflow_status, status, depth, ancestors, workflow_tags,
// workflow_assignee_ids; and event.kind "signal".
//
// Left out: fields that only exist for a Kibana saved object or run
// (rule uuid, created/updated by/at, enabled, parameters, execution.*,
// url, space_ids, intended_timestamp, start, last_detected), and
// investigation_fields, which Kibana keeps only inside
// kibana.alert.rule.parameters, not as an alert field (build_alert.ts).
// Row columns named kibana.* or signal.* are dropped and a row's
// event.kind is replaced by "signal", as transform_hit_to_alert.ts does.
func Build(r *rule.Rule, cols []string, row []any, groupBy []string, now time.Time) *Alert {
	a := &Alert{Rule: r, GroupBy: groupBy}
	doc := NewDocument(len(cols) + 40)
	a.Doc = doc
	doc.Set("@timestamp", now.UTC().Format(esTime))

	var originalTime, ancestorID, ancestorIndex any
	for i, c := range cols {
		if i >= len(row) {
			break
		}
		v := normalize(row[i])
		if v == nil {
			continue
		}
		switch {
		case c == "@timestamp":
			originalTime = v
			continue
		case c == "_id":
			ancestorID = v
			continue
		case c == "_index":
			ancestorIndex = v
			continue
		case metadataColumns[c], c == "event.kind", reservedColumn(c):
			continue
		}
		if _, dup := doc.Get(c); !dup { // ES|QL names are unique; be safe anyway
			a.Columns = append(a.Columns, c)
		}
		doc.Set(c, v)
	}
	get := func(name string) any {
		v, _ := doc.Get(name)
		return v
	}

	a.ID = alertID(r.RuleID, cols, row, groupBy)
	sev := severity(r, get)
	doc.Set("kibana.alert.uuid", a.ID)
	doc.Set("kibana.alert.reason", reason(get, sev, r.Name))
	doc.Set("kibana.alert.severity", sev)
	doc.Set("kibana.alert.risk_score", r.RiskScore)
	doc.Set("kibana.alert.rule.name", r.Name)
	doc.Set("kibana.alert.rule.rule_id", r.RuleID)
	doc.Set("kibana.alert.rule.type", "esql")
	doc.Set("kibana.alert.rule.threat", orEmpty(r.Threat))
	doc.Set("kibana.alert.rule.tags", orEmpty(r.Tags))
	doc.Set("kibana.alert.rule.from", r.From)
	doc.Set("kibana.alert.rule.interval", r.Interval)
	doc.Set("kibana.alert.rule.to", orDefault(r.To, rule.DefaultTo))
	doc.Set("kibana.alert.rule.max_signals", r.MaxSignals)
	if r.TimestampOverride != "" {
		doc.Set("kibana.alert.rule.timestamp_override", r.TimestampOverride)
	}
	doc.Set("kibana.alert.rule.version", r.Version)
	// Kibana writes these two although its mapping lacks them (build_alert.ts).
	doc.Set("kibana.alert.rule.severity", r.Severity)
	doc.Set("kibana.alert.rule.risk_score", r.RiskScore)
	doc.Set("kibana.alert.rule.description", r.Description)
	doc.Set("kibana.alert.rule.author", orEmpty(r.Author))
	doc.Set("kibana.alert.rule.license", r.License)
	doc.Set("kibana.alert.rule.references", orEmpty(r.References))
	doc.Set("kibana.alert.rule.false_positives", orEmpty(r.FalsePositives))
	if r.BuildingBlockType != "" {
		doc.Set("kibana.alert.rule.building_block_type", r.BuildingBlockType)
	}
	if r.Note != "" {
		doc.Set("kibana.alert.rule.note", r.Note)
	}
	doc.Set("kibana.alert.rule.rule_type_id", "siem.esqlRule")
	doc.Set("kibana.alert.rule.consumer", "siem")
	doc.Set("kibana.alert.rule.producer", "siem")
	if originalTime != nil {
		doc.Set("kibana.alert.original_time", originalTime)
	}
	doc.Set("kibana.alert.workflow_status", "open")
	doc.Set("kibana.alert.status", "active")
	doc.Set("kibana.alert.depth", 1)
	// One parent: the source event (non-aggregating rules, from _id and
	// _index) or, for aggregating rows, Kibana's synthetic hit with empty
	// id and index (docs/esql-semantics.md §B4).
	doc.Set("kibana.alert.ancestors", []ancestor{{ID: stringOr(ancestorID), Type: "event", Index: stringOr(ancestorIndex), Depth: 0}})
	doc.Set("kibana.alert.workflow_tags", []string{})
	doc.Set("kibana.alert.workflow_assignee_ids", []string{})
	doc.Set("event.kind", "signal")
	return a
}

// ancestor is one kibana.alert.ancestors entry, keys in Kibana's order.
type ancestor struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Index string `json:"index"`
	Depth int    `json:"depth"`
}

// reservedColumn reports columns Kibana removes from the alert source:
// the top-level kibana and signal objects (docs/esql-semantics.md §B4), so a
// row can never overwrite the alert's own fields.
func reservedColumn(c string) bool {
	return c == "kibana" || c == "signal" || strings.HasPrefix(c, "kibana.") || strings.HasPrefix(c, "signal.")
}

// orEmpty makes a nil slice encode as [] (Kibana writes empty arrays, not
// null, for rule parameters left empty).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func stringOr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
