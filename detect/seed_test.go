package detect

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/rule"
)

// The seed rule's behaviour, end to end from raw CloudTrail records to alerts.
// Each scenario pins one clause of the rule's query (the comment names it) or
// one ES|QL semantic it depends on (docs/esql-semantics.md §B6).

const (
	arnAlice = "arn:aws:iam::111122223333:user/alice"
	arnBob   = "arn:aws:iam::111122223333:user/bob"
	cliUA    = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances"
)

// rec is a raw CloudTrail record under construction.
type rec map[string]any

// event returns a record of alice calling action from the aws-cli at t0+ms.
func event(action string, ms int) rec {
	t := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	return rec{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE", "arn": arnAlice,
			"accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEALICE", "userName": "alice",
		},
		"eventTime":          t.Format("2006-01-02T15:04:05.000Z"),
		"eventSource":        "ec2.amazonaws.com",
		"eventName":          action,
		"awsRegion":          "us-east-1",
		"sourceIPAddress":    "203.0.113.10",
		"userAgent":          cliUA,
		"requestParameters":  nil,
		"responseElements":   nil,
		"requestID":          fmt.Sprintf("req-%s-%d", action, ms),
		"eventID":            fmt.Sprintf("evt-%s-%d", action, ms),
		"readOnly":           true,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": "111122223333",
		"eventCategory":      "Management",
	}
}

// with returns a copy of r with key set to v (nil deletes it); keys of the
// form "userIdentity.x" edit the nested object.
func (r rec) with(key string, v any) rec {
	out := rec{}
	for k, x := range r {
		out[k] = x
	}
	if parent, child, ok := strings.Cut(key, "."); ok {
		m := map[string]any{}
		for k, x := range out[parent].(map[string]any) {
			m[k] = x
		}
		if v == nil {
			delete(m, child)
		} else {
			m[child] = v
		}
		out[parent] = m
		return out
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

// burst returns n events with distinct Describe actions, 100 ms apart from ms.
func burst(n, ms int) []rec {
	actions := []string{"DescribeInstances", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes",
		"DescribeSecurityGroups", "DescribeImages", "DescribeKeyPairs", "DescribeRegions"}
	out := make([]rec, n)
	for i := range out {
		out[i] = event(actions[i], ms+100*i)
	}
	return out
}

// summary is the part of a seed alert that identifies it and its evidence.
type summary struct {
	Window  string
	ARN     any
	Count   any
	Actions []string
}

func summarise(t *testing.T, alerts []*alert.Alert) []summary {
	t.Helper()
	var out []summary
	for _, a := range alerts {
		s := summary{}
		s.Window, _ = get(a.Doc, "Esql.time_window_date_trunc").(string)
		s.ARN = get(a.Doc, "aws.cloudtrail.user_identity.arn")
		s.Count = get(a.Doc, "Esql.event_action_count_distinct")
		switch v := get(a.Doc, "Esql.event_action_values").(type) {
		case string:
			s.Actions = []string{v}
		case []any:
			for _, x := range v {
				s.Actions = append(s.Actions, x.(string))
			}
		}
		// VALUES order is unspecified (docs/esql-semantics.md §A5): compare as sets.
		sort.Strings(s.Actions)
		out = append(out, s)
	}
	return out
}

// detectRecords runs the seed rule over records given as one NDJSON stream.
func detectRecords(t *testing.T, recs []rec) []*alert.Alert {
	t.Helper()
	c, err := CompileRule(rule.Seed(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := New([]*Compiled{c}, Options{})
	for i, r := range recs {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Process(raw); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	alerts, err := d.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return alerts
}

func concat(parts ...[]rec) []rec {
	var out []rec
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// modify applies f to the i-th record of recs (in place) and returns recs.
func modify(recs []rec, i int, f func(rec) rec) []rec {
	recs[i] = f(recs[i])
	return recs
}

func TestSeedRuleScenarios(t *testing.T) {
	sorted := func(s ...string) []string { sort.Strings(s); return s }
	six := sorted("DescribeInstances", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes", "DescribeSecurityGroups", "DescribeImages")
	tests := []struct {
		name string
		recs []rec
		want []summary
	}{
		{"six distinct discovery calls in one window alert (count_distinct > 5)",
			burst(6, 1000),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}}},
		{"five distinct calls do not alert (> 5 is strict)",
			burst(5, 1000), nil},
		{"repeated actions count once (count_distinct)",
			concat(burst(5, 1000), burst(5, 2000)), nil},
		{"seven events, six distinct, alert with count 6",
			concat(burst(6, 1000), burst(1, 3000)),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}}},
		{"a burst straddling a 10 s boundary is split (date_trunc is epoch-aligned)",
			concat(burst(3, 8700), burst(6, 10000)[3:]), nil},
		{"last millisecond of a window belongs to it (floor of epoch ms)",
			concat(burst(5, 9000), []rec{event("DescribeKeyPairs", 9999)}),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), sorted("DescribeInstances", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes", "DescribeSecurityGroups", "DescribeKeyPairs")}}},
		{"first millisecond of the next window does not",
			concat(burst(5, 9000), []rec{event("DescribeKeyPairs", 10000)}), nil},
		{"records out of time order give the same alert",
			func() []rec { b := burst(6, 21000); b[0], b[5] = b[5], b[0]; b[1], b[3] = b[3], b[1]; return b }(),
			[]summary{{"2026-11-02T08:00:20.000Z", arnAlice, float64(6), six}}},
		{"two identities in one window are separate groups (BY arn)",
			concat(burst(6, 1000),
				func() []rec {
					b := burst(6, 1050)
					for i := range b {
						b[i] = b[i].with("userIdentity.arn", arnBob).with("userIdentity.userName", "bob")
					}
					return b
				}()),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}, {"2026-11-02T08:00:00.000Z", arnBob, float64(6), six}}},
		{"two windows give two alerts",
			concat(burst(6, 1000), burst(6, 31000)),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}, {"2026-11-02T08:00:30.000Z", arnAlice, float64(6), six}}},
		{"source.ip IS NOT NULL: a service-name source address drops the event",
			modify(burst(6, 1000), 2, func(r rec) rec { return r.with("sourceIPAddress", "ec2.amazonaws.com") }), nil},
		{"source.ip IS NOT NULL: \"AWS Internal\" drops the event",
			modify(burst(6, 1000), 2, func(r rec) rec { return r.with("sourceIPAddress", "AWS Internal") }), nil},
		{"source.ip IS NOT NULL: an IPv6 source is an IP",
			modify(burst(6, 1000), 2, func(r rec) rec { return r.with("sourceIPAddress", "2001:db8::1") }),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}}},
		{"session_credential_from_console IS NULL: console credentials drop the event",
			modify(burst(6, 1000), 0, func(r rec) rec { return r.with("sessionCredentialFromConsole", "true") }), nil},
		{"event.provider IN (...): a provider outside the list drops the event",
			modify(burst(6, 1000), 0, func(r rec) rec { return r.with("eventSource", "sns.amazonaws.com") }), nil},
		{"event.provider IN (...): a missing provider is null and drops the event",
			modify(burst(6, 1000), 0, func(r rec) rec { return r.with("eventSource", nil) }), nil},
		{"user_identity.type != AWSService drops AWS service calls",
			modify(burst(6, 1000), 4, func(r rec) rec { return r.with("userIdentity.type", "AWSService") }), nil},
		{"user_identity.type != ...: a missing type is null and drops the event",
			modify(burst(6, 1000), 4, func(r rec) rec { return r.with("userIdentity.type", nil) }), nil},
		{"user_agent.name == aws-cli: Boto3 is not the CLI",
			modify(burst(6, 1000), 1, func(r rec) rec { return r.with("userAgent", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5") }), nil},
		{"user_agent.name == aws-cli: aws-cli v1 and S3's bracketed form are the CLI",
			modify(modify(burst(6, 1000), 1, func(r rec) rec {
				return r.with("userAgent", "aws-cli/1.18.147 Python/2.7.18 Linux/4.14 botocore/1.18.6")
			}), 2, func(r rec) rec {
				return r.with("userAgent", "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/command#s3api.list-buckets]")
			}),
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), six}}},
		{"event.action != DescribeCapacityReservations",
			concat(burst(5, 1000), []rec{event("DescribeCapacityReservations", 1900)}), nil},
		{"user.name != AWSServiceRoleForConfig: events without user.name are dropped (null comparison)",
			modify(burst(6, 1000), 3, func(r rec) rec { return r.with("userIdentity.userName", nil) }), nil},
		{"assumed roles are named by their issuer role and alert",
			func() []rec {
				b := burst(6, 1000)
				for i := range b {
					b[i] = b[i].with("userIdentity", map[string]any{
						"type": "AssumedRole", "principalId": "AROAEXAMPLE:i-0abc", "arn": "arn:aws:sts::111122223333:assumed-role/ec2-web/i-0abc",
						"accountId": "111122223333", "accessKeyId": "ASIAEXAMPLE",
						"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAEXAMPLE",
							"arn": "arn:aws:iam::111122223333:role/ec2-web", "accountId": "111122223333", "userName": "ec2-web"}},
					})
				}
				return b
			}(),
			[]summary{{"2026-11-02T08:00:00.000Z", "arn:aws:sts::111122223333:assumed-role/ec2-web/i-0abc", float64(6), six}}},
		{"service-linked roles (AWS Config) have no user.name and never alert",
			func() []rec {
				b := burst(6, 1000)
				for i := range b {
					b[i] = b[i].with("userIdentity", map[string]any{
						"type": "AssumedRole", "principalId": "AROACONFIG:AWSConfig-Describe", "arn": "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/AWSConfig-Describe",
						"accountId":      "111122223333",
						"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", "userName": "AWSServiceRoleForConfig"}},
					})
				}
				return b
			}(), nil},
		{"true IN (starts_with ...): Get, List and Generate prefixes count",
			[]rec{event("DescribeInstances", 0), event("GetPasswordData", 100), event("ListBuckets", 200),
				event("GenerateDataKey", 300), event("GetConsoleOutput", 400), event("ListKeys", 500)},
			[]summary{{"2026-11-02T08:00:00.000Z", arnAlice, float64(6), sorted("DescribeInstances", "GetPasswordData", "ListBuckets", "GenerateDataKey", "GetConsoleOutput", "ListKeys")}}},
		{"starts_with is case-sensitive and anchored: describe*, BatchGet*, Run* do not count",
			concat(burst(5, 1000), []rec{event("describeThing", 1800), event("BatchGetItem", 1850), event("RunInstances", 1900)}), nil},
		{"a null ARN forms its own group (STATS null key) and alerts without the arn column",
			func() []rec {
				b := burst(6, 1000)
				for i := range b {
					b[i] = b[i].with("userIdentity.arn", nil)
				}
				return b
			}(),
			[]summary{{"2026-11-02T08:00:00.000Z", nil, float64(6), six}}},
		{"digest-free empty input gives no alerts", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summarise(t, detectRecords(t, tc.recs))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d alerts %+v, want %d %+v", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if fmt.Sprint(got[i]) != fmt.Sprint(tc.want[i]) {
					t.Errorf("alert %d:\n got %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// The seed alert carries the rule's metadata and the ES|QL row, as
// docs/architecture.md "Alert document" specifies.
func TestSeedAlertDocument(t *testing.T) {
	alerts := detectRecords(t, burst(6, 1000))
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	doc := alerts[0].Doc
	want := map[string]any{
		"kibana.alert.rule.rule_id":                              "74f45152-9aee-11ef-b0a5-f661ea17fbcd",
		"kibana.alert.rule.name":                                 "AWS Discovery API Calls via CLI from a Single Resource",
		"kibana.alert.severity":                                  "low",
		"kibana.alert.rule.type":                                 "esql",
		"kibana.alert.workflow_status":                           "open",
		"kibana.alert.reason":                                    "event created low alert AWS Discovery API Calls via CLI from a Single Resource.",
		"Esql.source_ip_values":                                  "203.0.113.10",
		"Esql.cloud_account_id_values":                           "111122223333",
		"Esql.user_agent_name_values":                            "aws-cli",
		"Esql.event_provider_values":                             "ec2.amazonaws.com",
		"Esql.cloud_region_values":                               "us-east-1",
		"Esql.data_stream_namespace_values":                      "default",
		"Esql.aws_cloudtrail_user_identity_type_values":          "IAMUser",
		"Esql.aws_cloudtrail_user_identity_access_key_id_values": "AKIAEXAMPLEALICE",
	}
	for k, v := range want {
		if got := get(doc, k); fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if got := fmt.Sprint(get(doc, "kibana.alert.risk_score")); got != "21" {
		t.Errorf("risk_score = %s, want 21", got)
	}
	// source.as.organization.name is null without GeoIP: drop_null_columns
	// leaves it out of the alert (docs/esql-semantics.md §B2).
	if v := get(doc, "Esql.source_as_organization_name_values"); v != nil {
		t.Errorf("Esql.source_as_organization_name_values = %v, want absent", v)
	}
	if v := get(doc, "kibana.alert.original_time"); v != nil {
		t.Errorf("kibana.alert.original_time = %v, want absent: the row has no @timestamp", v)
	}
	ts, ok := get(doc, "Esql.event_timestamp_values").([]any)
	if !ok || len(ts) != 6 {
		t.Errorf("Esql.event_timestamp_values = %v, want 6 dates", get(doc, "Esql.event_timestamp_values"))
	}
	if got := alerts[0].ID; got == "" || got != get(doc, "kibana.alert.uuid") {
		t.Errorf("alert id %q differs from kibana.alert.uuid %v", got, get(doc, "kibana.alert.uuid"))
	}
	// The same group in another run (another alert time) has the same id.
	again := detectRecords(t, burst(6, 1000))
	if again[0].ID != alerts[0].ID {
		t.Errorf("alert id not stable across runs: %s vs %s", again[0].ID, alerts[0].ID)
	}
}

// The same records spread over files of every accepted format, out of order,
// give the same alerts as one stream.
func TestSeedRuleMixedFormats(t *testing.T) {
	recs := concat(burst(6, 1000), burst(6, 31000), burst(4, 61000))
	dir := t.TempDir()
	marshal := func(r rec) []byte { b, _ := json.Marshal(r); return b }
	// Delivery file, gzip, with records out of order.
	var delivery bytes.Buffer
	delivery.WriteString(`{"Records":[`)
	for i, j := range []int{5, 0, 3, 12, 1} {
		if i > 0 {
			delivery.WriteByte(',')
		}
		delivery.Write(marshal(recs[j]))
	}
	delivery.WriteString(`]}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(delivery.Bytes())
	zw.Close()
	sub := filepath.Join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2026", "11", "02")
	must(t, os.MkdirAll(sub, 0o755))
	must(t, os.WriteFile(filepath.Join(sub, "111122223333_CloudTrail_us-east-1_20261102T0800Z_a.json.gz"), gz.Bytes(), 0o644))
	// NDJSON of records.
	var nd bytes.Buffer
	for _, j := range []int{2, 4, 6, 7, 8} {
		nd.Write(marshal(recs[j]))
		nd.WriteByte('\n')
	}
	must(t, os.WriteFile(filepath.Join(dir, "more.ndjson"), nd.Bytes(), 0o644))
	// Plain delivery file with the rest, and a digest file to be skipped.
	var plain bytes.Buffer
	plain.WriteString(`{"Records":[`)
	for i, j := range []int{9, 10, 11, 13, 14, 15} {
		if i > 0 {
			plain.WriteByte(',')
		}
		plain.Write(marshal(recs[j]))
	}
	plain.WriteString("]}\n")
	must(t, os.WriteFile(filepath.Join(dir, "plain.json"), plain.Bytes(), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "digest.json"), []byte(`{"awsAccountId":"111122223333","digestStartTime":"2026-11-02T07:00:00Z","digestEndTime":"2026-11-02T08:00:00Z","digestS3Bucket":"b","digestPublicKeyFingerprint":"abc","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}`), 0o644))

	c, err := CompileRule(rule.Seed(), time.Now())
	must(t, err)
	d := New([]*Compiled{c}, Options{})
	r := &cloudtrail.Reader{OnProblem: func(p cloudtrail.Problem) { t.Errorf("unexpected problem: %v", p) }}
	stats, err := r.Read(context.Background(), []string{dir}, func(rec cloudtrail.Record) error { return d.Process(rec.Raw) })
	must(t, err)
	if stats.Records != len(recs) || stats.DigestFiles != 1 {
		t.Errorf("stats = %+v, want %d records and 1 digest file", stats, len(recs))
	}
	alerts, err := d.Finish()
	must(t, err)
	got, want := summarise(t, alerts), summarise(t, detectRecords(t, recs))
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 2 {
		t.Errorf("from files: %+v\nfrom one stream: %+v (want 2 alerts)", got, want)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// get reads one key of an alert document (nil when absent).
func get(d *alert.Document, key string) any {
	v, _ := d.Get(key)
	return v
}
