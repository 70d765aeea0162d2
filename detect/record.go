package detect

import (
	"sync"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// fieldSet is the union of the inputs of several programs, each named once,
// in the order they were first asked for.
type fieldSet struct {
	names []string
	types []esql.DataType
	pos   map[string]int
}

// add returns the position of field name, adding it if new.
func (f *fieldSet) add(name string) int {
	if f.pos == nil {
		f.pos = map[string]int{}
		f.names = []string{} // non-nil: only these fields are mapped
	}
	i, ok := f.pos[name]
	if !ok {
		i = len(f.names)
		f.pos[name] = i
		f.names = append(f.names, name)
		f.types = append(f.types, inputType(Catalog(), name))
	}
	return i
}

// recordReader is the one record-to-row step of every driver (detect,
// watch and query): it tests a raw record against the programs'
// prefilters, validates a record no program wants, maps a wanted one to ECS
// once, and reads the fields the programs need. It is safe for concurrent
// use (the mapper is), given a values slice per goroutine.
type recordReader struct {
	mapper  *ecs.Mapper  // maps every field any program reads
	full    narrowMapper // mapper, for every field
	fields  fieldSet
	filters *ruleFilters
	// since and until bound event times (ms; Options.Since/Until).
	since, until int64

	// A record is mapped with only the fields of the programs whose
	// prefilters it passed, so that the costly optional parts (the
	// user-agent parse, the rendered request and response, GeoIP) are left
	// out when none of those programs reads them: a non-aggregating rule
	// reads every field, and most records wanted by some rule are not
	// wanted by it. uses[i] lists the indexes in fields that program i
	// reads (nil: the full mapper only); narrow holds a mapper per set of
	// programs met (a bit per program).
	uses   [][]int
	narrow sync.Map // uint64 -> *narrowMapper
	opts   ecs.Options
}

// newRecordReader builds the reader once every program's inputs were added
// to fields; filters are the programs' prefilters, in program order, and
// uses[i] the indexes in fields of what program i reads, exception fields
// included (nil: every record is mapped with every field).
func newRecordReader(fields fieldSet, filters []*prefilter, uses [][]int, opts Options) *recordReader {
	if fields.names == nil {
		fields.names = []string{} // non-nil: the mapper maps no field it need not
	}
	mo := ecs.Options{Namespace: opts.Namespace, Fields: fields.names, GeoIP: opts.GeoIP}
	r := &recordReader{
		mapper:  ecs.NewMapper(mo),
		fields:  fields,
		filters: newRuleFilters(filters),
		since:   minMs, until: maxMs,
		opts: mo,
	}
	r.full = narrowMapper{mapper: r.mapper}
	if len(uses) == len(filters) && len(uses) <= 64 {
		r.uses = uses
	}
	if !opts.Since.IsZero() {
		r.since = opts.Since.UnixMilli()
	}
	if !opts.Until.IsZero() {
		r.until = opts.Until.UnixMilli()
	}
	return r
}

// readEvent is a record read for the programs that want it.
type readEvent struct {
	ms     int64  // @timestamp, epoch milliseconds
	stream string // data_stream.dataset of a document of another integration, else ""
}

// read reads one raw record into values (aligned with fields.names) and
// sets pass[i] for each program that may want it. wanted is false when no
// program does (the record was only validated). scan is what the reader's
// scan found (nil if raw was not scanned): a record it proved valid
// (Checked, EventTime) is not parsed again when no program wants it, and
// its known fields spare the prefilters a search (Known). An error is a
// record that is not valid CloudTrail (a *RecordError).
//
// With a scratch, the strings of values point into it (ecs.Mapper.MapShared)
// and are valid until the next read with the same scratch: for callers that
// copy what they keep of a record (plan.ready encodes it). Without one they
// are the caller's to keep.
func (r *recordReader) read(raw []byte, scan *cloudtrail.Record, scratch *ecs.Scratch, pass []bool, values []esql.Value) (ev readEvent, wanted bool, err error) {
	if wanted, err := r.admit(raw, scan, pass); !wanted || err != nil {
		return ev, false, err
	}
	return r.mapWanted(raw, scan != nil && scan.Checked, scratch, pass, values)
}

// admit is read's first step: it sets pass[i] for each program that may
// want the record and reports whether any does. A record none wants is
// validated here.
func (r *recordReader) admit(raw []byte, scan *cloudtrail.Record, pass []bool) (wanted bool, err error) {
	var known *cloudtrail.Known
	if scan != nil {
		known = scan.Known
	}
	if !r.filters.match(raw, known, pass) {
		// A record no program wants is still validated, so that a bad one
		// is reported whatever programs are loaded.
		if !(scan != nil && scan.Checked && scan.EventTime != nil && ecs.ValidEventTime(scan.EventTime)) {
			if err := r.mapper.Validate(raw); err != nil {
				return false, &RecordError{err}
			}
		}
		return false, nil
	}
	return true, nil
}

// mapWanted is read's second step, for a record admit let through: it
// maps the record for the programs pass names (checked: see
// ecs.Mapper.MapChecked) and reads their values.
func (r *recordReader) mapWanted(raw []byte, checked bool, scratch *ecs.Scratch, pass []bool, values []esql.Value) (ev readEvent, wanted bool, err error) {
	m := r.mapperFor(pass)
	var doc ecs.Event
	switch {
	case scratch != nil:
		doc, err = m.mapper.MapShared(scratch, raw, checked)
	case checked:
		doc, err = m.mapper.MapChecked(raw)
	default:
		doc, err = m.mapper.Map(raw)
	}
	if err != nil {
		return ev, false, &RecordError{err}
	}
	if m.idx == nil {
		for i, name := range r.fields.names {
			values[i] = fieldValue(doc, name, r.fields.types[i])
		}
	} else {
		// Only the programs that passed read this record's values.
		for _, i := range m.idx {
			values[i] = fieldValue(doc, r.fields.names[i], r.fields.types[i])
		}
	}
	if ts, ok := doc["@timestamp"].(time.Time); ok {
		ev.ms = ts.UnixMilli()
	}
	if ev.ms < r.since || ev.ms > r.until {
		m.release(scratch, doc)
		return ev, false, nil // outside the hunt's time range
	}
	ev.stream = dataStreamOf(doc)
	m.release(scratch, doc)
	return ev, true, nil
}

// release hands back a document mapped without a scratch for reuse (a
// scratch's is reused by the next read).
func (m *narrowMapper) release(scratch *ecs.Scratch, doc ecs.Event) {
	if scratch == nil {
		m.mapper.Release(doc)
	}
}

// narrowMapper maps the fields of a set of programs; idx lists their
// indexes in fields (nil: all of them).
type narrowMapper struct {
	mapper *ecs.Mapper
	idx    []int
}

// mapperFor returns the mapper of the fields the programs that pass read.
func (r *recordReader) mapperFor(pass []bool) *narrowMapper {
	if r.uses == nil {
		return &r.full
	}
	var key uint64
	for i, ok := range pass {
		if ok {
			key |= 1 << i
		}
	}
	if m, ok := r.narrow.Load(key); ok {
		return m.(*narrowMapper)
	}
	seen := map[int]bool{}
	idx := []int{} // non-nil: only these
	names := []string{}
	for i, ok := range pass {
		if !ok {
			continue
		}
		for _, j := range r.uses[i] {
			if !seen[j] {
				seen[j] = true
				idx = append(idx, j)
				names = append(names, r.fields.names[j])
			}
		}
	}
	o := r.opts
	o.Fields = names
	m, _ := r.narrow.LoadOrStore(key, &narrowMapper{mapper: ecs.NewMapper(o), idx: idx})
	return m.(*narrowMapper)
}
