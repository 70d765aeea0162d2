package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The command line is tested as users run it: a built binary, real files,
// exit statuses, stdout and stderr.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trailql-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "trailql")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building trailql: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func trailql(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// burstNDJSON is six distinct aws-cli discovery calls by one user in one
// 10-second window: one seed-rule alert.
func burstNDJSON() string {
	var b strings.Builder
	for i, a := range []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "ListRoles", "DescribeRegions"} {
		fmt.Fprintf(&b, `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAX","userName":"mallory"},"eventTime":"2026-11-02T08:00:0%dZ","eventSource":"ec2.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"e%d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`+"\n", i, a, i)
	}
	return b.String()
}

func ndjsonAlerts(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not NDJSON: %v: %q", err, line)
		}
		out = append(out, m)
	}
	return out
}

func TestDetectExamples(t *testing.T) {
	r := trailql(t, "", "detect", "--format", "ndjson", "../../examples")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	alerts := ndjsonAlerts(t, r.stdout)
	if len(alerts) == 0 {
		t.Fatal("the bundled examples raise no alert")
	}
	for _, a := range alerts {
		if a["kibana.alert.rule.rule_id"] != "74f45152-9aee-11ef-b0a5-f661ea17fbcd" || a["Esql.user_agent_name_values"] != "aws-cli" {
			t.Errorf("unexpected alert: %v", a)
		}
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("%d alerts", len(alerts))) {
		t.Errorf("summary does not count the alerts: %q", r.stderr)
	}
}

func TestDetectStdinAndTable(t *testing.T) {
	r := trailql(t, burstNDJSON(), "detect", "--format", "table", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"AWS Discovery API Calls via CLI from a Single Resource (severity low, 1 alert)",
		"2026-11-02 08:00:00Z", "arn:aws:iam::111122223333:user/mallory"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = trailql(t, "", "detect", "--format", "table", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "No alerts.") {
		t.Errorf("empty input: exit %d, stdout %q", r.code, r.stdout)
	}
}

// Bad input is reported with its file and record, the rest is processed,
// and the exit status says input was skipped (issue: bad input).
func TestDetectBadInputGoesOn(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(burstNDJSON()), "\n")
	write("good.json", []byte(`{"Records":[`+strings.Join(lines[:3], ",")+`,"not a record",42]}`))
	write("more.ndjson", []byte(strings.Join(lines[3:], "\n")+"\n{broken json\n"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Records":[` + lines[0] + `]}`))
	zw.Close()
	write("truncated.json.gz", gz.Bytes()[:gz.Len()/2])

	r := trailql(t, "", "detect", "--format", "ndjson", dir)
	if r.code != 3 {
		t.Errorf("exit %d, want 3 (input skipped); stderr:\n%s", r.code, r.stderr)
	}
	if n := len(ndjsonAlerts(t, r.stdout)); n != 1 {
		t.Errorf("%d alerts, want the 1 alert of the good records", n)
	}
	for _, want := range []string{"good.json: record 3", "good.json: record 4", "more.ndjson: record 3", "truncated.json.gz"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not report %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("stderr shows a crash:\n%s", r.stderr)
	}
}

func TestUsageAndRuleErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(`[metadata]
creation_date = "2026/01/01"

[rule]
author = ["me"]
description = "test"
name = "Bad rule"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "esql"
language = "esql"
query = '''
from logs-aws.cloudtrail-*
| where no.such.field == "x"
'''
`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown column names the rule file and position", []string{"detect", "--rules", bad, "-"}, 2, "bad.toml:15:9: Unknown column [no.such.field]"},
		{"unknown flag", []string{"detect", "--nope", "-"}, 2, "unknown flag"},
		{"bad format", []string{"detect", "--format", "xml", "-"}, 2, "unknown --format"},
		{"no path", []string{"detect"}, 2, "requires at least 1 arg"},
		{"missing file is skipped input", []string{"detect", filepath.Join(dir, "nope.json")}, 3, "nope.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := trailql(t, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
}

func TestECSCommand(t *testing.T) {
	r := trailql(t, burstNDJSON(), "ecs", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d documents, want 6", len(lines))
	}
	var doc struct {
		Source    map[string]any `json:"source"`
		UserAgent map[string]any `json:"user_agent"`
		User      map[string]any `json:"user"`
		Event     map[string]any `json:"event"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source["ip"] != "198.51.100.23" || doc.UserAgent["name"] != "aws-cli" || doc.User["name"] != "mallory" || doc.Event["action"] != "DescribeInstances" {
		t.Errorf("unexpected ECS document: %s", lines[0])
	}
}

// trailql --version and version --format json say what was built: the
// version, the Go version, the bundled rule set and the ECS mapping.
func TestVersion(t *testing.T) {
	res := trailql(t, "", "--version")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "trailql ") || !strings.Contains(res.stdout, "aws 8.9.0") {
		t.Errorf("--version: exit %d, %q", res.code, res.stdout)
	}
	res = trailql(t, "", "version", "--format", "json")
	var b map[string]string
	if err := json.Unmarshal([]byte(res.stdout), &b); err != nil || b["version"] == "" || b["go_version"] == "" || b["bundled_rules"] == "" || b["ecs_pipeline"] == "" {
		t.Errorf("version --format json: %q (%v)", res.stdout, err)
	}
}

// detect and query --since/--until bound a hunt: delivery files outside by
// their names are not opened (said in the summary), events outside by
// their time reach no rule.
func TestBoundedHunt(t *testing.T) {
	res := trailql(t, "", "detect", "--format", "ndjson", "--since", "2026-11-02T08:10:00Z", "../../examples")
	if res.code != 0 || strings.TrimSpace(res.stdout) != "" || !strings.Contains(res.stderr, "delivery files outside --since/--until not opened") {
		t.Errorf("--since after the bursts: exit %d, %q, %q", res.code, res.stdout, res.stderr)
	}
	res = trailql(t, "", "detect", "--format", "ndjson", "--until", "2026-11-02T08:02:05Z", "../../examples")
	alerts := ndjsonAlerts(t, res.stdout)
	if len(alerts) == 0 {
		t.Fatalf("--until: no alert: %s", res.stderr)
	}
	for _, a := range alerts {
		if w := a["Esql.time_window_date_trunc"].(string); w > "2026-11-02T08:02:05" {
			t.Errorf("--until 08:02:05: alert of window %s", w)
		}
	}
	res = trailql(t, "", "query", "--format", "csv", "--since", "2026-11-02T08:10:00Z", "FROM logs-aws.cloudtrail-* | WHERE @timestamp < \"2026-11-02T08:10:00Z\" | STATS n = COUNT(*)", "../../examples")
	if strings.TrimSpace(res.stdout) != "n\n0" {
		t.Errorf("query --since: %q", res.stdout)
	}
	if res := trailql(t, "", "detect", "--since", "yesterday", "../../examples"); res.code != 2 {
		t.Errorf("--since yesterday: exit %d, want 2", res.code)
	}
}

// trailql fields lists the catalog a rule can read, with types and where
// each value comes from.
func TestFields(t *testing.T) {
	res := trailql(t, "", "fields", "--format", "ndjson")
	found := map[string]map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var f map[string]string
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		found[f["name"]] = f
	}
	for name, want := range map[string][2]string{
		"event.action": {"keyword", "eventName"}, "source.ip": {"ip", "sourceIPAddress when it is an IP address"},
		"@timestamp": {"date", "eventTime"}, "aws.cloudtrail.user_identity.access_key_id": {"keyword", "the record's userIdentity.accessKeyId"},
	} {
		if f := found[name]; f["type"] != want[0] || f["description"] != want[1] {
			t.Errorf("%s: %v, want %v", name, f, want)
		}
	}
	if len(found) < 100 {
		t.Errorf("%d fields", len(found))
	}
}
