// Package multimatch finds which of many literal strings occur in a text in
// one pass: an Aho-Corasick automaton compiled to a DFA over byte classes.
// It serves the user-agent parser's literal prefilter (package ecs) and the
// rules' byte-level prefilters (package detect), where testing each literal
// with bytes.Contains would cost one pass per literal.
package multimatch

import "slices"

// Matcher finds which of its patterns occur in a text. It is safe for
// concurrent use: the caller owns the found sets.
type Matcher struct {
	class    [256]uint16 // byte -> column; 0 = a byte no pattern contains
	nclass   int
	delta    []int32 // state*nclass + class -> next state
	out      []int32 // pattern id ending exactly at a state, or -1
	dictLink []int32 // nearest proper suffix state with an output, or -1
	hit      []bool  // some pattern ends at the state or at a suffix of it
}

// New builds the automaton; ids[i] is reported for patterns[i]. Patterns
// must be distinct and non-empty, and ids small: they index bit sets.
func New(patterns []string, ids []int32) *Matcher {
	m := &Matcher{nclass: 1}
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint16(m.nclass)
				m.nclass++
			}
		}
	}
	// Trie (the DFA table doubles as the goto function, -1 = no edge).
	nc := m.nclass
	total := 1 // trie nodes are at most 1 + total pattern length
	for _, p := range patterns {
		total += len(p)
	}
	m.delta = make([]int32, 0, total*nc)
	m.out = make([]int32, 0, total)
	m.dictLink = make([]int32, 0, total)
	newState := func() int32 {
		for range nc {
			m.delta = append(m.delta, -1)
		}
		m.out = append(m.out, -1)
		m.dictLink = append(m.dictLink, -1)
		return int32(len(m.out) - 1)
	}
	newState()
	for pi, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := int32(m.class[p[i]])
			if m.delta[s*int32(nc)+c] < 0 {
				t := newState()
				m.delta[s*int32(nc)+c] = t
			}
			s = m.delta[s*int32(nc)+c]
		}
		m.out[s] = ids[pi]
	}
	// Breadth-first: failure links, dictionary links and the full DFA.
	fail := make([]int32, len(m.out))
	queue := make([]int32, 0, len(m.out))
	for c := 0; c < nc; c++ {
		t := m.delta[c]
		if t < 0 || c == 0 {
			m.delta[c] = 0
			continue
		}
		fail[t] = 0
		queue = append(queue, t)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if f := fail[s]; m.out[f] >= 0 {
			m.dictLink[s] = f
		} else {
			m.dictLink[s] = m.dictLink[f]
		}
		for c := 0; c < nc; c++ {
			i := s*int32(nc) + int32(c)
			t := m.delta[i]
			fc := m.delta[fail[s]*int32(nc)+int32(c)]
			if t < 0 || c == 0 {
				m.delta[i] = fc
				continue
			}
			fail[t] = fc
			queue = append(queue, t)
		}
	}
	// The tables were sized for the worst case (a state per pattern byte);
	// keep only what the automaton uses: about half.
	m.delta, m.out, m.dictLink = slices.Clone(m.delta), slices.Clone(m.out), slices.Clone(m.dictLink)
	m.hit = make([]bool, len(m.out))
	for s := range m.hit {
		m.hit[s] = m.out[s] >= 0 || m.dictLink[s] >= 0
	}
	return m
}

// Class returns the byte class of c: 0 for a byte no pattern contains.
func (m *Matcher) Class(c byte) uint16 { return m.class[c] }

// Step advances the automaton from state (0 at the start) by one byte class
// and records every pattern ending there: its id's bit is set in found and
// the id appended to list (when list is not nil), so that the caller can
// clear found cheaply. A pattern already recorded means all those further
// along its dictionary chain were recorded with it, so the walk stops.
func (m *Matcher) Step(state int32, c uint16, found []uint64, list *[]int32) int32 {
	state = m.delta[state*int32(m.nclass)+int32(c)]
	if m.hit[state] {
		m.record(state, found, list)
	}
	return state
}

// Scan records the patterns occurring in s (see Step).
func (m *Matcher) Scan(s string, found []uint64, list *[]int32) {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		state = m.Step(state, m.class[s[i]], found, list)
	}
}

// ScanBytes is Scan for a byte slice. Its loop only looks up the next
// state, and walks outputs at the states that have some (hit).
func (m *Matcher) ScanBytes(b []byte, found []uint64, list *[]int32) {
	state := int32(0)
	nc := int32(m.nclass)
	for _, c := range b {
		state = m.delta[state*nc+int32(m.class[c])]
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
