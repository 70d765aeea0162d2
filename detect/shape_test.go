package detect

import (
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// Every bundled rule is planned once, with a streaming prefix: the
// bucketed ones cut at their last STATS, the replayed ones before their
// first blocking command or NOW(), none run whole per scheduled run (which
// would hold every input event of its lookback).
func TestBundledRulePlans(t *testing.T) {
	bucketedRules := map[string]bool{}
	for _, r := range append([]*rule.Rule{rule.Seed()}, rule.Bundled()...) {
		c, err := CompileRule(r, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p := c.plan()
		if p.prefix == nil {
			t.Errorf("%s: %s, run whole per run", r.Name, p.shape)
		}
		if p.shape == bucketed {
			bucketedRules[r.Name] = true
			if p.bucketCol < 0 {
				t.Errorf("%s: no bucket column", r.Name)
			}
		}
		t.Logf("%-9s prefix %2d cols -> suffix %v: %s", p.shape, len(p.prefix.Columns()), p.suffix != nil, r.Name)
	}
	if !bucketedRules[rule.Seed().Name] {
		t.Errorf("the seed rule is not bucketed")
	}
}
