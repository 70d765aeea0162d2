package detect_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/rule"
)

// How a record becomes an alert: compile a rule (here the seed rule, "AWS
// Discovery API Calls via CLI from a Single Resource"), give the Detector
// raw CloudTrail records as they are in the logs, and Finish. Each record is
// mapped to ECS, filtered by the rule's prefilter and WHERE, and held in its
// 10-second bucket; Finish evaluates the buckets and builds the alerts.
// (Without "userName" no alert would come: the rule's user.name !=
// "AWSServiceRoleForConfig" is null, not true, on an event without it.)
func Example() {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	compiled, err := detect.Compile([]*rule.Rule{rule.Seed()}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := detect.New(compiled, detect.Options{Now: now})
	actions := []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "ListRoles", "DescribeRegions"}
	for i, action := range actions {
		record := fmt.Sprintf(`{"eventVersion":"1.09","eventTime":"2026-11-02T08:00:0%dZ",`+
			`"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","userName":"mallory"},`+
			`"eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23",`+
			`"userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"e%d","eventType":"AwsApiCall"}`, i, action, i)
		if err := d.Process([]byte(record)); err != nil {
			fmt.Println(err)
			return
		}
	}
	alerts, err := d.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range alerts {
		get := func(k string) any { v, _ := a.Doc.Get(k); return v }
		fmt.Println(a.Rule.Name)
		fmt.Println("window:", get("Esql.time_window_date_trunc"), "actor:", get("aws.cloudtrail.user_identity.arn"))
		fmt.Println("distinct actions:", get("Esql.event_action_count_distinct"))
		fmt.Println("events:", strings.Join(a.Evidence(), " "), "of", get(alert.EvidenceCount))
		fmt.Println("id:", a.ID[:12])
	}
	// Output:
	// AWS Discovery API Calls via CLI from a Single Resource
	// window: 2026-11-02T08:00:00.000Z actor: arn:aws:iam::111122223333:user/mallory
	// distinct actions: 6
	// events: e0 e1 e2 e3 e4 e5 of 6
	// id: 60ba5eae5bdd
}
