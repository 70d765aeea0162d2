package jsonpath

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads JSON the way Jackson's parser with Elasticsearch's
// settings does (JsonXContentImpl: ALLOW_COMMENTS, STRICT_DUPLICATE_DETECTION),
// one token at a time. After token, s.i is just past the token's start:
// past '{' or '[', past a number or literal, or on the opening quote of a
// string (Jackson reads string contents lazily).
type jsonScanner struct {
	s     string
	i     int
	depth int
	root  bool
}

// skipSpace skips whitespace and comments; false on a control character
// or an unterminated comment.
func (s *jsonScanner) skipSpace() bool {
	for s.i < len(s.s) {
		switch c := s.s[s.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.i++
		case c == '/':
			if s.i+1 >= len(s.s) {
				return false
			}
			switch s.s[s.i+1] {
			case '/':
				end := strings.IndexAny(s.s[s.i+2:], "\n\r")
				if end < 0 {
					s.i = len(s.s)
				} else {
					s.i += 2 + end
				}
			case '*':
				end := strings.Index(s.s[s.i+2:], "*/")
				if end < 0 {
					return false
				}
				s.i += 2 + end + 2
			default:
				return false
			}
		case c < ' ':
			return false
		default:
			return true
		}
	}
	return true
}

// token reads the start of the value after s.i (and any whitespace) and
// returns where it starts and its kind: '{', '[', '"', '0' for a number,
// 't', 'f' or 'n'.
func (s *jsonScanner) token() (start int, kind byte, ok bool) {
	if !s.skipSpace() || s.i >= len(s.s) {
		return 0, 0, false
	}
	start = s.i
	switch c := s.s[s.i]; {
	case c == '{' || c == '[':
		s.depth++
		if s.depth > jsonMaxDepth {
			return 0, 0, false
		}
		s.i++
		return start, c, true
	case c == '"':
		return start, c, true
	case c == '-' || (c >= '0' && c <= '9'):
		return start, '0', s.number()
	case c == 't':
		return start, c, s.literal("true")
	case c == 'f':
		return start, c, s.literal("false")
	case c == 'n':
		return start, c, s.literal("null")
	}
	return 0, 0, false
}

// skipValue reads the next value whole, validating it.
func (s *jsonScanner) skipValue() bool {
	_, k, ok := s.token()
	return ok && s.value(k)
}

// literal matches true/false/null; like Jackson, a letter or digit right
// after it makes an unrecognized token.
func (s *jsonScanner) literal(word string) bool {
	if !strings.HasPrefix(s.s[s.i:], word) {
		return false
	}
	s.i += len(word)
	if s.i < len(s.s) {
		r, _ := utf8.DecodeRuneInString(s.s[s.i:])
		if r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// number reads a JSON number (no leading zeros, no leading '+' or '.', no
// NaN). At the root, Jackson requires whitespace after it and counts one
// space, tab or newline into the token's extent.
func (s *jsonScanner) number() bool {
	i := s.i
	if s.s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s.s) && s.s[i] >= '0' && s.s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intStart := i
	n := digits()
	if n == 0 || n > jsonMaxIntDigits || (n > 1 && s.s[intStart] == '0') {
		return false
	}
	if i < len(s.s) && s.s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s.s) && (s.s[i] == 'e' || s.s[i] == 'E') {
		i++
		if i < len(s.s) && (s.s[i] == '+' || s.s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	if s.root && i < len(s.s) {
		switch s.s[i] {
		case ' ', '\t', '\n':
			i++
		case '\r':
		default:
			return false
		}
	}
	s.i = i
	return true
}

// readString reads the string whose opening quote is at s.i, decoding
// escapes; false on a bad escape, an unescaped control character, invalid
// UTF-8 or a missing closing quote.
func (s *jsonScanner) readString() (string, bool) {
	i := s.i + 1
	start := i
	for i < len(s.s) {
		c := s.s[i]
		if c == '"' {
			s.i = i + 1
			return s.s[start:i], true
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// The slow path: escapes or non-ASCII text.
	var b strings.Builder
	b.WriteString(s.s[start:i])
	for i < len(s.s) {
		c := s.s[i]
		switch {
		case c == '"':
			s.i = i + 1
			return b.String(), true
		case c < ' ':
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s.s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			b.WriteString(s.s[i : i+size])
			i += size
		case c != '\\':
			b.WriteByte(c)
			i++
		default:
			if i+1 >= len(s.s) {
				return "", false
			}
			i += 2
			switch s.s[i-1] {
			case '"', '\\', '/':
				b.WriteByte(s.s[i-1])
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := s.hex4(i)
				if !ok {
					return "", false
				}
				i += 4
				// A surrogate pair makes one character; a lone surrogate
				// becomes U+FFFD, as UTF-16 to UTF-8 conversion does.
				if utf16.IsSurrogate(r) && r < 0xdc00 && i+6 <= len(s.s) && s.s[i] == '\\' && s.s[i+1] == 'u' {
					if r2, ok := s.hex4(i + 2); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
						r = utf16.DecodeRune(r, r2)
						i += 6
					}
				}
				b.WriteRune(r)
			default:
				return "", false
			}
		}
	}
	return "", false
}

// hex4 decodes the four hex digits at i.
func (s *jsonScanner) hex4(i int) (rune, bool) {
	if i+4 > len(s.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s.s[i:i+4], 16, 32)
	return rune(v), err == nil
}
