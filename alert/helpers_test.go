package alert

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./alert -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./alert -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// The seed rule's output columns: its STATS aggregates in written order,
// then the BY columns (docs/esql-semantics.md §A6, §B6).
var seedCols = []string{
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

var seedGroupBy = []string{"Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"}

// seedRow is a plausible result row of the seed rule: VALUES with one
// value are scalars, several are arrays; the AS organisation is null.
func seedRow() []any {
	return []any{
		int64(6),
		[]any{"DescribeInstances", "GetCallerIdentity", "ListBuckets", "ListRoles", "ListUsers", "DescribeRegions"},
		[]any{"2024-11-04T10:00:11.000Z", "2024-11-04T10:00:13.512Z"},
		"IAMUser",
		"AKIAIOSFODNN7EXAMPLE",
		"203.0.113.7",
		"123456789012",
		[]any{"ec2.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com"},
		"aws-cli",
		nil,
		"us-east-1",
		"default",
		"2024-11-04T10:00:10.000Z",
		"arn:aws:iam::123456789012:user/alice",
	}
}

var alertTime = time.Date(2024, 11, 4, 10, 6, 0, 123e6, time.UTC)

func seedAlert() *Alert { return Build(rule.Seed(), seedCols, seedRow(), seedGroupBy, alertTime) }

// with returns a copy of row with column name set to v.
func with(cols []string, row []any, name string, v any) []any {
	out := append([]any(nil), row...)
	for i, c := range cols {
		if c == name {
			out[i] = v
		}
	}
	return out
}
