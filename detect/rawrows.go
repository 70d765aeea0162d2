package detect

import (
	"bytes"
	"fmt"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// Holding records raw and mapping them when a run reads them (the why:
// deferral.go).

// holdRaw holds raw for each rule its prefilters let through (w.pass)
// that may hold it raw, and takes them out of w.pass: the record is
// mapped, if at all, for the others only. done reports that no rule is
// left. A record is held raw only when mapping it later is sure to give
// what mapping it now would: the reader's scan proved it a CloudTrail
// record with valid JSON, no key twice and a valid eventTime, which is
// then its @timestamp (it has no digestEndTime).
func (w *Worker) holdRaw(raw []byte, scan *cloudtrail.Record) (done bool, err error) {
	d := w.d
	if scan == nil || scan.Known == nil || !scan.Known.OK || !scan.Checked {
		return false, nil
	}
	some := false
	for i, ok := range w.pass {
		wr := &w.rules[i]
		wr.raw = false
		if df := d.rules[i].deferral; ok && df != nil {
			// A record that may witness every conjunct is needed by
			// every run that reads it: it is mapped now.
			if wr.maybe = df.maybe(raw); wr.maybe != df.all {
				wr.raw, some = true, true
			}
		}
	}
	// A Checked record has no escaped key: a digestEndTime key is written
	// so, or not there.
	if !some || bytes.Contains(raw, []byte(`"digestEndTime"`)) {
		return false, nil
	}
	t, ok := ecs.EventTime(scan.EventTime)
	if !ok {
		return false, nil
	}
	ms := t.UnixMilli()
	if ms < d.reader.since || ms > d.reader.until {
		return true, nil // outside the hunt's time range, as read would find
	}
	w.rawEnc = appendRawRow(w.rawEnc[:0], ms, raw)
	done = true
	for i, ok := range w.pass {
		if !ok {
			continue
		}
		if !w.rules[i].raw {
			done = false
			continue
		}
		w.pass[i] = false
		rr := d.rules[i]
		h := readyRow{key: ceilTo(ms, rr.ev.p.span), ms: ms, enc: w.rawEnc, witnesses: w.rules[i].maybe, raw: true}
		if err := w.hand(i, h); err != nil {
			return true, fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
	}
	return done, nil
}

// expander makes the rows of one rule's records held raw, as a worker
// makes them of a record it reads: it maps the record for the rule and
// runs it through the rule's prefix. It is used under the rule's lock
// (evaluator.expand), one record at a time.
type expander struct {
	d       *Detector
	i       int // the rule
	scratch ecs.Scratch
	values  []esql.Value
	pass    []bool // the rule's bit only
	row     []esql.Value
	prefix  *esql.Execution
	prep    *rowPrep
	ms      int64
	emit    func(readyRow) error
}

// newExpander returns the expander of rule i.
func (d *Detector) newExpander(i int) *expander {
	rr := d.rules[i]
	p := rr.ev.p
	x := &expander{d: d, i: i, pass: make([]bool, len(d.rules)), row: make([]esql.Value, len(rr.idx)), prep: p.newRowPrep()}
	x.pass[i] = true
	x.prefix = p.prefix.StartWith(func(row []esql.Value) error {
		return x.emit(p.ready(x.prep, row, x.ms))
	}, esql.ExecOptions{ReuseRows: true})
	return x
}

// expand hands emit the rows the record raw gives the rule.
func (x *expander) expand(raw []byte, emit func(readyRow) error) error {
	d := x.d
	if x.values == nil {
		x.values = make([]esql.Value, len(d.reader.fields.names))
	}
	ev, wanted, err := d.reader.mapWanted(raw, true, &x.scratch, x.pass, x.values)
	if err != nil {
		return fmt.Errorf("record held raw: %w", err)
	}
	if !wanted {
		return nil
	}
	for k, j := range d.rules[x.i].idx {
		x.row[k] = x.values[j]
	}
	x.ms, x.emit = ev.ms, emit
	return x.prefix.Push(x.row)
}
