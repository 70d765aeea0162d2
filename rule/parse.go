package rule

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// tomlFile is the on-disk layout of a detection-rules TOML file.
type tomlFile struct {
	Metadata  tomlMetadata   `toml:"metadata"`
	Rule      tomlRule       `toml:"rule"`
	Transform map[string]any `toml:"transform"`
}

type tomlMetadata struct {
	CreationDate     string   `toml:"creation_date"`
	UpdatedDate      string   `toml:"updated_date"`
	Maturity         string   `toml:"maturity"`
	Integration      []string `toml:"integration"`
	MinStackVersion  string   `toml:"min_stack_version"`
	MinStackComments string   `toml:"min_stack_comments"`
	DeprecationDate  string   `toml:"deprecation_date"`
	DeprecatedReason string   `toml:"deprecated_reason"`
	BypassBBRTiming  bool     `toml:"bypass_bbr_timing"`
}

type tomlRule struct {
	Author              []string          `toml:"author" json:"author"`
	BuildingBlockType   string            `toml:"building_block_type" json:"building_block_type"`
	Description         string            `toml:"description" json:"description"`
	FalsePositives      []string          `toml:"false_positives" json:"false_positives"`
	From                string            `toml:"from" json:"from"`
	To                  string            `toml:"to" json:"to"`
	Index               []string          `toml:"index" json:"index"`
	Interval            string            `toml:"interval" json:"interval"`
	Language            string            `toml:"language" json:"language"`
	License             string            `toml:"license" json:"license"`
	MaxSignals          *int              `toml:"max_signals" json:"max_signals"`
	Name                string            `toml:"name" json:"name"`
	Note                string            `toml:"note" json:"note"`
	Setup               string            `toml:"setup" json:"setup"`
	Query               *string           `toml:"query" json:"query"`
	References          []string          `toml:"references" json:"references"`
	RiskScore           *int              `toml:"risk_score" json:"risk_score"`
	RuleID              string            `toml:"rule_id" json:"rule_id"`
	Severity            string            `toml:"severity" json:"severity"`
	Tags                []string          `toml:"tags" json:"tags"`
	TimestampOverride   string            `toml:"timestamp_override" json:"timestamp_override"`
	Type                string            `toml:"type" json:"type"`
	Version             *int              `toml:"version" json:"version"`
	Threat              []Threat          `toml:"threat" json:"threat"`
	SeverityMapping     []SeverityMapping `toml:"severity_mapping" json:"severity_mapping"`
	AlertSuppression    *Suppression      `toml:"alert_suppression" json:"alert_suppression"`
	InvestigationFields *struct {
		FieldNames []string `toml:"field_names" json:"field_names"`
	} `toml:"investigation_fields" json:"investigation_fields"`
	ExceptionsList []ExceptionRef `toml:"exceptions_list" json:"exceptions_list"`
}

// defaultRiskScore is the risk score Kibana's rule-creation UI proposes
// for each severity (low 21, medium 47, high 73, critical 99); used only
// when a rule has a severity but no risk_score.
var defaultRiskScore = map[string]int{"low": 21, "medium": 47, "high": 73, "critical": 99}

// LoadFile reads and parses one rule file.
func LoadFile(path string) (*Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: unwrapPathError(err)}
	}
	return Parse(path, data)
}

// Parse parses the TOML text of one rule; name is the file name used in
// errors and stored as Rule.Path. Errors are *Error values naming
// name:line:col where the position is known.
func Parse(name string, data []byte) (*Rule, error) {
	var f tomlFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, tomlError(name, data, err)
	}
	r := newRule(name, &f.Rule, &f.Metadata, f.Transform)
	r.Metadata.TOML = md
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] == "transform" {
			continue // kept whole in Rule.Transform; the decoder does not mark arrays of tables inside it
		}
		r.Metadata.Undecoded = append(r.Metadata.Undecoded, k.String())
	}
	if err := r.check(&f.Rule); err != nil {
		e := &Error{File: name}
		var ke *keyError
		if errors.As(err, &ke) {
			e.Line, e.Col = keyPos(data, ke.key)
			e.Unsupported = ke.unsupported
			if ke.whole {
				e.Msg = ke.msg
			}
		}
		if e.Msg == "" {
			e.Msg = err.Error()
		}
		return nil, e
	}
	if p, ok := findString(data, []string{"rule", "query"}); ok {
		r.qpos = p
		r.QueryLine = p.line
	}
	return r, nil
}

// newRule makes a Rule of the keys read from a rule file (TOML) or a
// Kibana export (JSON), with Kibana's defaults; check validates it.
func newRule(name string, tr *tomlRule, md *tomlMetadata, transform map[string]any) *Rule {
	r := &Rule{
		Path:              name,
		RuleID:            tr.RuleID,
		Name:              tr.Name,
		Description:       tr.Description,
		Severity:          tr.Severity,
		Type:              tr.Type,
		Language:          tr.Language,
		From:              orDefault(tr.From, DefaultFrom),
		To:                orDefault(tr.To, DefaultTo),
		Interval:          orDefault(tr.Interval, DefaultInterval),
		TimestampOverride: tr.TimestampOverride,
		Note:              tr.Note,
		Setup:             tr.Setup,
		License:           tr.License,
		BuildingBlockType: tr.BuildingBlockType,
		MaxSignals:        DefaultMaxSignals,
		Version:           1,
		Tags:              tr.Tags,
		References:        tr.References,
		FalsePositives:    tr.FalsePositives,
		Author:            tr.Author,
		Index:             tr.Index,
		Threat:            tr.Threat,
		SeverityMapping:   tr.SeverityMapping,
		AlertSuppression:  tr.AlertSuppression,
		ExceptionsList:    tr.ExceptionsList,
		Transform:         transform,
		Metadata: Metadata{
			CreationDate:     md.CreationDate,
			UpdatedDate:      md.UpdatedDate,
			Maturity:         md.Maturity,
			Integration:      md.Integration,
			MinStackVersion:  md.MinStackVersion,
			MinStackComments: md.MinStackComments,
			DeprecationDate:  md.DeprecationDate,
			DeprecatedReason: md.DeprecatedReason,
			BypassBBRTiming:  md.BypassBBRTiming,
		},
	}
	if tr.InvestigationFields != nil {
		r.InvestigationFields = tr.InvestigationFields.FieldNames
	}
	if tr.MaxSignals != nil {
		r.MaxSignals = *tr.MaxSignals
	}
	if tr.Version != nil {
		r.Version = *tr.Version
	}
	if tr.Query != nil {
		r.Query = *tr.Query
	}
	return r
}

// check validates a rule newRule made: the required keys, the type (a
// *keyError marked unsupported for a rule of another type), Kibana's
// schema constraints, and the risk score's default.
func (r *Rule) check(tr *tomlRule) error {
	// Required keys: without them there is nothing to run or to name.
	var missing []string
	for _, k := range []struct{ key, val string }{
		{"rule.rule_id", r.RuleID}, {"rule.name", r.Name}, {"rule.type", r.Type}, {"rule.language", r.Language},
	} {
		if k.val == "" {
			missing = append(missing, k.key)
		}
	}
	if tr.Query == nil || strings.TrimSpace(r.Query) == "" {
		missing = append(missing, "rule.query")
	}
	if (r.Type != "" && r.Type != "esql") || (len(missing) == 0 && r.Language != "esql") {
		// Checked first: a machine-learning or threshold rule of a
		// detection-rules checkout has no query at all.
		return &keyError{key: []string{"rule", "type"}, whole: true, unsupported: true,
			msg: fmt.Sprintf("unsupported rule type %q (language %q): only ES|QL rules (type and language \"esql\") are supported", r.Type, r.Language)}
	}
	if len(missing) > 0 {
		return errors.New("missing required key(s): " + strings.Join(missing, ", "))
	}
	if err := r.validate(); err != nil {
		return err
	}
	if tr.RiskScore != nil {
		// Kibana's RiskScore schema: an integer from 0 to 100.
		if *tr.RiskScore < 0 || *tr.RiskScore > 100 {
			return keyErr("rule.risk_score", "%d is not between 0 and 100", *tr.RiskScore)
		}
		r.RiskScore = *tr.RiskScore
	} else {
		r.RiskScore = defaultRiskScore[r.Severity]
	}
	return nil
}

// validate checks values Kibana's rule schema constrains.
// A missing severity becomes "low" (documented default of this package:
// an alert needs one; Kibana's API would reject the rule instead).
func (r *Rule) validate() error {
	if r.Severity == "" {
		r.Severity = "low"
	}
	if _, ok := defaultRiskScore[r.Severity]; !ok {
		return keyErr("rule.severity", "%q is not one of low, medium, high, critical", r.Severity)
	}
	for _, m := range r.SeverityMapping {
		if _, ok := defaultRiskScore[m.Severity]; !ok {
			return keyErr("rule.severity_mapping", "severity %q is not one of low, medium, high, critical", m.Severity)
		}
	}
	if _, err := ParseLookback(r.From); err != nil {
		return keyErr("rule.from", "%v", err)
	}
	if r.To != DefaultTo {
		if _, err := ParseLookback(r.To); err != nil {
			return keyErr("rule.to", "%v", err)
		}
	}
	if _, err := ParseInterval(r.Interval); err != nil {
		return keyErr("rule.interval", "%v", err)
	}
	if r.MaxSignals < 1 {
		return keyErr("rule.max_signals", "%d is not a positive number", r.MaxSignals)
	}
	if s := r.AlertSuppression; s != nil {
		switch s.MissingFieldsStrategy {
		case "":
			s.MissingFieldsStrategy = "suppress" // Kibana's default (docs/esql-semantics.md §B5)
		case "suppress", "doNotSuppress":
		default:
			return keyErr("rule.alert_suppression.missing_fields_strategy", "%q is not suppress or doNotSuppress", s.MissingFieldsStrategy)
		}
		if s.Duration != nil {
			if _, err := s.Duration.Duration(); err != nil {
				return keyErr("rule.alert_suppression.duration", "%v", err)
			}
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// keyError is a validation error about one key, so Parse can add the
// key's position in the file.
type keyError struct {
	key []string
	msg string
	// whole: msg is the whole message, without the key in front.
	whole bool
	// unsupported: a well-formed rule of another type (Error.Unsupported).
	unsupported bool
}

// Error prints "dotted.key: message".
func (e *keyError) Error() string { return strings.Join(e.key, ".") + ": " + e.msg }

func keyErr(key, format string, args ...any) error {
	return &keyError{key: strings.Split(key, "."), msg: fmt.Sprintf(format, args...)}
}
