package rule

import "testing"

func TestFilter(t *testing.T) {
	rules := Bundled()
	count := func(f Filter) int { return len(f.Apply(rules)) }
	cases := []struct {
		name string
		f    Filter
		want func(n int) bool
	}{
		{"empty selects all", Filter{}, func(n int) bool { return n == len(rules) }},
		{"by file stem", Filter{IDs: []string{"discovery_multiple_discovery_api_calls_via_cli"}}, func(n int) bool { return n == 1 }},
		{"by rule_id", Filter{IDs: []string{Seed().RuleID}}, func(n int) bool { return n == 1 }},
		{"high severity", Filter{Severities: []string{"HIGH"}}, func(n int) bool { return n > 0 && n < len(rules) }},
		{"a tag", Filter{Tags: []string{"tactic: discovery"}}, func(n int) bool { return n > 0 && n < len(rules) }},
		{"no building blocks", Filter{NoBuildingBlocks: true}, func(n int) bool { return n == len(rules)-1 }},
		{"AND of lists", Filter{Severities: []string{"low"}, Tags: []string{"Tactic: Impact"}}, func(n int) bool { return n == 0 }},
		{"unknown id", Filter{IDs: []string{"nope"}}, func(n int) bool { return n == 0 }},
	}
	for _, c := range cases {
		if n := count(c.f); !c.want(n) {
			t.Errorf("%s: %d rules", c.name, n)
		}
	}
}
