package detect

import (
	"fmt"
	"sort"
	"time"

	"github.com/trailql/trailql/alert"
)

// Late is the number of rows that reached a rule after the event time
// bucket, or the scheduled run, that needed them had been evaluated
// (Options.AllowedLateness), over all rules; they are in no alert. Call it
// after Finish.
func (d *Detector) Late() int64 {
	var n int64
	for _, rr := range d.rules {
		rr.mu.Lock()
		if rr.buckets != nil {
			n += rr.buckets.late
		}
		if rr.sched != nil {
			n += rr.sched.late
		}
		rr.mu.Unlock()
	}
	return n
}

// Finish ends the input and returns the alerts, ordered by rule (in load
// order) and, within a rule, by their identifying columns.
func (d *Detector) Finish() ([]*alert.Alert, error) {
	var alerts []*alert.Alert
	for i, rr := range d.rules {
		names := columnNames(rr.c.Program.Columns())
		if rr.replay {
			// Events the workers kept (no allowed lateness) go to the
			// schedule in time order.
			var buf []buffered
			for _, w := range d.workers {
				buf = append(buf, w.rules[i].buffer...)
				w.rules[i].buffer = nil
			}
			sort.SliceStable(buf, func(i, j int) bool { return buf[i].ms < buf[j].ms })
			var err error
			for _, ev := range buf {
				if err = rr.sched.add(ev); err != nil {
					break
				}
			}
			buf = nil
			var rows [][]any
			var ids []string
			var raised, intended []time.Time
			if err == nil {
				rows, ids, raised, intended, err = rr.sched.finish()
			}
			if err != nil {
				return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
			}
			var built []*alert.Alert
			for i, row := range rows {
				a := alert.Build(rr.c.Rule, names, row, rr.c.GroupBy, d.opts.Now)
				a.ID = ids[i]
				a.Doc.Set("kibana.alert.uuid", ids[i])
				// Kibana records when a backfilled alert would have been
				// raised in kibana.alert.intended_timestamp.
				a.Doc.Set("kibana.alert.intended_timestamp", intended[i].Format(esTime))
				built = append(built, a)
			}
			alerts = append(alerts, suppress(rr.c, built, raised)...)
			continue
		}
		for _, w := range d.workers {
			if p := w.rules[i].prefix; p != nil {
				if err := p.Finish(); err != nil {
					return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
				}
			}
		}
		var err error
		if rr.buckets != nil {
			err = rr.buckets.finish()
		} else {
			err = rr.exec.Finish()
		}
		if err != nil {
			return alerts, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
		sortRows(names, rr.c.GroupBy, rr.rows)
		rows, warns := capSignals(rr.c, rr.rows, d.opts.MaxSignals)
		d.capWarnings = append(d.capWarnings, warns...)
		var built []*alert.Alert
		var times []time.Time
		col := timeColumn(rr.c)
		for _, row := range rows {
			built = append(built, alert.Build(rr.c.Rule, names, row, rr.c.GroupBy, d.opts.Now))
			t := d.opts.Now
			if col >= 0 {
				if rt, ok := rowTime(row[col]); ok {
					t = rt
				}
			}
			times = append(times, t)
		}
		alerts = append(alerts, suppress(rr.c, built, times)...)
	}
	return alerts, nil
}

// Warnings returns the rules' runtime warnings, each prefixed by the rule name.
func (d *Detector) Warnings() []string {
	var out []string
	for i, rr := range d.rules {
		ws := rr.warnings
		if rr.exec != nil {
			ws = appendNew(ws, rr.exec.Warnings())
		}
		if rr.buckets != nil {
			ws = appendNew(ws, rr.buckets.warnings)
		}
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
