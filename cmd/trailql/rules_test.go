package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailql/trailql/internal/sharedtest"
)

// runRules runs "trailql rules ARGS" in process (the subcommand is tested
// whether or not main.go registers it yet) and returns stdout and the exit
// status run() would give.
func runRules(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := newRulesCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	code := exitOK
	var se *statusError
	switch {
	case errors.As(err, &se):
		code = se.code
		out.WriteString(se.err.Error())
	case err != nil:
		code = exitUsage
		out.WriteString(err.Error())
	}
	return out.String(), code
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const ruleHead = `[metadata]
creation_date = "2026/01/01"

[rule]
author = ["me"]
description = "test"
name = "%s"
risk_score = 21
rule_id = "%s"
severity = "low"
type = "esql"
language = "esql"
`

func TestRulesList(t *testing.T) {
	out, code := runRules(t, "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 25 {
		t.Fatalf("exit %d, %d lines, want 0 and the 25 bundled rules:\n%s", code, len(lines), out)
	}
	found := false
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 {
			t.Errorf("line %q: want id, severity, name", l)
			continue
		}
		if f[0] == "74f45152-9aee-11ef-b0a5-f661ea17fbcd" {
			found = f[1] == "low" && strings.Contains(l, "AWS Discovery API Calls via CLI from a Single Resource")
		}
	}
	if !found {
		t.Errorf("the seed rule is not listed as id, low, name:\n%s", out)
	}

	out, code = runRules(t, "list", "--rules", "../../testdata/rules/good")
	if code != 0 || strings.Contains(out, "74f45152") || strings.TrimSpace(out) == "" {
		t.Errorf("--rules: exit %d, listed\n%s", code, out)
	}
}

func TestRulesValidate(t *testing.T) {
	out, code := runRules(t, "validate")
	if code != 0 || !strings.HasSuffix(out, "25 of 25 valid\n") || strings.Count(out, "\nok   ")+1 != 25 {
		t.Errorf("bundled: exit %d, output:\n%s", code, out)
	}

	dir := t.TempDir()
	writeFile(t, dir, "good.toml", strings.Replace(strings.Replace(ruleHead, "%s", "Good", 1), "%s", "00000000-0000-0000-0000-00000000000a", 1)+"query = '''\nfrom logs-aws.cloudtrail-*\n| where event.action == \"ListUsers\"\n'''\n")
	writeFile(t, dir, "unknown.toml", strings.Replace(strings.Replace(ruleHead, "%s", "Unknown column", 1), "%s", "00000000-0000-0000-0000-00000000000b", 1)+"query = '''\nfrom logs-aws.cloudtrail-*\n| where okta.actor.id == \"x\"\n'''\n")
	writeFile(t, dir, "syntax.toml", strings.Replace(strings.Replace(ruleHead, "%s", "Syntax", 1), "%s", "00000000-0000-0000-0000-00000000000c", 1)+"query = '''\nfrom logs-aws.cloudtrail-*\n| where event.action ==\n'''\n")
	out, code = runRules(t, "validate", dir)
	// The query text starts on line 14 of each file; the column is the token's.
	for _, want := range []string{"unknown.toml:15:9: Unknown column [okta.actor.id]", "syntax.toml:16:1: expected expression", "ok   " + filepath.Join(dir, "good.toml"), "1 of 3 valid"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}

	// --parse-only accepts fields of other integrations, not bad syntax.
	out, code = runRules(t, "validate", "--parse-only", dir)
	if code != exitUsage || !strings.Contains(out, "2 of 3 valid") || !strings.Contains(out, "syntax.toml:16:1") {
		t.Errorf("--parse-only: exit %d:\n%s", code, out)
	}

	// Broken TOML is reported with its position too.
	out, code = runRules(t, "validate", "../../testdata/rules/bad-syntax.toml", "../../testdata/rules/bad-type.toml")
	if code != exitUsage || !strings.Contains(out, "0 of 2 valid") || !strings.Contains(out, "bad-type.toml:6:") {
		t.Errorf("bad files: exit %d:\n%s", code, out)
	}
}

// Every ES|QL rule of Elastic's repository parses (docs/esql-rules-corpus.md:
// 212 rules); type-checking them against CloudTrail is not expected to pass.
func TestRulesValidateParseOnlyCorpus(t *testing.T) {
	dir := sharedtest.Dir(t, "rules/elastic-esql-all")
	out, code := runRules(t, "validate", "--parse-only", dir)
	if code != 0 || !strings.HasSuffix(out, "212 of 212 valid\n") {
		t.Errorf("exit %d, tail: %s", code, out[max(0, len(out)-600):])
	}
}

func TestRulesShow(t *testing.T) {
	out, code := runRules(t, "show", "Discovery API Calls via CLI")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{
		"AWS Discovery API Calls via CLI from a Single Resource\n=====",
		"rule_id         74f45152-9aee-11ef-b0a5-f661ea17fbcd",
		"severity        low (risk score 21)",
		"every 5m, looking back to now-6m",
		"TA0007 Discovery",
		"T1087.004 Cloud Account",
		"Investigation guide\n-------------------",
		"  • ",
		"| from logs-aws.cloudtrail-* metadata _id, _version, _index",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	guide := out[strings.Index(out, "Investigation guide"):]
	for _, noise := range []string{"**", "## ", "](http", "`"} {
		if strings.Contains(guide, noise) {
			t.Errorf("the guide still has Markdown %q", noise)
		}
	}
	for _, ref := range []string{"74f45152-9aee-11ef-b0a5-f661ea17fbcd", "discovery_multiple_discovery_api_calls_via_cli"} {
		if o, c := runRules(t, "show", ref); c != 0 || !strings.HasPrefix(o, "AWS Discovery API Calls via CLI") {
			t.Errorf("show %s: exit %d", ref, c)
		}
	}
	if o, c := runRules(t, "show", "bedrock"); c != exitUsage || !strings.Contains(o, `"bedrock" matches 3 rules`) {
		t.Errorf("ambiguous name: exit %d: %s", c, o)
	}
	if _, c := runRules(t, "show", "no such rule"); c != exitUsage {
		t.Errorf("unknown rule: exit %d, want 2", c)
	}
}

// Rule text is untrusted: escape sequences in a name or note must not reach
// the terminal.
func TestRulesShowSanitizes(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "evil.toml", strings.Replace(strings.Replace(ruleHead, "%s", `Evil\u001b[2J name`, 1), "%s", "00000000-0000-0000-0000-00000000000d", 1)+
		"note = \"## Triage\\n- step \\u001b]0;pwned\\u0007one\\n- **bold** \\u202eevil\"\nquery = '''\nfrom logs-aws.cloudtrail-*\n'''\n")
	out, code := runRules(t, "show", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reach the terminal: %q", out)
	}
	for _, want := range []string{"Evil[2J name", "Triage", "  • step ]0;pwnedone", "  • bold evil"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}

func TestRulesTest(t *testing.T) {
	out, code := runRules(t, "test", "../../testdata/rules/discovery_multiple_discovery_api_calls_via_cli")
	if code != 0 || !strings.Contains(out, "PASS  ") || !strings.Contains(out, " passed, 0 failed, 0 skipped") {
		t.Errorf("fixtures: exit %d:\n%s", code, out)
	}

	dir := t.TempDir()
	writeFile(t, dir, "wrong.test", `rule bundled:seed
records
{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2026-11-02T08:00:01Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"e1","eventType":"AwsApiCall"}
end
expect alerts 1
`)
	out, code = runRules(t, "test", dir)
	if code != exitError || !strings.Contains(out, "FAIL  ") || !strings.Contains(out, "wrong.test:5: 0 alerts, want 1") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Errorf("failing script: exit %d:\n%s", code, out)
	}

	writeFile(t, dir, "broken.test", "rule bundled:seed\nexpect alerts many\n")
	out, code = runRules(t, "test", filepath.Join(dir, "broken.test"))
	if code != exitError || !strings.Contains(out, "broken.test:2: expect alerts") {
		t.Errorf("broken script: exit %d:\n%s", code, out)
	}
	if _, code = runRules(t, "test", filepath.Join(dir, "none")); code != exitUsage {
		t.Errorf("missing path: exit %d, want 2", code)
	}
}

// The built binary has the command once main.go registers it.
func TestRulesBinary(t *testing.T) {
	r := trailql(t, "", "rules", "validate")
	if strings.Contains(r.stderr, "unknown command") {
		t.Skip("main.go does not register newRulesCmd() yet")
	}
	if r.code != 0 || !strings.Contains(r.stdout, "25 of 25 valid") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// For CI: rules validate --format json gives each rule's status, and a rule
// of another type (here KQL) is skipped, not failed; rules test --format
// junit gives JUnit XML with the failure.
func TestRulesForCI(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "good.toml", strings.Replace(strings.Replace(ruleHead, "%s", "Good", 1), "%s", "00000000-0000-0000-0000-00000000000a", 1)+"query = '''\nfrom logs-aws.cloudtrail-*\n| where event.action == \"ListUsers\"\n'''\n")
	kql := strings.Replace(strings.Replace(ruleHead, "%s", "A KQL rule", 1), "%s", "00000000-0000-0000-0000-00000000000d", 1)
	kql = strings.Replace(strings.Replace(kql, `type = "esql"`, `type = "query"`, 1), `language = "esql"`, `language = "kuery"`, 1)
	writeFile(t, dir, "kql.toml", kql+"query = '''\nevent.action:ListUsers\n'''\n")
	out, code := runRules(t, "validate", "--format", "json", dir)
	var doc struct {
		Rules                   []validation
		Valid, Invalid, Skipped int
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != 0 || doc.Valid != 1 || doc.Skipped != 1 || doc.Invalid != 0 || len(doc.Rules) != 2 {
		t.Errorf("exit %d, %+v", code, doc)
	}
	out, _ = runRules(t, "validate", dir)
	if !strings.Contains(out, "1 of 1 valid (1 rules of other types skipped)") {
		t.Errorf("text: %s", out)
	}

	writeFile(t, dir, "wrong.test", "rule bundled:seed\nexpect alerts 1\n")
	out, code = runRules(t, "test", "--format", "junit", filepath.Join(dir, "wrong.test"))
	var rep junitReport
	if err := xml.Unmarshal([]byte(out[:strings.LastIndex(out, ">")+1]), &rep); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if code != exitError || rep.Tests != 1 || rep.Fails != 1 || len(rep.Suites) != 1 || rep.Suites[0].Cases[0].Failure == nil {
		t.Errorf("junit: exit %d, %+v", code, rep)
	}
}

// The rule filters pick rules out of a set, in rules list and detect alike.
func TestRuleFilters(t *testing.T) {
	out, code := runRules(t, "list", "--severity", "low", "--no-building-blocks")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) == 0 || strings.Contains(out, "building block") || strings.Contains(out, " high ") {
		t.Errorf("list --severity low --no-building-blocks: exit %d:\n%s", code, out)
	}
	all, _ := runRules(t, "list")
	if len(lines) >= len(strings.Split(strings.TrimSpace(all), "\n")) {
		t.Errorf("the filter kept every rule")
	}
	res := trailql(t, "", "detect", "--rules", "bundled", "--rule-id", "discovery_multiple_discovery_api_calls_via_cli", "../../examples")
	if res.code != 0 || !strings.Contains(res.stderr, "from 1 rule ") {
		t.Errorf("detect --rule-id: exit %d, %q", res.code, res.stderr)
	}
}
