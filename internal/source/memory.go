package source

import "sync"

// MemoryCheckpoints is a Checkpoints kept in memory, for runs without a state
// store and for tests. MarkDone records what a callback finished. It is safe
// for concurrent use.
type MemoryCheckpoints struct {
	mu    sync.Mutex
	marks map[string]string
	done  map[[2]string]bool
}

// NewMemoryCheckpoints returns an empty MemoryCheckpoints.
func NewMemoryCheckpoints() *MemoryCheckpoints {
	return &MemoryCheckpoints{marks: map[string]string{}, done: map[[2]string]bool{}}
}

// Checkpoint returns the value set for source, or "".
func (m *MemoryCheckpoints) Checkpoint(source string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[source], nil
}

// SetCheckpoint stores value for source.
func (m *MemoryCheckpoints) SetCheckpoint(source, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.marks[source] = value
	return nil
}

// Done reports whether MarkDone was called for source and key.
func (m *MemoryCheckpoints) Done(source, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done[[2]string{source, key}], nil
}

// MarkDone records key of source as fully processed.
func (m *MemoryCheckpoints) MarkDone(source, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done[[2]string{source, key}] = true
}
