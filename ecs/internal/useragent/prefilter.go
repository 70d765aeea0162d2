package useragent

import (
	"math/bits"
	"sync"

	"github.com/trailql/trailql/internal/multimatch"
)

// uaPrefilter skips the regexes that cannot match a given user agent, using
// each rule's required literals (literals.go). Results are exactly
// those of running every rule in file order: a skipped rule's regex would not
// have been found, and the surviving rules are still tried in file order.
type uaPrefilter struct {
	lits      []uaLit             // literal id -> literal
	raw       *multimatch.Matcher // case-sensitive literals (nil if none)
	folded    *multimatch.Matcher // (?i) literals, matched against folded input
	passes    [3]uaPassIndex      // ua, os, device
	litWords  int                 // len of a literal bitset
	scratches sync.Pool           // *uaScratch
}

// uaPassIndex indexes one pass's rules by literal.
type uaPassIndex struct {
	conds  [][][]int32 // rule -> clauses of literal ids (nil = always run)
	always []uint64    // bitset of rules without a condition
	post   [][]int32   // literal id -> rules (ascending) whose first clause has it
	prune  []*uaPruner // rule -> alternative pruner (nil = none)
}

// uaScratch is per-call working memory, pooled so parsing does not allocate.
type uaScratch struct {
	found []uint64 // literal id bitset
	list  []int32  // ids set in found
	cand  []uint64 // candidate rule bitset of the current pass
	key   []byte   // uaPruner keep-mask
}

// newUAPrefilter indexes the rules of the three passes; conds[p][r] are the
// clauses uaRequiredLiterals gave rule r of pass p, pruners[p][r] its
// alternative pruner or nil.
func newUAPrefilter(conds [3][][][]uaLit, pruners [3][]*uaPruner) *uaPrefilter {
	p := &uaPrefilter{}
	// Literals are interned by text, in one map per case mode: string keys
	// hash faster than uaLit's, and the maps are sized for the 11,000
	// occurrences up front (their growth was a fifth of the build).
	n := 0
	for _, rules := range conds {
		for _, clauses := range rules {
			for _, c := range clauses {
				n += len(c)
			}
		}
	}
	ids := [2]map[string]int32{make(map[string]int32, n/2), make(map[string]int32, n/8)}
	intern := func(l uaLit) int32 {
		m := ids[0]
		if l.fold {
			m = ids[1]
		}
		id, ok := m[l.s]
		if !ok {
			id = int32(len(p.lits))
			m[l.s] = id
			p.lits = append(p.lits, l)
		}
		return id
	}
	for pi, rules := range conds {
		idx := &p.passes[pi]
		idx.conds = make([][][]int32, len(rules))
		idx.always = make([]uint64, (len(rules)+63)/64)
		for ri, clauses := range rules {
			if len(clauses) == 0 {
				idx.always[ri/64] |= 1 << (ri % 64)
				continue
			}
			cs := make([][]int32, len(clauses))
			for ci, c := range clauses {
				cs[ci] = make([]int32, len(c))
				for li, l := range c {
					cs[ci][li] = intern(l)
				}
			}
			idx.conds[ri] = cs
		}
		idx.prune = pruners[pi]
		for _, pr := range idx.prune {
			if pr == nil {
				continue
			}
			for ai := range pr.alts {
				a := &pr.alts[ai]
				a.ids = make([][][]int32, len(a.clauses))
				for i, clauses := range a.clauses {
					for _, c := range clauses {
						var ids []int32
						for _, l := range c {
							ids = append(ids, intern(l))
						}
						a.ids[i] = append(a.ids[i], ids)
					}
				}
			}
		}
	}
	for pi := range p.passes {
		idx := &p.passes[pi]
		idx.post = make([][]int32, len(p.lits))
		for ri, cs := range idx.conds {
			if cs != nil {
				for _, id := range cs[0] {
					idx.post[id] = append(idx.post[id], int32(ri))
				}
			}
		}
	}
	var rawPats, foldPats []string
	var rawIDs, foldIDs []int32
	for id, l := range p.lits {
		if l.fold {
			foldPats, foldIDs = append(foldPats, l.s), append(foldIDs, int32(id))
		} else {
			rawPats, rawIDs = append(rawPats, l.s), append(rawIDs, int32(id))
		}
	}
	if len(rawPats) > 0 {
		p.raw = multimatch.New(rawPats, rawIDs)
	}
	if len(foldPats) > 0 {
		p.folded = multimatch.New(foldPats, foldIDs)
	}
	p.litWords = (len(p.lits) + 63) / 64
	maxWords := 0
	for _, idx := range p.passes {
		maxWords = max(maxWords, len(idx.always))
	}
	p.scratches.New = func() any {
		return &uaScratch{found: make([]uint64, p.litWords), cand: make([]uint64, maxWords)}
	}
	return p
}

// scan finds the literals occurring in s; release the scratch with done.
func (p *uaPrefilter) scan(s string) *uaScratch {
	sc := p.scratches.Get().(*uaScratch)
	if p.raw != nil {
		p.raw.Scan(s, sc.found, &sc.list)
	}
	if p.folded != nil {
		scanFolded(p.folded, s, sc.found, &sc.list)
	}
	return sc
}

// done clears sc and returns it to the pool.
func (p *uaPrefilter) done(sc *uaScratch) {
	for _, id := range sc.list {
		sc.found[id>>6] = 0
	}
	sc.list = sc.list[:0]
	p.scratches.Put(sc)
}

// first is the prefiltered equivalent of first(rules, s) for pass pass (0 ua,
// 1 os, 2 device); sc holds the result of scan(s).
func (p *uaPrefilter) first(pass int, rules []uaRule, s string, sc *uaScratch) (versioned, bool) {
	idx := &p.passes[pass]
	cand := sc.cand[:len(idx.always)]
	copy(cand, idx.always)
	for _, id := range sc.list {
		for _, r := range idx.post[id] {
			cand[r>>6] |= 1 << (r & 63)
		}
	}
	for w, bitsLeft := range cand {
		for bitsLeft != 0 {
			r := w*64 + bits.TrailingZeros64(bitsLeft)
			bitsLeft &= bitsLeft - 1
			if !sc.holds(idx.conds[r]) {
				continue
			}
			re := rules[r].regexp()
			if pr := idx.prune[r]; pr != nil {
				re = pr.regexFor(re, sc)
			}
			if v, ok := rules[r].matchWith(re, s); ok {
				return v, true
			}
		}
	}
	return versioned{}, false
}

// holds reports whether every clause has a literal found in the input.
func (sc *uaScratch) holds(clauses [][]int32) bool {
	for _, c := range clauses {
		ok := false
		for _, id := range c {
			if sc.found[id>>6]&(1<<(id&63)) != 0 {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
