// Package fuzzy ports the fuzzy term matching of Elasticsearch's MATCH
// query: the `fuzziness` option (Elasticsearch's Fuzziness, including
// AUTO[:low,high]) and Lucene's FuzzyQuery edit-distance test
// (Damerau-Levenshtein with a literal prefix).
package fuzzy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fuzziness is MATCH's `fuzziness` option: a fixed edit distance (0, 1 or
// 2) or AUTO[:low,high], which allows 0 edits for terms shorter than low
// (default 3) characters, 1 below high (default 6), else 2
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#fuzziness).
type Fuzziness struct {
	auto      bool
	low, high int
	edits     int
}

// ParseFuzziness parses a fuzziness value as Elasticsearch's
// Fuzziness.fromString does.
func ParseFuzziness(s string) (Fuzziness, error) {
	up := strings.ToUpper(strings.TrimSpace(s))
	if up == "AUTO" {
		return Fuzziness{auto: true, low: 3, high: 6}, nil
	}
	if rest, ok := strings.CutPrefix(up, "AUTO:"); ok {
		lo, hi, ok := strings.Cut(rest, ",")
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil || l < 0 || h < l {
			return Fuzziness{}, fmt.Errorf("failed to find low and high distance values")
		}
		return Fuzziness{auto: true, low: l, high: h}, nil
	}
	f, err := strconv.ParseFloat(up, 64)
	if err != nil {
		return Fuzziness{}, fmt.Errorf("fuzziness cannot be [%s]", s)
	}
	if f != float64(int(f)) || f < 0 || f > 2 {
		return Fuzziness{}, fmt.Errorf("Valid edit distances are [0, 1, 2] but was [%s]", s)
	}
	return Fuzziness{edits: int(f)}, nil
}

// MaxEdits is the edit distance allowed for a term (Fuzziness.asDistance:
// AUTO counts the term's code points).
func (f Fuzziness) MaxEdits(term string) int {
	if !f.auto {
		return f.edits
	}
	n := utf8.RuneCountInString(term)
	switch {
	case n < f.low:
		return 0
	case n < f.high:
		return 1
	}
	return 2
}

// Term matches indexed terms within some edits of a query term, as
// Lucene's FuzzyQuery: the first prefix code points must be equal; with
// transpositions, swapping two adjacent characters is one edit
// (Damerau-Levenshtein, optimal string alignment).
type Term struct {
	Term           []rune
	Edits, Prefix  int
	Transpositions bool
}

// Match reports whether s is within Edits of the term.
func (f *Term) Match(s string) bool {
	if f.Edits == 0 {
		return s == string(f.Term)
	}
	return withinEdits(f.Term, []rune(s), f.Edits, f.Prefix, f.Transpositions)
}

// withinEdits reports whether the edit distance of a and b is at most max.
func withinEdits(a, b []rune, max, prefix int, transpositions bool) bool {
	if prefix > 0 {
		// The prefix of the query term is literal; a term no longer than
		// the prefix must match exactly.
		if len(a) <= prefix {
			return string(a) == string(b)
		}
		if len(b) < prefix || string(b[:prefix]) != string(a[:prefix]) {
			return false
		}
		a, b = a[prefix:], b[prefix:]
	}
	if d := len(a) - len(b); d > max || -d > max {
		return false
	}
	// Rows of the distance matrix: two previous and the current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if transpositions && i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)] <= max
}
