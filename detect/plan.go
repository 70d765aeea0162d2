package detect

import (
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// shape is how a rule is evaluated over time, decided once when the rule is
// compiled (planRule) and used by every driver.
type shape int

const (
	// bucketed: the last STATS groups by DATE_TRUNC(span, @timestamp) (the
	// seed rule), so no group spans two buckets and the rule is evaluated
	// once per event-time bucket, whatever the schedule.
	bucketed shape = iota + 1
	// replayed: every other rule runs on its schedule, at the epoch-aligned
	// multiples of its interval, each run over [T - lookback, T] with
	// NOW() = T (schedule.go).
	replayed
)

func (s shape) String() string {
	if s == bucketed {
		return "bucketed"
	}
	return "replayed"
}

// plan is a compiled rule cut for incremental evaluation: a streaming
// prefix that every event goes through once, as it is read, and a suffix
// evaluated over one window's rows (a bucket, or a run's lookback).
type plan struct {
	shape shape
	// prefix streams each event's inputs; its rows are what windows hold.
	// nil: the rule's own inputs are held as they are (a replayed rule
	// that cannot be cut runs its whole query per run).
	prefix *esql.Program
	// suffix evaluates one window; nil for a replayed rule whose whole
	// query streams (its output rows are final and are what windows hold).
	suffix *esql.Program
	// hold picks the columns of a prefix row that a window holds (nil: all).
	hold []int
	// suffixIdx maps each suffix input to its column in a held row (nil:
	// held rows are the suffix's inputs as they are).
	suffixIdx []int
	// usesNow: the suffix calls NOW(), bound to each run.
	usesNow bool
	// rowTypes are the ES|QL types of a held row's cells (to spill and
	// restore rows).
	rowTypes []esql.DataType

	// Bucketed: the column of a prefix row holding its bucket, either the
	// window itself (truncated) or the @timestamp to floor by span.
	bucketCol int
	truncated bool
	// span is the bucket width (bucketed) or the interval (replayed), ms.
	span int64
	// lookback of a replayed rule's runs, ms.
	lookback int64
	// timeCol: the prefix column holding @timestamp (replayed, cut), or -1
	// when the event's own time is used.
	timeCol int
	// nowSuffix recompiles the suffix with another NOW() (until esql
	// binds NOW() per execution).
	nowSuffix *cutPlan
}

// planRule decides a compiled rule's shape and cuts it.
func planRule(c *Compiled) *plan {
	q := c.Program.Query()
	if !isReplayed(q) {
		if sp, err := splitForBuckets(c); err == nil && rowLocalTail(q) {
			p := &plan{shape: bucketed, prefix: sp.prefix, suffix: sp.suffix, bucketCol: sp.bucketCol,
				truncated: sp.truncated, span: sp.span.Milliseconds(), timeCol: -1}
			// Held rows are the suffix's inputs, picked out of the prefix
			// rows as they are held.
			p.hold = sp.suffixIdx
			cols := sp.prefix.Columns()
			for _, j := range sp.suffixIdx {
				p.rowTypes = append(p.rowTypes, cols[j].Type)
			}
			return p
		}
	}
	iv, lb := schedule(c)
	p := &plan{shape: replayed, span: iv, lookback: lb, timeCol: -1}
	rp, err := splitForReplay(c)
	switch {
	case err != nil:
		// The whole query per run, over the rule's inputs as read.
		p.suffix = c.Program
		p.usesNow = usesNow(q)
		cat := Catalog()
		for _, in := range c.Program.Inputs() {
			p.rowTypes = append(p.rowTypes, inputType(cat, in))
		}
	case rp.streaming:
		p.prefix = c.Program
		p.rowTypes = columnTypes(c.Program)
	default:
		p.prefix, p.suffix, p.suffixIdx = rp.cut.prefix, rp.cut.suffix, rp.suffixIdx
		p.usesNow, p.timeCol = rp.usesNow, rp.timeCol
		p.rowTypes = columnTypes(rp.cut.prefix)
		p.nowSuffix = rp.cut
	}
	return p
}

// inputs are the fields a record must provide for this rule.
func (p *plan) inputs(c *Compiled) []string {
	if p.prefix != nil {
		return p.prefix.Inputs()
	}
	return c.Program.Inputs()
}

// bucketOf returns the start (epoch ms) of the bucket a prefix row falls in.
func (p *plan) bucketOf(row []esql.Value) (int64, bool) {
	v := row[p.bucketCol]
	if v.IsNull() || v.Count() != 1 || v.Type() != esql.Datetime {
		return 0, false
	}
	ms := v.AsInt64()
	if p.truncated {
		return ms, true
	}
	return floorTo(ms, p.span), true
}

// startSuffix starts an execution of the suffix with NOW() bound to t.
func (p *plan) startSuffix(c *Compiled, t time.Time, emit func([]esql.Value) error) (*esql.Execution, error) {
	prog := p.suffix
	if p.usesNow {
		var err error
		if p.nowSuffix != nil {
			prog, err = esql.Compile(p.nowSuffix.suffixText, esql.Options{Catalog: p.nowSuffix.catalog, Now: t, MaxGroups: c.maxGroups})
		} else {
			prog, err = esql.Compile(c.Rule.Query, esql.Options{Catalog: Catalog(), Now: t, MaxGroups: c.maxGroups})
		}
		if err != nil {
			return nil, err
		}
	}
	return prog.Start(emit), nil
}

func columnTypes(p *esql.Program) []esql.DataType {
	var out []esql.DataType
	for _, c := range p.Columns() {
		out = append(out, c.Type)
	}
	return out
}

// floorTo floors ms to a multiple of span (also for times before 1970).
func floorTo(ms, span int64) int64 { return ms - ((ms%span)+span)%span }

// rowLocalTail reports whether every command after the last STATS works on
// one row at a time, so that evaluating the STATS bucket by bucket and
// concatenating the outputs gives the rows of the whole query.
func rowLocalTail(q *parser.Query) bool {
	_, idx := lastStats(q)
	if idx < 0 {
		return false
	}
	for _, cmd := range q.Commands[idx+1:] {
		switch cmd.(type) {
		case *parser.WhereCommand, *parser.EvalCommand, *parser.KeepCommand, *parser.DropCommand,
			*parser.RenameCommand, *parser.DissectCommand, *parser.GrokCommand, *parser.MvExpandCommand:
		default:
			return false
		}
	}
	return true
}
