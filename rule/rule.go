// Package rule reads Elastic detection rules written in the TOML format of
// github.com/elastic/detection-rules ([metadata], [rule], [[rule.threat]],
// [rule.investigation_fields], [rule.alert_suppression], ...) and embeds the
// CloudTrail ES|QL rules trailql ships with.
//
// Only ES|QL rules (type = "esql", language = "esql") are accepted. Keys the
// package does not model are tolerated, because Elastic adds keys over time;
// they are listed in Metadata.Undecoded so a strict validator can report them.
package rule

import "github.com/BurntSushi/toml"

// Defaults Kibana applies when a rule leaves the key out
// (docs/esql-semantics.md §B1; Kibana common/constants.ts
// DEFAULT_MAX_SIGNALS; the rule schema's defaults for from/to/interval).
const (
	DefaultInterval   = "5m"
	DefaultFrom       = "now-6m"
	DefaultTo         = "now"
	DefaultMaxSignals = 100
)

// Rule is one detection rule. Field names follow the TOML keys of
// elastic/detection-rules; defaults are filled in by Parse.
type Rule struct {
	Path              string // file the rule was read from ("rule/bundled/..." for embedded rules)
	RuleID            string // rule.rule_id: the stable id of the rule across versions
	Name              string
	Description       string
	Severity          string // low, medium, high or critical
	Type              string // always "esql"
	Language          string // always "esql"
	Query             string
	From              string // lookback date math, default "now-6m"
	To                string // end of the range, default "now"
	Interval          string // schedule, default "5m"
	TimestampOverride string // field used instead of @timestamp for the time filter
	Note              string // investigation guide (Markdown)
	Setup             string // setup guide (Markdown)
	License           string
	BuildingBlockType string // "default" for building-block rules, else ""

	RiskScore  int
	MaxSignals int // default 100
	Version    int // rule.version; 1 when absent, as Kibana numbers a new rule

	Tags, References, FalsePositives, Author, Index []string

	// Threat is the MITRE ATT&CK mapping, JSON-tagged exactly as Kibana
	// writes kibana.alert.rule.threat.
	Threat []Threat
	// InvestigationFields are rule.investigation_fields.field_names: the
	// fields the analyst should look at first.
	InvestigationFields []string
	// SeverityMapping overrides Severity from a field of the alert
	// (rule.severity_mapping).
	SeverityMapping []SeverityMapping
	// AlertSuppression is rule.alert_suppression, nil when absent.
	AlertSuppression *Suppression
	// ExceptionsList names the Kibana exception lists attached to the
	// rule (rule.exceptions_list); package exception applies them.
	ExceptionsList []ExceptionRef
	// Transform is the top-level [transform] table (investigation and
	// osquery snippets for Kibana's UI), kept undecoded.
	Transform map[string]any

	Metadata Metadata

	// QueryLine is the 1-based line of the file where the query text
	// starts (0 for a rule not read from a file). See FileLine.
	QueryLine int

	qpos queryPos
}

// Threat is one entry of rule.threat: a tactic and its techniques.
type Threat struct {
	Framework string      `json:"framework" toml:"framework"`
	Tactic    Tactic      `json:"tactic" toml:"tactic"`
	Technique []Technique `json:"technique,omitempty" toml:"technique"`
}

// Tactic is a MITRE ATT&CK tactic (e.g. TA0007 Discovery).
type Tactic struct {
	ID        string `json:"id" toml:"id"`
	Name      string `json:"name" toml:"name"`
	Reference string `json:"reference" toml:"reference"`
}

// Technique is a MITRE ATT&CK technique with its sub-techniques.
type Technique struct {
	ID           string         `json:"id" toml:"id"`
	Name         string         `json:"name" toml:"name"`
	Reference    string         `json:"reference" toml:"reference"`
	Subtechnique []Subtechnique `json:"subtechnique,omitempty" toml:"subtechnique"`
}

// Subtechnique is a MITRE ATT&CK sub-technique (e.g. T1087.004).
type Subtechnique struct {
	ID        string `json:"id" toml:"id"`
	Name      string `json:"name" toml:"name"`
	Reference string `json:"reference" toml:"reference"`
}

// SeverityMapping is one rule.severity_mapping entry: when the alert's
// Field equals Value, the alert gets Severity instead of the rule's.
type SeverityMapping struct {
	Field    string `toml:"field" json:"field"`
	Operator string `toml:"operator" json:"operator"` // "equals", the only operator Kibana supports
	Value    string `toml:"value" json:"value"`
	Severity string `toml:"severity" json:"severity"`
}

// ExceptionRef is one entry of rule.exceptions_list: a Kibana exception
// list the rule uses, by its list_id (id is the saved object's, absent
// from detection-rules files).
type ExceptionRef struct {
	ID            string `toml:"id" json:"id"`
	ListID        string `toml:"list_id" json:"list_id"`
	Type          string `toml:"type" json:"type"` // detection, rule_default, endpoint
	NamespaceType string `toml:"namespace_type" json:"namespace_type"`
}

// Suppression is rule.alert_suppression (docs/esql-semantics.md §B5).
type Suppression struct {
	GroupBy               []string             `toml:"group_by" json:"group_by"`
	Duration              *SuppressionDuration `toml:"duration" json:"duration"`                               // nil: suppress within one rule run
	MissingFieldsStrategy string               `toml:"missing_fields_strategy" json:"missing_fields_strategy"` // "suppress" (default) or "doNotSuppress"
}

// SuppressionDuration is the suppression window, e.g. {value = 6, unit = "h"}.
type SuppressionDuration struct {
	Value int    `toml:"value" json:"value"`
	Unit  string `toml:"unit" json:"unit"` // s, m or h
}

// Metadata is the [metadata] table plus what the TOML decoder saw.
type Metadata struct {
	CreationDate     string
	UpdatedDate      string
	Maturity         string // production, development, deprecated
	Integration      []string
	MinStackVersion  string
	MinStackComments string
	DeprecationDate  string
	DeprecatedReason string
	BypassBBRTiming  bool

	// Undecoded lists, as dotted keys in file order, the keys of the file
	// this package does not model (e.g. "rule.new_key"). A strict
	// validator reports them; Parse tolerates them.
	Undecoded []string
	// TOML is the decoder's metadata (keys, types) for deeper checks;
	// zero for rules not read from TOML (the bundled ones included: see
	// Seed).
	TOML toml.MetaData
}
