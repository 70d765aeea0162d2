package rule

import (
	"slices"
	"strings"
)

// Filter selects rules of a set, as a team picks which of a rule pack to
// run: by id, tag and severity, with or without building blocks. Empty
// lists select everything; within a list any value selects (OR), and the
// lists combine with AND.
type Filter struct {
	IDs        []string // rule_id, or the rule file's name without .toml
	Tags       []string // exact tags, case-insensitive ("Tactic: Discovery")
	Severities []string // low, medium, high, critical
	// NoBuildingBlocks leaves out building-block rules (whose alerts Kibana
	// hides by default).
	NoBuildingBlocks bool
}

// Empty reports whether the filter selects every rule.
func (f Filter) Empty() bool {
	return len(f.IDs) == 0 && len(f.Tags) == 0 && len(f.Severities) == 0 && !f.NoBuildingBlocks
}

// Match reports whether r is selected.
func (f Filter) Match(r *Rule) bool {
	if f.NoBuildingBlocks && r.BuildingBlockType != "" {
		return false
	}
	if len(f.IDs) > 0 && !slices.ContainsFunc(f.IDs, func(id string) bool { return id == r.RuleID || id == fileStem(r.Path) }) {
		return false
	}
	if len(f.Severities) > 0 && !slices.ContainsFunc(f.Severities, func(s string) bool { return strings.EqualFold(s, r.Severity) }) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(f.Tags, func(t string) bool {
		return slices.ContainsFunc(r.Tags, func(rt string) bool { return strings.EqualFold(rt, t) })
	}) {
		return false
	}
	return true
}

// Apply returns the selected rules, in order.
func (f Filter) Apply(rules []*Rule) []*Rule {
	if f.Empty() {
		return rules
	}
	var out []*Rule
	for _, r := range rules {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out
}

func fileStem(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return strings.TrimSuffix(p, ".toml")
}
