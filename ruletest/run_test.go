package ruletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailql/trailql/rule"
)

// burst is six distinct aws-cli discovery calls by alice in one 10-second
// window: one alert of the seed rule.
func burst() string {
	var b strings.Builder
	for i, a := range []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "ListRoles", "DescribeRegions"} {
		b.WriteString(strings.NewReplacer("08:00:01", "08:00:0"+string(rune('1'+i)), "DescribeInstances", a, `"e1"`, `"e`+string(rune('1'+i))+`"`).Replace(rec1) + "\n")
	}
	return b.String()
}

func runScript(t *testing.T, src string) []Result {
	t.Helper()
	s, err := Parse("x.test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s.Run(Options{})
}

// The runner reports each failed expectation with its line, and passes
// the true ones: a runner that cannot fail would make every fixture moot.
func TestRunReportsFailures(t *testing.T) {
	res := runScript(t, "rule bundled:seed\nrecords\n"+burst()+`end
expect alerts 1
expect alert 1 aws.cloudtrail.user_identity.arn = "arn:aws:iam::111122223333:user/alice"
expect alert 1 Esql.event_action_values = ["ListRoles", "DescribeRegions", "DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity"]
expect alert 1 Esql.event_action_count_distinct = 6.0
expect alert 1 Esql.no_such_column = null
expect alerts 2
expect alert 1 Esql.event_action_count_distinct = 5
expect alert 1 Esql.event_action_values = ["ListRoles", "DescribeRegions"]
expect alert 2 user.name = "alice"
expect alert 1 Esql.source_ip_values = null
expect warning nothing like this
`)
	want := []string{
		"x.test:15: 1 alerts, want 2; alert 1: Esql.time_window_date_trunc=\"2026-11-02T08:00:00.000Z\"",
		"x.test:16: alert 1 Esql.event_action_count_distinct = 6, want 5",
		"x.test:17: alert 1 Esql.event_action_values = [",
		"x.test:18: no alert 2: the rule raised 1",
		`x.test:19: alert 1 Esql.source_ip_values = "198.51.100.23", want null`,
		`x.test:20: no warning contains "nothing like this"`,
	}
	got := res[0].Failures
	if len(got) != len(want) {
		t.Fatalf("failures:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("failure %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestRunQueries(t *testing.T) {
	res := runScript(t, "records\n"+burst()+`end
query from logs-aws.cloudtrail-* | stats n = count(*) by event.action | sort event.action | limit 3
expect rows
n | event.action
1 | "DescribeInstances"
1 | "DescribeRegions"
1 | "DescribeVpcs"
end
query from logs-aws.cloudtrail-* | stats n = count(*) by user.name, event.action | where event.action like "List*"
expect rows unordered
n | user.name | event.action
1 | "alice" | "ListRoles"
1 | "alice" | "ListBuckets"
end
query from logs-aws.cloudtrail-* | stats a = values(event.action)
expect rows
a
["ListRoles", "DescribeRegions", "DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity"]
end
query from logs-aws.cloudtrail-* | where event.action == "nothing" | keep event.action
expect no rows
query from logs-aws.cloudtrail-* | stats n = count(*)
expect rows
n
5
end
query from logs-aws.cloudtrail-* | stats n = count(*) | eval m = n
expect rows
m | n
6 | 6
end
query from logs-aws.cloudtrail-* | where no.such.field == 1
`)
	got := res[0].Failures
	want := []string{"x.test:30: row 1 column n = 6, want 5", "x.test:35: columns n | m, want m | n", "x.test:39: query does not compile"}
	if len(got) != len(want) {
		t.Fatalf("failures:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("failure %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestRunSkipsGeoIPAndResolvesRules(t *testing.T) {
	res := runScript(t, "rule bundled:seed\nrequires geoip\nexpect no alerts\n")
	if !strings.HasPrefix(res[0].Skipped, "requires geoip") || res[0].Passed() {
		t.Errorf("not skipped: %+v", res[0])
	}
	// Stated enrichment is served from databases built for the case.
	res = runScript(t, "geoip 198.51.100.23 as.organization.name=\"Example ISP\"\nrequires geoip\nrecords\n"+rec1+"\nend\nquery from logs-aws.cloudtrail-* | keep source.as.organization.name\nexpect rows\nsource.as.organization.name\n\"Example ISP\"\nend\n")
	if !res[0].Passed() {
		t.Errorf("geoip lines: %+v", res[0])
	}
	for _, ref := range []string{"bundled:nope", "missing.toml"} {
		res := runScript(t, "rule "+ref+"\nexpect no alerts\n")
		if len(res[0].Failures) != 1 || !strings.HasPrefix(res[0].Failures[0], "x.test:1: ") {
			t.Errorf("rule %s: %v", ref, res[0].Failures)
		}
	}
	dir := t.TempDir()
	data, err := os.ReadFile("../rule/bundled/seed/discovery_multiple_discovery_api_calls_via_cli.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "r.toml"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "s.test"), []byte("rule r.toml\nrecords\n"+burst()+"end\nexpect alerts 1\n"), 0o644)
	rs, err := RunFile(filepath.Join(dir, "s.test"), Options{})
	if err != nil || !rs[0].Passed() {
		t.Errorf("rule by relative path: %v %+v", err, rs)
	}
}

// A record the mapping rejects is a failure at its line, not a silent drop.
func TestRunRejectedRecord(t *testing.T) {
	res := runScript(t, "rule bundled:seed\nrecords\n{\"eventName\": \"x\"}\nend\nexpect no alerts\n")
	if len(res[0].Failures) != 1 || !strings.HasPrefix(res[0].Failures[0], "x.test:3: record rejected") {
		t.Errorf("%v", res[0].Failures)
	}
}

func TestEqualJSON(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		eq        bool
	}{
		{`1`, `1.0`, true},
		{`1`, `2`, false},
		{`"1"`, `1`, false},
		{`["a","b"]`, `["b","a"]`, true},
		{`["a","a"]`, `["a","b"]`, false},
		{`["a"]`, `"a"`, false},
		{`null`, `null`, true},
		{`{"x":[1,2]}`, `{"x":[2,1]}`, true},
		{`{"x":1}`, `{"x":1,"y":2}`, false},
	} {
		w, _, _, err1 := leadingJSON(tc.want)
		g, _, _, err2 := leadingJSON(tc.got)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if equalJSON(w, g) != tc.eq {
			t.Errorf("equalJSON(%s, %s) != %v", tc.want, tc.got, tc.eq)
		}
	}
}

// Every bundled rule has a folder with a script that makes it fire and one
// where it stays silent (issue: every ES|QL rule of the CloudTrail set runs).
func TestEveryBundledRuleHasFixtures(t *testing.T) {
	for _, r := range rule.Bundled() {
		name := strings.TrimSuffix(filepath.Base(r.Path), ".toml")
		for _, file := range []string{"fires.test", "silent.test"} {
			s, err := ParseFile(filepath.Join(fixtureDir, name, file))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			fires := false
			for _, c := range s.Cases {
				if c.Rule != "bundled:"+r.RuleID {
					continue
				}
				for _, e := range c.Expects {
					if e.Kind == ExpectCount && e.N > 0 {
						fires = true
					}
				}
			}
			if want := file == "fires.test"; fires != want {
				t.Errorf("%s/%s: a case of rule %s expecting alerts: %v, want %v", name, file, r.RuleID, fires, want)
			}
		}
	}
}
