package detect

import (
	"fmt"

	"github.com/trailql/trailql/alert"
)

// Late is the number of rows that reached a rule after the amend horizon
// of their window had passed; they are in no alert. The hunt keeps every
// window for amendment, so it is 0 there. Call it after Finish.
func (d *Detector) Late() int64 { return d.sum(func(e *evaluator) int64 { return e.tooLate }) }

// Amended is the number of rows that reached a rule after the window that
// holds them had been evaluated (events later than the allowed lateness):
// their windows were evaluated again. Call it after Finish.
func (d *Detector) Amended() int64 { return d.sum(func(e *evaluator) int64 { return e.amended }) }

// sum adds a count over the rules' evaluators.
func (d *Detector) sum(count func(*evaluator) int64) int64 {
	var n int64
	for _, rr := range d.rules {
		rr.mu.Lock()
		n += count(rr.ev)
		rr.mu.Unlock()
	}
	return n
}

// Finish ends the input and returns the alerts, each once in its final
// state, ordered by rule (in load order) and, within a rule, by their
// identifying columns.
func (d *Detector) Finish() ([]*alert.Alert, error) {
	if d.spill != nil {
		defer d.spill.Close()
	}
	var alerts []*alert.Alert
	for i, rr := range d.rules {
		for _, w := range d.workers {
			if p := w.rules[i].prefix; p != nil {
				if err := p.Finish(); err != nil {
					return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
				}
			}
		}
		rr.mu.Lock()
		err := rr.ev.finish()
		var built []*alert.Alert
		var warns []string
		if err == nil {
			built, warns = rr.ev.alerts(d.opts.Now, d.opts.MaxSignals, d.opts.EvidenceMax)
		}
		rr.mu.Unlock()
		if err != nil {
			return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
		d.capWarnings = append(d.capWarnings, warns...)
		alerts = append(alerts, built...)
	}
	return alerts, nil
}

// Warnings returns the rules' runtime warnings, each prefixed by the rule name.
func (d *Detector) Warnings() []string {
	var out []string
	for i, rr := range d.rules {
		rr.mu.Lock()
		ws := rr.ev.warnings
		rr.mu.Unlock()
		for _, w := range d.workers {
			if p := w.rules[i].prefix; p != nil {
				ws = appendNew(ws, p.Warnings())
			}
		}
		for _, w := range ws {
			out = append(out, fmt.Sprintf("rule %q: %s", rr.c.Rule.Name, w))
		}
	}
	return append(out, d.capWarnings...)
}
