package alert_test

import (
	"fmt"
	"os"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/rule"
)

// Build turns a result row of the seed rule (an aggregating rule: STATS
// ... BY window, identity) into an alert and prints it as a table.
func ExampleBuild() {
	r := rule.Seed()
	cols := []string{"Esql.event_action_count_distinct", "Esql.event_action_values", "Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"}
	row := []any{int64(6), []any{"DescribeInstances", "GetCallerIdentity", "ListBuckets", "ListRoles", "ListUsers", "DescribeRegions"},
		"2024-11-04T10:00:10.000Z", "arn:aws:iam::123456789012:user/alice"}
	a := alert.Build(r, cols, row, []string{"Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"}, time.Now())
	reason, _ := a.Doc.Get("kibana.alert.reason")
	fmt.Println(reason)

	w := alert.NewTableWriter(os.Stdout)
	w.Write(a)
	w.Close()
	// Output:
	// event created low alert AWS Discovery API Calls via CLI from a Single Resource.
	// AWS Discovery API Calls via CLI from a Single Resource (severity low, 1 alert)
	// time_window           aws.cloudtrail.user_identity.arn      event_action_distinct  event_action
	// 2024-11-04 10:00:10Z  arn:aws:iam::123456789012:user/alice  6                      DescribeInstances, GetCallerIdentity, ListBuckets, ListRole…
}
