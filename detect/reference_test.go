package detect

import (
	"encoding/json"
	"fmt"
	"github.com/trailql/trailql/alert"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/rule"
)

// referenceSeed is an oracle for the seed rule written directly in Go from
// the rule's text and docs/esql-semantics.md §B6, without the ES|QL engine: it
// maps each record with the ECS mapper (which has its own conformance tests)
// and applies the WHERE clauses and the STATS by hand. It returns
// "window|arn" -> sorted distinct actions for every qualifying group.
func referenceSeed(t *testing.T, raws [][]byte) map[string][]string {
	t.Helper()
	m := ecs.NewMapper(ecs.Options{})
	providers := map[string]bool{}
	for _, p := range strings.Fields(`iam.amazonaws.com ec2.amazonaws.com s3.amazonaws.com rds.amazonaws.com
		lambda.amazonaws.com dynamodb.amazonaws.com kms.amazonaws.com cloudfront.amazonaws.com
		elasticloadbalancing.amazonaws.com cloudtrail.amazonaws.com sts.amazonaws.com ses.amazonaws.com
		organizations.amazonaws.com`) {
		providers[p] = true
	}
	str := func(ev ecs.Event, k string) (string, bool) { s, ok := ev[k].(string); return s, ok }
	groups := map[string]map[string]bool{}
	for _, raw := range raws {
		ev, err := m.Map(raw)
		if err != nil {
			continue
		}
		// A comparison with a missing field is null and WHERE drops the row.
		if ds, _ := str(ev, "data_stream.dataset"); ds != "aws.cloudtrail" {
			continue
		}
		if _, ok := ev["source.ip"]; !ok {
			continue
		}
		if _, ok := ev["aws.cloudtrail.session_credential_from_console"]; ok {
			continue
		}
		if p, ok := str(ev, "event.provider"); !ok || !providers[p] {
			continue
		}
		if ty, ok := str(ev, "aws.cloudtrail.user_identity.type"); !ok || ty == "AWSService" {
			continue
		}
		if ua, _ := str(ev, "user_agent.name"); ua != "aws-cli" {
			continue
		}
		action, ok := str(ev, "event.action")
		if !ok || action == "DescribeCapacityReservations" {
			continue
		}
		if u, ok := str(ev, "user.name"); !ok || u == "AWSServiceRoleForConfig" {
			continue
		}
		if !(strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "Get") ||
			strings.HasPrefix(action, "List") || strings.HasPrefix(action, "Generate")) {
			continue
		}
		ts := ev["@timestamp"].(time.Time).UnixMilli()
		w := ts - ((ts%10000)+10000)%10000
		arn := "<null>"
		if a, ok := str(ev, "aws.cloudtrail.user_identity.arn"); ok {
			arn = a
		}
		k := time.UnixMilli(w).UTC().Format("2006-01-02T15:04:05.000Z") + "|" + arn
		if groups[k] == nil {
			groups[k] = map[string]bool{}
		}
		groups[k][action] = true
	}
	out := map[string][]string{}
	for k, set := range groups {
		if len(set) > 5 {
			var acts []string
			for a := range set {
				acts = append(acts, a)
			}
			sort.Strings(acts)
			out[k] = acts
		}
	}
	return out
}

// randomCorpus generates n records that vary every input of the seed rule at
// random, densely enough that many 10-second groups cross the threshold.
func randomCorpus(seed int64, n int) [][]byte {
	r := rand.New(rand.NewSource(seed))
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	actions := []string{"DescribeInstances", "DescribeVpcs", "DescribeSubnets", "GetPasswordData", "ListBuckets",
		"ListRoles", "GenerateDataKey", "GetCallerIdentity", "DescribeCapacityReservations", "RunInstances",
		"CreateTags", "describeLower", "BatchGetItem", "ListKeys", "GetBucketAcl", "DescribeRegions"}
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	// Spread the records over 10 to 30 seconds: dense enough that some
	// groups pass every filter with more than 5 distinct actions, sparse
	// enough that others stay at or below the threshold.
	span := 10_000 + r.Intn(20_000)
	out := make([][]byte, n)
	for i := range out {
		ms := r.Intn(span)
		ident := map[string]any{"type": pick("IAMUser", "IAMUser", "IAMUser", "AssumedRole", "AWSService", "Root", ""),
			"accountId": "111122223333", "accessKeyId": pick("AKIA1", "ASIA2", "")}
		if r.Intn(12) > 0 {
			ident["arn"] = pick("arn:aws:iam::111122223333:user/a", "arn:aws:iam::111122223333:user/b", "arn:aws:sts::111122223333:assumed-role/r/s")
		}
		switch ident["type"] {
		case "AssumedRole":
			ident["sessionContext"] = map[string]any{"sessionIssuer": map[string]any{"type": "Role",
				"arn":      pick("arn:aws:iam::111122223333:role/r", "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
				"userName": pick("r", "AWSServiceRoleForConfig")}}
		case "AWSService":
			ident["invokedBy"] = "ec2.amazonaws.com"
		default:
			if r.Intn(8) > 0 {
				ident["userName"] = pick("a", "b", "AWSServiceRoleForConfig", "-")
			}
		}
		rec := map[string]any{
			"eventVersion": "1.09", "userIdentity": ident,
			"eventTime":   start.Add(time.Duration(ms) * time.Millisecond).Format(pick(time.RFC3339, "2006-01-02T15:04:05.000Z", time.RFC3339Nano)),
			"eventSource": pick("ec2.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com", "kms.amazonaws.com", "sts.amazonaws.com", "sns.amazonaws.com", "logs.amazonaws.com"),
			"eventName":   actions[r.Intn(len(actions))],
			"awsRegion":   pick("us-east-1", "eu-west-1"),
			"sourceIPAddress": pick("203.0.113.10", "198.51.100.7", "2001:db8::5", "ec2.amazonaws.com", "AWS Internal", "-",
				"010.1.2.3", "::ffff:192.0.2.1"),
			"userAgent": pick("aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023",
				"aws-cli/1.18.147 Python/2.7.18 Linux/4.14 botocore/1.18.6", "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0]",
				"Boto3/1.34.0 md/Botocore#1.34.0", "aws-sdk-go-v2/1.24.0 os/linux", "console.amazonaws.com", "AWS Internal"),
			"eventID": fmt.Sprintf("id-%d", i), "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
		}
		if r.Intn(20) == 0 {
			rec["sessionCredentialFromConsole"] = "true"
		}
		if r.Intn(40) == 0 {
			delete(rec, "eventName")
		}
		b, _ := json.Marshal(rec)
		out[i] = b
	}
	return out
}

// TestSeedRuleMatchesReference compares the ES|QL execution of the seed rule
// with the hand-written oracle on random corpora.
func TestSeedRuleMatchesReference(t *testing.T) {
	total := 0
	for seed := int64(1); seed <= 5; seed++ {
		raws := randomCorpus(seed, 3000)
		want := referenceSeed(t, raws)
		c, err := CompileRule(rule.Seed(), time.Now())
		must(t, err)
		d := New([]*Compiled{c}, Options{})
		for _, raw := range raws {
			_ = d.Process(raw)
		}
		alerts, err := d.Finish()
		must(t, err)
		got := referenceKeys(t, alerts)
		total += len(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("seed %d: engine and reference disagree\n got %d: %v\nwant %d: %v", seed, len(got), got, len(want), want)
		}
	}
	if total < 15 {
		t.Errorf("corpora too sparse to test anything: %d reference alerts in all", total)
	}
}

// referenceKeys renders seed-rule alerts as referenceSeed does: "window|arn"
// -> sorted distinct actions, checking each count against its actions.
func referenceKeys(t *testing.T, alerts []*alert.Alert) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, s := range summarise(t, alerts) {
		arn := "<null>"
		if s.ARN != nil {
			arn = s.ARN.(string)
		}
		got[s.Window+"|"+arn] = s.Actions
		if fmt.Sprint(s.Count) != fmt.Sprint(len(s.Actions)) {
			t.Errorf("%s: count %v but %d actions", s.Window, s.Count, len(s.Actions))
		}
	}
	return got
}
