package rule

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSeed pins what the seed rule's TOML says (shared/seed/...) and the
// defaults Kibana applies to keys it leaves out (docs/esql-semantics.md §B1).
func TestSeed(t *testing.T) {
	r := Seed()
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", r.Name, "AWS Discovery API Calls via CLI from a Single Resource"},
		{"rule_id", r.RuleID, "74f45152-9aee-11ef-b0a5-f661ea17fbcd"},
		{"severity", r.Severity, "low"},
		{"risk_score", r.RiskScore, 21},
		{"from", r.From, "now-6m"},
		{"interval (default)", r.Interval, "5m"},
		{"to (default)", r.To, "now"},
		{"max_signals (default)", r.MaxSignals, 100},
		{"version (default)", r.Version, 1},
		{"timestamp_override", r.TimestampOverride, "event.ingested"},
		{"type", r.Type, "esql"},
		{"language", r.Language, "esql"},
		{"license", r.License, "Elastic License v2"},
		{"author", r.Author, []string{"Elastic"}},
		{"tags", len(r.Tags), 18},
		{"references", len(r.References), 2},
		{"false_positives", len(r.FalsePositives), 1},
		{"investigation fields", len(r.InvestigationFields), 12},
		{"first investigation field", r.InvestigationFields[0], "Esql.event_action_count_distinct"},
		{"threat entries", len(r.Threat), 1},
		{"framework", r.Threat[0].Framework, "MITRE ATT&CK"},
		{"tactic", r.Threat[0].Tactic, Tactic{ID: "TA0007", Name: "Discovery", Reference: "https://attack.mitre.org/tactics/TA0007/"}},
		{"techniques", techniqueIDs(r.Threat[0].Technique), []string{"T1087", "T1526", "T1580"}},
		{"subtechniques of T1087", r.Threat[0].Technique[0].Subtechnique, []Subtechnique{{ID: "T1087.004", Name: "Cloud Account", Reference: "https://attack.mitre.org/techniques/T1087/004/"}}},
		{"no subtechniques of T1526", len(r.Threat[0].Technique[1].Subtechnique), 0},
		{"metadata maturity", r.Metadata.Maturity, "production"},
		{"metadata integration", r.Metadata.Integration, []string{"aws"}},
		{"metadata min_stack_version", r.Metadata.MinStackVersion, "9.2.0"},
		{"no undecoded keys", len(r.Metadata.Undecoded), 0},
		{"no suppression", r.AlertSuppression == nil, true},
		{"note is the investigation guide", strings.HasPrefix(r.Note, "## Triage and analysis"), true},
		{"query starts with FROM", strings.HasPrefix(r.Query, "from logs-aws.cloudtrail-* metadata _id, _version, _index\n"), true},
		{"path", r.Path, "rule/bundled/seed/discovery_multiple_discovery_api_calls_via_cli.toml"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func techniqueIDs(ts []Technique) []string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

// TestQueryLineIsFirstQueryLine checks QueryLine against the file text for
// every embedded rule: the file's line QueryLine must be the query's first
// line (TOML trims the newline right after the opening ”').
func TestQueryLineIsFirstQueryLine(t *testing.T) {
	rules := append([]*Rule{Seed()}, Bundled()...)
	for _, r := range rules {
		data, err := bundledFS.ReadFile(strings.TrimPrefix(r.Path, "rule/"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		first, _, _ := strings.Cut(r.Query, "\n")
		if r.QueryLine < 2 || r.QueryLine > len(lines) {
			t.Errorf("%s: QueryLine %d out of range", r.Path, r.QueryLine)
			continue
		}
		if lines[r.QueryLine-1] != first {
			t.Errorf("%s: line %d is %q, want the query's first line %q", r.Path, r.QueryLine, lines[r.QueryLine-1], first)
		}
		if lines[r.QueryLine-2] != "query = '''" {
			t.Errorf("%s: line before QueryLine is %q, want the opening query = '''", r.Path, lines[r.QueryLine-2])
		}
	}
	if got := Seed().QueryLine; got != 140 {
		t.Errorf("seed QueryLine = %d, want 140", got)
	}
}

// TestParseErrors covers malformed and incomplete rule files: each error
// must name the file and, where the TOML decoder or the key scanner knows
// it, the line and column.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		file string
		want string // full Error() text
	}{
		{"bad-syntax.toml", `bad-syntax.toml:7:16: invalid TOML: strings cannot contain newlines (last key "rule.severity")`},
		{"bad-type.toml", `bad-type.toml:6:3: rule.risk_score: incompatible types: TOML value has type string; destination has type integer`},
		{"bad-missing-query.toml", `bad-missing-query.toml: missing required key(s): rule.query`},
		{"bad-not-esql.toml", `bad-not-esql.toml:4:1: unsupported rule type "query" (language "kuery"): only ES|QL rules (type and language "esql") are supported`},
		{"bad-interval.toml", `bad-interval.toml:6:1: rule.interval: "5 minutes": expected <number><unit>, e.g. 5m or 1h`},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "rules", c.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(c.file, data)
			if err == nil {
				t.Fatalf("Parse succeeded (%q), want error", r.Name)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != c.file {
				t.Errorf("error %v (%T) is not an *Error naming %s", err, err, c.file)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got %s\nwant %s", err, c.want)
			}
		})
	}
}

// TestParseInline covers validation and defaults with small rules.
func TestParseInline(t *testing.T) {
	const head = "[rule]\nrule_id = \"x\"\nname = \"n\"\ntype = \"esql\"\nlanguage = \"esql\"\nquery = '''from a'''\n"
	cases := []struct {
		name    string
		extra   string
		wantErr string // substring; "" = must parse
		check   func(*Rule) bool
	}{
		{"defaults", "", "", func(r *Rule) bool {
			return r.Severity == "low" && r.RiskScore == 21 && r.From == "now-6m" && r.Interval == "5m" && r.MaxSignals == 100 && r.QueryLine == 6
		}},
		{"risk score from severity", "severity = \"high\"\n", "", func(r *Rule) bool { return r.RiskScore == 73 }},
		{"explicit risk score", "severity = \"high\"\nrisk_score = 50\n", "", func(r *Rule) bool { return r.RiskScore == 50 }},
		{"max_signals", "max_signals = 7\n", "", func(r *Rule) bool { return r.MaxSignals == 7 }},
		{"version", "version = 4\n", "", func(r *Rule) bool { return r.Version == 4 }},
		{"unknown keys kept for validators", "shiny = true\n[rule.more]\na = 1\n", "", func(r *Rule) bool {
			return reflect.DeepEqual(r.Metadata.Undecoded, []string{"rule.shiny", "rule.more", "rule.more.a"})
		}},
		{"suppression default strategy", "[rule.alert_suppression]\ngroup_by = [\"user.name\"]\n", "", func(r *Rule) bool {
			return r.AlertSuppression.MissingFieldsStrategy == "suppress" && r.AlertSuppression.Duration == nil
		}},
		{"severity mapping", "[[rule.severity_mapping]]\nfield = \"f\"\noperator = \"equals\"\nvalue = \"v\"\nseverity = \"critical\"\n", "", func(r *Rule) bool {
			return len(r.SeverityMapping) == 1 && r.SeverityMapping[0].Severity == "critical"
		}},
		{"bad severity", "severity = \"urgent\"\n", `x.toml:7:1: rule.severity: "urgent" is not one of`, nil},
		{"risk score too high", "risk_score = 101\n", "x.toml:7:1: rule.risk_score: 101 is not between 0 and 100", nil},
		{"bad from", "from = \"now-1M\"\n", `x.toml:7:1: rule.from: "now-1M": unit "M"`, nil},
		{"bad from rounding", "from = \"now-1d/d\"\n", `rule.from: "now-1d/d"`, nil},
		{"zero max_signals", "max_signals = 0\n", "rule.max_signals: 0 is not a positive number", nil},
		{"bad suppression unit", "[rule.alert_suppression]\ngroup_by = [\"a\"]\n[rule.alert_suppression.duration]\nvalue = 1\nunit = \"d\"\n", `x.toml:9:1: rule.alert_suppression.duration: unit "d"`, nil},
		{"bad strategy", "[rule.alert_suppression]\ngroup_by = [\"a\"]\nmissing_fields_strategy = \"drop\"\n", "rule.alert_suppression.missing_fields_strategy", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse("x.toml", []byte(head+c.extra))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(r) {
				t.Errorf("check failed: %+v", r)
			}
		})
	}
}

// TestParseMissingKeys: each required key is reported by name.
func TestParseMissingKeys(t *testing.T) {
	full := map[string]string{
		"rule_id": `rule_id = "x"`, "name": `name = "n"`, "type": `type = "esql"`,
		"language": `language = "esql"`, "query": `query = "from a"`,
	}
	for missing := range full {
		var b strings.Builder
		b.WriteString("[rule]\n")
		for k, line := range full {
			if k != missing {
				b.WriteString(line + "\n")
			}
		}
		_, err := Parse("m.toml", []byte(b.String()))
		want := "m.toml: missing required key(s): rule." + missing
		if err == nil || err.Error() != want {
			t.Errorf("without %s: err = %v, want %s", missing, err, want)
		}
	}
	if _, err := Parse("e.toml", []byte("[rule]\nquery = '''   '''\n")); err == nil || !strings.Contains(err.Error(), "rule.rule_id, rule.name, rule.type, rule.language, rule.query") {
		t.Errorf("blank query and no other keys: err = %v", err)
	}
}
