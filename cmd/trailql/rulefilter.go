package main

import (
	"github.com/spf13/pflag"
	"github.com/trailql/trailql/rule"
)

// addRuleFilterFlags adds the flags that pick rules out of a set
// (rule.Filter): detect, watch and rules list share them.
func addRuleFilterFlags(fl *pflag.FlagSet) *rule.Filter {
	f := &rule.Filter{}
	fl.StringArrayVar(&f.IDs, "rule-id", nil, "run only the rule with this rule_id or file name (without .toml); repeatable")
	fl.StringArrayVar(&f.Tags, "tag", nil, "run only rules with this tag (e.g. \"Tactic: Discovery\"); repeatable")
	fl.StringArrayVar(&f.Severities, "severity", nil, "run only rules of this severity (low, medium, high, critical); repeatable")
	fl.BoolVar(&f.NoBuildingBlocks, "no-building-blocks", false, "leave out building-block rules")
	return f
}

// filterRules applies the filter flags; no rule left is a usage error.
func filterRules(rules []*rule.Rule, f *rule.Filter) ([]*rule.Rule, error) {
	if f == nil || f.Empty() {
		return rules, nil
	}
	out := f.Apply(rules)
	if len(out) == 0 {
		return nil, usageErrorf("no rule matches --rule-id/--tag/--severity/--no-building-blocks (of %d loaded)", len(rules))
	}
	return out, nil
}
