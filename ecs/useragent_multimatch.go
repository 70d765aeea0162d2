package ecs

import (
	"slices"
	"unicode/utf8"
)

// uaMultiMatcher finds which of many literals occur in a string in one pass
// (an Aho-Corasick automaton compiled to a DFA over byte classes), so the
// prefilter costs one scan per input instead of one strings.Contains per
// literal.
type uaMultiMatcher struct {
	class    [256]uint16 // byte -> column; 0 = a byte no pattern contains
	nclass   int
	delta    []int32 // state*nclass + class -> next state
	out      []int32 // pattern id ending exactly at a state, or -1
	dictLink []int32 // nearest proper suffix state with an output, or -1
}

// newUAMultiMatcher builds the automaton; ids[i] is reported for patterns[i].
// Patterns must be distinct and non-empty.
func newUAMultiMatcher(patterns []string, ids []int32) *uaMultiMatcher {
	m := &uaMultiMatcher{nclass: 1}
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
	return m
}

// step advances the automaton by one byte class and records every pattern
// ending here in found/list. A pattern already recorded means all patterns
// further along its dictionary chain were recorded with it, so the walk stops.
func (m *uaMultiMatcher) step(state int32, c uint16, found []uint64, list *[]int32) int32 {
	state = m.delta[state*int32(m.nclass)+int32(c)]
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
		*list = append(*list, id)
		t = m.dictLink[t]
	}
	return state
}

// scan records the patterns occurring in s.
func (m *uaMultiMatcher) scan(s string, found []uint64, list *[]int32) {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		state = m.step(state, m.class[s[i]], found, list)
	}
}

// scanFolded records the patterns occurring in the case-folded form of s: each
// rune replaced by uaFoldRune's ASCII form, a rune without one acting as a
// byte no pattern contains (folded patterns are ASCII only). Invalid UTF-8
// bytes decode as U+FFFD, as in regexp, and also break matches.
func (m *uaMultiMatcher) scanFolded(s string, found []uint64, list *[]int32) {
	state := int32(0)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			f, ok := uaFoldRune(r)
			if !ok {
				state = m.step(state, 0, found, list)
				continue
			}
			c = f
		}
		state = m.step(state, m.class[c], found, list)
	}
}
