package useragent

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Required-literal analysis for the user-agent prefilter.
//
// For each regexes.yml pattern we derive a necessary condition for a match: a
// conjunction of clauses, each a set of literal strings of which at least one
// must occur in the input. A rule whose condition fails cannot match, so its
// regex is not run; the result is the same as running it (Matcher.find just
// fails). The analysis is conservative: whenever it cannot prove a
// requirement (classes, `.`, optional or starred parts, non-ASCII case
// folding) it states none, and the rule's regex always runs.
//
// Case: a literal under (?i) is kept only when it is ASCII, and is compared in
// "folded" form against a folded copy of the input (see uaFoldRune), because
// Go's (?i) matches every rune of the simple case-folding orbit (so (?i)s also
// matches U+017F and (?i)k U+212A).

// uaLit is one required literal: s is raw bytes when !fold, or the folded
// (lower-case ASCII) form to look for in the folded input when fold.
type uaLit struct {
	s    string
	fold bool
}

// uaLitInfo is what the analysis knows about one regex node.
type uaLitInfo struct {
	// exact, when exactOK, is every string the node can match (it may contain
	// ""); it lets concatenations build longer literals, e.g. Chrom(?:e|ium)/.
	exact   []uaLit
	exactOK bool
	// clauses: for every match, each clause has a literal that occurs in it.
	clauses [][]uaLit
}

// Limits keeping the analysis small; exceeding them only loses selectivity.
const (
	uaMaxExact   = 64 // strings in an exact set
	uaMaxClauses = 6  // clauses kept per node
)

// uaFoldTo maps the non-ASCII runes whose simple case-folding orbit contains
// an ASCII letter (U+017F -> s, U+212A -> k) to that lower-case letter. It is
// computed from unicode.SimpleFold rather than hard-coded, so it follows the
// Unicode tables regexp uses.
var uaFoldTo = func() map[rune]byte {
	m := map[rune]byte{}
	for c := 'a'; c <= 'z'; c++ {
		for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
			if r >= utf8.RuneSelf {
				m[r] = byte(c)
			}
		}
	}
	return m
}()

// uaFoldRune returns the folded form of r (lower-case ASCII letter for every
// member of an ASCII letter's orbit) and whether r folds to ASCII at all.
func uaFoldRune(r rune) (byte, bool) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return byte(r), true
	}
	c, ok := uaFoldTo[r]
	return c, ok
}

// uaFoldString folds s rune by rune; ok is false if some rune has no ASCII
// folded form (such strings are not used as folded literals).
func uaFoldString(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		c, ok := uaFoldRune(r)
		if !ok {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// uaRequiredLiterals returns the clauses (AND of ORs) a match of expr needs
// (nil means no usable requirement) and the simplified parse tree.
func uaRequiredLiterals(expr string) ([][]uaLit, *syntax.Regexp, error) {
	re, err := syntax.Parse(expr, syntax.Perl) // the flags regexp.Compile uses
	if err != nil {
		return nil, nil, err
	}
	re = re.Simplify()
	info := uaAnalyze(re)
	clauses := info.clauses
	if info.exactOK {
		if c, ok := uaExactClause(info.exact); ok {
			clauses = append(clauses, c)
		}
	}
	return uaBestClauses(clauses), re, nil
}

// uaAnalyze computes what node re needs; see uaLitInfo.
func uaAnalyze(re *syntax.Regexp) uaLitInfo {
	switch re.Op {
	case syntax.OpLiteral:
		if l, ok := uaLiteral(re.Rune, re.Flags&syntax.FoldCase != 0); ok {
			return uaLitInfo{exact: []uaLit{l}, exactOK: true}
		}
		return uaLitInfo{}
	case syntax.OpCharClass:
		return uaClassInfo(re.Rune)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Zero-width: a concatenation across them still contains its
		// neighbours' literals side by side.
		return uaLitInfo{exact: []uaLit{{}}, exactOK: true}
	case syntax.OpCapture:
		return uaAnalyze(re.Sub[0])
	case syntax.OpQuest:
		sub := uaAnalyze(re.Sub[0])
		if sub.exactOK {
			return uaLitInfo{exact: uaDedup(append(slices.Clip(sub.exact), uaLit{})), exactOK: true}
		}
		return uaLitInfo{}
	case syntax.OpPlus:
		return uaAtLeastOnce(uaAnalyze(re.Sub[0]))
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return uaAtLeastOnce(uaAnalyze(re.Sub[0]))
		}
		return uaLitInfo{}
	case syntax.OpConcat:
		return uaConcatInfo(re.Sub)
	case syntax.OpAlternate:
		return uaAlternateInfo(re.Sub)
	}
	// OpStar (may match empty), OpAnyChar, OpAnyCharNotNL, OpNoMatch: nothing
	// required.
	return uaLitInfo{}
}

// uaLiteral builds the literal for a run of runes; ok is false when it cannot
// be looked for safely: a case-folded literal with a non-ASCII rune, or any
// U+FFFD (regexp decodes each invalid input byte as U+FFFD, which a byte
// search for its UTF-8 encoding would miss).
func uaLiteral(runes []rune, fold bool) (uaLit, bool) {
	if slices.Contains(runes, utf8.RuneError) {
		return uaLit{}, false
	}
	s := string(runes)
	if !fold {
		return uaLit{s: s}, true
	}
	letters := false
	for _, r := range runes {
		if r >= utf8.RuneSelf {
			return uaLit{}, false
		}
		letters = letters || unicode.IsLetter(r)
	}
	if !letters { // nothing to fold: an exact byte search is as safe and sharper
		return uaLit{s: s}, true
	}
	f, _ := uaFoldString(s)
	return uaLit{s: f, fold: true}, true
}

// uaClassInfo turns a small character class into an exact set of one-rune
// strings (e.g. [Ss] or the (?i) class {K, k, U+212A}).
func uaClassInfo(ranges []rune) uaLitInfo {
	n := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > 8 {
			return uaLitInfo{}
		}
	}
	out := make([]uaLit, 0, n)
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			l, ok := uaLiteral([]rune{r}, false)
			if !ok {
				return uaLitInfo{}
			}
			out = append(out, l)
		}
	}
	return uaLitInfo{exact: out, exactOK: n > 0}
}

// uaAtLeastOnce: x+ needs whatever one x needs.
func uaAtLeastOnce(sub uaLitInfo) uaLitInfo {
	out := uaLitInfo{clauses: sub.clauses}
	if sub.exactOK {
		if c, ok := uaExactClause(sub.exact); ok {
			out.clauses = append(slices.Clip(out.clauses), c)
		}
	}
	return out
}

// uaConcatInfo: adjacent exact parts multiply into longer literals; every
// part's requirement is a requirement of the whole.
func uaConcatInfo(subs []*syntax.Regexp) uaLitInfo {
	var out uaLitInfo
	run := []uaLit{{}}
	exact := true
	flush := func() {
		if c, ok := uaExactClause(run); ok {
			out.clauses = append(out.clauses, c)
		}
		run = []uaLit{{}}
	}
	for _, sub := range subs {
		a := uaAnalyze(sub)
		if !a.exactOK {
			flush()
			exact = false
			out.clauses = append(out.clauses, a.clauses...)
			continue
		}
		if next, ok := uaCross(run, a.exact); ok {
			run = next
			continue
		}
		flush()
		exact = false
		run = a.exact
	}
	if exact {
		out.exact, out.exactOK = run, true
		return out
	}
	flush()
	return out
}

// uaCross is the set {x+y}; ok is false when it would be too large or a
// folded string would need a rune without ASCII folded form.
func uaCross(xs, ys []uaLit) ([]uaLit, bool) {
	if len(xs)*len(ys) > uaMaxExact {
		return nil, false
	}
	out := make([]uaLit, 0, len(xs)*len(ys))
	for _, x := range xs {
		for _, y := range ys {
			l := uaLit{s: x.s + y.s, fold: x.fold || y.fold}
			if x.fold != y.fold {
				var ok bool
				if l.s, ok = uaFoldString(l.s); !ok {
					return nil, false
				}
			}
			out = append(out, l)
		}
	}
	return uaDedup(out), true
}

// uaAlternateInfo: an exact union when small, else one clause that is the
// union of each alternative's best clause (none if any alternative has none).
func uaAlternateInfo(subs []*syntax.Regexp) uaLitInfo {
	infos := make([]uaLitInfo, len(subs))
	allExact := true
	n := 0
	for i, sub := range subs {
		infos[i] = uaAnalyze(sub)
		allExact = allExact && infos[i].exactOK
		n += len(infos[i].exact)
	}
	if allExact && n <= uaMaxExact {
		var u []uaLit
		for _, a := range infos {
			u = append(u, a.exact...)
		}
		return uaLitInfo{exact: uaDedup(u), exactOK: true}
	}
	// Each alternative needs all of its clauses, so the alternation needs, for
	// every choice of one clause per alternative, the union of the chosen
	// clauses ((A1 and A2) or B = (A1 or B) and (A2 or B)); when that is too
	// many combinations, only each alternative's best clause is used.
	per := make([][][]uaLit, len(infos))
	combos := 1
	for i, a := range infos {
		cs := a.clauses
		if a.exactOK {
			if c, ok := uaExactClause(a.exact); ok {
				cs = append(slices.Clip(cs), c)
			}
		}
		per[i] = uaBestClauses(cs)
		if len(per[i]) == 0 {
			return uaLitInfo{}
		}
		combos *= len(per[i])
		if combos > 16 {
			combos = 17
		}
	}
	if combos > 16 {
		var union []uaLit
		for _, cs := range per {
			union = append(union, cs[0]...)
		}
		return uaLitInfo{clauses: [][]uaLit{uaDedup(union)}}
	}
	var out uaLitInfo
	choice := make([]int, len(per))
	for {
		var union []uaLit
		for i, cs := range per {
			union = append(union, cs[choice[i]]...)
		}
		out.clauses = append(out.clauses, uaDedup(union))
		i := 0
		for ; i < len(choice); i++ {
			if choice[i]++; choice[i] < len(per[i]) {
				break
			}
			choice[i] = 0
		}
		if i == len(choice) {
			return out
		}
	}
}

// uaExactClause turns an exact set into a clause; it is unusable if the node
// can match the empty string.
func uaExactClause(set []uaLit) ([]uaLit, bool) {
	if len(set) == 0 {
		return nil, false
	}
	for _, l := range set {
		if l.s == "" {
			return nil, false
		}
	}
	return set, true
}

// uaClauseScore estimates selectivity: longer shortest literal and fewer
// alternatives are better.
func uaClauseScore(c []uaLit) int {
	minLen := 1 << 30
	for _, l := range c {
		minLen = min(minLen, len(l.s))
	}
	return 4*min(minLen, 12) - bits.Len(uint(len(c)))
}

// uaBestClauses sorts clauses best first, drops duplicates and keeps the
// best few (each kept clause is still a valid requirement).
func uaBestClauses(cs [][]uaLit) [][]uaLit {
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b []uaLit) int { return uaClauseScore(b) - uaClauseScore(a) })
	out := cs[:0]
	for _, c := range cs {
		if !slices.ContainsFunc(out, func(o []uaLit) bool { return slices.Equal(o, c) }) {
			out = append(out, c)
		}
	}
	if len(out) > uaMaxClauses {
		out = out[:uaMaxClauses]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// uaDedup removes duplicate literals, keeping first occurrences.
func uaDedup(ls []uaLit) []uaLit {
	out := ls[:0:0]
	for _, l := range ls {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
