package detect

import (
	"slices"
	"testing"

	"github.com/trailql/trailql/rule"
)

// Sieved runs give the alerts of runs that aggregate every row, with and
// without a memory budget, late deliveries included: for a 24-hour rule
// whose witnesses are common and a 35-minute rule run every 5 minutes
// whose witnesses of one conjunct are rare, so that most of its windows
// lack them and most of its runs are skipped.
func TestSieveKeepsAlerts(t *testing.T) {
	common := assumeRule(t)
	rare := testRule(t, `FROM logs-aws.cloudtrail-*
| STATS created = COUNT(*) WHERE event.action == "CreateUser" AND aws.cloudtrail.user_identity.arn LIKE "*/r3/s",
    used = COUNT(*) WHERE event.action != "CreateUser", vs = VALUES(event.action), earliest = MIN(@timestamp)
  BY aws.cloudtrail.user_identity.access_key_id
| WHERE created > 0 AND used > 0 AND aws.cloudtrail.user_identity.access_key_id IS NOT NULL`, "5m", "now-35m")
	rare.RuleID = "00000000-0000-0000-0000-00000000rare"
	raws := budgetCorpus(2, 6000)
	rules := []*rule.Rule{common, rare}
	for _, limit := range []int64{0, 64 << 10} {
		got, d := normalizedAlerts(t, rules, raws, limit)
		noSieve = true
		want, _ := normalizedAlerts(t, rules, raws, limit)
		noSieve = false
		if len(want) == 0 {
			t.Fatal("no alerts: the corpus tests nothing")
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %d alerts sieved, %d not\nfirst sieved: %.300s\nfirst not: %.300s", limit, len(got), len(want), first(got), first(want))
		}
		lacking := 0
		for _, rr := range d.rules {
			for _, w := range rr.ev.win {
				if rr.ev.witnessed && w.witnesses != rr.ev.allWitnesses {
					lacking++
				}
			}
		}
		if lacking == 0 {
			t.Errorf("limit %d: no window known to lack a witness", limit)
		}
	}
}

// assumeRule is the shape of the bundled 24-hour Kubernetes rule: its runs
// need a rare row (an AssumeRoleWithWebIdentity) in a group of common ones.
func assumeRule(t *testing.T) *rule.Rule {
	return testRule(t, `FROM logs-aws.cloudtrail-*
| EVAL is_assume = CASE(event.action == "AssumeRoleWithWebIdentity", 1, 0)
| STATS assumes = SUM(is_assume), actions = COUNT_DISTINCT(event.action), vs = VALUES(event.action) BY aws.cloudtrail.user_identity.access_key_id
| WHERE assumes >= 1 AND actions >= 3`, "1h", "now-24h")
}
