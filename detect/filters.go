package detect

import (
	"bytes"
	mathbits "math/bits"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/internal/multimatch"
)

// ruleFilters tests the prefilters of all loaded rules on a record. With a
// few rules each literal is searched for by itself (needle.in: one
// vectorised search for its rarest byte, which rejects most records at
// once). With many rules, whose literals run to the hundreds, all of them are
// found in one pass instead: the literals are JSON strings, so the pass
// visits only the record's quotes (multimatch.Anchored; an Aho-Corasick
// automaton over every byte was 4x slower, BenchmarkRuleFilters).
type ruleFilters struct {
	filters []*prefilter // per rule; nil lets every record through
	m       *multimatch.Anchored
	words   int // uint64 words of a found set
	// masks: per rule, per requirement, the set of its literals' ids (a
	// found set passes the requirement when they meet).
	masks [][][]uint64
	// With at most 64 rules: litRules[k] has bit i for each rule i one of
	// whose requirements names literal k, and always the rules without a
	// prefilter; a record without a backslash (where no escape can hide a
	// literal) is then tested only against the rules one of whose
	// literals it holds.
	litRules []uint64
	always   uint64
	// loose are the literals that do not begin with a quote (`aws-cli`
	// in a user agent), searched for one by one by their rarest byte.
	loose    []needle
	looseIDs []int32
	// known tests records whose known fields the scan found (at most 64
	// rules; filters_known.go).
	known *knownFilters
}

// automatonRules is the number of rules with prefilters from which one
// automaton pass is cheaper than their literals' searches.
const automatonRules = 4

func newRuleFilters(filters []*prefilter) *ruleFilters {
	f := &ruleFilters{filters: filters}
	if len(filters) <= 64 {
		f.known = newKnownFilters(filters)
	}
	n := 0
	for _, p := range filters {
		if p != nil && !p.none {
			n++
		}
	}
	if n < automatonRules {
		return f
	}
	id := map[string]int{}
	var pats []string
	var pids []int32
	ids := make([][][]int, len(filters)) // per rule, per requirement: the literals' ids in m
	for i, p := range filters {
		if p == nil || p.none {
			continue
		}
		ids[i] = make([][]int, len(p.all))
		for j, req := range p.all {
			for _, nd := range req.anyOf {
				k, ok := id[string(nd.s)]
				if !ok {
					k = len(id)
					id[string(nd.s)] = k
					if len(nd.s) >= 4 && nd.s[0] == '"' {
						pats = append(pats, string(nd.s))
						pids = append(pids, int32(k))
					} else {
						f.loose = append(f.loose, nd)
						f.looseIDs = append(f.looseIDs, int32(k))
					}
				}
				ids[i][j] = append(ids[i][j], k)
			}
		}
	}
	f.m = multimatch.NewAnchored('"', pats, pids)
	f.words = (len(id) + 63) / 64
	if len(filters) <= 64 {
		f.litRules = make([]uint64, len(id))
		for i, reqs := range ids {
			if filters[i] == nil || !filters[i].none && len(filters[i].all) == 0 {
				f.always |= 1 << i // no literal to find (knownTests only)
			}
			for _, lits := range reqs {
				for _, k := range lits {
					f.litRules[k] |= 1 << i
				}
			}
		}
	}
	f.masks = make([][][]uint64, len(filters))
	for i, reqs := range ids {
		for _, ids := range reqs {
			mask := make([]uint64, f.words)
			for _, k := range ids {
				mask[k>>6] |= 1 << (k & 63)
			}
			f.masks[i] = append(f.masks[i], mask)
		}
	}
	return f
}

// match reports whether some rule may want raw, and sets pass[i] for each
// rule i when pass is not nil (else it stops at the first rule that may).
// known is what the reader's scan found of raw's known fields (nil: it was
// not scanned).
func (f *ruleFilters) match(raw []byte, known *cloudtrail.Known, pass []bool) bool {
	if known != nil && known.OK && f.known != nil {
		return f.known.match(raw, known, pass)
	}
	var buf [8]uint64
	var found []uint64
	if f.m != nil {
		found = buf[:]
		if f.words > len(buf) {
			found = make([]uint64, f.words)
		}
		f.m.Scan(raw, found)
		for j, nd := range f.loose {
			if nd.in(raw) {
				k := f.looseIDs[j]
				found[k>>6] |= 1 << (k & 63)
			}
		}
	}
	escapes := -1
	any := false
	cand := ^uint64(0)
	if f.litRules != nil && bytes.IndexByte(raw, '\\') < 0 {
		cand = f.always
		for w, bits := range found {
			for bits != 0 {
				k := w<<6 | mathbits.TrailingZeros64(bits)
				bits &= bits - 1
				cand |= f.litRules[k]
			}
		}
	}
	for i, p := range f.filters {
		var ok bool
		switch {
		case f.m == nil:
			ok = p.pass(raw)
		case cand&(1<<(i&63)) != 0:
			ok = f.passFound(i, p, raw, found, &escapes)
		}
		any = any || ok
		if pass == nil && any {
			return true
		}
		if pass != nil {
			pass[i] = ok
		}
	}
	return any
}

// passFound is prefilter.pass for rule i, with the literals found.
func (f *ruleFilters) passFound(i int, p *prefilter, raw []byte, found []uint64, escapes *int) bool {
	switch {
	case p == nil:
		return true
	case p.none:
		return false
	}
	for j, req := range p.all {
		ok := false
		for w, m := range f.masks[i][j] {
			if found[w]&m != 0 {
				ok = true
				break
			}
		}
		if !ok && !req.hidden(raw, escapes) {
			return false
		}
	}
	return true
}
