package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/trailql/trailql/rule"
)

// Suppress applies a rule's alert_suppression (docs/esql-semantics.md §B5) to its
// alerts, each with the time it was raised, and returns the alerts that
// remain, in time order. Alerts whose group_by values are equal collapse into
// the first one while they fall within the suppression duration from it
// (without a duration: within one run, i.e. raised at the same time); the
// kept alert counts the others in kibana.alert.suppression.docs_count and its
// suppression.end moves to the latest. With missing_fields_strategy
// "doNotSuppress", an alert missing a group_by field is never suppressed.
//
// Every driver (detect's hunt, watch's live evaluation) builds a rule's
// current alerts and passes them here, so that suppression is decided in one
// place and the drivers agree.
func Suppress(r *rule.Rule, alerts []*Alert, times []time.Time) []*Alert {
	s := r.AlertSuppression
	if s == nil || len(s.GroupBy) == 0 || len(alerts) == 0 {
		return alerts
	}
	window := time.Duration(0)
	if s.Duration != nil {
		if d, err := s.Duration.Duration(); err == nil {
			window = d
		}
	}
	type open struct {
		a     *Alert
		start time.Time
		count int
	}
	order := make([]int, len(alerts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return times[order[i]].Before(times[order[j]]) })
	groups := map[string]*open{}
	var out []*Alert
	for _, i := range order {
		a, t := alerts[i], times[i]
		terms := make([]map[string]any, 0, len(s.GroupBy))
		missing := false
		for _, f := range s.GroupBy {
			v, ok := a.Doc.Get(f)
			if !ok || v == nil {
				missing = true
			}
			terms = append(terms, map[string]any{"field": f, "value": sortedValue(v)})
		}
		key := r.RuleID + "\x00" + canonicalJSON(terms)
		if missing && strings.EqualFold(s.MissingFieldsStrategy, "doNotSuppress") {
			key += "\x00" + a.ID // its own instance: never suppressed
		}
		if g, ok := groups[key]; ok && (t.Equal(g.start) || (window > 0 && t.Sub(g.start) <= window)) {
			g.count++
			g.a.Doc.Set("kibana.alert.suppression.end", t.UTC().Format(esTime))
			g.a.Doc.Set("kibana.alert.suppression.docs_count", g.count)
			continue
		}
		h := sha256.Sum256([]byte(key))
		a.Doc.Set("kibana.alert.instance.id", hex.EncodeToString(h[:]))
		a.Doc.Set("kibana.alert.suppression.terms", terms)
		a.Doc.Set("kibana.alert.suppression.start", t.UTC().Format(esTime))
		a.Doc.Set("kibana.alert.suppression.end", t.UTC().Format(esTime))
		a.Doc.Set("kibana.alert.suppression.docs_count", 0)
		groups[key] = &open{a: a, start: t}
		out = append(out, a)
	}
	return out
}

// sortedValue sorts a multi-value, as Kibana sorts suppression terms.
func sortedValue(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := append([]any(nil), list...)
	sort.Slice(out, func(i, j int) bool { return canonicalJSON(out[i]) < canonicalJSON(out[j]) })
	return out
}

// canonicalJSON renders a JSON-ready value as JSON text, for keys and order.
func canonicalJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
