// Package detect runs compiled ES|QL rules over CloudTrail records and turns
// their result rows into alerts. It is the glue between the record reader
// (cloudtrail), the ECS mapping (ecs), the query engine (esql) and the alert
// documents (alert); none of those packages knows about the others.
package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

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
	// Workers is the number of goroutines that may call Worker(i).Process at
	// once (0 means 1).
	Workers int
	// AllowedLateness, when positive, bounds memory for rules bucketed by
	// event time: a bucket is evaluated and forgotten once rows of a bucket
	// that much newer have arrived, and rows for it after that are counted
	// in Late instead of evaluated. 0 keeps every bucket to the end (exact
	// for records in any order).
	AllowedLateness time.Duration
	// Skim makes Read only count a line of NDJSON that no rule's prefilter
	// lets through, if it has the shape of one JSON object
	// (cloudtrail.Reader.Skim), instead of checking it: it cannot raise an
	// alert, valid or not, but a malformed one then goes unreported. By
	// default every record is checked, so that all bad input is reported.
	Skim bool
}

// Detector evaluates a set of compiled rules over a stream of raw records, in
// "hunt" mode: the answer is the set of alerts the rules would have raised had
// they run on schedule while the records arrived. For a STATS bucketed by event
// time (the seed rule) that is one alert per qualifying group over the whole
// input (DESIGN.md, "Rule execution").
//
// Records may be processed by several goroutines, each through its own
// Worker: the expensive part (mapping, filtering, everything before the last
// STATS) runs in parallel, and only the rows that reach STATS meet under a
// lock. Process is Worker(0).Process; Finish must follow every Process.
type Detector struct {
	opts    Options
	mapper  *ecs.Mapper
	rules   []*ruleRun
	filters *ruleFilters // the rules' prefilters, tested together
	// fields is the union of the rules' inputs; types their ES|QL types.
	fields  []string
	types   []esql.DataType
	workers []*Worker
	// events counts records evaluated, over all workers.
	events atomic.Int64
	// capWarnings are the max_signals warnings of Finish.
	capWarnings []string
}

// ruleRun is one rule's shared execution state.
type ruleRun struct {
	c   *Compiled
	idx []int // position in Detector.fields of each program input
	// indices are the FROM patterns: documents of other integrations
	// (ecs passthrough) reach only the rules that read their data stream.
	indices []string
	// A rule bucketed by event time streams every event once: split at its
	// last STATS (split.go), workers run the prefix and push its rows into
	// one suffix execution under mu. A rule that cannot be split runs its
	// whole program under mu. rows collects the output.
	plan *splitPlan
	mu   sync.Mutex
	exec *esql.Execution
	// buckets replaces exec for a split rule whose suffix is row-local
	// after STATS: one execution per open bucket (buckets.go).
	buckets *bucketRun
	rows    [][]any
	// A replayed rule (schedule.go) hands its inputs to sched: as they
	// come, under mu, when windows are evaluated as the input goes
	// (AllowedLateness); else the workers buffer them until Finish.
	replay   bool
	rplan    *replayPlan // nil: buffer every selected event's inputs
	sched    *scheduler
	warnings []string
}

// Worker processes records for a Detector; each is used by one goroutine.
type Worker struct {
	d      *Detector
	values []esql.Value
	rules  []workerRule
	pass   []bool // per rule: its prefilter lets the record through
	// uncounted records evaluated, not yet in Detector.events (counted).
	uncounted int64
	// eventMs is the @timestamp of the event being processed.
	eventMs int64
}

// workerRule is one rule's per-worker state.
type workerRule struct {
	row    []esql.Value
	prefix *esql.Execution // split rules: this worker's prefix
	buffer []buffered      // replayed rules: this worker's events
}

// New returns a Detector for the compiled rules.
func New(rules []*Compiled, opts Options) *Detector {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	d := &Detector{opts: opts, fields: []string{}} // non-nil: only these fields are mapped
	pos := map[string]int{}
	cat := Catalog()
	field := func(name string) int {
		i, ok := pos[name]
		if !ok {
			i = len(d.fields)
			pos[name] = i
			d.fields = append(d.fields, name)
			d.types = append(d.types, inputType(cat, name))
		}
		return i
	}
	var filters []*prefilter
	for _, c := range rules {
		rr := &ruleRun{c: c, replay: replayed(c.Program.Query()), indices: fromIndices(c.Program.Query())}
		// A prefilter rejects records this rule's WHERE would drop
		// (prefilter.go); all rules' are tested together (filters.go).
		filters = append(filters, newPrefilter(c.Program.Query(), prefilterOpts(opts.GeoIP != nil)))
		if !rr.replay {
			if plan, err := splitForBuckets(c); err == nil {
				rr.plan = plan
			}
		}
		if rr.replay {
			if p, err := splitForReplay(c); err == nil {
				rr.rplan = p
			}
			rr.sched = newScheduler(rr, opts.AllowedLateness)
		}
		inputs := c.Program.Inputs()
		switch {
		case rr.rplan != nil && rr.rplan.streaming:
		case rr.rplan != nil:
			inputs = rr.rplan.cut.prefix.Inputs()
		case rr.plan != nil:
			inputs = rr.plan.prefix.Inputs()
			if rowLocalTail(c.Program.Query()) {
				rr.buckets = newBucketRun(rr.plan, opts.AllowedLateness, rr.collect)
			} else {
				rr.exec = rr.plan.suffix.Start(rr.collect)
			}
		case !rr.replay:
			rr.exec = c.Program.Start(rr.collect)
		}
		for _, name := range inputs {
			rr.idx = append(rr.idx, field(name))
		}
		d.rules = append(d.rules, rr)
	}
	d.mapper = ecs.NewMapper(ecs.Options{Namespace: opts.Namespace, Fields: d.fields, GeoIP: opts.GeoIP})
	d.filters = newRuleFilters(filters)
	for i := 0; i < opts.Workers; i++ {
		d.workers = append(d.workers, d.newWorker())
	}
	return d
}

// newWorker makes a worker with its own executions of the rules' streaming
// prefixes.
func (d *Detector) newWorker() *Worker {
	w := &Worker{d: d, values: make([]esql.Value, len(d.fields)), rules: make([]workerRule, len(d.rules)), pass: make([]bool, len(d.rules))}
	for j, rr := range d.rules {
		wr := &w.rules[j]
		wr.row = make([]esql.Value, len(rr.idx))
		switch {
		case rr.rplan != nil && rr.rplan.streaming:
			// Output rows are final; they take the time of the event
			// that produced them.
			wr.prefix = rr.c.Program.Start(func(row []esql.Value) error {
				return w.replay(rr, wr, buffered{ms: w.eventMs, row: esql.CloneRow(row)})
			})
		case rr.rplan != nil:
			tc := rr.rplan.timeCol
			wr.prefix = rr.rplan.cut.prefix.Start(func(row []esql.Value) error {
				return w.replay(rr, wr, buffered{ms: row[tc].AsInt64(), row: esql.CloneRow(row)})
			})
		case rr.plan != nil:
			wr.prefix = rr.plan.prefix.Start(rr.pushSuffix)
		}
	}
	return w
}

// collect keeps an output row of the rule's query.
func (rr *ruleRun) collect(row []esql.Value) error {
	rr.rows = append(rr.rows, jsonRow(row))
	return nil
}

// pushSuffix feeds a row that reached STATS in some worker to the shared
// suffix execution.
func (rr *ruleRun) pushSuffix(row []esql.Value) error {
	// STATS keeps group keys and values: copy their strings out of the
	// record buffers they point into.
	in := make([]esql.Value, len(rr.plan.suffixIdx))
	for i, j := range rr.plan.suffixIdx {
		in[i] = row[j].Clone()
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.buckets != nil {
		start, ok := rr.plan.bucketOf(row)
		return rr.buckets.push(start, ok, in)
	}
	return rr.exec.Push(in)
}

// Fields lists the ECS fields the loaded rules read.
func (d *Detector) Fields() []string { return d.fields }

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
	err := w.process(raw, false, nil)
	w.flushCount()
	return err
}

// process is Process for a record as the reader found it: checked and
// eventTime are cloudtrail.Record.Checked and EventTime, which spare
// parsing a record that no rule wants to validate it. Most records are
// wanted by no rule and end in the first branch: validated from what the
// reader found, counted, and left.
func (w *Worker) process(raw []byte, checked bool, eventTime []byte) error {
	d := w.d
	wanted := d.filters.match(raw, w.pass)
	if !wanted {
		// A record no rule wants is still validated, so that a bad one is
		// reported whatever rules are loaded.
		if !d.valid(raw, checked, eventTime) {
			if err := d.mapper.Validate(raw); err != nil {
				return &RecordError{err}
			}
		}
		w.counted()
		return nil
	}
	ev, err := d.mapper.Map(raw)
	if err != nil {
		return &RecordError{err}
	}
	for i, name := range d.fields {
		w.values[i] = fieldValue(ev, name, d.types[i])
	}
	if ts, ok := ev["@timestamp"].(time.Time); ok {
		w.eventMs = ts.UnixMilli()
	}
	w.counted()
	stream := dataStreamOf(ev)
	for i, rr := range d.rules {
		wr := &w.rules[i]
		if !w.pass[i] || (stream != "" && !matchesIndex(rr.indices, stream)) {
			continue
		}
		if rr.replay && wr.prefix == nil {
			ts, _ := ev["@timestamp"].(time.Time)
			row := make([]esql.Value, len(rr.idx))
			for k, j := range rr.idx {
				row[k] = w.values[j].Clone()
			}
			if err := w.replay(rr, wr, buffered{ms: ts.UnixMilli(), row: row}); err != nil {
				return fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
			}
			continue
		}
		for k, j := range rr.idx {
			wr.row[k] = w.values[j]
		}
		if wr.prefix != nil {
			err = wr.prefix.Push(wr.row)
		} else {
			rr.mu.Lock()
			err = rr.exec.Push(wr.row)
			rr.mu.Unlock()
		}
		if err != nil {
			return fmt.Errorf("rule %q: %w", rr.c.Rule.Name, err)
		}
	}
	return nil
}

// replay hands one event's inputs to a replayed rule: to its scheduler at
// once when windows are evaluated as the input goes, else to this worker's
// buffer until Finish (no lock per event).
func (w *Worker) replay(rr *ruleRun, wr *workerRule, ev buffered) error {
	if w.d.opts.AllowedLateness <= 0 {
		wr.buffer = append(wr.buffer, ev)
		return nil
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.sched.add(ev)
}

// valid reports whether the reader's scan proved a record valid for the
// mapper (cloudtrail.Record.Checked) and its eventTime is one Map accepts.
// false means the record must be validated by parsing it.
func (d *Detector) valid(raw []byte, checked bool, eventTime []byte) bool {
	return checked && eventTime != nil && ecs.ValidEventTime(eventTime)
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
// the METADATA fields (esql-semantics.md §A8).
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
// stable id is all rules need, cloudtrail-ecs-mapping.md §1), _index the
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
// null (cloudtrail-ecs-mapping.md §10; limits in ecs.IgnoreAbove). No limit is
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
