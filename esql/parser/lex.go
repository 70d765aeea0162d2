package parser

import (
	"strings"
	"unicode/utf8"
)

// lexMode selects the token rules, like the lexer modes of EsqlBaseLexer.g4.
type lexMode int

const (
	// exprMode is the default: expressions and command keywords.
	exprMode lexMode = iota
	// sourceMode follows FROM: index patterns are single UNQUOTED_SOURCE
	// tokens that may contain - . * : (lexer/From.g4).
	sourceMode
	// patternMode is used for KEEP, DROP and RENAME, whose names may contain
	// `*` (ID_PATTERN in lexer/Project.g4 and lexer/Rename.g4).
	patternMode
)

// tPattern is a name pattern token (patternMode); val holds the name with
// backquotes removed.
const tPattern tokKind = tPercent + 1

// lexer turns query text into tokens on demand. It is restartable at any
// position (reset), which lets the parser switch modes and backtrack over
// the short `name =` lookahead of EVAL/STATS fields.
type lexer struct {
	input string
	pos   Pos
}

func newLexer(input string) *lexer {
	return &lexer{input: input, pos: Pos{Offset: 0, Line: 1, Col: 1}}
}

// bailout carries a syntax error up to Parse, which recovers it.
type bailout struct{ err *Error }

func (l *lexer) fail(at Pos, format string, args ...any) {
	panic(bailout{newError(at, format, args...)})
}

// peekByte returns the byte k bytes ahead of the current position, or 0.
func (l *lexer) peekByte(k int) byte {
	if i := l.pos.Offset + k; i < len(l.input) {
		return l.input[i]
	}
	return 0
}

// advance moves over n bytes, keeping line and rune column up to date.
// Lines end at '\n' only, as ANTLR counts them. Invalid UTF-8 counts one
// column per bad byte, as Go's range over a string does.
func (l *lexer) advance(n int) {
	end := min(l.pos.Offset+n, len(l.input))
	for l.pos.Offset < end {
		c := l.input[l.pos.Offset]
		switch {
		case c == '\n':
			l.pos.Line++
			l.pos.Col = 1
			l.pos.Offset++
		case c < utf8.RuneSelf:
			l.pos.Col++
			l.pos.Offset++
		default:
			// Always move over a whole rune, even if n ends inside it.
			_, size := utf8.DecodeRuneInString(l.input[l.pos.Offset:])
			l.pos.Col++
			l.pos.Offset += size
		}
	}
}

// skipSpace skips whitespace, `//` line comments and nested `/* */`
// comments (EsqlBaseLexer.g4: LINE_COMMENT, MULTILINE_COMMENT, WS).
func (l *lexer) skipSpace() {
	for l.pos.Offset < len(l.input) {
		c := l.input[l.pos.Offset]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			l.advance(1)
		case c == '/' && l.peekByte(1) == '/':
			end := strings.IndexByte(l.input[l.pos.Offset:], '\n')
			if end < 0 {
				end = len(l.input) - l.pos.Offset
			}
			l.advance(end)
		case c == '/' && l.peekByte(1) == '*':
			l.skipBlockComment()
		default:
			return
		}
	}
}

// skipBlockComment skips a `/* */` comment; these nest.
func (l *lexer) skipBlockComment() {
	start := l.pos
	depth := 0
	for l.pos.Offset < len(l.input) {
		switch {
		case l.peekByte(0) == '/' && l.peekByte(1) == '*':
			depth++
			l.advance(2)
		case l.peekByte(0) == '*' && l.peekByte(1) == '/':
			depth--
			l.advance(2)
			if depth == 0 {
				return
			}
		default:
			l.advance(1)
		}
	}
	l.fail(start, "unterminated comment")
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isIDBody(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// next returns the next token in the given mode.
func (l *lexer) next(mode lexMode) token {
	l.skipSpace()
	start := l.pos
	if l.pos.Offset >= len(l.input) {
		return token{kind: tEOF, start: start, end: start}
	}
	c := l.input[l.pos.Offset]
	switch mode {
	case sourceMode:
		if c != '|' && c != ',' && c != '"' && isSourceChar(l.input, l.pos.Offset) {
			return l.lexSource(start)
		}
	case patternMode:
		if isLetter(c) || isDigit(c) || c == '_' || c == '@' || c == '*' || c == '`' {
			return l.lexPattern(start)
		}
	}
	switch {
	case isLetter(c) || (c == '_' || c == '@') && isIDBody(l.peekByte(1)):
		n := 1
		for l.pos.Offset+n < len(l.input) && isIDBody(l.input[l.pos.Offset+n]) {
			n++
		}
		return l.emit(tWord, start, n)
	case isDigit(c) || c == '.' && isDigit(l.peekByte(1)):
		return l.lexNumber(start)
	case c == '"':
		return l.lexString(start)
	case c == '`':
		val := l.lexQuoted(start)
		return token{kind: tQuotedIdent, start: start, end: l.pos, text: l.input[start.Offset:l.pos.Offset], val: val}
	case c == '?':
		n := 1
		if isLetter(l.peekByte(1)) || l.peekByte(1) == '_' {
			for l.pos.Offset+n < len(l.input) && isIDBody(l.input[l.pos.Offset+n]) {
				n++
			}
		} else {
			for isDigit(l.peekByte(n)) {
				n++
			}
		}
		t := l.emit(tParam, start, n)
		t.val = t.text[1:]
		return t
	}
	two := ""
	if l.pos.Offset+1 < len(l.input) {
		two = l.input[l.pos.Offset : l.pos.Offset+2]
	}
	switch two {
	case "::":
		return l.emit(tCast, start, 2)
	case "==":
		return l.emit(tEq, start, 2)
	case "!=":
		return l.emit(tNeq, start, 2)
	case "<=":
		return l.emit(tLte, start, 2)
	case ">=":
		return l.emit(tGte, start, 2)
	case "=~":
		return l.emit(tCIEq, start, 2)
	}
	if k, ok := singleTokens[c]; ok {
		return l.emit(k, start, 1)
	}
	r, _ := utf8.DecodeRuneInString(l.input[l.pos.Offset:])
	l.fail(start, "unexpected character %s", quoteString(string(r)))
	return token{}
}

var singleTokens = map[byte]tokKind{
	'|': tPipe, ',': tComma, '.': tDot, '(': tLParen, ')': tRParen,
	'[': tLBracket, ']': tRBracket, '{': tLBrace, '}': tRBrace, ':': tColon,
	'<': tLt, '>': tGt, '=': tAssign, '+': tPlus, '-': tMinus, '*': tStar,
	'/': tSlash, '%': tPercent,
}

func (l *lexer) emit(k tokKind, start Pos, n int) token {
	l.advance(n)
	return token{kind: k, start: start, end: l.pos, text: l.input[start.Offset:l.pos.Offset]}
}

// lexNumber scans INTEGER_LITERAL or DECIMAL_LITERAL (lexer/Expression.g4):
// DIGIT+, DIGIT+ '.' DIGIT*, '.' DIGIT+, each optionally with an exponent.
func (l *lexer) lexNumber(start Pos) token {
	s := l.input[l.pos.Offset:]
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	kind := tInt
	if n < len(s) && s[n] == '.' {
		kind = tDecimal
		n++
		for n < len(s) && isDigit(s[n]) {
			n++
		}
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && isDigit(s[m]) {
			for m < len(s) && isDigit(s[m]) {
				m++
			}
			kind, n = tDecimal, m
		}
	}
	return l.emit(kind, start, n)
}

// lexString scans a QUOTED_STRING: "..." with the escapes \t \n \r \" \\,
// or """...""" with no escapes (lexer/Expression.g4). Neither may contain
// a raw line break. As in the grammar, up to two extra quotes after the
// closing """ belong to the value. There are no unicode escapes: the
// grammar's ESCAPE_SEQUENCE is '\\' [tnr"\\] only, so `\u0041` is an error.
func (l *lexer) lexString(start Pos) token {
	s := l.input[l.pos.Offset:]
	if strings.HasPrefix(s, `"""`) {
		end := strings.Index(s[3:], `"""`)
		nl := strings.IndexAny(s[3:], "\r\n")
		if end < 0 || nl >= 0 && nl < end {
			l.fail(start, "unterminated string")
		}
		n := 3 + end + 3
		for k := 0; k < 2 && n < len(s) && s[n] == '"'; k++ {
			n++
		}
		t := l.emit(tString, start, n)
		t.val = t.text[3 : len(t.text)-3]
		return t
	}
	var b strings.Builder
	i := 1
	for {
		if i >= len(s) || s[i] == '\n' || s[i] == '\r' {
			l.fail(start, "unterminated string")
		}
		c := s[i]
		if c == '"' {
			i++
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			l.fail(start, "unterminated string")
		}
		switch s[i+1] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		default:
			l.advance(i)
			l.fail(l.pos, "invalid escape sequence %s in string", quoteString(s[i:i+2]))
		}
		i += 2
	}
	t := l.emit(tString, start, i)
	t.val = b.String()
	return t
}

// lexQuoted scans one QUOTED_IDENTIFIER: text between backquotes, in which
// a doubled backquote stands for one. It returns the unquoted text.
func (l *lexer) lexQuoted(start Pos) string {
	s := l.input[l.pos.Offset:]
	var b strings.Builder
	i := 1
	for {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			l.fail(start, "unterminated quoted identifier")
		}
		b.WriteString(s[i : i+j])
		i += j + 1
		if i < len(s) && s[i] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		break
	}
	if i == 2 {
		// QUOTED_ID is BACKQUOTE BACKQUOTE_BLOCK+ BACKQUOTE: never empty.
		l.fail(start, "empty quoted identifier")
	}
	l.advance(i)
	return b.String()
}

// isSourceChar reports whether the byte at i may be part of an
// UNQUOTED_SOURCE (lexer/From.g4: anything but whitespace, quotes, `=`,
// `|`, `,`, brackets, and a `/` that starts a comment). `:` is kept inside
// the token so cluster:index and index::selector stay one pattern.
func isSourceChar(s string, i int) bool {
	switch c := s[i]; c {
	case ' ', '\t', '\r', '\n', '"', '=', '|', ',', '[', ']':
		return false
	case '/':
		return !(i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'))
	default:
		return true
	}
}

func (l *lexer) lexSource(start Pos) token {
	n := 0
	for l.pos.Offset+n < len(l.input) && isSourceChar(l.input, l.pos.Offset+n) {
		n++
	}
	t := l.emit(tSource, start, n)
	t.val = t.text
	return t
}

// lexPattern scans a name pattern: a run of identifier characters, `*`,
// `.` and backquoted parts with no white space in between.
func (l *lexer) lexPattern(start Pos) token {
	var b strings.Builder
	for l.pos.Offset < len(l.input) {
		c := l.input[l.pos.Offset]
		if c == '`' {
			b.WriteString(l.lexQuoted(l.pos))
			continue
		}
		if !isIDBody(c) && c != '@' && c != '*' && c != '.' {
			break
		}
		b.WriteByte(c)
		l.advance(1)
	}
	return token{kind: tPattern, start: start, end: l.pos, text: l.input[start.Offset:l.pos.Offset], val: b.String()}
}
