package detect

import (
	"sync"
	"sync/atomic"
)

// memBudget bounds the memory the rows held by a driver's evaluators take.
// A rule with a long lookback (24 hours, 7 days) holds every row it selects
// for that long: without a bound, memory grows with the input. Each
// evaluator reports what it holds every budgetCheckRows rows; while the
// total is over the limit, the evaluators that hold rows write them to the
// spill store and read them back, slot by slot, for each run that needs
// them (docs/architecture.md "Performance model").
type memBudget struct {
	limit int64
	mu    sync.Mutex
	held  map[*evaluator]int64 // bytes each evaluator holds, as last reported
	total atomic.Int64
}

func newMemBudget(limit int64) *memBudget {
	return &memBudget{limit: limit, held: map[*evaluator]int64{}}
}

// MemoryBudget is one bound on the rows several live engines hold
// together (LiveOptions.Budget), as LiveOptions.MemoryLimit is for one:
// a Kafka member's engines, one per partition it owns, share the
// process's memory.
type MemoryBudget struct{ b *memBudget }

// NewMemoryBudget is a budget of limit bytes of held rows.
func NewMemoryBudget(limit int64) *MemoryBudget {
	return &MemoryBudget{newMemBudget(limit)}
}

// Held is the estimate of what the engines sharing the budget hold now.
func (m *MemoryBudget) Held() int64 { return m.b.total.Load() }

// forget takes e's rows out of the budget (its engine is dropped).
func (b *memBudget) forget(e *evaluator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total.Add(-b.held[e])
	delete(b.held, e)
}

// report records what e holds now.
func (b *memBudget) report(e *evaluator, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total.Add(bytes - b.held[e])
	b.held[e] = bytes
}

// over reports whether the rows held exceed the limit.
func (b *memBudget) over() bool { return b != nil && b.total.Load() > b.limit }

// budgetCheckRows is how many rows an evaluator adds between reports.
const budgetCheckRows = 1024

// valueBytes estimates a value of a row read back for a run: the
// esql.Value itself (its strings point into the window's bytes).
const valueBytes = 40

// rowBytes estimates a row of n values read back for a run (runParts): the
// values, the slice header and its buffered entry.
func rowBytes(n int) int64 { return int64(n*valueBytes + 24 + 32) }

// relieve reports what the evaluator holds and, while the budget is over
// its limit, writes the rows of its windows but the newest to the store:
// rows are still to come for the newest (replayed rules' runs read spilled
// slots back one at a time).
func (e *evaluator) relieve() error {
	if e.budget == nil || e.store == nil {
		return nil
	}
	e.budget.report(e, e.heldBytes())
	if !e.budget.over() || len(e.keys) < 2 {
		return nil
	}
	newest := e.keys[len(e.keys)-1]
	for k := range e.mem {
		if k == newest || e.win[k].held.n == 0 {
			continue
		}
		evicted, err := e.evict(k)
		if err != nil {
			return err
		}
		if evicted {
			e.spilledForBudget++
		}
	}
	e.budget.report(e, e.heldBytes())
	return nil
}
