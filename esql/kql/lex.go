package kql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a syntax error at a position in the KQL text.
type Error struct {
	Pos Pos
	Msg string
}

// Error formats the error as Elasticsearch's KQL ParsingException does:
// "line L:C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tAnd
	tOr
	tNot
	tColon
	tLt
	tLte
	tGt
	tGte
	tLParen
	tRParen
	tLBrace
	tRBrace
	tUnquoted
	tQuoted
	tWildcard
)

// token is a lexical token. For literals, text is the unescaped value.
type token struct {
	kind tokKind
	raw  string
	text string
	pos  Pos
	// wild is set on an unquoted literal whose first `*` comes before any
	// backslash: ParserUtils.hasWildcard's UNESCAPED_WILDCARD_PATTERN.
	wild bool
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of query"
	}
	return "[" + t.raw + "]"
}

// isSpace is KqlBase.g4's WHITESPACE: [ \t\n\r\u3000].
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
}

// isSpecial reports the characters that end an unquoted literal
// (NON_SPECIAL_CHAR excludes them).
func isSpecial(r rune) bool {
	return strings.ContainsRune(`\():<>"*{}`, r)
}

// lexer splits a query into tokens, tracking positions.
type lexer struct {
	in   string
	off  int
	line int
	col  int
}

// advanceTo moves the position to byte offset end.
func (l *lexer) advanceTo(end int) {
	for l.off < end {
		r, size := utf8.DecodeRuneInString(l.in[l.off:])
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off += size
	}
}

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Col: l.col} }

// posAt is the position of byte offset off, at or after the current one.
func (l *lexer) posAt(off int) Pos {
	c := *l
	c.advanceTo(off)
	return c.pos()
}

func lex(in string) ([]token, error) {
	l := &lexer{in: in, line: 1, col: 1}
	var toks []token
	for {
		for l.off < len(in) {
			r, size := utf8.DecodeRuneInString(in[l.off:])
			if !isSpace(r) {
				break
			}
			l.advanceTo(l.off + size)
		}
		start := l.pos()
		if l.off >= len(in) {
			return append(toks, token{kind: tEOF, pos: start}), nil
		}
		t, end, err := l.scan()
		if err != nil {
			return nil, err
		}
		t.pos = start
		t.raw = in[l.off:end]
		l.advanceTo(end)
		toks = append(toks, t)
	}
}

// scan reads the token at the current offset and returns it with its end.
func (l *lexer) scan() (token, int, error) {
	in, i := l.in, l.off
	switch in[i] {
	case ':':
		return token{kind: tColon}, i + 1, nil
	case '(':
		return token{kind: tLParen}, i + 1, nil
	case ')':
		return token{kind: tRParen}, i + 1, nil
	case '{':
		return token{kind: tLBrace}, i + 1, nil
	case '}':
		return token{kind: tRBrace}, i + 1, nil
	case '<', '>':
		k := tLt
		if in[i] == '>' {
			k = tGt
		}
		if i+1 < len(in) && in[i+1] == '=' {
			return token{kind: k + 1}, i + 2, nil
		}
		return token{kind: k}, i + 1, nil
	case '"':
		return l.scanQuoted()
	}
	return l.scanUnquoted()
}

// scanQuoted reads QUOTED_STRING: '"' QUOTED_CHAR* '"'. A quote inside
// must follow a backslash; the lexer takes the longest match, so the string
// ends at the first quote not preceded by a backslash, else at the last
// quote of the input.
func (l *lexer) scanQuoted() (token, int, error) {
	in, start := l.in, l.off
	end, last := -1, -1
	for j := start + 1; j < len(in); j++ {
		if in[j] != '"' {
			continue
		}
		if in[j-1] != '\\' {
			end = j
			break
		}
		last = j
	}
	if end < 0 {
		end = last
	}
	if end < 0 {
		return token{}, 0, &Error{Pos: l.pos(), Msg: "unterminated quoted string"}
	}
	text, err := l.unescapeQuoted(start+1, end)
	if err != nil {
		return token{}, 0, err
	}
	return token{kind: tQuoted, text: text}, end + 1, nil
}

// unescapeQuoted is ParserUtils.unescapeQuotedString over in[from:to]: \t
// \n \r \uXXXX \" and \\ are escapes; any other backslash stays.
func (l *lexer) unescapeQuoted(from, to int) (string, error) {
	in := l.in
	var sb strings.Builder
	for i := from; i < to; i++ {
		c := in[i]
		if c != '\\' || i+1 >= to {
			sb.WriteByte(c)
			continue
		}
		i++
		switch in[i] {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case '"', '\\':
			sb.WriteByte(in[i])
		case 'u':
			r, err := l.unicode(i + 1)
			if err != nil {
				return "", err
			}
			sb.WriteRune(r)
			i += 4
		default:
			sb.WriteByte('\\')
			sb.WriteByte(in[i])
		}
	}
	return sb.String(), nil
}

// unicode decodes the four hex digits at offset i of a \u escape.
func (l *lexer) unicode(i int) (rune, error) {
	hex := l.in[i:min(i+4, len(l.in))]
	code, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || len(hex) != 4 {
		return 0, &Error{Pos: l.posAt(i), Msg: fmt.Sprintf("Invalid unicode character code [%s]", hex)}
	}
	if code >= 0xD800 && code <= 0xDFFF {
		return 0, &Error{Pos: l.posAt(i), Msg: fmt.Sprintf("Invalid unicode character code, [%s] is a surrogate code", hex)}
	}
	return rune(code), nil
}

// scanUnquoted reads a run of literal characters and stars: a lone `*` is
// WILDCARD, `and`/`or`/`not` (any case) are operators, anything else is an
// UNQUOTED_LITERAL, unescaped as ParserUtils.unescapeUnquotedLiteral does.
func (l *lexer) scanUnquoted() (token, int, error) {
	in, i := l.in, l.off
	var sb strings.Builder
	stars, base := 0, 0
	for i < len(in) {
		r, size := utf8.DecodeRuneInString(in[i:])
		switch {
		case r == '*':
			sb.WriteByte('*')
			stars++
			i++
			continue
		case r == '\\':
			n, err := l.escape(i, &sb)
			if err != nil {
				return token{}, 0, err
			}
			base++
			i += n
			continue
		case isSpace(r) || isSpecial(r):
		default:
			sb.WriteString(in[i : i+size])
			base++
			i += size
			continue
		}
		break
	}
	raw := in[l.off:i]
	if base == 0 && stars == 1 {
		return token{kind: tWildcard, text: "*"}, i, nil
	}
	if stars == 0 {
		switch strings.ToLower(raw) {
		case "and":
			return token{kind: tAnd, text: raw}, i, nil
		case "or":
			return token{kind: tOr, text: raw}, i, nil
		case "not":
			return token{kind: tNot, text: raw}, i, nil
		}
	}
	star := strings.IndexByte(raw, '*')
	wild := star >= 0 && !strings.Contains(raw[:star], `\`)
	return token{kind: tUnquoted, text: sb.String(), wild: wild}, i, nil
}

// escape reads the escape sequence at offset i of an unquoted literal,
// writes its unescaped text and returns its length. The lexer accepts \r
// \t \n, \uXXXX, \and \or \not and a backslash before one of ` \():<>"*{}`;
// unescaping keeps the backslash before a space, as Elasticsearch does.
func (l *lexer) escape(i int, sb *strings.Builder) (int, error) {
	in := l.in
	rest := in[i+1:]
	lower := strings.ToLower(rest)
	for _, kw := range []string{"and", "or", "not"} {
		if strings.HasPrefix(lower, kw) && len(rest) >= 2 {
			sb.WriteString(rest[:len(kw)])
			return 1 + len(kw), nil
		}
	}
	if rest == "" {
		return 0, &Error{Pos: l.posAt(i), Msg: `token recognition error at: '\'`}
	}
	switch c := rest[0]; c {
	case 'r':
		sb.WriteByte('\r')
	case 't':
		sb.WriteByte('\t')
	case 'n':
		sb.WriteByte('\n')
	case 'u', 'U':
		if len(rest) < 5 || !isHex(rest[1:5]) {
			return 0, &Error{Pos: l.posAt(i), Msg: fmt.Sprintf("token recognition error at: '%s'", in[i:min(i+2, len(in))])}
		}
		if c == 'U' {
			// The lexer is case-insensitive but unescaping only knows \u:
			// the sequence stays as written.
			sb.WriteString(`\` + rest[:5])
			return 6, nil
		}
		r, err := l.unicode(i + 2)
		if err != nil {
			return 0, err
		}
		sb.WriteRune(r)
		return 6, nil
	case ' ':
		sb.WriteString(`\ `)
	case '\\', '(', ')', ':', '<', '>', '"', '*', '{', '}':
		sb.WriteByte(c)
	default:
		_, size := utf8.DecodeRuneInString(rest)
		return 0, &Error{Pos: l.posAt(i), Msg: fmt.Sprintf("token recognition error at: '%s'", in[i:i+1+size])}
	}
	return 2, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
