package esql

import (
	"fmt"
	"strings"

	"github.com/trailql/trailql/esql/internal/analysis"
	"github.com/trailql/trailql/esql/internal/datemath"
	"github.com/trailql/trailql/esql/internal/fuzzy"
)

// matchQuery is a match query's settings, from MATCH's options.
type matchQuery struct {
	analyzer       func(string) []string // nil: the field's own
	and            bool
	msm            string
	fuzz           *fuzzy.Fuzziness
	transpositions bool
	prefix         int
	lenient        bool
	zeroAll        bool
}

// newMatchQuery reads MATCH's options; ES|QL sets lenient unless told
// otherwise (Match.matchQueryOptions).
func newMatchQuery(opts map[string]Value) (*matchQuery, error) {
	m := &matchQuery{transpositions: true, lenient: true}
	if v, ok := opts["operator"]; ok {
		switch strings.ToLower(v.s) {
		case "and":
			m.and = true
		case "or":
		default:
			return nil, fmt.Errorf("operator needs to be either [and] or [or], but not [%s]", v.s)
		}
	}
	if v, ok := opts["zero_terms_query"]; ok {
		switch strings.ToLower(v.s) {
		case "all":
			m.zeroAll = true
		case "none":
		default:
			return nil, fmt.Errorf("unknown zero_terms_query option [%s]", v.s)
		}
	}
	if v, ok := opts["fuzziness"]; ok {
		f, err := fuzzy.ParseFuzziness(v.s)
		if err != nil {
			return nil, err
		}
		m.fuzz = &f
	}
	if v, ok := opts["minimum_should_match"]; ok {
		if _, err := minShouldMatch(v.s, 3); err != nil {
			return nil, err
		}
		m.msm = v.s
	}
	if v, ok := opts["analyzer"]; ok {
		a, ok := analysis.Lookup(v.s)
		if !ok {
			return nil, fmt.Errorf("[match] analyzer [%s] not found", v.s)
		}
		m.analyzer = a
	}
	if v, ok := opts["prefix_length"]; ok {
		if m.prefix = int(v.AsInt64()); m.prefix < 0 {
			return nil, fmt.Errorf("[match] requires prefix_length to be non-negative")
		}
	}
	if v, ok := opts["lenient"]; ok {
		m.lenient = v.AsBool()
	}
	if v, ok := opts["fuzzy_transpositions"]; ok {
		m.transpositions = v.AsBool()
	}
	return m, nil
}

// build makes the test of a field of type t for the query text.
func (m *matchQuery) build(t DataType, field, text string, dc datemath.Context) (cellPred, error) {
	if t != Keyword && t != Text {
		if m.fuzz != nil && m.fuzz.MaxEdits(text) > 0 {
			if m.lenient {
				return matchNone, nil
			}
			return nil, fmt.Errorf("Can only use fuzzy queries on keyword and text fields - not on [%s] which is of type [%s]", field, t)
		}
		p, err := termQuery(t, text, false, dc)
		if err != nil {
			if m.lenient {
				return matchNone, nil
			}
			return nil, err
		}
		return p, nil
	}
	analyze := m.analyzer
	if analyze == nil {
		analyze = analysis.Standard
		if t == Keyword {
			analyze = analysis.Keyword
		}
	}
	toks := analyze(text)
	if len(toks) == 0 {
		if m.zeroAll {
			return func(Value) bool { return true }, nil
		}
		return matchNone, nil
	}
	clauses := make([]func(string) bool, len(toks))
	for i, tok := range toks {
		edits := 0
		if m.fuzz != nil {
			edits = m.fuzz.MaxEdits(tok)
		}
		ft := &fuzzy.Term{Term: []rune(tok), Edits: edits, Prefix: m.prefix, Transpositions: m.transpositions}
		clauses[i] = ft.Match
	}
	need := 1
	switch {
	case m.and:
		need = len(toks)
	case m.msm != "" && len(toks) > 1:
		need, _ = minShouldMatch(m.msm, len(toks))
		need = max(need, 1)
	}
	terms := func(v Value) []string {
		var out []string
		for i, n := 0, v.Count(); i < n; i++ {
			if t == Keyword {
				out = append(out, v.Index(i).s)
			} else {
				out = append(out, analysis.Standard(v.Index(i).s)...)
			}
		}
		return out
	}
	return func(v Value) bool {
		if v.t == Null {
			return false
		}
		ts := terms(v)
		hits := 0
		for _, cl := range clauses {
			for _, term := range ts {
				if cl(term) {
					hits++
					break
				}
			}
			if hits >= need {
				return true
			}
		}
		return false
	}, nil
}
