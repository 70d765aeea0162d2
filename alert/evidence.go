package alert

// Evidence fields: trailql goes beyond Kibana here. An alert of an
// aggregating ES|QL rule in Kibana carries no trace of the events behind it
// (elasticsearch#118323 asks for it); trailql's carries their ids, so that
// an analyst (and trailql investigate) can go from the alert to its events.
const (
	// EvidenceIDs holds the event.id of the source events behind the
	// alert, distinct, oldest first, at most the run's evidence maximum.
	EvidenceIDs = "trailql.evidence.event_ids"
	// EvidenceCount is how many distinct source events there were in all.
	EvidenceCount = "trailql.evidence.event_count"
)

// DefaultEvidenceMax is how many event ids an alert carries by default.
const DefaultEvidenceMax = 100

// SetEvidence records the ids of the source events behind the alert
// (oldest first, as the query engine gathers them: esql.EvidenceColumn),
// keeping at most max of them (max <= 0: DefaultEvidenceMax) and the count
// of all. ids is a result cell: nil, one id, or a multi-value.
func (a *Alert) SetEvidence(ids any, max int) {
	if max <= 0 {
		max = DefaultEvidenceMax
	}
	var all []string
	switch v := ids.(type) {
	case string:
		all = []string{v}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				all = append(all, s)
			}
		}
	}
	kept := all[:min(len(all), max)]
	if kept == nil {
		kept = []string{}
	}
	a.Doc.Set(EvidenceIDs, kept)
	a.Doc.Set(EvidenceCount, len(all))
}

// Evidence returns the event ids the alert carries (SetEvidence), nil when
// it carries none.
func (a *Alert) Evidence() []string {
	v, _ := a.Doc.Get(EvidenceIDs)
	ids, _ := v.([]string)
	return ids
}
