package detect

import (
	"fmt"
	"math"

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
		if rr.shadowOf >= 0 {
			continue
		}
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
		var err error
		for _, w := range d.workers {
			if err == nil {
				err = w.rules[i].handWaiting(rr)
			}
		}
		if err == nil {
			err = rr.ev.finish()
		}
		var built []*alert.Alert
		var warns []string
		if err == nil {
			evidenceMax := d.opts.EvidenceMax
			if rr.shadowOf >= 0 {
				evidenceMax = math.MaxInt32 // every event, to tie it to items
			}
			built, warns = rr.ev.alerts(d.opts.Now, d.opts.MaxSignals, evidenceMax)
		}
		rr.mu.Unlock()
		if err != nil {
			return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
		if rr.shadowOf >= 0 {
			d.explain(d.rules[rr.shadowOf], built, alerts)
			continue
		}
		d.capWarnings = append(d.capWarnings, warns...)
		alerts = append(alerts, built...)
	}
	return alerts, nil
}

// explain ties the alerts rule rr lost to its exceptions to the items that
// removed their events: shadow are its alerts without exceptions, alerts
// every rule's so far (rr's among them, shadows come last).
func (d *Detector) explain(rr *ruleRun, shadow, alerts []*alert.Alert) {
	stats := rr.exc.stats(rr.c.Rule.Name)
	kept := map[string]bool{}
	for _, a := range alerts {
		if a.Rule == rr.c.Rule {
			kept[a.ID] = true
		}
	}
	for i := range stats {
		stats[i].Alerts = 0
	}
	for _, a := range shadow {
		if kept[a.ID] {
			continue
		}
		for i := range stats {
			if rr.exc.removedAny(i, a.Evidence()) {
				stats[i].Alerts++
			}
		}
	}
	d.report = append(d.report, stats...)
}

// ExceptionWarnings are the warnings about the exception items, found when
// the Detector was made: show them once, before the run.
func (d *Detector) ExceptionWarnings() []string { return d.excWarnings }

// ExceptionReport says what each exception item removed, per rule: events,
// and, with Exceptions.Explain, alerts. Call it after Finish.
func (d *Detector) ExceptionReport() []ExceptionStat {
	if d.opts.Exceptions != nil && d.opts.Exceptions.Explain {
		return d.report
	}
	var out []ExceptionStat
	for _, rr := range d.rules {
		out = append(out, rr.exc.stats(rr.c.Rule.Name)...)
	}
	return out
}

// ExceptionRemoved is the number of events exceptions removed (an event
// removed for two rules counts twice).
func (d *Detector) ExceptionRemoved() int64 {
	var rs []*ruleExceptions
	for _, rr := range d.rules {
		rs = append(rs, rr.exc)
	}
	return sumRemoved(rs)
}

// Warnings returns the rules' runtime warnings, each prefixed by the rule name.
func (d *Detector) Warnings() []string {
	var out []string
	for i, rr := range d.rules {
		if rr.shadowOf >= 0 {
			continue
		}
		rr.mu.Lock()
		ws := rr.ev.warnings
		if rr.exp != nil { // records held raw run through the prefix under the lock
			ws = appendNew(ws, rr.exp.prefix.Warnings())
		}
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
