package alert

import (
	"math"
	"sort"
	"strconv"

	"github.com/trailql/trailql/rule"
)

var severityRank = map[string]int{"low": 0, "medium": 1, "high": 2, "critical": 3}

// severity applies rule.severity_mapping the way Kibana's
// buildSeverityFromMapping does: mappings are sorted from low to high and
// the last match wins, so the highest matching severity applies. A value
// matches when the field (scalar or any element of an array) is a string
// equal to the mapping value or a safe integer whose decimal form equals
// it; for event.severity the comparison is numeric with the mapping value
// floored. Without a match the rule's severity applies.
func severity(r *rule.Rule, get func(string) any) string {
	if len(r.SeverityMapping) == 0 {
		return r.Severity
	}
	ms := append([]rule.SeverityMapping(nil), r.SeverityMapping...)
	sort.SliceStable(ms, func(i, j int) bool { return severityRank[ms[i].Severity] < severityRank[ms[j].Severity] })
	out := r.Severity
	for _, m := range ms {
		if mappingMatches(m, get(m.Field)) {
			out = m.Severity
		}
	}
	return out
}

func mappingMatches(m rule.SeverityMapping, v any) bool {
	vals, ok := v.([]any)
	if !ok {
		vals = []any{v}
	}
	if m.Field == "event.severity" {
		want, err := strconv.ParseFloat(m.Value, 64)
		if err != nil {
			return false
		}
		want = math.Floor(want)
		for _, e := range vals {
			if f, ok := safeInt(e); ok && f == want {
				return true
			}
		}
		return false
	}
	for _, e := range vals {
		if s, ok := e.(string); ok && s == m.Value {
			return true
		}
		if f, ok := safeInt(e); ok && jsNumber(f) == m.Value {
			return true
		}
	}
	return false
}

// safeInt reports a number that is a JavaScript safe integer
// (Number.isSafeInteger), as a float64.
func safeInt(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		if x > 1<<53-1 || x < -(1<<53-1) {
			return 0, false
		}
		f = float64(x)
	case float64:
		f = x
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53-1 {
		return 0, false
	}
	return f, true
}
