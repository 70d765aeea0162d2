// Package multimatch finds which of many literal strings occur in a text in
// one pass: an Aho-Corasick automaton compiled to a DFA over byte classes.
// It serves the user-agent parser's literal prefilter (package ecs) and the
// rules' byte-level prefilters (package detect), where testing each literal
// with bytes.Contains would cost one pass per literal.
package multimatch

import "sync/atomic"

// Matcher finds which of its patterns occur in a text. It is safe for
// concurrent use: the caller owns the found sets.
//
// The DFA is filled in as texts reach its states: a transition is computed
// (from the trie and the failure links) the first time it is taken, then
// read from the table. Building the whole table up front cost tens of
// milliseconds for the user-agent parser's 5,000 literals, most of whose
// states no CloudTrail user agent ever reaches.
type Matcher struct {
	class  [256]uint16 // byte -> column; 0 = a byte no pattern contains
	nclass int
	// chunks hold the DFA: for each run of chunkStates states, a table
	// with, at (state%chunkStates)*nclass + class, the next state plus
	// one; 0 means not computed yet. A chunk is allocated when a scan
	// first reaches one of its states: a table for every state, most of
	// which no text reaches, cost the user-agent parser 12 MB and a tenth
	// of a small run's start-up to clear. Entries are read and written
	// atomically: concurrent scans may compute the same entry, with the
	// same result.
	chunks []atomic.Pointer[[]int32]
	// The trie, in flat arrays indexed by state (one allocation each, not
	// a slice of edges per state: building the user-agent parser's trie
	// of 27,000 states spent most of its time growing those): a state's
	// children are first[s], then sib of each in turn (-1 ends), and
	// label[t] is the class on the edge into t.
	first    []int32
	sib      []int32
	label    []uint16
	root     []int32 // the root's child on each class, or -1 (it has most)
	fail     []int32 // failure links
	out      []int32 // pattern id ending exactly at a state, or -1
	dictLink []int32 // nearest proper suffix state with an output, or -1
	hit      []bool  // some pattern ends at the state or at a suffix of it
}

// New builds the automaton; ids[i] is reported for patterns[i]. Patterns
// must be distinct and non-empty, and ids small: they index bit sets.
func New(patterns []string, ids []int32) *Matcher {
	m := &Matcher{nclass: 1}
	size := 1 // states: at most one per pattern byte, and the root
	for _, p := range patterns {
		size += len(p)
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint16(m.nclass)
				m.nclass++
			}
		}
	}
	m.first = make([]int32, 1, size)
	m.sib = make([]int32, 1, size)
	m.label = make([]uint16, 1, size)
	m.out = make([]int32, 1, size)
	m.first[0], m.sib[0], m.out[0] = -1, -1, -1
	m.root = make([]int32, m.nclass)
	for c := range m.root {
		m.root[c] = -1
	}
	for pi, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			next := m.child(s, c)
			if next < 0 {
				next = int32(len(m.out))
				m.first = append(m.first, -1)
				m.sib = append(m.sib, m.first[s])
				m.label = append(m.label, c)
				m.out = append(m.out, -1)
				m.first[s] = next
				if s == 0 {
					m.root[c] = next
				}
			}
			s = next
		}
		m.out[s] = ids[pi]
	}
	// Failure and dictionary links, breadth-first (a failure state is
	// shallower, so its links are known).
	n := len(m.out)
	m.fail = make([]int32, n)
	m.dictLink = make([]int32, n)
	m.dictLink[0] = -1
	queue := make([]int32, 0, n)
	for t := m.first[0]; t >= 0; t = m.sib[t] {
		queue = append(queue, t)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		f := m.fail[s]
		if m.out[f] >= 0 {
			m.dictLink[s] = f
		} else {
			m.dictLink[s] = m.dictLink[f]
		}
		for t := m.first[s]; t >= 0; t = m.sib[t] {
			m.fail[t] = m.goTo(f, m.label[t])
			queue = append(queue, t)
		}
	}
	m.chunks = make([]atomic.Pointer[[]int32], (n+chunkStates-1)/chunkStates)
	m.hit = make([]bool, n)
	for s := range m.hit {
		m.hit[s] = m.out[s] >= 0 || m.dictLink[s] >= 0
	}
	return m
}

// child is the trie edge of state s on class c, or -1.
func (m *Matcher) child(s int32, c uint16) int32 {
	if s == 0 {
		return m.root[c]
	}
	for t := m.first[s]; t >= 0; t = m.sib[t] {
		if m.label[t] == c {
			return t
		}
	}
	return -1
}

// goTo is the automaton's move from s on c, following failure links from
// the trie (used while the links are built, and to fill delta).
func (m *Matcher) goTo(s int32, c uint16) int32 {
	for {
		if t := m.child(s, c); t >= 0 {
			return t
		}
		if s == 0 {
			return 0
		}
		s = m.fail[s]
	}
}

// chunkStates is the number of states a DFA chunk holds. The states a
// text reaches are scattered (a few along each pattern it partly
// matches): scanning 200 CloudTrail user agents allocated 3.6 MB of
// chunks of 64 states, 1.2 MB of chunks of 8 (BenchmarkUAPrefilterCold).
const chunkStates = 8

// row returns the DFA's row of state: the next state plus one per class.
func (m *Matcher) row(state int32) []int32 {
	c := &m.chunks[state/chunkStates]
	p := c.Load()
	if p == nil {
		t := make([]int32, chunkStates*m.nclass)
		c.CompareAndSwap(nil, &t)
		p = c.Load()
	}
	off := int(state%chunkStates) * m.nclass
	return (*p)[off : off+m.nclass]
}

// move is the DFA's move from state on class c: the entry already
// computed, read inline, else next. Scans spend most of their time here.
func (m *Matcher) move(state int32, c uint16) int32 {
	if p := m.chunks[uint32(state)/chunkStates].Load(); p != nil {
		if t := atomic.LoadInt32(&(*p)[int(uint32(state)%chunkStates)*m.nclass+int(c)]); t != 0 {
			return t - 1
		}
	}
	return m.next(state, c)
}

// next is the DFA's move from state on class c, computed and kept the first
// time.
func (m *Matcher) next(state int32, c uint16) int32 {
	r := m.row(state)
	if t := atomic.LoadInt32(&r[c]); t != 0 {
		return t - 1
	}
	t := m.goTo(state, c)
	atomic.StoreInt32(&r[c], t+1)
	return t
}

// Class returns the byte class of c: 0 for a byte no pattern contains.
func (m *Matcher) Class(c byte) uint16 { return m.class[c] }

// Step advances the automaton from state (0 at the start) by one byte class
// and records every pattern ending there: its id's bit is set in found and
// the id appended to list (when list is not nil), so that the caller can
// clear found cheaply. A pattern already recorded means all those further
// along its dictionary chain were recorded with it, so the walk stops.
func (m *Matcher) Step(state int32, c uint16, found []uint64, list *[]int32) int32 {
	state = m.move(state, c)
	if m.hit[state] {
		m.record(state, found, list)
	}
	return state
}

// Scan records the patterns occurring in s (see Step).
func (m *Matcher) Scan(s string, found []uint64, list *[]int32) { scanText(m, s, found, list) }

// ScanBytes is Scan for a byte slice.
func (m *Matcher) ScanBytes(b []byte, found []uint64, list *[]int32) { scanText(m, b, found, list) }

// scanText is Scan's loop: it looks up the next state (move, written out:
// too big to be inlined), and walks outputs at the states that have some
// (hit).
func scanText[T string | []byte](m *Matcher, s T, found []uint64, list *[]int32) {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		c := m.class[s[i]]
		var t int32
		if p := m.chunks[uint32(state)/chunkStates].Load(); p != nil {
			t = atomic.LoadInt32(&(*p)[int(uint32(state)%chunkStates)*m.nclass+int(c)])
		}
		if t != 0 {
			state = t - 1
		} else {
			state = m.next(state, c)
		}
		if m.hit[state] {
			m.record(state, found, list)
		}
	}
}

// record notes the patterns ending at state and at its suffixes.
func (m *Matcher) record(state int32, found []uint64, list *[]int32) {
	t := state
	if m.out[t] < 0 {
		t = m.dictLink[t]
	}
	for t >= 0 {
		id := m.out[t]
		if found[id>>6]&(1<<(id&63)) != 0 {
			break
		}
		found[id>>6] |= 1 << (id & 63)
		if list != nil {
			*list = append(*list, id)
		}
		t = m.dictLink[t]
	}
}
