package parser

// tokKind is the kind of a lexical token.
type tokKind int

// The token kinds. Keywords are not separate kinds: ES|QL keywords are
// case-insensitive words (EsqlBaseLexer.g4 sets caseInsensitive = true) and
// many are only reserved in some positions, so the parser recognises them by
// comparing the text of a tWord token (see token.is).
const (
	tEOF         tokKind = iota
	tWord                // unquoted identifier or keyword: foo, @timestamp, _id, AND
	tQuotedIdent         // `back quoted`; val holds the unquoted name
	tString              // "..." or """..."""; val holds the value
	tInt                 // 123
	tDecimal             // 1.5, .5, 1e3
	tParam               // ?, ?name, ?1; val holds the name or index text
	tSource              // an unquoted index pattern in FROM (source mode)
	tPipe                // |
	tComma               // ,
	tDot                 // .
	tLParen              // (
	tRParen              // )
	tLBracket            // [
	tRBracket            // ]
	tLBrace              // {
	tRBrace              // }
	tColon               // :
	tCast                // ::
	tEq                  // ==
	tNeq                 // !=
	tLt                  // <
	tLte                 // <=
	tGt                  // >
	tGte                 // >=
	tCIEq                // =~
	tAssign              // =
	tPlus                // +
	tMinus               // -
	tStar                // *
	tSlash               // /
	tPercent             // %
)

// token is one lexical token. text is the raw source text; val is the
// decoded value for strings, quoted identifiers and parameters.
type token struct {
	kind  tokKind
	start Pos
	end   Pos
	text  string
	val   string
}

// is reports whether t is the unquoted word kw (lower case), compared
// case-insensitively as the ES|QL lexer does.
func (t token) is(kw string) bool {
	return t.kind == tWord && equalFold(t.text, kw)
}

// equalFold is an ASCII-only strings.EqualFold: ES|QL keywords are ASCII.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// describe renders the token for an error message: `"|"`, `end of input`.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of input"
	}
	text := t.text
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	return quoteString(text)
}
