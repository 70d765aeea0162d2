package detect

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// Live is the live driver: it evaluates rules as log objects arrive, with
// the same evaluator per rule as the hunt (Detector), and reports each alert
// as soon as it exists and again whenever it changes (docs/architecture.md "Live").
//
// Records are processed one at a time (Process); Flush then moves every
// rule's watermark and returns the alerts that are new or changed. The
// watermark is the newest event time read (FlushIdle: or the wall clock,
// when it is ahead) minus the allowed lateness: a scheduled run at T is
// executed once it has passed T. A bucketed rule (the seed
// rule) is also evaluated before its buckets are final, so an alert goes
// out as soon as its group qualifies. An event that arrives for a window
// already evaluated amends it, and the alert is updated (same id); windows
// are kept for that until the amend horizon has passed them, after which
// their events are counted in TooLate and dropped.
//
// After a Flush, Checkpoint writes what changed, so that Restore continues
// after a crash exactly where the last checkpoint was. Events repeated by
// redelivery (the same event.id, within the allowed lateness) are counted
// once. Live is not safe for concurrent use.
type Live struct {
	opts     LiveOptions
	reader   *recordReader
	rules    []*liveRule
	values   []esql.Value
	pass     []bool
	scratch  *ecs.Scratch // values point into it until the next record
	idField  int
	maxEvent int64            // newest event time seen (ms)
	seen     map[string]int64 // event id -> event time, for de-duplication
	// Duplicates counts events seen before (same event id).
	Duplicates int
	// excWarnings are the exception items' warnings, from NewLive.
	excWarnings []string
}

// ExceptionWarnings are the warnings about the exception items, found by
// NewLive: show them once.
func (l *Live) ExceptionWarnings() []string { return l.excWarnings }

// ExceptionReport says how many events each exception item removed so far,
// per rule (Alerts is -1: the daemon does not evaluate rules twice).
func (l *Live) ExceptionReport() []ExceptionStat {
	var out []ExceptionStat
	for _, lr := range l.rules {
		out = append(out, lr.exc.stats(lr.c.Rule.Name)...)
	}
	return out
}

// LiveOptions configure Live.
type LiveOptions struct {
	// Namespace is the data_stream.namespace events are given.
	Namespace string
	// GeoIP, when set, adds source.geo.* and source.as.* to events.
	GeoIP *ecs.GeoIP
	// AllowedLateness is how long a window waits for late events before it
	// is evaluated as final (CloudTrail delivers within about 15 minutes).
	AllowedLateness time.Duration
	// MemoryLimit, when positive, bounds the memory of the rows the rules
	// hold in memory, as Options.MemoryLimit does for a hunt: beyond it,
	// windows already saved by a checkpoint leave memory and are read back
	// from State when needed.
	MemoryLimit int64
	// Budget, when set, is shared with other engines instead of a budget
	// of MemoryLimit of their own: their rows together stay within it.
	// Release an engine that is dropped.
	Budget *MemoryBudget
	// AmendHorizon is how long an evaluated window is kept so that late
	// events can amend its alerts (default DefaultAmendHorizon).
	AmendHorizon time.Duration
	// MaxSignals is as Options.MaxSignals.
	MaxSignals int
	// EvidenceMax is as Options.EvidenceMax.
	EvidenceMax int
	// Exceptions are as Options.Exceptions (Explain is ignored: the
	// daemon counts the events each item removes).
	Exceptions *Exceptions
	// State, when set, is the committed checkpoint: windows that are
	// evaluated, saved and no longer open leave memory and are read back
	// from it when a late event amends them. Memory then holds the open
	// windows only, not the amend horizon's.
	State StateReader
	// Now gives the wall clock (alert time, and the watermark when no
	// event is newer); nil means time.Now.
	Now func() time.Time
}

// DefaultAllowedLateness is CloudTrail's usual delivery delay.
const DefaultAllowedLateness = 15 * time.Minute

// DefaultAmendHorizon is how long watch keeps windows for late events:
// CloudTrail delivers late by hours at most.
const DefaultAmendHorizon = 24 * time.Hour

// liveRule is one rule's state in Live.
type liveRule struct {
	c       *Compiled
	idx     []int
	indices []string
	row     []esql.Value
	prefix  *esql.Execution
	ev      *evaluator
	eventMs int64
	// sent is the content (alertContent) last reported per alert id.
	sent map[string]string
	// exc are the rule's exception items (nil: none).
	exc *ruleExceptions
}

// LiveAlert is an alert reported by Flush.
type LiveAlert struct {
	*alert.Alert
	// Update is set when an alert with this id was reported before and it
	// has changed since.
	Update bool
}

// NewLive prepares rules for live evaluation.
func NewLive(rules []*Compiled, opts LiveOptions) (*Live, error) {
	if opts.AllowedLateness <= 0 {
		opts.AllowedLateness = DefaultAllowedLateness
	}
	if opts.AmendHorizon <= 0 {
		opts.AmendHorizon = DefaultAmendHorizon
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Live{opts: opts, seen: map[string]int64{}, maxEvent: minMs, scratch: new(ecs.Scratch)}
	var fields fieldSet
	l.idField = fields.add("event.id")
	var filters []*prefilter
	clock := func() time.Time { return l.opts.Now() }
	var budget *memBudget
	switch {
	case opts.State == nil:
	case opts.Budget != nil:
		budget = opts.Budget.b
	case opts.MemoryLimit > 0:
		budget = newMemBudget(opts.MemoryLimit)
	}
	for _, c := range rules {
		p := c.plan()
		var store spillStore
		if opts.State != nil {
			store = stateSpill{opts.State}
		}
		lr := &liveRule{c: c, indices: fromIndices(c.Program.Query()), sent: map[string]string{},
			// Windows are evaluated by Flush's watermark, not as rows come.
			ev: newEvaluator(c, p, 0, opts.AmendHorizon, store, clock)}
		lr.ev.checkpointed = true
		lr.ev.budget = budget
		filters = append(filters, newPrefilter(c.Program.Query(), prefilterOpts(opts.GeoIP != nil)))
		for _, in := range p.inputs(c) {
			lr.idx = append(lr.idx, fields.add(in))
		}
		lr.row = make([]esql.Value, len(lr.idx))
		if p.prefix != nil {
			// The evaluator copies what it keeps of a row.
			lr.prefix = p.prefix.StartWith(func(row []esql.Value) error {
				return lr.ev.addPrefixRow(row, lr.eventMs)
			}, esql.ExecOptions{ReuseRows: true})
		}
		l.rules = append(l.rules, lr)
	}
	var ex *Exceptions
	if opts.Exceptions != nil {
		e := *opts.Exceptions
		e.Explain = false
		ex = &e
	}
	excs, warns := compileExceptions(rules, ex, &fields, opts.Now())
	l.excWarnings = warns
	for i, re := range excs {
		if re != nil {
			// A daemon runs on: an item stops applying when it expires.
			re.now = func() int64 { return l.opts.Now().UnixMilli() }
		}
		l.rules[i].exc = re
	}
	uses := make([][]int, len(l.rules))
	for i, lr := range l.rules {
		uses[i] = append(slices.Clone(lr.exc.uses(lr.idx)), l.idField)
	}
	l.reader = newRecordReader(fields, filters, uses, Options{Namespace: opts.Namespace, GeoIP: opts.GeoIP})
	l.values = make([]esql.Value, len(fields.names))
	l.pass = make([]bool, len(rules))
	return l, nil
}

// Process maps one raw record and feeds it to every rule. An error means the
// record could not be mapped (a *RecordError: the caller reports it and goes
// on) or a rule failed.
func (l *Live) Process(raw []byte) error { return l.process(raw, nil) }

// ProcessRecord is Process for a record as a cloudtrail.Reader found it:
// what its scan learnt spares work (recordReader.read).
func (l *Live) ProcessRecord(rec *cloudtrail.Record) error { return l.process(rec.Raw, rec) }

func (l *Live) process(raw []byte, scan *cloudtrail.Record) error {
	ev, wanted, err := l.reader.read(raw, scan, l.scratch, l.pass, l.values)
	if err != nil || !wanted {
		return err
	}
	if id := l.values[l.idField]; !id.IsNull() {
		if _, dup := l.seen[id.AsString()]; dup {
			l.Duplicates++
			return nil
		}
		l.seen[strings.Clone(id.AsString())] = ev.ms // the value points into l.scratch
	}
	l.maxEvent = max(l.maxEvent, ev.ms)
	for i, lr := range l.rules {
		if !l.pass[i] || (ev.stream != "" && !matchesIndex(lr.indices, ev.stream)) || lr.exc.excludes(l.values) {
			continue
		}
		for k, j := range lr.idx {
			lr.row[k] = l.values[j]
		}
		lr.eventMs = ev.ms
		if lr.prefix != nil {
			err = lr.prefix.Push(lr.row)
		} else {
			err = lr.ev.addPrefixRow(lr.row, ev.ms)
		}
		if err != nil {
			return fmt.Errorf("rule %q: %w", lr.c.Rule.Name, err)
		}
	}
	return nil
}

// Advance moves the engine's event time on to t (a producer's watermark:
// every event before it was sent), as if an event of that time had come;
// it never moves back.
func (l *Live) Advance(t time.Time) {
	if !t.IsZero() {
		l.maxEvent = max(l.maxEvent, t.UnixMilli())
	}
}

// watermark is the time before which windows are evaluated as final: the
// newest event time, or the wall clock when idle is set and it is ahead,
// minus the allowed lateness.
func (l *Live) watermark(idle bool) int64 {
	t := l.maxEvent
	if idle {
		t = max(t, l.opts.Now().UnixMilli())
	}
	return t - l.opts.AllowedLateness.Milliseconds()
}

// Watermark is the event time before which windows are final, as the
// events read make it.
func (l *Live) Watermark() time.Time { return time.UnixMilli(l.watermark(false)).UTC() }

// Newest is the newest event time read (zero before the first event).
func (l *Live) Newest() time.Time {
	if l.maxEvent == minMs {
		return time.Time{}
	}
	return time.UnixMilli(l.maxEvent).UTC()
}

// Flush evaluates what the watermark of the events read allows and what
// changed since the last Flush, and returns the alerts that are new or
// changed, by rule and in time order. While objects come (a backlog, a busy
// trail) the events' own time moves the windows on, so a scheduled run
// waits for the events of its lookback instead of running on part of them.
func (l *Live) Flush() ([]LiveAlert, error) { return l.flush(false) }

// FlushIdle is Flush for a driver whose sources had nothing new for a
// while: the wall clock moves the watermark too, so that a scheduled run
// is executed on time, as Kibana runs it, even when no newer event comes.
func (l *Live) FlushIdle() ([]LiveAlert, error) { return l.flush(true) }

func (l *Live) flush(idle bool) ([]LiveAlert, error) {
	wm := l.watermark(idle)
	now := l.opts.Now()
	var out []LiveAlert
	for _, lr := range l.rules {
		ev := lr.ev
		if err := ev.advance(wm); err != nil {
			return out, fmt.Errorf("rule %q: %w", lr.c.Rule.Name, err)
		}
		if err := ev.provisional(); err != nil {
			return out, fmt.Errorf("rule %q: %w", lr.c.Rule.Name, err)
		}
		if !ev.changed {
			continue
		}
		ev.changed = false
		alerts, _ := ev.alerts(now, l.opts.MaxSignals, l.opts.EvidenceMax)
		sent := make(map[string]string, len(alerts))
		for _, a := range alerts {
			content := AlertContent(a)
			sent[a.ID] = content
			prev, seen := lr.sent[a.ID]
			if seen && prev == content {
				continue
			}
			out = append(out, LiveAlert{Alert: a, Update: seen})
		}
		lr.sent = sent
	}
	// Forget event ids too old to be redelivered into an open window.
	for id, ms := range l.seen {
		if ms < wm-l.opts.AllowedLateness.Milliseconds() {
			delete(l.seen, id)
		}
	}
	return out, nil
}

// AlertContent is what distinguishes two versions of an alert: its
// document without the alert time and the run that last raised it (a
// replayed rule's episode that goes on is not a change to report).
func AlertContent(a *alert.Alert) string {
	var b []byte
	for _, k := range a.Doc.Keys() {
		if k == "@timestamp" || k == "kibana.alert.intended_timestamp" {
			continue
		}
		v, _ := a.Doc.Get(k)
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, canonical(v)...)
		b = append(b, '\n')
	}
	return string(b)
}

// Scheduled names the rules evaluated on their schedule rather than by
// event-time bucket.
func (l *Live) Scheduled() []string {
	var out []string
	for _, lr := range l.rules {
		if lr.ev.p.shape == replayed {
			out = append(out, lr.c.Rule.Name)
		}
	}
	return out
}

// OpenBuckets is the number of windows held, over all rules.
func (l *Live) OpenBuckets() int {
	n := 0
	for _, lr := range l.rules {
		n += len(lr.ev.win)
	}
	return n
}

// TooLate is the number of rows that arrived after the amend horizon had
// passed their window, over all rules: they are in no alert.
func (l *Live) TooLate() int64 {
	var n int64
	for _, lr := range l.rules {
		n += lr.ev.tooLate
	}
	return n
}

// Warnings returns the rules' runtime warnings, prefixed by rule name.
func (l *Live) Warnings() []string {
	var out []string
	for _, lr := range l.rules {
		ws := lr.ev.warnings
		if lr.prefix != nil {
			ws = appendNew(ws, lr.prefix.Warnings())
		}
		for _, w := range ws {
			out = append(out, fmt.Sprintf("rule %q: %s", lr.c.Rule.Name, w))
		}
	}
	return out
}

// Alerts returns every rule's current alerts, as Detector.Finish would
// give them for the events read so far: the state the alerts reported by
// Flush have reached. Call it after Flush.
func (l *Live) Alerts() []*alert.Alert {
	var out []*alert.Alert
	for _, lr := range l.rules {
		alerts, _ := lr.ev.alerts(l.opts.Now(), l.opts.MaxSignals, l.opts.EvidenceMax)
		out = append(out, alerts...)
	}
	return out
}

// Release takes the engine's rows out of the budget it shares
// (LiveOptions.Budget): call it when the engine is dropped, or they count
// against the others for good.
func (l *Live) Release() {
	for _, lr := range l.rules {
		if lr.ev.budget != nil {
			lr.ev.budget.forget(lr.ev)
		}
	}
}

// held is the number of rows held in memory, over all rules.
func (l *Live) held() int {
	n := 0
	for _, lr := range l.rules {
		n += lr.ev.held()
	}
	return n
}
