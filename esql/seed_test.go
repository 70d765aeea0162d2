package esql

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// seedQuery is the query of the seed rule "AWS Discovery API Calls via CLI
// from a Single Resource" (shared/seed/discovery_multiple_discovery_api_calls_via_cli.toml),
// copied verbatim.
const seedQuery = `from logs-aws.cloudtrail-* metadata _id, _version, _index
// create time window buckets of 10 seconds
| eval Esql.time_window_date_trunc = date_trunc(10 seconds, @timestamp)

| where
    data_stream.dataset == "aws.cloudtrail"
    
    // exclude service account and console behavior
    and source.ip IS NOT NULL
    and aws.cloudtrail.session_credential_from_console IS NULL
    and event.provider in (
      "iam.amazonaws.com",
      "ec2.amazonaws.com",
      "s3.amazonaws.com",
      "rds.amazonaws.com",
      "lambda.amazonaws.com",
      "dynamodb.amazonaws.com",
      "kms.amazonaws.com",
      "cloudfront.amazonaws.com",
      "elasticloadbalancing.amazonaws.com", 
      "cloudtrail.amazonaws.com",
      "sts.amazonaws.com",
      "ses.amazonaws.com",
      "organizations.amazonaws.com"
    )
    // ignore AWS service actions
    and aws.cloudtrail.user_identity.type != "AWSService"
    // filter for aws-cli specifically
    and user_agent.name == "aws-cli"
    // exclude DescribeCapacityReservations events related to AWS Config
    and event.action != "DescribeCapacityReservations"
    and user.name != "AWSServiceRoleForConfig"

// filter for Describe, Get, List, and Generate API calls
| where true in (
    starts_with(event.action, "Describe"),
    starts_with(event.action, "Get"),
    starts_with(event.action, "List"),
    starts_with(event.action, "Generate")
)

// keep relevant fields (preserving ECS fields and computed time window)
| keep 
    @timestamp, 
    Esql.time_window_date_trunc, 
    event.action, 
    aws.cloudtrail.user_identity.arn, 
    aws.cloudtrail.user_identity.type, 
    aws.cloudtrail.user_identity.access_key_id, 
    source.ip, 
    cloud.account.id, 
    event.provider, 
    user_agent.name, 
    source.as.organization.name, 
    cloud.region,
    data_stream.namespace

// count the number of unique API calls per time window and actor
| stats
    Esql.event_action_count_distinct = count_distinct(event.action),
    Esql.event_action_values = VALUES(event.action),
    Esql.event_timestamp_values = VALUES(@timestamp),
    Esql.aws_cloudtrail_user_identity_type_values = VALUES(aws.cloudtrail.user_identity.type),
    Esql.aws_cloudtrail_user_identity_access_key_id_values = VALUES(aws.cloudtrail.user_identity.access_key_id),
    Esql.source_ip_values = VALUES(source.ip),
    Esql.cloud_account_id_values = VALUES(cloud.account.id),
    Esql.event_provider_values = VALUES(event.provider),
    Esql.user_agent_name_values = VALUES(user_agent.name),
    Esql.source_as_organization_name_values = VALUES(source.as.organization.name),
    Esql.cloud_region_values = VALUES(cloud.region),
    Esql.data_stream_namespace_values = VALUES(data_stream.namespace)
  by Esql.time_window_date_trunc, aws.cloudtrail.user_identity.arn

// filter for more than 5 unique API calls per 10s window
| where Esql.event_action_count_distinct > 5
`

// seedCatalog types the fields the seed query reads as the AWS
// integration maps them.
var seedCatalog = Catalog{
	"@timestamp":                  Datetime,
	"data_stream.dataset":         Keyword,
	"data_stream.namespace":       Keyword,
	"source.ip":                   IP,
	"source.as.organization.name": Keyword,
	"aws.cloudtrail.session_credential_from_console": Keyword,
	"event.provider":                             Keyword,
	"event.action":                               Keyword,
	"aws.cloudtrail.user_identity.type":          Keyword,
	"aws.cloudtrail.user_identity.arn":           Keyword,
	"aws.cloudtrail.user_identity.access_key_id": Keyword,
	"user_agent.name":                            Keyword,
	"user.name":                                  Keyword,
	"cloud.account.id":                           Keyword,
	"cloud.region":                               Keyword,
	"event.ingested":                             Datetime,
}

var seedBase = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// seedDoc is an event that passes every filter of the seed query.
func seedDoc(arn any, action string, offset time.Duration, over doc) doc {
	d := doc{
		"@timestamp":                                 seedBase.Add(offset),
		"data_stream.dataset":                        "aws.cloudtrail",
		"data_stream.namespace":                      "default",
		"source.ip":                                  "10.0.0.1",
		"source.as.organization.name":                "Example ISP",
		"event.provider":                             "ec2.amazonaws.com",
		"event.action":                               action,
		"aws.cloudtrail.user_identity.type":          "IAMUser",
		"aws.cloudtrail.user_identity.arn":           arn,
		"aws.cloudtrail.user_identity.access_key_id": "AKIAEXAMPLE",
		"user_agent.name":                            "aws-cli",
		"user.name":                                  "alice",
		"cloud.account.id":                           "123456789012",
		"cloud.region":                               "us-east-1",
		"_id":                                        fmt.Sprintf("%v-%s-%d", arn, action, offset),
		"_index":                                     ".ds-logs-aws.cloudtrail-default-2024.05.01-000001",
		"_version":                                   int64(1),
	}
	for k, v := range over {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	return d
}

var seedActions = []string{"DescribeInstances", "GetCallerIdentity", "ListBuckets", "GenerateDataKey", "DescribeVpcs", "ListRoles", "GetBucketPolicy"}

// seedDocs builds the end-to-end input; the comments say what each group
// pins (docs/esql-semantics.md §B6).
func seedDocs() []doc {
	var docs []doc
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	// arn:A, window 12:00:00: 6 distinct actions (one repeated), pushed
	// out of time order, one with a multi-valued source.ip and one with a
	// multi-valued cloud.region -> alert with count 6.
	a := []struct {
		action string
		at     float64
		over   doc
	}{
		{"ListBuckets", 9.999, nil},
		{"DescribeInstances", 0, nil},
		{"GetCallerIdentity", 5, doc{"source.ip": []any{"10.0.0.9", "10.0.0.1"}}},
		{"DescribeInstances", 1, nil},
		{"GenerateDataKey", 3, doc{"cloud.region": []any{"us-west-2", "eu-west-1", "us-west-2"}}},
		{"DescribeVpcs", 2, nil},
		{"ListRoles", 0.5, nil},
	}
	for _, e := range a {
		docs = append(docs, seedDoc("arn:A", e.action, sec(e.at), e.over))
	}
	// arn:five, window 12:00:00: exactly 5 distinct actions -> no alert.
	for i, act := range seedActions[:5] {
		docs = append(docs, seedDoc("arn:five", act, sec(float64(i)), nil))
	}
	// arn:boundary: 5 distinct actions at 12:00:20.000-12:00:29.999 and the
	// 6th at 12:00:30.000, the next window -> no alert.
	for i, act := range seedActions[:4] {
		docs = append(docs, seedDoc("arn:boundary", act, sec(20+float64(i)), nil))
	}
	docs = append(docs, seedDoc("arn:boundary", seedActions[4], sec(29.999), nil))
	docs = append(docs, seedDoc("arn:boundary", seedActions[5], sec(30), nil))
	// arn:edge: 6 distinct actions from 12:00:40.000 to 12:00:49.999 -> alert.
	for i, act := range seedActions[:5] {
		docs = append(docs, seedDoc("arn:edge", act, sec(40+float64(i)), nil))
	}
	docs = append(docs, seedDoc("arn:edge", seedActions[5], sec(49.999), nil))
	// No ARN: the null key is a group of its own (docs/esql-semantics.md §A6) ->
	// alert with a null arn.
	for i, act := range seedActions[:6] {
		docs = append(docs, seedDoc(nil, act, sec(60+float64(i)), nil))
	}
	// arn:F: 5 valid distinct actions, plus one event per filter of the
	// WHERE with a new action that only that filter rejects -> no alert.
	for i, act := range seedActions[:5] {
		docs = append(docs, seedDoc("arn:F", act, sec(70+float64(i)), nil))
	}
	rejected := []doc{
		{"data_stream.dataset": "aws.guardduty"},
		{"source.ip": nil},
		{"aws.cloudtrail.session_credential_from_console": "true"},
		{"event.provider": "sso.amazonaws.com"},
		{"event.provider": nil},
		{"aws.cloudtrail.user_identity.type": "AWSService"},
		{"aws.cloudtrail.user_identity.type": nil},
		{"user_agent.name": "Boto3"},
		{"user_agent.name": nil},
		{"event.action": "DescribeCapacityReservations"},
		{"user.name": "AWSServiceRoleForConfig"},
		{"user.name": nil},
		{"event.action": "CreateUser"},            // no discovery prefix
		{"event.action": "describeSomething"},     // prefixes are case-sensitive
		{"event.action": []any{"ListA", "ListB"}}, // multi-valued: comparisons null + warning
		{"event.provider": []any{"iam.amazonaws.com", "ec2.amazonaws.com"}},
		{"user.name": []any{"alice", "bob"}},
	}
	for i, over := range rejected {
		act := fmt.Sprintf("ListRejected%d", i)
		if a, ok := over["event.action"]; ok {
			if s, ok := a.(string); ok {
				act = s
			}
		}
		d := seedDoc("arn:F", act, sec(75+float64(i)/10), over)
		if a, ok := over["event.action"]; ok {
			d["event.action"] = a
		}
		docs = append(docs, d)
	}
	return docs
}

func TestSeedRuleEndToEnd_B6(t *testing.T) {
	r := run(t, seedQuery, seedCatalog, seedDocs()...)
	wantCols := []string{
		"Esql.event_action_count_distinct",
		"Esql.event_action_values",
		"Esql.event_timestamp_values",
		"Esql.aws_cloudtrail_user_identity_type_values",
		"Esql.aws_cloudtrail_user_identity_access_key_id_values",
		"Esql.source_ip_values",
		"Esql.cloud_account_id_values",
		"Esql.event_provider_values",
		"Esql.user_agent_name_values",
		"Esql.source_as_organization_name_values",
		"Esql.cloud_region_values",
		"Esql.data_stream_namespace_values",
		"Esql.time_window_date_trunc",
		"aws.cloudtrail.user_identity.arn",
	}
	if !slices.Equal(r.colNames(), wantCols) {
		t.Fatalf("columns:\n got %q\nwant %q", r.colNames(), wantCols)
	}
	wantTypes := []DataType{Long, Keyword, Datetime, Keyword, Keyword, IP, Keyword, Keyword, Keyword, Keyword, Keyword, Keyword, Datetime, Keyword}
	for i, c := range r.cols {
		if c.Type != wantTypes[i] {
			t.Errorf("column %s type %s, want %s", c.Name, c.Type, wantTypes[i])
		}
	}
	if !r.prog.Aggregating() {
		t.Error("seed query must be aggregating (top-level STATS)")
	}
	// Rows keyed by arn and window; STATS row order is unspecified
	// (docs/esql-semantics.md §C).
	got := map[string][]Value{}
	for _, row := range r.rows {
		got[row[13].String()+"@"+row[12].String()] = row
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wantKeys := []string{"arn:A@2024-05-01T12:00:00.000Z", "arn:edge@2024-05-01T12:00:40.000Z", "null@2024-05-01T12:01:00.000Z"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("alert groups:\n got %q\nwant %q", keys, wantKeys)
	}
	a := got[wantKeys[0]]
	if a[0].JSON() != int64(6) {
		t.Errorf("arn:A count_distinct = %v, want 6", a[0])
	}
	asSet := func(v Value) []string {
		var s []string
		for i := 0; i < v.Count(); i++ {
			s = append(s, v.Index(i).String())
		}
		sort.Strings(s)
		return s
	}
	checkSet := func(name string, v Value, want ...string) {
		t.Helper()
		sort.Strings(want)
		if g := asSet(v); !slices.Equal(g, want) {
			t.Errorf("%s = %q, want %q", name, g, want)
		}
	}
	checkSet("arn:A actions", a[1], "DescribeInstances", "GetCallerIdentity", "ListBuckets", "GenerateDataKey", "DescribeVpcs", "ListRoles")
	checkSet("arn:A timestamps", a[2], "2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.500Z", "2024-05-01T12:00:01.000Z",
		"2024-05-01T12:00:02.000Z", "2024-05-01T12:00:03.000Z", "2024-05-01T12:00:05.000Z", "2024-05-01T12:00:09.999Z")
	checkSet("arn:A source ips (multi-value expanded)", a[5], "10.0.0.1", "10.0.0.9")
	checkSet("arn:A regions (multi-value doc values de-duplicated)", a[10], "eu-west-1", "us-east-1", "us-west-2")
	// A single VALUES value is a scalar (docs/esql-semantics.md §A5).
	if a[3].IsMulti() || a[3].JSON() != "IAMUser" {
		t.Errorf("single VALUES value must be scalar, got %#v", a[3].JSON())
	}
	if n := got[wantKeys[2]]; !n[13].IsNull() || n[0].JSON() != int64(6) {
		t.Errorf("null-arn group: arn %v count %v", n[13], n[0])
	}
	// The multi-valued rows raise Elasticsearch's two warnings, positioned
	// at the failing expression (docs/esql-semantics.md §A3).
	pos := func(sub string) string {
		i := strings.Index(seedQuery, sub)
		if i < 0 {
			t.Fatalf("%q not in query", sub)
		}
		line := strings.Count(seedQuery[:i], "\n") + 1
		col := i - strings.LastIndex(seedQuery[:i], "\n")
		return fmt.Sprintf("Line %d:%d: ", line, col)
	}
	want := []string{
		pos(`event.provider in (`) + "evaluation of [event.provider in (",
		pos(`event.provider in (`) + "java.lang.IllegalArgumentException: single-value function encountered multi-value",
		pos(`user.name != "AWSServiceRoleForConfig"`) + `evaluation of [user.name != "AWSServiceRoleForConfig"] failed, treating result as null. Only first 20 failures recorded.`,
		pos(`event.action != "DescribeCapacityReservations"`) + "java.lang.IllegalArgumentException: single-value function encountered multi-value",
	}
	for _, w := range want {
		found := false
		for _, g := range r.warnings {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing warning %q in\n%s", w, strings.Join(r.warnings, "\n"))
		}
	}
}
