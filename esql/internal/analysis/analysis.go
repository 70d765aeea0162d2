// Package analysis ports the text analysis Elasticsearch applies to text
// fields and full-text query text: the standard analyzer (Lucene's
// StandardTokenizer, UAX #29 word boundaries, and a lowercase filter) and
// the built-in simple, whitespace, keyword and stop analyzers MATCH's
// `analyzer` option may name.
package analysis

import (
	"strings"
	"unicode"
)

// Text analysis for full-text queries on text fields. Elasticsearch indexes
// a text field (text, match_only_text) with the standard analyzer unless
// the mapping names another, and the ECS and integration mappings do not:
// Lucene's StandardTokenizer (Unicode text segmentation, UAX #29 word
// boundaries) followed by a lowercase filter, no stop words
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/analysis-standard-analyzer.html).
// A query on the field analyzes its text the same way and matches indexed
// tokens, so both sides go through Standard here.

// wbClass is a character's UAX #29 word-break class, reduced to what the
// tokenizer needs.
type wbClass uint8

const (
	wbOther wbClass = iota
	wbLetter
	wbNumeric
	wbKatakana
	wbIdeo // Han, Hiragana: one token per character
	wbExtendNumLet
	wbMidLetter
	wbMidNum
	wbMidNumLet
	wbSingleQuote
	wbExtend // combining marks and format characters: attach to the previous character
)

func wordBreakClass(r rune) wbClass {
	switch r {
	case '_', '\u203F', '\u2040', '\u2054', '\uFE33', '\uFE34', '\uFE4D', '\uFE4E', '\uFE4F', '\uFF3F', '\u202F':
		return wbExtendNumLet
	case ':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2027', '\uFE13', '\uFE55', '\uFF1A':
		return wbMidLetter
	case ',', ';', '\u037E', '\u0589', '\u060C', '\u060D', '\u066C', '\u07F8', '\u2044', '\uFE10', '\uFE14', '\uFE50', '\uFE54', '\uFF0C', '\uFF1B':
		return wbMidNum
	case '.', '\u2018', '\u2019', '\u2024', '\uFE52', '\uFF07', '\uFF0E':
		return wbMidNumLet
	case '\'':
		return wbSingleQuote
	case '\u200C', '\u200D':
		return wbExtend
	}
	switch {
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			return wbLetter
		case r >= '0' && r <= '9':
			return wbNumeric
		}
		return wbOther
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf):
		return wbExtend
	case unicode.In(r, unicode.Han, unicode.Hiragana):
		return wbIdeo
	case unicode.Is(unicode.Katakana, r):
		return wbKatakana
	case unicode.IsLetter(r):
		return wbLetter
	case unicode.Is(unicode.Nd, r):
		return wbNumeric
	}
	return wbOther
}

// joins reports whether a and b are in one word with nothing between them
// (UAX #29 rules WB5, WB8-WB10, WB13, WB13a, WB13b).
func joins(a, b wbClass) bool {
	word := func(c wbClass) bool { return c == wbLetter || c == wbNumeric || c == wbKatakana || c == wbExtendNumLet }
	switch {
	case (a == wbLetter || a == wbNumeric) && (b == wbLetter || b == wbNumeric):
		return true
	case a == wbKatakana && b == wbKatakana:
		return true
	case word(a) && b == wbExtendNumLet, a == wbExtendNumLet && word(b):
		return true
	}
	return false
}

// maxTokenLength is StandardTokenizer's default: longer words are split.
const maxTokenLength = 255

// tokenizeStandard splits s into words as Lucene's StandardTokenizer does
// for the scripts logs contain: letters and digits joined by `_`, letters
// across `.` `'` `:` (WB6/WB7), digits across `.` `,` `;` `'` (WB11/WB12);
// every other character breaks words, and runs without a letter or digit
// are dropped. Han and Hiragana characters are one token each.
func tokenizeStandard(s string) []string {
	rs := []rune(s)
	var out []string
	// next skips combining marks after position i (WB4).
	next := func(i int) int {
		for i < len(rs) && wordBreakClass(rs[i]) == wbExtend {
			i++
		}
		return i
	}
	emit := func(w []rune) {
		for len(w) > maxTokenLength {
			out = append(out, string(w[:maxTokenLength]))
			w = w[maxTokenLength:]
		}
		if len(w) > 0 {
			out = append(out, string(w))
		}
	}
	for i := 0; i < len(rs); {
		c := wordBreakClass(rs[i])
		switch c {
		case wbIdeo:
			j := next(i + 1)
			emit(rs[i:j])
			i = j
			continue
		case wbLetter, wbNumeric, wbKatakana, wbExtendNumLet:
		default:
			i++
			continue
		}
		start, last, hasWord := i, c, c != wbExtendNumLet
		j := next(i + 1)
		for j < len(rs) {
			nc := wordBreakClass(rs[j])
			if joins(last, nc) {
				last, hasWord = nc, hasWord || nc != wbExtendNumLet
				j = next(j + 1)
				continue
			}
			k := next(j + 1)
			if k < len(rs) {
				after := wordBreakClass(rs[k])
				letters := last == wbLetter && after == wbLetter && (nc == wbMidLetter || nc == wbMidNumLet || nc == wbSingleQuote)
				digits := last == wbNumeric && after == wbNumeric && (nc == wbMidNum || nc == wbMidNumLet || nc == wbSingleQuote)
				if letters || digits {
					last = after
					j = next(k + 1)
					continue
				}
			}
			break
		}
		if hasWord {
			emit(rs[start:j])
		}
		i = j
	}
	return out
}

// Standard is the standard analyzer: words, lower-cased.
func Standard(s string) []string {
	toks := tokenizeStandard(s)
	for i, t := range toks {
		toks[i] = strings.ToLower(t)
	}
	return toks
}

// Simple is the simple analyzer: runs of letters, lower-cased.
func Simple(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

// englishStopWords is Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, the
// stop analyzer's default list.
var englishStopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true, "by": true,
	"for": true, "if": true, "in": true, "into": true, "is": true, "it": true, "no": true, "not": true, "of": true,
	"on": true, "or": true, "such": true, "that": true, "the": true, "their": true, "then": true, "there": true,
	"these": true, "they": true, "this": true, "to": true, "was": true, "will": true, "with": true,
}

// analyzers are the built-in analyzers MATCH's `analyzer` option may name
// for the query text.
var analyzers = map[string]func(string) []string{
	"standard":   Standard,
	"simple":     Simple,
	"whitespace": Whitespace,
	"keyword":    Keyword,
	"stop":       Stop,
}

// Lookup returns the built-in analyzer of that name (standard, simple,
// whitespace, keyword or stop).
func Lookup(name string) (func(string) []string, bool) {
	a, ok := analyzers[name]
	return a, ok
}

// Whitespace is the whitespace analyzer: runs of non-space characters.
func Whitespace(s string) []string {
	return strings.FieldsFunc(s, unicode.IsSpace)
}

// Keyword is the keyword analyzer: the whole text as one token.
func Keyword(s string) []string { return []string{s} }

// Stop is the stop analyzer: the simple analyzer without English stop
// words.
func Stop(s string) []string {
	var out []string
	for _, t := range Simple(s) {
		if !englishStopWords[t] {
			out = append(out, t)
		}
	}
	return out
}

// ContainsPhrase reports whether toks holds phrase as consecutive tokens.
func ContainsPhrase(toks, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
outer:
	for i := 0; i+len(phrase) <= len(toks); i++ {
		for j, p := range phrase {
			if toks[i+j] != p {
				continue outer
			}
		}
		return true
	}
	return false
}
