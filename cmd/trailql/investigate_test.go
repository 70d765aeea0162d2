package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// investigate --alert finds the alert by running the rules, and lists
// exactly its actor's events within ±30 minutes of its window, its own
// events flagged (golden file: UPDATE_GOLDEN=1 rewrites it).
func TestInvestigateAlert(t *testing.T) {
	const examples = "../../examples"
	alerts := ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", examples).stdout)
	var a map[string]any
	for _, x := range alerts {
		if x["aws.cloudtrail.user_identity.arn"] == "arn:aws:sts::534439589175:assumed-role/ec2-web/i-0c08f2398ad2440ec" {
			a = x
		}
	}
	if a == nil {
		t.Fatal("the examples' ec2-web alert is gone")
	}
	id := a["kibana.alert.uuid"].(string)
	r := trailql(t, "", "investigate", "--alert", id[:12], "--format", "ndjson", examples)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden := "../../testdata/investigate/ec2-web-alert.ndjson"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want) {
		t.Errorf("timeline differs from %s:\n%s", golden, r.stdout)
	}
	// What the golden file must say, checked apart from it.
	window, _ := time.Parse(time.RFC3339, a["Esql.time_window_date_trunc"].(string))
	evidence := map[string]bool{}
	for _, e := range a["trailql.evidence.event_ids"].([]any) {
		evidence[e.(string)] = true
	}
	inAlert := 0
	for _, ev := range ndjsonAlerts(t, r.stdout) {
		ts, _ := time.Parse(time.RFC3339, ev["@timestamp"].(string))
		if ev["aws.cloudtrail.user_identity.arn"] != a["aws.cloudtrail.user_identity.arn"] ||
			ts.Before(window.Add(-30*time.Minute)) || ts.After(window.Add(10*time.Second+30*time.Minute)) {
			t.Errorf("event outside the actor or the range: %v", ev)
		}
		if ev["trailql.in_alert"] != evidence[ev["event.id"].(string)] {
			t.Errorf("in_alert wrong on %v", ev["event.id"])
		}
		if ev["trailql.in_alert"] == true {
			inAlert++
		}
	}
	if inAlert != len(evidence) {
		t.Errorf("%d events flagged, the alert has %d", inAlert, len(evidence))
	}

	out := filepath.Join(t.TempDir(), "report.html")
	r = trailql(t, "", "investigate", "--alert", id, "--format", "html", "-o", out, examples)
	html, _ := os.ReadFile(out)
	if r.code != 0 || !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "Investigation guide") {
		t.Errorf("html report: exit %d, %d bytes: %s", r.code, len(html), r.stderr)
	}
	r = trailql(t, "", "investigate", "--alert", "0123456789abcdef", examples)
	if r.code != 1 || !strings.Contains(r.stderr, "no alert 0123456789abcdef") {
		t.Errorf("unknown alert: exit %d, %s", r.code, r.stderr)
	}
	r = trailql(t, "", "investigate", "--alert", id, "--arn", "x", examples)
	if r.code != 2 {
		t.Errorf("--alert with --arn: exit %d", r.code)
	}
}

// investigate --arn --at: the actor's events around a time, none flagged.
func TestInvestigateARN(t *testing.T) {
	r := trailql(t, "", "investigate", "--arn", "arn:aws:iam::494027974809:user/user011", "--at", "2026-11-02T08:05:00Z", "--around", "10m", "--format", "ndjson", "../../examples")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	evs := ndjsonAlerts(t, r.stdout)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	for _, ev := range evs {
		ts, _ := time.Parse(time.RFC3339, ev["@timestamp"].(string))
		if ev["aws.cloudtrail.user_identity.arn"] != "arn:aws:iam::494027974809:user/user011" || ev["trailql.in_alert"] != false ||
			ts.Before(time.Date(2026, 11, 2, 7, 55, 0, 0, time.UTC)) || ts.After(time.Date(2026, 11, 2, 8, 15, 0, 0, time.UTC)) {
			t.Errorf("unexpected event %v", ev)
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &first)
	if _, ok := first["trailql.sensitive"]; !ok {
		t.Error("events lack trailql.sensitive")
	}
}

// investigateRecord is a raw CloudTrail record as NDJSON: arn with access
// key key calls source:action at time t (HH:MM:SS on 2026-11-02).
func investigateRecord(arn, key, user, source, action, t, id string, extra string) string {
	js := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":%s,"accountId":"111122223333","accessKeyId":%s,"userName":%s},"eventTime":"2026-11-02T%sZ","eventSource":"%s.amazonaws.com","eventName":%s,"awsRegion":"us-east-1","sourceIPAddress":"89.160.20.156","userAgent":"Boto3/1.34.0","eventID":%s,"eventType":"AwsApiCall","recipientAccountId":"111122223333"%s}`+"\n",
		js(arn), js(key), js(user), t, source, js(action), js(id), extra)
}

const (
	carolARN = "arn:aws:sts::111122223333:assumed-role/ops/carol"
	daveARN  = "arn:aws:iam::111122223333:user/dave"
	aliceARN = "arn:aws:iam::111122223333:user/alice"
)

// investigateCorpus: carol's session key used for four actions in two
// minutes, then a new key 18 minutes later (and a call 40 minutes before);
// another key of carol's; dave creating a key and attaching a policy;
// alice creating a key for bob.
func investigateCorpus() string {
	var b strings.Builder
	for _, r := range []string{
		investigateRecord(carolARN, "ASIACAROL", "", "sts", "GetCallerIdentity", "07:20:00", "c0", ""),
		investigateRecord(carolARN, "ASIACAROL", "", "ec2", "DescribeInstances", "08:01:00", "c1", ""),
		investigateRecord(carolARN, "ASIACAROL", "", "s3", "ListBuckets", "08:01:30", "c2", ""),
		investigateRecord(carolARN, "ASIACAROL", "", "iam", "ListUsers", "08:02:00", "c3", `,"errorCode":"AccessDenied"`),
		investigateRecord(carolARN, "ASIACAROL", "", "iam", "ListRoles", "08:02:30", "c4", ""),
		investigateRecord(carolARN, "ASIACAROL", "", "iam", "CreateAccessKey", "08:20:00", "c5", ""),
		investigateRecord(carolARN, "ASIAOTHER", "", "iam", "ListRoles", "08:02:40", "c6", ""),
		investigateRecord(daveARN, "AKIADAVE", "dave", "iam", "CreateAccessKey", "08:03:00", "d1", `,"requestParameters":{"userName":"dave"}`),
		investigateRecord(daveARN, "AKIADAVE", "dave", "iam", "AttachUserPolicy", "08:04:00", "d2", ""),
		investigateRecord(aliceARN, "AKIAALICE", "alice", "sts", "GetCallerIdentity", "05:09:00", "a0", ""),
		investigateRecord(aliceARN, "AKIAALICE", "alice", "iam", "CreateAccessKey", "05:10:44", "a1", `,"requestParameters":{"userName":"bob"},"responseElements":{"accessKey":{"userName":"bob","accessKeyId":"AKIANEW","status":"Active"}}`),
		investigateRecord(aliceARN, "AKIAALICE", "alice", "iam", "AttachUserPolicy", "05:12:00", "a2", `,"requestParameters":{"userName":"bob"}`),
	} {
		b.WriteString(r)
	}
	return b.String()
}

const keysRule = `[rule]
rule_id = "00000000-0000-0000-0000-0000000000c1"
name = "One key, many actions"
description = "A scheduled STATS by an Esql copy of the access key id."
type = "esql"
language = "esql"
from = "now-10m"
interval = "5m"
risk_score = 21
severity = "low"
note = """## Triage
Look at <b>everything</b> the key did."""
query = '''
from logs-aws.cloudtrail-*
| where aws.cloudtrail.user_identity.access_key_id is not null
| eval Esql.aws_cloudtrail_user_identity_access_key_id = aws.cloudtrail.user_identity.access_key_id
| stats Esql.event_action_count_distinct = count_distinct(event.action) by Esql.aws_cloudtrail_user_identity_access_key_id
| where Esql.event_action_count_distinct >= 4
'''
`

const newKeyRule = `[rule]
rule_id = "00000000-0000-0000-0000-0000000000c2"
name = "Own access key created"
description = "No STATS, and the ARN is not kept."
type = "esql"
language = "esql"
from = "now-6m"
interval = "5m"
risk_score = 21
severity = "low"
query = '''
from logs-aws.cloudtrail-* | where event.action == "CreateAccessKey" and user.name == "dave" | keep @timestamp, event.action
'''
`

// investigate --alert on rules of every shape: a scheduled STATS whose BY
// column is an Esql.* copy of an event field (identity: that field; window:
// the run's lookback), a rule without STATS that keeps no ARN (identity:
// the ARN of the event behind it; window: its time), a bundled rule
// without STATS that keeps the ARN; each from a file and from stdin.
func TestInvestigateRuleShapes(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	os.Mkdir(rules, 0o755)
	os.WriteFile(filepath.Join(rules, "keys.toml"), []byte(keysRule), 0o644)
	os.WriteFile(filepath.Join(rules, "newkey.toml"), []byte(newKeyRule), 0o644)
	corpus := filepath.Join(dir, "trail.ndjson")
	os.WriteFile(corpus, []byte(investigateCorpus()), 0o644)
	ruleArgs := []string{"--rules", rules, "--rules", "bundled", "--rule-id", "00000000-0000-0000-0000-0000000000c1",
		"--rule-id", "00000000-0000-0000-0000-0000000000c2", "--rule-id", "696015ef-718e-40ff-ac4a-cc2ba88dbeeb"}
	r := trailql(t, "", append(append([]string{"detect", "--format", "ndjson"}, ruleArgs...), corpus)...)
	if r.code != 0 {
		t.Fatalf("detect: exit %d: %s", r.code, r.stderr)
	}
	byRule := map[string]map[string]any{}
	for _, a := range ndjsonAlerts(t, r.stdout) {
		byRule[a["kibana.alert.rule.name"].(string)] = a
	}
	cases := []struct {
		rule, identity, events, inAlert, offsets string
	}{
		{"One key, many actions", "aws.cloudtrail.user_identity.access_key_id=ASIACAROL", "c1 c2 c3 c4 c5", "c1 c2 c3 c4",
			"in window,in window,in window,in window,+10m"},
		{"Own access key created", "aws.cloudtrail.user_identity.arn=" + daveARN, "d1 d2", "d1", "in window,+1m"},
		{"AWS IAM User Created Access Keys For Another User", "aws.cloudtrail.user_identity.arn=" + aliceARN, "a0 a1 a2", "a1",
			"-1m44s,in window,+1m16s"},
	}
	for _, tc := range cases {
		a := byRule[tc.rule]
		if a == nil {
			t.Errorf("no alert of %q: %s", tc.rule, r.stderr)
			continue
		}
		if _, ok := a["trailql.evidence.event_ids"]; !ok {
			t.Fatalf("alert of %q has no trailql.evidence.event_ids", tc.rule)
		}
		id := a["kibana.alert.uuid"].(string)
		for _, input := range []string{"file", "stdin"} {
			t.Run(tc.rule+"/"+input, func(t *testing.T) {
				args := append(append([]string{"investigate", "--alert", id, "--format", "ndjson"}, ruleArgs...), corpus)
				stdin := ""
				if input == "stdin" {
					args[len(args)-1], stdin = "-", investigateCorpus()
				}
				r := trailql(t, stdin, args...)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if !strings.Contains(r.stderr, "events of "+tc.identity+" from") {
					t.Errorf("identity: want %s in %s", tc.identity, r.stderr)
				}
				var evs, in, offsets []string
				for _, ev := range ndjsonAlerts(t, r.stdout) {
					evs = append(evs, ev["event.id"].(string))
					if ev["trailql.in_alert"] == true {
						in = append(in, ev["event.id"].(string))
					}
					o, _ := ev["trailql.offset"].(string)
					offsets = append(offsets, o)
				}
				if got := strings.Join(evs, " "); got != tc.events {
					t.Errorf("events %s, want %s", got, tc.events)
				}
				if got := strings.Join(in, " "); got != tc.inAlert {
					t.Errorf("in_alert %s, want %s", got, tc.inAlert)
				}
				if got := strings.Join(offsets, ","); got != tc.offsets {
					t.Errorf("offsets %s, want %s", got, tc.offsets)
				}
			})
		}
	}
	// The rule's guide goes into the HTML report, escaped.
	out := filepath.Join(dir, "report.html")
	r = trailql(t, "", append(append([]string{"investigate", "--alert", byRule["One key, many actions"]["kibana.alert.uuid"].(string), "--format", "html", "-o", out}, ruleArgs...), corpus)...)
	page, _ := os.ReadFile(out)
	if r.code != 0 || !strings.Contains(string(page), "Look at &lt;b&gt;everything&lt;/b&gt; the key did.") || strings.Contains(string(page), "<b>everything") {
		t.Errorf("html guide: exit %d: %s", r.code, r.stderr)
	}
}

// --arn and --access-key: by ARN or by key, around a time or a whole day;
// GeoIP adds the AS and country; --sensitive replaces the catalogue.
func TestInvestigateActor(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "trail.ndjson")
	os.WriteFile(corpus, []byte(investigateCorpus()), 0o644)
	catalogue := filepath.Join(dir, "mine.yaml")
	os.WriteFile(catalogue, []byte("- group: mine\n  tactic: Discovery\n  technique: T1087.004\n  actions: [\"iam:ListRoles\"]\n"), 0o644)
	geo := []string{"--geoip-asn", "../../testdata/geoip/GeoLite2-ASN-Test.mmdb", "--geoip-city", "../../testdata/geoip/GeoLite2-City-Test.mmdb"}
	cases := []struct {
		name      string
		args      []string
		events    string
		sensitive string
	}{
		{"an ARN, whole input", []string{"--arn", carolARN}, "c0 c1 c2 c3 c4 c6 c5", "c0 c5"},
		{"an ARN around a time", []string{"--arn", carolARN, "--at", "2026-11-02T08:02:00Z", "--around", "5m"}, "c1 c2 c3 c4 c6", ""},
		{"an access key over a day", []string{"--access-key", "ASIACAROL", "--at", "2026-11-02"}, "c0 c1 c2 c3 c4 c5", "c0 c5"},
		{"another day", []string{"--access-key", "ASIACAROL", "--at", "2026-11-03", "--around", "1m"}, "", ""},
		{"a catalogue of one's own", []string{"--arn", carolARN, "--sensitive", catalogue}, "c0 c1 c2 c3 c4 c6 c5", "c4 c6"},
		{"--since and --until bound it", []string{"--arn", carolARN, "--since", "2026-11-02T08:00:00Z", "--until", "2026-11-02T08:02:00Z"}, "c1 c2 c3", ""},
		{"--since within --around", []string{"--arn", carolARN, "--at", "2026-11-02T08:02:00Z", "--since", "2026-11-02T08:01:30Z"}, "c2 c3 c4 c6 c5", "c5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := trailql(t, "", append(append(append([]string{"investigate", "--format", "ndjson"}, geo...), tc.args...), corpus)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var evs, sens []string
			for _, ev := range ndjsonAlerts(t, r.stdout) {
				evs = append(evs, ev["event.id"].(string))
				if ev["trailql.sensitive"] == true {
					sens = append(sens, ev["event.id"].(string))
				}
				if ev["trailql.in_alert"] != false || ev["source.as.organization.name"] != "Bredband2 AB" || ev["source.geo.country_iso_code"] != "SE" {
					t.Errorf("event %v", ev)
				}
			}
			if got := strings.Join(evs, " "); got != tc.events {
				t.Errorf("events %s, want %s", got, tc.events)
			}
			if got := strings.Join(sens, " "); got != tc.sensitive {
				t.Errorf("sensitive %s, want %s", got, tc.sensitive)
			}
		})
	}
	r := trailql(t, "", append(append([]string{"investigate", "--format", "text", "--arn", carolARN}, geo...), corpus)...)
	for _, want := range []string{"SOURCE   89.160.20.156 [Bredband2 AB, SE] (7)", "ERRORS   1/7  AccessDenied (1)", "KEYS     ASIACAROL (6), ASIAOTHER (1)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Usage errors exit 2 and say what is wrong.
func TestInvestigateUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--alert", "0123456789ab", "--arn", "x"}, "exactly one of"},
		{[]string{"--arn", "x", "--access-key", "y"}, "exactly one of"},
		{[]string{}, "exactly one of"},
		{[]string{"--alert", "0123456789ab", "--at", "2026-11-02"}, "--at goes with"},
		{[]string{"--arn", "x", "--format", "pdf"}, "unknown --format"},
		{[]string{"--arn", "x", "--at", "yesterday"}, "--at"},
		{[]string{"--arn", "x", "--sensitive", "/nonexistent/catalogue.yaml"}, "--sensitive"},
	} {
		r := trailql(t, "", append(append([]string{"investigate"}, tc.args...), "../../examples")...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %s", tc.args, r.code, r.stderr)
		}
	}
}

// Hostile log values through the command: the text output shows them as
// escaped text, the HTML report as escaped markup, and NDJSON as JSON.
func TestInvestigateHostile(t *testing.T) {
	arn := `arn:aws:iam::111122223333:user/<i>eve</i>"`
	rec := investigateRecord(arn, "AKIAEVE", "eve", "iam", "CreateAccessKey", "08:00:00", "h1", "")
	rec = strings.Replace(rec, `"Boto3/1.34.0"`, `"<script>alert(1)</script>\u001b[2J\r\u202e"`, 1)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "trail.ndjson")
	os.WriteFile(corpus, []byte(rec), 0o644)
	r := trailql(t, "", "investigate", "--arn", arn, "--format", "text", corpus)
	if r.code != 0 || !strings.Contains(r.stdout, `<script>alert(1)</script>\x1b[2J\r\u202e`) || !strings.Contains(r.stdout, "<i>eve</i>") ||
		strings.ContainsAny(r.stdout, "\x1b\r\u202e") {
		t.Errorf("text: exit %d\n%s", r.code, r.stdout)
	}
	// An ARN from the logs reaches the summary on stderr as an alert's
	// identity (a bundled rule without STATS that keeps the ARN): made of
	// escape sequences, it stays text there too.
	evil := "arn:aws:iam::111122223333:user/\x1b]0;pwned\x07\u202e"
	evilCorpus := filepath.Join(dir, "evil.ndjson")
	os.WriteFile(evilCorpus, []byte(investigateRecord(evil, "AKIAEVE", "eve", "iam", "CreateAccessKey", "08:00:00", "h2", `,"requestParameters":{"userName":"bob"}`)), 0o644)
	rules := []string{"--rules", "bundled", "--rule-id", "696015ef-718e-40ff-ac4a-cc2ba88dbeeb"}
	alerts := ndjsonAlerts(t, trailql(t, "", append(append([]string{"detect", "--format", "ndjson"}, rules...), evilCorpus)...).stdout)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts on the evil ARN", len(alerts))
	}
	r = trailql(t, "", append(append([]string{"investigate", "--alert", alerts[0]["kibana.alert.uuid"].(string), "--format", "text"}, rules...), evilCorpus)...)
	if r.code != 0 || strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07\u202e") || !strings.Contains(r.stdout, `user/\x1b]0;pwned\x07\u202e`) ||
		!strings.Contains(r.stderr, `user/\x1b]0;pwned\x07\u202e`) {
		t.Errorf("evil ARN: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "r.html")
	r = trailql(t, "", "investigate", "--arn", arn, "--format", "html", "-o", out, corpus)
	page, _ := os.ReadFile(out)
	if r.code != 0 || !strings.Contains(string(page), "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(string(page), "user/&lt;i&gt;eve&lt;/i&gt;&#34;") ||
		strings.Contains(string(page), "<script") || strings.Contains(string(page), "<i>eve") || r.stdout != "" {
		t.Errorf("html: exit %d, stdout %q", r.code, r.stdout)
	}
	r = trailql(t, "", "investigate", "--arn", arn, "--format", "ndjson", corpus)
	evs := ndjsonAlerts(t, r.stdout)
	if len(evs) != 1 || evs[0]["aws.cloudtrail.user_identity.arn"] != arn || evs[0]["user_agent.original"] != "<script>alert(1)</script>\x1b[2J\r\u202e" {
		t.Errorf("ndjson: %v", evs)
	}
}

// Input that cannot be read is told once (not again by the timeline's read
// after --alert's hunt), kept once as a dead letter, and gives exit status
// 3 as for detect; the timeline is still written.
func TestInvestigatePartialInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "trail.ndjson"), []byte(investigateCorpus()+"{not json\n"), 0o644)
	rules := filepath.Join(dir, "newkey.toml")
	os.WriteFile(rules, []byte(newKeyRule), 0o644)
	alerts := ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", "--rules", rules, in).stdout)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts", len(alerts))
	}
	for _, args := range [][]string{
		{"--alert", alerts[0]["kibana.alert.uuid"].(string), "--rules", rules},
		{"--arn", daveARN},
	} {
		dl := filepath.Join(t.TempDir(), "dead")
		r := trailql(t, "", append(append([]string{"investigate", "--format", "ndjson", "--dead-letter", dl}, args...), in)...)
		if r.code != 3 || len(ndjsonAlerts(t, r.stdout)) != 2 {
			t.Errorf("%v: exit %d, %q\n%s", args, r.code, r.stdout, r.stderr)
		}
		if n := strings.Count(r.stderr, "trailql: skipped"); n != 1 {
			t.Errorf("%v: the bad record told %d times:\n%s", args, n, r.stderr)
		}
		kept, _ := filepath.Glob(filepath.Join(dl, "*.why.json"))
		if len(kept) != 1 {
			t.Errorf("%v: %d dead letters", args, len(kept))
		}
	}
}
