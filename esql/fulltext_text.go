package esql

import (
	"strings"
	"unicode"

	"github.com/trailql/trailql/esql/internal/analysis"
)

// Queries on analyzed text fields. The field's values are analyzed with
// the standard analyzer on every test (an index would have done it once).

// anyTokenQuery is a match query with the OR operator: some query token is
// a token of the field. No tokens (the text was all punctuation) matches
// nothing (zero_terms_query: none).
func anyTokenQuery(toks []string) cellPred {
	if len(toks) == 0 {
		return matchNone
	}
	want := map[string]bool{}
	for _, t := range toks {
		want[t] = true
	}
	return func(v Value) bool {
		for i, n := 0, v.Count(); i < n; i++ {
			for _, t := range analysis.Standard(v.Index(i).s) {
				if want[t] {
					return true
				}
			}
		}
		return false
	}
}

// phraseQuery is a match_phrase query: the tokens appear consecutively in
// one value of the field. A single token is a term query.
func phraseQuery(toks []string) cellPred {
	if len(toks) == 0 {
		return matchNone
	}
	return func(v Value) bool {
		for i, n := 0, v.Count(); i < n; i++ {
			if analysis.ContainsPhrase(analysis.Standard(v.Index(i).s), toks) {
				return true
			}
		}
		return false
	}
}

// queryStringParts splits a query_string made by KQL from a value with
// `*`: KQL escapes every special character but `*`
// (ParserUtils.escapeLuceneQueryString), and Lucene's escaping leaves
// whitespace alone, so the words become terms joined by OR, each a
// wildcard term if it has `*`. A wildcard term's other characters are
// literal: it is returned as a pattern for compileWildcard with `?` and `\`
// escaped.
func queryStringParts(text string) (terms, patterns []string) {
	for _, w := range strings.FieldsFunc(text, unicode.IsSpace) {
		if !strings.Contains(w, "*") {
			terms = append(terms, w)
			continue
		}
		var sb strings.Builder
		for _, r := range w {
			if r == '?' || r == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteRune(r)
		}
		patterns = append(patterns, sb.String())
	}
	return terms, patterns
}

// queryStringText is KQL's query_string on a text field: plain words are
// analyzed into tokens, wildcard words are lower-cased (multi-term
// normalization) and matched against each token.
func queryStringText(text string) cellPred {
	terms, patterns := queryStringParts(text)
	want := map[string]bool{}
	for _, t := range terms {
		for _, tok := range analysis.Standard(t) {
			want[tok] = true
		}
	}
	var ms []func(string) bool
	for _, p := range patterns {
		ms = append(ms, compileWildcard(strings.ToLower(p)))
	}
	return func(v Value) bool {
		for i, n := 0, v.Count(); i < n; i++ {
			for _, tok := range analysis.Standard(v.Index(i).s) {
				if want[tok] {
					return true
				}
				for _, m := range ms {
					if m(tok) {
						return true
					}
				}
			}
		}
		return false
	}
}

// queryStringKeyword is the same query_string on a keyword field: each word
// is a term or a wildcard pattern over the whole value.
func queryStringKeyword(text string) cellPred {
	terms, patterns := queryStringParts(text)
	var ms []func(string) bool
	for _, p := range patterns {
		ms = append(ms, compileWildcard(p))
	}
	return anyValue(func(v Value) bool {
		for _, t := range terms {
			if v.s == t {
				return true
			}
		}
		for _, m := range ms {
			if m(v.s) {
				return true
			}
		}
		return false
	})
}

// fieldTokens is the standard analysis of each value of a text cell: the
// tokens of one value keep their positions, values are apart (a phrase
// never spans two values: position_increment_gap).
func fieldTokens(v Value) [][]string {
	n := v.Count()
	out := make([][]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, analysis.Standard(v.Index(i).AsString()))
	}
	return out
}
