package kafka

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/rule"
)

// testRule compiles a rule with query q (from: now-1h, every 10m).
func testRule(t *testing.T, id, q string) *detect.Compiled {
	t.Helper()
	r, err := rule.Parse(id+".toml", []byte(fmt.Sprintf(`[metadata]
creation_date = "2026/12/05"
[rule]
author = ["test"]
description = "test"
name = "rule %s"
risk_score = 21
rule_id = %q
severity = "low"
type = "esql"
language = "esql"
from = "now-1h"
interval = "10m"
query = '''
%s
'''
`, id, id, q)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := detect.CompileRule(r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Where each of Elastic's 25 CloudTrail rules reads its events: the 17
// keyed by the ARN or not aggregating on the events topic, the 8 others on
// a repartition topic each, keyed by the BY keys ingest can compute alike
// and the member can read back from the alert.
func TestPlanBundledRules(t *testing.T) {
	c, err := detect.Compile(rule.Bundled(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan("ev", c)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Main) != 17 || len(p.Routes) != 8 {
		t.Errorf("%d rules on the events topic and %d repartitioned, want 17 and 8", len(p.Main), len(p.Routes))
	}
	for _, m := range p.Main {
		if filepath.Base(m.Rule.Path) == "credential_access_multi_could_secrets_via_api.toml" {
			t.Error("a rule BY source.ip runs on the events topic")
		}
	}
	want := map[string]string{
		"credential_access_multi_could_secrets_via_api":                               "[source.ip]",
		"execution_aws_ec2_lolbin_via_ssm":                                            "[Esql.aws_ssm_command_id]",
		"execution_ec2_stop_start_with_user_data_modification":                        "[Esql.instance_id user.name cloud.account.id user_agent.original source.ip]",
		"initial_access_aws_api_unusual_asn":                                          "[user.name aws.cloudtrail.user_identity.type]",
		"initial_access_github_actions_oidc_credentials_used_from_suspicious_network": "[aws.cloudtrail.user_identity.access_key_id user.name]",
		"initial_access_iam_session_token_used_from_multiple_addresses":               "[]",
		"lateral_movement_k8_assumed_web_identity_session_with_multi_phase_api_use":   "[]",
		"privilege_escalation_sagemaker_execution_role_passed_by_unusual_principal":   "[Esql.principal_arn Esql.aws_cloudtrail_request_parameters_role_arn]",
	}
	topics := map[string]bool{}
	for _, r := range p.Routes {
		name := strings.TrimSuffix(filepath.Base(r.Rule.Rule.Path), ".toml")
		if got := fmt.Sprint(r.Keys); got != want[name] {
			t.Errorf("%s: keys %s, want %s (%s)", name, got, want[name], r.Why())
		}
		if !strings.HasPrefix(r.Topic, "ev.rekey."+r.Rule.Rule.RuleID+".") || topics[r.Topic] {
			t.Errorf("%s: topic %s", name, r.Topic)
		}
		topics[r.Topic] = true
		// Ingest cannot read GeoIP or the rules' run time: no filter or
		// key of the routing query does.
		if strings.Contains(r.Query, "source.as.") && strings.Contains(r.Query, "WHERE") && strings.Contains(strings.SplitAfter(r.Query, "WHERE")[1], "source.as.organization.name IS NOT NULL") {
			t.Errorf("%s: the routing query filters on GeoIP:\n%s", name, r.Query)
		}
	}
	if len(topics) != 8 {
		t.Errorf("%d repartition topics, want 8", len(topics))
	}
}

// The key of a route: what is left out and why.
func TestRouteKeys(t *testing.T) {
	for _, tc := range []struct {
		query string
		main  bool
		keys  string
	}{
		{`FROM logs-aws.cloudtrail-* | WHERE event.action == "x" | KEEP event.action`, true, ""},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn`, true, ""},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY source.ip`, false, "[source.ip]"},
		// A later STATS regroups: only the keys it keeps count.
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn, source.ip | STATS m = COUNT(*) BY source.ip`, false, "[source.ip]"},
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY source.ip | STATS m = COUNT(*) BY n`, false, "[]"},
		// The ARN computed, or renamed in, is not the topic's key.
		{`FROM logs-aws.cloudtrail-* | EVAL aws.cloudtrail.user_identity.arn = user.name | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn`, false, "[aws.cloudtrail.user_identity.arn]"},
		// The time bucket is no key.
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY w = DATE_TRUNC(10 seconds, @timestamp), user.name`, false, "[user.name]"},
		// GeoIP and NOW() are not ingest's.
		{`FROM logs-aws.cloudtrail-* | EVAL c = source.geo.country_name | STATS n = COUNT(*) BY c, user.name`, false, "[user.name]"},
		{`FROM logs-aws.cloudtrail-* | EVAL d = DATE_DIFF("hours", @timestamp, NOW()) | STATS n = COUNT(*) BY d`, false, "[]"},
		// A LIMIT before the STATS depends on all the events.
		{`FROM logs-aws.cloudtrail-* | LIMIT 10 | STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn`, false, "[]"},
		// A key the alert does not keep cannot be checked.
		{`FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY source.ip, user.name | KEEP n, user.name`, false, "[user.name]"},
		// A key a GROK makes.
		{`FROM logs-aws.cloudtrail-* | GROK user_agent.original "%{WORD:tool}/%{NOTSPACE}" | STATS n = COUNT(*) BY tool`, false, "[tool]"},
	} {
		r, err := route("ev", testRule(t, "r", tc.query))
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if (r == nil) != tc.main {
			t.Errorf("%s: on the events topic %v, want %v", tc.query, r == nil, tc.main)
			continue
		}
		if r != nil && fmt.Sprint(r.Keys) != tc.keys {
			t.Errorf("%s: keys %v, want %s (%s)\n%s", tc.query, r.Keys, tc.keys, r.Why(), r.Query)
		}
	}
}

// Ingest's keys of a record: none when it does not reach the STATS, one per
// value of a multi-valued key; the member owns exactly the alerts whose key
// hashes to its partition.
func TestKeyerAndOwns(t *testing.T) {
	r, err := route("ev", testRule(t, "mv", `FROM logs-aws.cloudtrail-* | WHERE event.action LIKE "Describe*" | EVAL part = SPLIT(event.action, "e") | STATS n = COUNT(*) BY part, source.ip`))
	if err != nil || r == nil {
		t.Fatal(r, err)
	}
	k := newKeyer(r, detect.Options{})
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	if got := k.keys([]byte(rec("arn:aws:iam::1:user/a", 1, at, "ListUsers", "203.0.113.7"))); len(got) != 0 {
		t.Errorf("a record the WHERE rejects has keys %q", got)
	}
	got := k.keys([]byte(rec("arn:aws:iam::1:user/a", 1, at, "DescribeInstances", "203.0.113.7")))
	slices.Sort(got)
	// SPLIT("DescribeInstances", "e") = ["D", "scrib", "Instanc", "s"]
	var want []string
	for _, part := range []string{"D", "Instanc", "s", "scrib"} {
		want = append(want, `"`+part+`"`+"\x1f"+`"203.0.113.7"`)
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
	doc := alert.NewDocument(4)
	doc.Set("part", "D")
	doc.Set("source.ip", "203.0.113.7")
	a := &alert.Alert{Doc: doc}
	owner := partitionOf([]byte(want[0]), 12)
	for p := int32(0); p < 12; p++ {
		if r.Owns(a, p, 12) != (p == owner) {
			t.Errorf("partition %d owns the alert of %q: %v (its partition is %d)", p, want[0], !(p == owner), owner)
		}
	}
}
