package integrity

import (
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/rule"
)

// RuleID is the id of the built-in rule whose alerts are integrity
// findings (detect --verify, watch --verify).
const RuleID = "7b3c6a52-2c1e-4c3d-9f1e-6a1b2c3d4e5f"

// Rule is the built-in rule "CloudTrail log file integrity failure": not
// an ES|QL rule, but the metadata of the alerts Alerts makes, so that they
// reach the sinks like any other alert.
func Rule() *rule.Rule {
	return &rule.Rule{
		Path: "integrity", RuleID: RuleID, Name: "CloudTrail log file integrity failure",
		Description: "A CloudTrail log or digest file fails log file integrity validation: it was modified, deleted, " +
			"added outside CloudTrail, or its digest's signature or chain does not verify. Attackers who reach a trail " +
			"bucket delete or edit log files to hide what they did.",
		Severity: "high", RiskScore: 73, Type: "trailql-integrity", Language: "trailql", Version: 1,
		Interval: "1h", From: "now-2h", To: "now", MaxSignals: rule.DefaultMaxSignals,
		Tags:       []string{"Domain: Cloud", "Data Source: AWS CloudTrail", "Use Case: Log Auditing", "Tactic: Defense Evasion"},
		References: []string{"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html"},
		Threat: []rule.Threat{{Framework: "MITRE ATT&CK",
			Tactic:    rule.Tactic{ID: "TA0005", Name: "Defense Evasion", Reference: "https://attack.mitre.org/tactics/TA0005/"},
			Technique: []rule.Technique{{ID: "T1070", Name: "Indicator Removal", Reference: "https://attack.mitre.org/techniques/T1070/"}}}},
		Note: "## Triage and analysis\n\nCompare the file with CloudTrail's own record: `aws cloudtrail validate-logs`; " +
			"check who wrote to the bucket (S3 server access logs, CloudTrail data events on the bucket).",
	}
}

// Alerts turns findings into alerts of Rule: one per file and kind, with
// an id that is the same on every run, so that re-running never
// duplicates one. now is the alert time.
func Alerts(rep *Report, now time.Time) []*alert.Alert {
	r := Rule()
	cols := []string{"file.path", "trailql.integrity.kind", "trailql.integrity.detail", "trailql.integrity.digest"}
	var out []*alert.Alert
	for _, f := range rep.Findings {
		var digest any
		if f.Digest != "" {
			digest = f.Digest
		}
		out = append(out, alert.Build(r, cols, []any{f.File, string(f.Kind), f.Detail, digest}, nil, now))
	}
	return out
}
