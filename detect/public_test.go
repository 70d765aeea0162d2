package detect

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/internal/sharedtest"
	"github.com/trailql/trailql/rule"
)

// runDir runs compiled rules over a directory and returns the alert count,
// the reader's stats and the number of records the mapper rejected.
func runDir(t *testing.T, r *rule.Rule, dir string) (alerts int, stats cloudtrail.Stats, unmapped int) {
	t.Helper()
	c, err := CompileRule(r, time.Now())
	must(t, err)
	d := New([]*Compiled{c}, Options{})
	reader := &cloudtrail.Reader{OnProblem: func(p cloudtrail.Problem) { t.Logf("problem: %v", p) }}
	stats, err = reader.Read(context.Background(), []string{dir}, func(rec cloudtrail.Record) error {
		if err := d.Process(rec.Raw); err != nil {
			unmapped++
		}
		return nil
	})
	must(t, err)
	as, err := d.Finish()
	must(t, err)
	return len(as), stats, unmapped
}

// Real CloudTrail with no aws-cli burst: the seed rule must read every record
// and raise nothing (shared/testdata/public-cloudtrail/SOURCES.md).
func TestSeedRulePublicCloudTrail(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		records int
	}{
		{"invictus-ir-aws_dataset", 2900},
		{"stratus-red-team-detonation-logs", 310},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := sharedtest.Dir(t, filepath.Join("testdata/public-cloudtrail", tc.dir))
			n, stats, unmapped := runDir(t, rule.Seed(), dir)
			if n != 0 {
				t.Errorf("%d alerts, want 0: no aws-cli in this set", n)
			}
			if stats.Records != tc.records || stats.SkippedRecords != 0 || stats.SkippedFiles != 0 || unmapped != 0 {
				t.Errorf("stats %+v, %d unmapped; want %d records, nothing skipped", stats, unmapped, tc.records)
			}
		})
	}
}

// Keeping only the seed query's provider list, IP check and AWSService
// exclusion (dropping the user-agent, user.name, console-credential and
// DescribeCapacityReservations clauses) turns the invictus set's Terraform
// runs into alerts: SOURCES.md counts 35 ten-second buckets by one ARN with
// more than 5 distinct discovery actions. This checks the whole chain
// (reader, mapping, ES|QL) against an independent count on real data.
func TestSeedRuleRelaxedOnInvictus(t *testing.T) {
	dir := sharedtest.Dir(t, "testdata/public-cloudtrail/invictus-ir-aws_dataset")
	r := *rule.Seed()
	for _, clause := range []string{
		`and user_agent.name == "aws-cli"`,
		`and user.name != "AWSServiceRoleForConfig"`,
		`and aws.cloudtrail.session_credential_from_console IS NULL`,
		`and event.action != "DescribeCapacityReservations"`,
	} {
		q := strings.Replace(r.Query, clause, "", 1)
		if q == r.Query {
			t.Fatalf("the seed query no longer has the clause %q this test removes", clause)
		}
		r.Query = q
	}
	n, _, _ := runDir(t, &r, dir)
	if n != 35 {
		t.Errorf("%d alerts, want 35", n)
	}
}
