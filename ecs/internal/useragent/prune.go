package useragent

import (
	"regexp"
	"regexp/syntax"
	"sync"
)

// Alternative pruning for the few huge rules (the bot/spider lists have
// hundreds of alternatives). Go's regexp runs them with its NFA, costing
// 0.1-0.7 ms per input even when they fail, and their rule-level literal
// condition often holds ("Bot" occurs in "Boto3"). An alternative whose own
// required literals are absent from the input cannot take part in any match,
// so removing it cannot change which match leftmost-first semantics pick (the
// matches that remain are exactly the ones the original could produce, in the
// same priority order). Only alternatives without capture groups are removed
// (others are always kept), so group numbers are unchanged. The reduced regex is compiled once per set
// of surviving alternatives and cached.

// uaPruneMinAlts: smaller alternations are cheap enough as they are.
const uaPruneMinAlts = 8

// uaPruneCacheMax bounds the compiled variants kept per rule.
const uaPruneCacheMax = 64

// uaPruner holds a rule's prunable alternations and its compiled variants.
type uaPruner struct {
	expr string         // the rule's regex
	tree *syntax.Regexp // simplified parse of expr (attach; nil until then)
	alts []uaPrunable

	mu    sync.Mutex
	cache map[string]*regexp.Regexp // keep-mask -> reduced regex
}

// uaPrunable is one alternation node of tree and its alternatives' clauses.
type uaPrunable struct {
	node    *syntax.Regexp // set by attach
	clauses [][][]uaLit    // per alternative; nil = always kept
	ids     [][][]int32    // the same as literal ids (set by the prefilter)
}

// newUAPruner finds tree's prunable alternations (outermost ones with at least
// uaPruneMinAlts alternatives, some of which have a requirement and no capture
// group); nil when there are none.
func newUAPruner(tree *syntax.Regexp) *uaPruner {
	p := &uaPruner{tree: tree}
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		if re.Op == syntax.OpAlternate && len(re.Sub) >= uaPruneMinAlts {
			a := uaPrunable{node: re, clauses: make([][][]uaLit, len(re.Sub))}
			some := false
			for i, sub := range re.Sub {
				if uaHasCapture(sub) {
					continue // never pruned: group numbers must not move
				}
				info := uaAnalyze(sub)
				cs := info.clauses
				if info.exactOK {
					if c, ok := uaExactClause(info.exact); ok {
						cs = append(cs, c)
					}
				}
				a.clauses[i] = uaBestClauses(cs)
				some = some || a.clauses[i] != nil
			}
			if some {
				p.alts = append(p.alts, a)
				return
			}
		}
		for _, sub := range re.Sub {
			walk(sub)
		}
	}
	walk(tree)
	if len(p.alts) == 0 {
		return nil
	}
	p.cache = make(map[string]*regexp.Regexp)
	return p
}

// uaHasCapture reports whether re contains a capture group.
func uaHasCapture(re *syntax.Regexp) bool {
	if re.Op == syntax.OpCapture {
		return true
	}
	for _, sub := range re.Sub {
		if uaHasCapture(sub) {
			return true
		}
	}
	return false
}

// regexFor returns the regex to run on the input sc describes: full (the
// rule's own) when nothing can be pruned, else a cached reduced variant.
func (p *uaPruner) regexFor(full *regexp.Regexp, sc *uaScratch) *regexp.Regexp {
	key := sc.key[:0]
	pruned := false
	for _, a := range p.alts {
		var b byte
		for i, cs := range a.ids {
			if sc.holds(cs) {
				b |= 1 << (i & 7)
			} else {
				pruned = true
			}
			if i&7 == 7 || i == len(a.ids)-1 {
				key = append(key, b)
				b = 0
			}
		}
	}
	sc.key = key
	if !pruned {
		return full
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if re, ok := p.cache[string(key)]; ok {
		return re
	}
	if p.attach(); p.tree == nil {
		return full
	}
	re, err := regexp.Compile(p.reduce(p.tree, key).String())
	if err != nil {
		re = full // cannot happen for a tree from a valid regex; stay correct
	}
	if len(p.cache) >= uaPruneCacheMax {
		clear(p.cache)
	}
	p.cache[string(key)] = re
	return re
}

// reduce copies re with the alternatives not kept by key removed.
func (p *uaPruner) reduce(re *syntax.Regexp, key []byte) *syntax.Regexp {
	off := 0
	for _, a := range p.alts {
		if a.node == re {
			var subs []*syntax.Regexp
			for i, sub := range re.Sub {
				if key[off+i/8]&(1<<(i&7)) != 0 {
					subs = append(subs, sub)
				}
			}
			switch len(subs) {
			case 0:
				return &syntax.Regexp{Op: syntax.OpNoMatch}
			case 1:
				return subs[0]
			}
			c := *re
			c.Sub = subs
			return &c
		}
		off += (len(a.node.Sub) + 7) / 8
	}
	if len(re.Sub) == 0 {
		return re
	}
	c := *re
	c.Sub = make([]*syntax.Regexp, len(re.Sub))
	for i, sub := range re.Sub {
		c.Sub[i] = p.reduce(sub, key)
	}
	return &c
}
