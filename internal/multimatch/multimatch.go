// Package multimatch finds which of many literal strings occur in a text in
// one pass: an Aho-Corasick automaton compiled to a DFA over byte classes.
// It serves the user-agent parser's literal prefilter (package ecs) and the
// rules' byte-level prefilters (package detect), where testing each literal
// with bytes.Contains would cost one pass per literal.
package multimatch

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
	// The trie first, as edge lists: the DFA table is then allocated once,
	// at its exact size (a table sized for the worst case, a state per
	// pattern byte, cost more to clear than the whole construction).
	nc := m.nclass
	type edge struct {
		c  uint16
		to int32
	}
	edges := [][]edge{nil}
	out := []int32{-1}
	for pi, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			next := int32(-1)
			for _, e := range edges[s] {
				if e.c == c {
					next = e.to
					break
				}
			}
			if next < 0 {
				next = int32(len(out))
				edges = append(edges, nil)
				out = append(out, -1)
				edges[s] = append(edges[s], edge{c, next})
			}
			s = next
		}
		out[s] = ids[pi]
	}
	// Breadth-first, so that a state's failure state (shallower) has its
	// final row: a state's row is its failure state's row with its own
	// edges written over it, and an edge's failure state is the failure
	// state's move on the same class.
	n := len(out)
	m.delta = make([]int32, n*nc)
	m.out = out
	m.dictLink = make([]int32, n)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	m.dictLink[0] = -1
	for _, e := range edges[0] {
		m.delta[e.c] = e.to
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := fail[s]
		if m.out[f] >= 0 {
			m.dictLink[s] = f
		} else {
			m.dictLink[s] = m.dictLink[f]
		}
		row := m.delta[int(s)*nc : int(s+1)*nc]
		copy(row, m.delta[int(f)*nc:int(f+1)*nc])
		for _, e := range edges[s] {
			fail[e.to] = row[e.c]
			row[e.c] = e.to
			queue = append(queue, e.to)
		}
	}
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
