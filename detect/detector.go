package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// Options configure a Detector.
type Options struct {
	// Namespace is the data_stream.namespace events are given ("default").
	Namespace string
	// Now is the alert time (the alert's @timestamp); zero means time.Now().
	Now time.Time
	// GeoIP, when set, adds source.geo.* and source.as.* to events.
	GeoIP *ecs.GeoIP
	// MaxSignals, when positive, keeps at most that many alerts per rule and
	// scheduled run, as Kibana does; 0 keeps every alert and warns instead.
	MaxSignals int
	// EvidenceMax is how many event ids an alert carries at most
	// (alert.SetEvidence; 0 means alert.DefaultEvidenceMax).
	EvidenceMax int
	// Workers is the number of goroutines that may call Worker(i).Process at
	// once (0 means 1).
	Workers int
	// AllowedLateness, when positive, bounds memory: a rule's time window
	// (a bucket, or a scheduled run) is evaluated once rows that much newer
	// have arrived, and its rows are spilled to disk (SpillDir). A row
	// that arrives for a window already evaluated amends it: the window is
	// evaluated again, so the alerts are those of the input in any order.
	// 0 keeps every window in memory until Finish.
	AllowedLateness time.Duration
	// Since and Until, when set, bound a hunt: events outside [Since,
	// Until] reach no rule (the reader prunes files by name:
	// cloudtrail.Reader.Since).
	Since, Until time.Time
	// SpillDir is where the rows of evaluated windows go, to stay
	// available for late events without holding memory ("": the system's
	// temporary directory). Used when AllowedLateness is positive.
	SpillDir string
	// MemoryLimit, when positive, bounds the memory (bytes, estimated) of
	// the rows the rules hold for their windows: beyond it they are
	// written to a spill file (SpillDir) and read back slot by slot when a
	// run needs them (budget.go). Rules with long lookbacks then take
	// memory that does not grow with the input.
	MemoryLimit int64
	// Exceptions, when set, are the run's exception lists: each rule's
	// items remove source events before its query runs (exceptions.go).
	Exceptions *Exceptions
	// Skim makes Read only count a line of NDJSON that no rule's prefilter
	// lets through, if it has the shape of one JSON object
	// (cloudtrail.Reader.Skim), instead of checking it: it cannot raise an
	// alert, valid or not, but a malformed one then goes unreported. By
	// default every record is checked, so that all bad input is reported.
	Skim bool
}

// Detector is the hunt driver: it evaluates a set of compiled rules over a
// stream of raw records and gives, at the end, the alerts the rules would
// have raised had they run on schedule while the records arrived (docs/architecture.md
// "Rule execution"; schedule.go). Each rule is evaluated by its evaluator
// (evaluator.go), the same core the live driver (Live) uses.
//
// Records may be processed by several goroutines, each through its own
// Worker: the expensive part (mapping, filtering, the rule's streaming
// prefix) runs in parallel, and only the rows that reach a rule's windows
// meet under that rule's lock. Process is Worker(0).Process; Finish must
// follow every Process.
type Detector struct {
	opts    Options
	reader  *recordReader
	rules   []*ruleRun
	workers []*Worker
	spill   *fileSpill
	// deferring: some rule may hold records raw (holdRaw).
	deferring bool
	// events counts records evaluated, over all workers.
	events atomic.Int64
	// capWarnings are the max_signals warnings of Finish.
	capWarnings []string
	// excWarnings are the exception items' warnings, from New.
	excWarnings []string
	// report: what each exception item removed (Finish).
	report []ExceptionStat
}

// ruleRun is one rule's shared execution state.
type ruleRun struct {
	c   *Compiled
	idx []int // position in the reader's fields of each prefix input
	// indices are the FROM patterns: documents of other integrations
	// (ecs passthrough) reach only the rules that read their data stream.
	indices []string
	mu      sync.Mutex // guards ev
	ev      *evaluator
	// exc are the rule's exception items (nil: none).
	exc *ruleExceptions
	// shadowOf, when >= 0, makes this run a copy of rule shadowOf without
	// its exceptions (Exceptions.Explain): its alerts are not reported,
	// only compared.
	shadowOf int
	// deferral, when set, lets workers hold records raw for the rule;
	// exp maps them when a run reads them (deferral.go, rawrows.go).
	deferral *deferral
	exp      *expander
}

// Worker processes records for a Detector; each is used by one goroutine.
type Worker struct {
	d      *Detector
	values []esql.Value
	rules  []workerRule
	pass   []bool // per rule: its prefilter lets the record through
	// scratch is the memory records are mapped into; values point into it
	// until the next record (the rules copy what they keep).
	scratch *ecs.Scratch
	// uncounted records evaluated, not yet in Detector.events (counted).
	uncounted int64
	// eventMs is the @timestamp of the event being processed.
	eventMs int64
	// rawEnc is the record being held raw, encoded (holdRaw).
	rawEnc []byte
}

// workerRule is one rule's per-worker state.
type workerRule struct {
	row    []esql.Value
	prefix *esql.Execution // this worker's execution of the rule's prefix
	// prep makes the rows this worker hands the rule ready (encoded),
	// out of the rule's lock.
	prep *rowPrep
	// waiting are rows made ready while another worker held the rule's
	// lock (Worker.hand), in the order they came.
	waiting []readyRow
	// raw: the record being read is held raw for the rule (holdRaw),
	// which it may witness the conjuncts maybe of.
	raw   bool
	maybe uint64
}

// maxWaiting is how many rows a worker keeps for a busy rule before it
// waits for the rule's lock.
const maxWaiting = 256

// New returns a Detector for the compiled rules.
func New(rules []*Compiled, opts Options) *Detector {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	d := &Detector{opts: opts}
	var fields fieldSet
	var filters []*prefilter
	var store spillStore
	if opts.AllowedLateness > 0 {
		// Windows are evaluated as the input goes: their rows leave
		// memory for a spill file, where late events can still amend them.
		d.spill = newFileSpill(opts.SpillDir)
		store = d.spill
	}
	var budget *memBudget
	if opts.MemoryLimit > 0 {
		budget = newMemBudget(opts.MemoryLimit)
		if store == nil {
			d.spill = newFileSpill(opts.SpillDir)
			store = d.spill
		}
	}
	clock := func() time.Time { return opts.Now }
	for _, c := range rules {
		p := c.plan()
		rr := &ruleRun{c: c, indices: fromIndices(c.Program.Query()), shadowOf: -1,
			ev: newEvaluator(c, p, opts.AllowedLateness, 0, store, clock)}
		rr.ev.deferAmend = true
		rr.ev.budget = budget
		// A prefilter rejects records this rule's WHERE would drop
		// (prefilter.go); all rules' are tested together (filters.go).
		filters = append(filters, newPrefilter(c.Program.Query(), prefilterOpts(opts.GeoIP != nil)))
		for _, name := range p.inputs(c) {
			rr.idx = append(rr.idx, fields.add(name))
		}
		d.rules = append(d.rules, rr)
	}
	excs, warns := compileExceptions(rules, opts.Exceptions, &fields, opts.Now)
	d.excWarnings = warns
	for i, re := range excs {
		d.rules[i].exc = re
		if re != nil && opts.Exceptions.Explain {
			c := rules[i]
			shadow := &ruleRun{c: c, indices: d.rules[i].indices, idx: d.rules[i].idx, shadowOf: i,
				ev: newEvaluator(c, c.plan(), opts.AllowedLateness, 0, store, clock)}
			shadow.ev.deferAmend = true
			shadow.ev.budget = budget
			filters = append(filters, filters[i])
			d.rules = append(d.rules, shadow)
		}
	}
	for i, rr := range d.rules {
		// Exceptions are tested, and explained, as a record is read.
		if rr.exc == nil && rr.shadowOf < 0 {
			rr.deferral = newDeferral(rr.c, rr.ev.p, prefilterOpts(opts.GeoIP != nil))
		}
		if rr.deferral != nil {
			d.deferring = true
			rr.exp = d.newExpander(i)
			rr.ev.expand = rr.exp.expand
		}
	}
	uses := make([][]int, len(d.rules))
	for i, rr := range d.rules {
		uses[i] = rr.exc.uses(rr.idx)
	}
	d.reader = newRecordReader(fields, filters, uses, opts)
	for i := 0; i < opts.Workers; i++ {
		d.workers = append(d.workers, d.newWorker())
	}
	return d
}

// newWorker makes a worker with its own executions of the rules' streaming
// prefixes.
func (d *Detector) newWorker() *Worker {
	w := &Worker{d: d, scratch: new(ecs.Scratch), values: make([]esql.Value, len(d.reader.fields.names)), rules: make([]workerRule, len(d.rules)), pass: make([]bool, len(d.rules))}
	for j, rr := range d.rules {
		wr := &w.rules[j]
		wr.row = make([]esql.Value, len(rr.idx))
		p := rr.ev.p
		wr.prep = p.newRowPrep()
		if p.prefix != nil {
			// The evaluator copies what it keeps of a row.
			wr.prefix = p.prefix.StartWith(func(row []esql.Value) error {
				return w.hand(j, p.ready(wr.prep, row, w.eventMs))
			}, esql.ExecOptions{ReuseRows: true})
		}
	}
	return w
}

// hand gives rule i a row of its prefix, copied by plan.ready. When
// another worker holds the rule's lock (its evaluator is running a
// scheduled run or spilling a window), the row waits in this worker, which
// goes on with its next record instead of blocking: with every rule
// loaded, workers blocked there for a tenth of a hunt. Waiting rows are
// handed, in order, before this worker's next row for the rule, or once
// maxWaiting of them wait, or by flush. A row handed later is only a row
// that arrived later, which the evaluator takes as it takes any order.
func (w *Worker) hand(i int, h readyRow) error {
	rr, wr := w.d.rules[i], &w.rules[i]
	if len(wr.waiting) == 0 && rr.mu.TryLock() {
		defer rr.mu.Unlock()
		return rr.ev.addHeld(h)
	}
	h.enc = slices.Clone(h.enc) // the worker's buffer makes its next row
	wr.waiting = append(wr.waiting, h)
	if len(wr.waiting) < maxWaiting {
		if !rr.mu.TryLock() {
			return nil
		}
	} else {
		rr.mu.Lock()
	}
	defer rr.mu.Unlock()
	return wr.handWaiting(rr)
}

// handWaiting adds the rows waiting for rule rr, whose lock the caller holds.
func (wr *workerRule) handWaiting(rr *ruleRun) error {
	rows := wr.waiting
	wr.waiting = wr.waiting[:0]
	defer clear(rows) // the rows are the evaluator's now
	for _, h := range rows {
		if err := rr.ev.addHeld(h); err != nil {
			return err
		}
	}
	return nil
}

// flush hands every rule the rows waiting in this worker.
func (w *Worker) flush() error {
	for i := range w.rules {
		wr := &w.rules[i]
		if len(wr.waiting) == 0 {
			continue
		}
		rr := w.d.rules[i]
		rr.mu.Lock()
		err := wr.handWaiting(rr)
		rr.mu.Unlock()
		if err != nil {
			return fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
	}
	return nil
}

// Fields lists the ECS fields the loaded rules read.
func (d *Detector) Fields() []string { return d.reader.fields.names }

// Events is the number of records evaluated so far.
func (d *Detector) Events() int { return int(d.events.Load()) }

// Worker returns worker i (0 <= i < Options.Workers).
func (d *Detector) Worker(i int) *Worker { return d.workers[i] }

// Process is Worker(0).Process.
func (d *Detector) Process(raw []byte) error { return d.workers[0].Process(raw) }

// Process maps one raw CloudTrail record and feeds it to every rule. An error
// means the record could not be mapped (it is not evaluated); the caller
// reports it and goes on.
func (w *Worker) Process(raw []byte) error {
	err := w.process(raw, nil)
	w.flushCount()
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	return err
}

// process is Process for a record as the reader's scan found it (scan; nil
// when it was not scanned: see recordReader.read). Most records are wanted
// by no rule: validated from what the scan found, counted, and left.
func (w *Worker) process(raw []byte, scan *cloudtrail.Record) error {
	d := w.d
	wanted, err := d.reader.admit(raw, scan, w.pass)
	if err != nil {
		return err
	}
	if wanted && d.deferring {
		if done, err := w.holdRaw(raw, scan); err != nil {
			return err
		} else if done {
			w.counted()
			return nil
		}
	}
	var ev readEvent
	if wanted {
		if ev, wanted, err = d.reader.mapWanted(raw, scan != nil && scan.Checked, w.scratch, w.pass, w.values); err != nil {
			return err
		}
	}
	w.counted()
	if !wanted {
		return nil
	}
	w.eventMs = ev.ms
	for i, rr := range d.rules {
		wr := &w.rules[i]
		if !w.pass[i] || (ev.stream != "" && !matchesIndex(rr.indices, ev.stream)) || rr.exc.excludes(w.values) {
			continue
		}
		for k, j := range rr.idx {
			wr.row[k] = w.values[j]
		}
		if wr.prefix != nil {
			err = wr.prefix.Push(wr.row)
		} else {
			err = w.hand(i, rr.ev.p.ready(wr.prep, wr.row, ev.ms))
		}
		if err != nil {
			return fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
	}
	return nil
}

// counted counts one record evaluated. The count is shared by the workers
// and read for progress, so it is updated in bulk.
func (w *Worker) counted() {
	if w.uncounted++; w.uncounted == 256 {
		w.flushCount()
	}
}

// flushCount adds the records this worker has evaluated to the shared count.
func (w *Worker) flushCount() {
	w.d.events.Add(w.uncounted)
	w.uncounted = 0
}

// RecordError is a record that cannot be evaluated (not a valid CloudTrail
// record: see ecs.Mapper.Map); the caller reports it and goes on. Any other
// error from Process is the query's (a resource limit) and ends the run.
type RecordError struct{ Err error }

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// inputType is the ES|QL type of a program input: a catalog field or one of
// the METADATA fields (docs/esql-semantics.md §A8).
func inputType(cat esql.Catalog, name string) esql.DataType {
	switch name {
	case "_id", "_index":
		return esql.Keyword
	case "_version":
		return esql.Long
	}
	if t, ok := cat[name]; ok {
		return t
	}
	return esql.Null
}

// fieldValue reads one input of an event. The metadata fields stand for what
// Elasticsearch would hold for the stored document: _id is the event id (a
// stable id is all rules need, docs/cloudtrail-ecs-mapping.md §1), _index the
// backing index of the event's day, _version 1.
func fieldValue(ev ecs.Event, name string, t esql.DataType) esql.Value {
	switch name {
	case "_id":
		if id, ok := ev["event.id"].(string); ok {
			return esql.KeywordValue(id)
		}
		return esql.KeywordValue(contentID(ev))
	case "_index":
		ts, _ := ev["@timestamp"].(time.Time)
		ns, _ := ev["data_stream.namespace"].(string)
		return esql.KeywordValue(".ds-logs-aws.cloudtrail-" + ns + "-" + ts.UTC().Format("2006.01.02") + "-000001")
	case "_version":
		return esql.LongValue(1)
	}
	x, ok := ev[name]
	if !ok || x == nil {
		return esql.NullValue()
	}
	x = dropIgnoredAbove(name, x)
	v, err := esql.FromGo(t, x)
	if err != nil {
		// A value of the wrong type for its mapping is not indexed by
		// Elasticsearch (ignore_malformed) and reads as null.
		return esql.NullValue()
	}
	return v
}

// dropIgnoredAbove removes keyword values longer than the field mapping's
// ignore_above: Elasticsearch does not index them, and ES|QL reads them as
// null (docs/cloudtrail-ecs-mapping.md §10; limits in ecs.IgnoreAbove). No limit is
// below ecs.DefaultIgnoreAbove, so shorter strings skip the lookup.
func dropIgnoredAbove(name string, x any) any {
	switch v := x.(type) {
	case string:
		if len(v) > ecs.DefaultIgnoreAbove && ecs.ExceedsIgnoreAbove(name, v) {
			return nil
		}
	case []string:
		var kept []string
		for i, s := range v {
			if len(s) > ecs.DefaultIgnoreAbove && ecs.ExceedsIgnoreAbove(name, s) {
				if kept == nil {
					kept = append([]string{}, v[:i]...)
				}
				continue
			}
			if kept != nil {
				kept = append(kept, s)
			}
		}
		if kept != nil {
			if len(kept) == 0 {
				return nil
			}
			return kept
		}
	}
	return x
}

// contentID derives a stable id for an event that has no eventID.
func contentID(ev ecs.Event) string {
	h := sha256.New()
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%v\n", k, ev[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// DefaultHuntLateness is trailql detect's --allowed-lateness for delivery
// files read in time order: CloudTrail delivers most events within minutes,
// so a quarter of an hour keeps nearly every window in memory until it is
// complete; events later than that amend their windows from the spill file.
const DefaultHuntLateness = DefaultAllowedLateness
