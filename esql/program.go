package esql

import (
	"fmt"
	"time"

	"github.com/trailql/trailql/esql/parser"
)

// Program is a compiled query. It is immutable and may be started any
// number of times, concurrently.
type Program struct {
	q           *parser.Query
	cols        []Column
	inputs      []string
	inputSlots  []int
	srcSeg      *segment
	row         *rowSpec
	ops         []opSpec
	sites       []site
	warnings    []string
	aggregating bool
	maxGroups   int // < 0: unbounded
	// now is NOW() when an execution does not bind it (Options.Now).
	now Value
	// opts are the options the program was compiled with (for Split).
	opts Options
	// evidence: the last column is EvidenceColumn (Options.Evidence).
	evidence bool
	// cuts[i] is the schema before Commands[i], for the commands a caller
	// may cut a query before (the first not row by row or calling NOW(),
	// the last STATS): Split reads the columns at the cut from it instead
	// of compiling the commands before the cut once more.
	cuts map[int][]Column
}

// Query returns the parsed query.
func (p *Program) Query() *parser.Query { return p.q }

// Columns returns the output schema, in order.
func (p *Program) Columns() []Column { return append([]Column(nil), p.cols...) }

// Evidence reports whether the last output column is EvidenceColumn, the
// ids of the source rows behind each row (Options.Evidence).
func (p *Program) Evidence() bool { return p.evidence }

// Inputs returns the source fields the query reads (catalog fields and
// requested METADATA fields such as "_id"), in the order Push expects
// their values.
func (p *Program) Inputs() []string { return append([]string(nil), p.inputs...) }

// Aggregating reports whether the query has a top-level STATS, as Kibana's
// computeIsESQLQueryAggregating decides (docs/esql-semantics.md §B2).
func (p *Program) Aggregating() bool { return p.aggregating }

// Warnings returns compile-time warnings, such as the implicit-limit one.
func (p *Program) Warnings() []string { return append([]string(nil), p.warnings...) }

// Execution is one run of a program over a stream of source rows. It is not
// safe for concurrent use.
type Execution struct {
	p        *Program
	env      *env
	head     operator
	buf      []Value
	stopped  bool
	finished bool
	emit     func(row []Value) error
	// observe is the chain Observe feeds (sieve.go); pushed: Push was
	// called.
	observe operator
	sieving *statsOp
	reuse   bool // ExecOptions.ReuseRows
	pushed  bool
}

// ExecOptions configure one execution of a Program.
type ExecOptions struct {
	// Now is the value of NOW() for this execution; zero means the
	// compile-time Options.Now. A scheduled rule is compiled once and
	// started at each run with the run's time.
	Now time.Time
	// Partitions, when more than 1, makes the first STATS aggregate only
	// the groups whose key hashes to Partition (0 <= Partition <
	// Partitions): the outputs of the Partitions executions together are
	// the output, when Partitionable (partition.go).
	Partitions, Partition int
	// ReuseRows lets emit receive the same slice for every row: it must
	// copy what it keeps (a caller that copies anyway saves an allocation
	// per row).
	ReuseRows bool
	// Sieve, from an execution of the same program that observed the same
	// rows (Execution.Sieve), makes Push aggregate only the groups it
	// kept, without observing again.
	Sieve *Sieve
	// SieveTerms, when not 0, makes Observe note only the witnesses of
	// the sieve's conjuncts whose bits it sets (see WitnessTest).
	SieveTerms uint64
}

// Start begins an execution; emit receives each output row, aligned with
// Columns(). The row slice is the caller's to keep. It is StartWith with
// no options.
func (p *Program) Start(emit func(row []Value) error) *Execution {
	return p.StartWith(emit, ExecOptions{})
}

// StartWith begins an execution with options.
func (p *Program) StartWith(emit func(row []Value) error, opts ExecOptions) *Execution {
	x := &Execution{p: p, env: newEnv(p.sites), emit: emit, reuse: opts.ReuseRows}
	x.env.now = p.now
	if !opts.Now.IsZero() {
		x.env.now = DatetimeValue(opts.Now.UnixMilli())
	}
	var next operator = nil
	first := -1 // the first STATS, which partitions aggregate
	if opts.Partitions > 1 {
		for i, op := range p.ops {
			if _, ok := op.(*statsSpec); ok {
				first = i
				break
			}
		}
	}
	sieve := p.sieveAt()
	for i := len(p.ops) - 1; i >= 0; i-- {
		next = p.ops[i].build(x, next)
		if i == first {
			if o, ok := next.(*statsOp); ok {
				o.part, o.parts = opts.Partition, opts.Partitions
			}
		}
		if i == sieve {
			if o, ok := next.(*statsOp); ok && opts.Sieve != nil {
				o.viable, o.sifted = opts.Sieve.viable, true
			} else if ok {
				o.terms = opts.SieveTerms
				// The commands before the STATS are stateless: Observe
				// runs its own instances of them.
				var obs operator = observeOp{stats: o}
				for j := i - 1; j >= 0; j-- {
					obs = p.ops[j].build(x, obs)
				}
				x.observe, x.sieving = obs, o
			}
		}
	}
	x.head = next
	if p.srcSeg != nil {
		x.buf = make([]Value, p.srcSeg.width)
	}
	return x
}

// Push feeds one source document: values aligned with Inputs(). Streaming
// commands (WHERE, EVAL, ...) run and may emit at once; STATS and SORT
// accumulate until Finish. row is not retained.
func (x *Execution) Push(row []Value) error {
	if x.finished {
		return fmt.Errorf("esql: Push after Finish")
	}
	if x.stopped {
		return nil
	}
	x.pushed = true
	if len(row) != len(x.p.inputSlots) {
		return fmt.Errorf("esql: Push got %d values, want %d (Inputs)", len(row), len(x.p.inputSlots))
	}
	for i, slot := range x.p.inputSlots {
		x.buf[slot] = row[i]
	}
	return x.head.push(x.buf)
}

// Finish ends the input: blocking commands (STATS, SORT) flush their rows
// through emit. A ROW query emits its row here.
func (x *Execution) Finish() error {
	if x.finished {
		return nil
	}
	x.finished = true
	if r := x.p.row; r != nil {
		for i, f := range r.fns {
			x.buf[r.slots[i]] = f(x.env, x.buf)
		}
		if err := x.head.push(x.buf); err != nil {
			return err
		}
	}
	return x.head.finish()
}

// Warnings returns the run-time warnings so far, in Elasticsearch's wording
// (e.g. "Line 3:8: evaluation of [a == 1] failed, treating result as null.
// Only first 20 failures recorded.").
func (x *Execution) Warnings() []string { return append([]string(nil), x.env.warnings...) }
