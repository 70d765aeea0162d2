package detect

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// Live evaluates time-bucketed rules incrementally, as events arrive in any
// order (DESIGN.md, "Live"). Each rule is split at its last STATS
// (split.go): every event runs through the streaming prefix, and the rows
// that reach STATS are kept per bucket. After each batch, Flush evaluates the
// buckets that changed and reports alerts that are new or whose row changed,
// so an alert goes out as soon as its group qualifies and is updated, never
// duplicated, as later events arrive. A bucket is final, and its rows are
// dropped, once the watermark (the newest event time minus the allowed
// lateness) passes its end; events for a final bucket are counted as late.
//
// For events that arrive within the allowed lateness, the final alerts equal
// those of Detector over the same events: no group of a bucketed STATS spans
// two buckets, so evaluating one bucket at a time changes nothing.
//
// Events repeated by redelivery (the same event.id) are counted once. Live
// is not safe for concurrent use.
type Live struct {
	opts      LiveOptions
	mapper    *ecs.Mapper
	fields    []string
	types     []esql.DataType
	values    []esql.Value
	idField   int
	timeField int
	rules     []*liveRule
	scheduled []*liveScheduled // rules not bucketed by event time (live_schedule.go)
	maxEvent  int64            // newest event time seen (ms)
	seen      map[string]int64 // event id -> event time, for de-duplication
	// Late counts events that arrived after their bucket was final, and
	// Duplicates events seen before (same event id).
	Late, Duplicates int
}

// LiveOptions configure Live.
type LiveOptions struct {
	// Namespace is the data_stream.namespace events are given.
	Namespace string
	// GeoIP, when set, adds source.geo.* and source.as.* to events.
	GeoIP *ecs.GeoIP
	// AllowedLateness is how far behind the newest event an event may be and
	// still count; CloudTrail delivers within about 15 minutes.
	AllowedLateness time.Duration
	// Now gives the alert time; nil means time.Now.
	Now func() time.Time
}

// DefaultAllowedLateness is CloudTrail's usual delivery delay.
const DefaultAllowedLateness = 15 * time.Minute

type liveRule struct {
	c       *Compiled
	plan    *splitPlan
	filter  *prefilter
	pass    bool
	idx     []int
	row     []esql.Value
	exec    *esql.Execution
	buckets map[int64]*liveBucket
	// finalBefore: buckets starting before it are final.
	finalBefore int64
	// sent is the row (canonical JSON) last reported per alert id of the
	// open buckets, to report only new or changed alerts.
	sent     map[string]string
	late     *int
	warnings []string
}

type liveBucket struct {
	rows  [][]esql.Value
	dirty bool
	ids   []string // alert ids reported for this bucket
}

// LiveAlert is an alert reported by Flush.
type LiveAlert struct {
	*alert.Alert
	// Update is set when an alert with this id was reported before and its
	// row has changed since.
	Update bool
}

// NewLive prepares rules for live evaluation. Rules bucketed by event time
// (a STATS BY DATE_TRUNC(span, @timestamp)) are evaluated bucket by bucket;
// the others run on their schedule over the events read within their lookback
// (live_schedule.go).
func NewLive(rules []*Compiled, opts LiveOptions) (*Live, error) {
	if opts.AllowedLateness <= 0 {
		opts.AllowedLateness = DefaultAllowedLateness
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Live{opts: opts, seen: map[string]int64{}, maxEvent: -1 << 62}
	pos := map[string]int{}
	field := func(name string) int {
		i, ok := pos[name]
		if !ok {
			i = len(l.fields)
			pos[name] = i
			l.fields = append(l.fields, name)
			l.types = append(l.types, inputType(Catalog(), name))
		}
		return i
	}
	l.idField, l.timeField = field("event.id"), field("@timestamp")
	var errs []error
	for _, c := range rules {
		plan, err := splitForBuckets(c)
		if err != nil {
			ls := &liveScheduled{c: c, filter: newPrefilter(c.Program.Query(), prefilterOpts(opts.GeoIP != nil)), episodes: map[string]*liveEpisode{}}
			for _, in := range c.Program.Inputs() {
				ls.idx = append(ls.idx, field(in))
			}
			l.scheduled = append(l.scheduled, ls)
			continue
		}
		lr := &liveRule{c: c, plan: plan, filter: newPrefilter(c.Program.Query(), prefilterOpts(opts.GeoIP != nil)), buckets: map[int64]*liveBucket{}, sent: map[string]string{}, late: &l.Late, finalBefore: -1 << 62}
		for _, in := range plan.prefix.Inputs() {
			lr.idx = append(lr.idx, field(in))
		}
		lr.row = make([]esql.Value, len(lr.idx))
		lr.exec = plan.prefix.Start(lr.route)
		l.rules = append(l.rules, lr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	l.values = make([]esql.Value, len(l.fields))
	l.mapper = ecs.NewMapper(ecs.Options{Namespace: opts.Namespace, Fields: l.fields, GeoIP: opts.GeoIP})
	return l, nil
}

// route files a prefix row under its bucket.
func (lr *liveRule) route(row []esql.Value) error {
	b, ok := lr.plan.bucketOf(row)
	if !ok {
		return nil
	}
	if b < lr.finalBefore {
		*lr.late++
		return nil
	}
	bk := lr.buckets[b]
	if bk == nil {
		bk = &liveBucket{}
		lr.buckets[b] = bk
	}
	bk.rows = append(bk.rows, esql.CloneRow(row))
	bk.dirty = true
	return nil
}

// Process maps one raw record and feeds it to every rule. An error means the
// record could not be mapped; the caller reports it and goes on.
func (l *Live) Process(raw []byte) error {
	wanted := false
	for _, lr := range l.rules {
		lr.pass = lr.filter.pass(raw)
		wanted = wanted || lr.pass
	}
	for _, ls := range l.scheduled {
		ls.pass = ls.filter.pass(raw)
		wanted = wanted || ls.pass
	}
	if !wanted {
		if err := l.mapper.Validate(raw); err != nil {
			return &RecordError{err}
		}
		return nil
	}
	ev, err := l.mapper.Map(raw)
	if err != nil {
		return &RecordError{err}
	}
	for i, name := range l.fields {
		l.values[i] = fieldValue(ev, name, l.types[i])
	}
	ms := l.values[l.timeField].AsInt64()
	id := l.values[l.idField]
	if !id.IsNull() {
		if _, dup := l.seen[id.AsString()]; dup {
			l.Duplicates++
			return nil
		}
		l.seen[id.AsString()] = ms
	}
	if ms > l.maxEvent {
		l.maxEvent = ms
	}
	stream := dataStreamOf(ev)
	at := l.opts.Now().UnixMilli()
	for _, ls := range l.scheduled {
		if !ls.pass || (stream != "" && !matchesIndex(fromIndices(ls.c.Program.Query()), stream)) {
			continue
		}
		row := make([]esql.Value, len(ls.idx))
		for i, j := range ls.idx {
			row[i] = l.values[j].Clone()
		}
		ls.add(at, row)
	}
	for _, lr := range l.rules {
		if !lr.pass || (stream != "" && !matchesIndex(fromIndices(lr.c.Program.Query()), stream)) {
			continue
		}
		for i, j := range lr.idx {
			lr.row[i] = l.values[j]
		}
		if err := lr.exec.Push(lr.row); err != nil {
			return fmt.Errorf("rule %q: %w", lr.c.Rule.Name, err)
		}
	}
	return nil
}

// Watermark is the event time before which buckets are final.
func (l *Live) Watermark() time.Time {
	return time.UnixMilli(l.maxEvent - l.opts.AllowedLateness.Milliseconds()).UTC()
}

// Flush evaluates the buckets that changed since the last Flush, finalises
// those the watermark has passed, and returns the alerts that are new or
// changed, in time order.
func (l *Live) Flush() ([]LiveAlert, error) {
	wm := l.maxEvent - l.opts.AllowedLateness.Milliseconds()
	now := l.opts.Now()
	var out []LiveAlert
	for _, lr := range l.rules {
		starts := make([]int64, 0, len(lr.buckets))
		for b := range lr.buckets {
			starts = append(starts, b)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		span := lr.plan.span.Milliseconds()
		for _, b := range starts {
			bk := lr.buckets[b]
			if bk.dirty {
				alerts, err := lr.evaluate(bk, now)
				if err != nil {
					return out, err
				}
				out = append(out, alerts...)
				bk.dirty = false
			}
			if b+span <= wm {
				for _, id := range bk.ids {
					delete(lr.sent, id)
				}
				delete(lr.buckets, b)
				if b+span > lr.finalBefore {
					lr.finalBefore = b + span
				}
			}
		}
	}
	// Rules on a schedule run every run that is due by now.
	for _, ls := range l.scheduled {
		alerts, err := ls.runDue(now, now)
		if err != nil {
			return out, fmt.Errorf("rule %q: %w", ls.c.Rule.Name, err)
		}
		out = append(out, alerts...)
	}
	// Forget event ids too old to be redelivered into an open bucket.
	for id, ms := range l.seen {
		if ms < wm-l.opts.AllowedLateness.Milliseconds() {
			delete(l.seen, id)
		}
	}
	return out, nil
}

// evaluate runs the suffix over one bucket and reports new or changed rows.
func (lr *liveRule) evaluate(bk *liveBucket, now time.Time) ([]LiveAlert, error) {
	var rows [][]any
	exec := lr.plan.suffix.Start(func(row []esql.Value) error {
		rows = append(rows, jsonRow(row))
		return nil
	})
	in := make([]esql.Value, len(lr.plan.suffixIdx))
	for _, r := range bk.rows {
		for i, j := range lr.plan.suffixIdx {
			in[i] = r[j]
		}
		if err := exec.Push(in); err != nil {
			return nil, err
		}
	}
	if err := exec.Finish(); err != nil {
		return nil, err
	}
	lr.warnings = appendNew(lr.warnings, exec.Warnings())
	names := columnNames(lr.plan.suffix.Columns())
	sortRows(names, lr.c.GroupBy, rows)
	var out []LiveAlert
	for _, row := range rows {
		a := alert.Build(lr.c.Rule, names, row, lr.c.GroupBy, now)
		key := canonical(row)
		prev, seen := lr.sent[a.ID]
		if seen && prev == key {
			continue
		}
		if !seen {
			bk.ids = append(bk.ids, a.ID)
		}
		lr.sent[a.ID] = key
		out = append(out, LiveAlert{Alert: a, Update: seen})
	}
	return out, nil
}

// Scheduled names the rules evaluated on their schedule rather than by
// event-time bucket.
func (l *Live) Scheduled() []string {
	var out []string
	for _, ls := range l.scheduled {
		out = append(out, ls.c.Rule.Name)
	}
	return out
}

// OpenBuckets is the number of buckets not yet final, over all rules.
func (l *Live) OpenBuckets() int {
	n := 0
	for _, lr := range l.rules {
		n += len(lr.buckets)
	}
	return n
}

// Warnings returns the rules' runtime warnings, prefixed by rule name.
func (l *Live) Warnings() []string {
	var out []string
	for _, lr := range l.rules {
		for _, w := range appendNew(lr.exec.Warnings(), lr.warnings) {
			out = append(out, fmt.Sprintf("rule %q: %s", lr.c.Rule.Name, w))
		}
	}
	return out
}

// liveSnapshot is Live's state as JSON, for restart after a crash.
type liveSnapshot struct {
	MaxEvent int64                   `json:"max_event"`
	Seen     map[string]int64        `json:"seen"`
	Rules    map[string]ruleSnapshot `json:"rules"`
	Counts   map[string]int          `json:"counts"`
	Version  int                     `json:"version"`
	// Scheduled holds the rules run on a schedule, by rule id.
	Scheduled map[string]scheduledSnapshot `json:"scheduled,omitempty"`
}

type ruleSnapshot struct {
	FinalBefore int64                    `json:"final_before"`
	Buckets     map[int64]bucketSnapshot `json:"buckets"`
	Sent        map[string]string        `json:"sent"`
}

type bucketSnapshot struct {
	Rows  [][]any  `json:"rows"`
	IDs   []string `json:"ids"`
	Dirty bool     `json:"dirty"`
}

// Snapshot serialises the open state: buckets with their rows, the alerts
// reported for them, the event ids still de-duplicated and the watermark.
// Restoring it into a Live built from the same rules continues exactly
// where this one was.
func (l *Live) Snapshot() ([]byte, error) {
	s := liveSnapshot{Version: 1, MaxEvent: l.maxEvent, Seen: l.seen, Rules: map[string]ruleSnapshot{},
		Counts: map[string]int{"late": l.Late, "duplicates": l.Duplicates}}
	for _, lr := range l.rules {
		rs := ruleSnapshot{FinalBefore: lr.finalBefore, Buckets: map[int64]bucketSnapshot{}, Sent: lr.sent}
		for b, bk := range lr.buckets {
			bs := bucketSnapshot{IDs: bk.ids, Dirty: bk.dirty}
			for _, r := range bk.rows {
				bs.Rows = append(bs.Rows, jsonRow(r))
			}
			rs.Buckets[b] = bs
		}
		s.Rules[lr.c.Rule.RuleID] = rs
	}
	for _, ls := range l.scheduled {
		if s.Scheduled == nil {
			s.Scheduled = map[string]scheduledSnapshot{}
		}
		s.Scheduled[ls.c.Rule.RuleID] = ls.snapshot()
	}
	return json.Marshal(s)
}

// Restore loads a Snapshot taken from a Live with the same rules.
func (l *Live) Restore(data []byte) error {
	var s liveSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("live state: %w", err)
	}
	if s.Version != 1 {
		return fmt.Errorf("live state: unknown version %d", s.Version)
	}
	l.maxEvent, l.Late, l.Duplicates = s.MaxEvent, s.Counts["late"], s.Counts["duplicates"]
	if s.Seen != nil {
		l.seen = s.Seen
	}
	for _, ls := range l.scheduled {
		if ss, ok := s.Scheduled[ls.c.Rule.RuleID]; ok {
			types := make([]esql.DataType, len(ls.idx))
			for i, j := range ls.idx {
				types[i] = l.types[j]
			}
			if err := ls.restore(ss, types); err != nil {
				return err
			}
		}
	}
	for _, lr := range l.rules {
		rs, ok := s.Rules[lr.c.Rule.RuleID]
		if !ok {
			continue
		}
		lr.finalBefore = rs.FinalBefore
		if rs.Sent != nil {
			lr.sent = rs.Sent
		}
		var types []esql.DataType
		for _, col := range lr.plan.prefix.Columns() {
			types = append(types, col.Type)
		}
		for b, bs := range rs.Buckets {
			bk := &liveBucket{ids: bs.IDs, dirty: bs.Dirty}
			for _, r := range bs.Rows {
				row, err := rowFromJSON(types, r)
				if err != nil {
					return fmt.Errorf("live state: rule %q: %w", lr.c.Rule.Name, err)
				}
				bk.rows = append(bk.rows, row)
			}
			lr.buckets[b] = bk
		}
	}
	return nil
}

// rowFromJSON rebuilds a row saved with jsonRow, given its column types.
func rowFromJSON(types []esql.DataType, r []any) ([]esql.Value, error) {
	if len(r) != len(types) {
		return nil, fmt.Errorf("row of %d values, want %d", len(r), len(types))
	}
	row := make([]esql.Value, len(r))
	for i, x := range r {
		if x == nil {
			continue
		}
		v, err := esql.FromGo(types[i], x)
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}
