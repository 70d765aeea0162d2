package esql

import (
	"slices"
)

// operator is one stage of the push-based pipeline.
type operator interface {
	push(row []Value) error
	finish() error
}

// opSpec is the compiled, immutable form of a stage; build instantiates it
// for one execution.
type opSpec interface {
	build(x *Execution, next operator) operator
}

// rowSpec is a ROW source command.
type rowSpec struct {
	fns   []evalFn
	slots []int
}

// whereSpec keeps rows whose condition is true; false and null drop
// (docs/esql-semantics.md §A2).
type whereSpec struct{ cond evalFn }

type whereOp struct {
	cond evalFn
	env  *env
	next operator
}

func (s *whereSpec) build(x *Execution, next operator) operator {
	return &whereOp{cond: s.cond, env: x.env, next: next}
}

func (o *whereOp) push(row []Value) error {
	v := o.cond(o.env, row)
	if v.t != Boolean || v.mv != nil || v.n == 0 {
		return nil
	}
	return o.next.push(row)
}
func (o *whereOp) finish() error { return o.next.finish() }

// evalSpec computes columns into their slots.
type evalSpec struct {
	fns   []evalFn
	slots []int
}

type evalOp struct {
	*evalSpec
	env  *env
	next operator
}

func (s *evalSpec) build(x *Execution, next operator) operator {
	return &evalOp{evalSpec: s, env: x.env, next: next}
}

func (o *evalOp) push(row []Value) error {
	for i, f := range o.fns {
		row[o.slots[i]] = f(o.env, row)
	}
	return o.next.push(row)
}
func (o *evalOp) finish() error { return o.next.finish() }

// limitSpec passes the first n rows. When no blocking command precedes it,
// reaching n stops reading input.
type limitSpec struct {
	n         int64
	streaming bool
}

type limitOp struct {
	n, seen int64
	x       *Execution
	stream  bool
	next    operator
}

func (s *limitSpec) build(x *Execution, next operator) operator {
	return &limitOp{n: s.n, x: x, stream: s.streaming, next: next}
}

func (o *limitOp) push(row []Value) error {
	if o.seen >= o.n {
		return nil
	}
	o.seen++
	if o.seen >= o.n && o.stream {
		o.x.stopped = true
	}
	return o.next.push(row)
}
func (o *limitOp) finish() error { return o.next.finish() }

// mvExpandSpec emits one row per value of a column (null stays one row).
type mvExpandSpec struct{ src, dst int }

type mvExpandOp struct {
	mvExpandSpec
	next operator
}

func (s *mvExpandSpec) build(_ *Execution, next operator) operator {
	return &mvExpandOp{mvExpandSpec: *s, next: next}
}

func (o *mvExpandOp) push(row []Value) error {
	v := row[o.src]
	if v.mv == nil {
		row[o.dst] = v
		return o.next.push(row)
	}
	for _, e := range *v.mv {
		row[o.dst] = e
		if err := o.next.push(row); err != nil {
			return err
		}
	}
	return nil
}
func (o *mvExpandOp) finish() error { return o.next.finish() }

// outputSpec projects the final schema's slots into a fresh row for emit.
type outputSpec struct{ slots []int }

type outputOp struct {
	slots []int
	emit  func([]Value) error
	buf   []Value // the row handed to emit each time (ExecOptions.ReuseRows)
}

func (s *outputSpec) build(x *Execution, _ operator) operator {
	o := &outputOp{slots: s.slots, emit: x.emit}
	if x.reuse {
		o.buf = make([]Value, len(s.slots))
	}
	return o
}

func (o *outputOp) push(row []Value) error {
	out := o.buf
	if out == nil {
		out = make([]Value, len(o.slots))
	}
	for i, s := range o.slots {
		out[i] = row[s]
	}
	if o.emit == nil {
		return nil
	}
	return o.emit(out)
}
func (o *outputOp) finish() error { return nil }

// sortSpec buffers rows and emits them ordered on Finish. With a LIMIT
// right after it (limit > 0) it keeps only the top rows (TopN).
type sortSpec struct {
	keys  []sortKey
	limit int
}

type sortKey struct {
	fn         evalFn
	desc       bool
	nullsFirst bool
}

type sortedRow struct {
	row  []Value
	keys []Value
}

type sortOp struct {
	keys  []sortKey
	limit int
	env   *env
	rows  []sortedRow
	next  operator
}

func (s *sortSpec) build(x *Execution, next operator) operator {
	return &sortOp{keys: s.keys, limit: s.limit, env: x.env, next: next}
}

func (o *sortOp) push(row []Value) error {
	keys := make([]Value, len(o.keys))
	for i, k := range o.keys {
		v := k.fn(o.env, row)
		if v.mv != nil {
			// ES sorts a multi-valued key by its minimum ascending and its
			// maximum descending.
			vals := append([]Value(nil), *v.mv...)
			sortValues(vals)
			if k.desc {
				v = vals[len(vals)-1]
			} else {
				v = vals[0]
			}
		}
		keys[i] = v
	}
	o.rows = append(o.rows, sortedRow{row: slices.Clone(row), keys: keys})
	if o.limit > 0 && len(o.rows) >= 2*o.limit+1024 {
		o.sort()
		clear(o.rows[o.limit:])
		o.rows = o.rows[:o.limit]
	}
	return nil
}

func (o *sortOp) finish() error {
	o.sort()
	for _, r := range o.rows {
		if err := o.next.push(r.row); err != nil {
			return err
		}
	}
	o.rows = nil
	return o.next.finish()
}

// sort orders the buffered rows; the sort is stable, so truncating to the
// top rows keeps the same rows a full sort would.
func (o *sortOp) sort() {
	slices.SortStableFunc(o.rows, func(a, b sortedRow) int {
		for i, k := range o.keys {
			x, y := a.keys[i], b.keys[i]
			switch {
			case x.t == Null && y.t == Null:
				continue
			case x.t == Null:
				if k.nullsFirst {
					return -1
				}
				return 1
			case y.t == Null:
				if k.nullsFirst {
					return 1
				}
				return -1
			}
			c, _ := compareScalar(x, y)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}
