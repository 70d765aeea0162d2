package watch

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// Health is what the daemon's /readyz reports: whether it is doing its job,
// and if not, why. Liveness (/healthz) is only that the process answers.
type Health struct {
	// MaxLag, when positive, makes the daemon unready while the newest
	// event read is older than that (a trail that should never be quiet).
	MaxLag time.Duration
	// MaxBacklog makes it unready while more alerts than that wait for a
	// sink (default 10000).
	MaxBacklog int

	mu       sync.Mutex
	store    *state.Store
	sinks    []string
	failing  map[string]string // source -> its last object's failure
	stateErr string
	newest   time.Time
}

// Ready reports whether the daemon is ready, with the reasons it is not.
func (h *Health) Ready(now time.Time) (bool, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var reasons []string
	srcs := make([]string, 0, len(h.failing))
	for s := range h.failing {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		reasons = append(reasons, fmt.Sprintf("source %s: the last object failed: %s", s, h.failing[s]))
	}
	if h.stateErr != "" {
		reasons = append(reasons, "state: the last commit failed: "+h.stateErr)
	}
	if h.MaxLag > 0 && !h.newest.IsZero() && now.Sub(h.newest) > h.MaxLag {
		reasons = append(reasons, fmt.Sprintf("lag: the newest event read is %s old (more than %s)", now.Sub(h.newest).Round(time.Second), h.MaxLag))
	}
	if h.store != nil {
		max := h.MaxBacklog
		if max <= 0 {
			max = 10000
		}
		for _, s := range h.sinks {
			st, err := h.store.Stats(s)
			switch {
			case err != nil:
				reasons = append(reasons, "state: not readable: "+err.Error())
			case st.Pending > max:
				reasons = append(reasons, fmt.Sprintf("sink %s: %d alerts waiting (more than %d)", s, st.Pending, max))
			}
		}
	}
	return len(reasons) == 0, reasons
}

func (h *Health) attach(store *state.Store, sinks []string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.store, h.sinks, h.failing = store, sinks, map[string]string{}
	h.mu.Unlock()
}

// object records how an object of source ended.
func (h *Health) object(source string, err error, newest time.Time) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.failing[source] = err.Error()
		return
	}
	delete(h.failing, source)
	if newest.After(h.newest) {
		h.newest = newest
	}
}

// commit records how the last state commit ended.
func (h *Health) commit(err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stateErr = ""
	if err != nil {
		h.stateErr = err.Error()
	}
}
