package detect

import (
	"cmp"
	"slices"
	"time"

	"github.com/trailql/trailql/alert"
)

// alerts builds a rule's current alerts from what its evaluator holds: the
// same function for every driver, so that the hunt's final answer and the
// live daemon's latest versions are the same documents. now is the alert
// time (@timestamp); maxSignals is as Options.MaxSignals. The warnings say
// where Kibana's max_signals would have dropped alerts.
func (e *evaluator) alerts(now time.Time, maxSignals, evidenceMax int) ([]*alert.Alert, []string) {
	c := e.c
	names := c.columns()
	if e.p.shape == replayed {
		return e.episodes(names, now, evidenceMax), nil
	}
	keys := make([]int64, 0, len(e.hits))
	for k := range e.hits {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var rows [][]any
	for _, k := range keys {
		rows = append(rows, e.hits[k]...)
	}
	sortRows(names, c.GroupBy, rows)
	rows, warns := capSignals(c, rows, maxSignals)
	built := make([]*alert.Alert, 0, len(rows))
	times := make([]time.Time, 0, len(rows))
	col := timeColumn(c)
	for _, row := range rows {
		built = append(built, buildAlert(c, names, row, now, evidenceMax))
		t := now
		if col >= 0 {
			if rt, ok := rowTime(row[col]); ok {
				t = rt
			}
		}
		times = append(times, t)
	}
	return alert.Suppress(c.Rule, built, times), warns
}

// episodes turns a replayed rule's run results into alerts. A group (or,
// for a non-aggregating rule, a source event) that qualifies in consecutive
// runs is one alert, with the row of its latest run; a group that stops
// qualifying and later qualifies again is a new alert (docs/esql-semantics.md
// §B3: Kibana would raise one in every overlapping run).
func (e *evaluator) episodes(names []string, now time.Time, evidenceMax int) []*alert.Alert {
	c := e.c
	runs := make([]int64, 0, len(e.hits))
	for t := range e.hits {
		runs = append(runs, t)
	}
	slices.Sort(runs)
	type episode struct {
		id          string
		first, last int64
		row         []any
	}
	open := map[string]*episode{}
	var all []*episode
	iv := e.p.span
	for _, t := range runs {
		for _, row := range e.hits[t] {
			id := alertID(c, names, row)
			if ep, ok := open[id]; ok && (ep.last == t-iv || ep.last == t) {
				ep.last, ep.row = t, row
				continue
			}
			ep := &episode{id: id, first: t, last: t, row: row}
			open[id] = ep
			all = append(all, ep)
		}
	}
	slices.SortStableFunc(all, func(a, b *episode) int {
		return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id))
	})
	built := make([]*alert.Alert, 0, len(all))
	times := make([]time.Time, 0, len(all))
	for _, ep := range all {
		a := buildAlert(c, names, ep.row, now, evidenceMax)
		a.ID = alert.EpisodeID(ep.id, time.UnixMilli(ep.first))
		a.Doc.Set("kibana.alert.uuid", a.ID)
		// Kibana records when a backfilled alert would have been raised in
		// kibana.alert.intended_timestamp.
		a.Doc.Set("kibana.alert.intended_timestamp", time.UnixMilli(ep.last).UTC().Format(esTime))
		built = append(built, a)
		times = append(times, time.UnixMilli(ep.first).UTC())
	}
	return alert.Suppress(c.Rule, built, times)
}

// buildAlert makes the alert of one result row: the document of the
// query's own columns (names: Compiled.columns), then the ids of the
// source events behind it, which the traced query carries in its last
// cell (esql.EvidenceColumn).
func buildAlert(c *Compiled, names []string, row []any, now time.Time, evidenceMax int) *alert.Alert {
	a := alert.Build(c.Rule, names, row[:min(len(names), len(row))], c.GroupBy, now)
	if c.Program.Evidence() && len(row) > len(names) {
		a.SetEvidence(row[len(names)], evidenceMax)
	}
	return a
}

// esTime is how alert documents render a time (ES|QL's JSON dates).
const esTime = "2006-01-02T15:04:05.000Z"

// alertID is the id of a result row's alert (alert.ID): its group, or its
// source event.
func alertID(c *Compiled, names []string, row []any) string {
	return alert.ID(c.Rule.RuleID, names, row, c.GroupBy)
}
