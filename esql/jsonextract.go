package esql

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/trailql/trailql/esql/parser"
)

// JSON_EXTRACT(string, path), as Elasticsearch's JsonExtract and JsonPath
// define it (x-pack/plugin/esql/.../scalar/string/JsonExtract.java and
// JsonPath.java; ES|QL docs "JSON_EXTRACT", preview since 9.4):
//
//   - the path is a subset of JSONPath (RFC 9535): dot keys (`a.b`), quoted
//     bracket keys (`['a.b']`, `["a"]`, with \' \" \\ escapes), array
//     indices (`[0]`, optional blanks inside the brackets, no leading zeros,
//     no negatives), an optional `$` root (`$.a`, `$[0]`, `$`, `$.` and ""
//     are the whole document); no wildcards, slices, filters or `..`;
//   - the result is a keyword: a string without its quotes, a number as its
//     literal text, true/false, and an object or array as the exact bytes
//     of the input (whitespace kept); JSON null gives null without warning;
//   - a malformed path, a missing key, an index out of bounds, a step into a
//     scalar or invalid JSON give null and a warning. A constant malformed
//     path fails the query instead (JsonPath is parsed when the evaluator
//     is built; JsonExtractTests' foldingWarningCase).
//
// Elasticsearch reads the document with a streaming (Jackson) parser and
// stops at the value it wants, so only the part of the input read up to
// that value must be valid JSON ({"a":1, garbage} gives 1 for path a), the
// first of duplicate keys wins, and Jackson's settings apply: comments are
// allowed, duplicate keys in the part read are an error, nesting is limited
// to 1000. jsonScanner reproduces that reading order.
//
// Not reproduced: a `_source` argument (trailql has no _source) and input
// that Elasticsearch's content sniffing takes for YAML (text starting with
// "---"), which it parses as YAML.

func init() {
	register("json_extract", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "keyword, text or _source", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		// A constant path is parsed once, and a malformed one fails the
		// query as it does when Elasticsearch builds the evaluator (unless
		// the document is the null literal, which folds the call to null).
		if p := a[1]; p.konst && p.val.t != Null && p.val.mv == nil && a[0].typ != Null {
			path, err := parseJSONPath(p.val.s)
			if err != nil {
				c.errorf(n.Pos(), "%s", err.msg)
				return badExpr(n)
			}
			return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
				return jsonExtract(x.s, path)
			})
		}
		return c.res2(n, Keyword, a[0], a[1], func(x, y Value) (Value, *evalError) {
			path, err := parseJSONPath(y.s)
			if err != nil {
				return Value{}, err
			}
			return jsonExtract(x.s, path)
		})
	})
}

// jsonPath is a parsed JSON_EXTRACT path: its text (for messages) and its
// steps; no steps means the whole document.
type jsonPath struct {
	text  string
	steps []jsonStep
}

// jsonStep is one step of a path: an object key, or an array index when
// isIndex is set.
type jsonStep struct {
	key     string
	index   int
	isIndex bool
}

// pathError is JsonPath's "Invalid JSON path [p]: reason at position n";
// positions count UTF-16 code units, as Java string indices do.
func pathError(path, reason string, pos int) *evalError {
	return illegalArg("Invalid JSON path [%s]: %s at position %d", path, reason, pos)
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// isJSONPathBlank is RFC 9535's B production (space, tab, LF, CR), which
// JsonPath allows inside brackets.
func isJSONPathBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseJSONPath parses a path as JsonPath.parse does, with its messages.
func parseJSONPath(orig string) (*jsonPath, *evalError) {
	jp := &jsonPath{text: orig}
	p := orig
	// The optional root: "" and "$" are the document; "$." and "$[" are
	// stripped to their remainder; "$" followed by anything else is invalid.
	if p == "" || p == "$" {
		return jp, nil
	}
	if len(p) >= 2 && p[0] == '$' {
		switch p[1] {
		case '.':
			p = p[2:]
		case '[':
			p = p[1:]
		default:
			return nil, pathError(orig, "expected [.] or [[] after [$]", 1)
		}
	}
	if p == "" {
		return jp, nil
	}
	base := len(orig) - len(p) // the stripped prefix is ASCII
	at := func(i int) int { return base + utf16Len(p[:i]) }
	pos := 0
	read := false
	readKey := func() *evalError {
		end := pos
		for end < len(p) && p[end] != '.' && p[end] != '[' && p[end] != ']' {
			end++
		}
		if end == pos {
			return pathError(orig, "empty key name", at(pos))
		}
		jp.steps = append(jp.steps, jsonStep{key: p[pos:end]})
		pos = end
		return nil
	}
	for pos < len(p) {
		switch c := p[pos]; c {
		case '.':
			if !read {
				return nil, pathError(orig, "path cannot start with a dot", at(pos))
			}
			pos++
			if pos >= len(p) {
				return nil, pathError(orig, "path cannot end with a dot", at(pos-1))
			}
			if p[pos] == '.' {
				return nil, pathError(orig, "consecutive dots", at(pos-1))
			}
			if err := readKey(); err != nil {
				return nil, err
			}
		case '[':
			bracket := at(pos)
			pos++
			for pos < len(p) && isJSONPathBlank(p[pos]) {
				pos++
			}
			if pos >= len(p) {
				return nil, pathError(orig, "unterminated bracket", bracket)
			}
			switch q := p[pos]; {
			case q == '\'' || q == '"':
				var key strings.Builder
				pos++
				closed := false
				for pos < len(p) {
					if p[pos] == '\\' && pos+1 < len(p) {
						// An escape takes the next character literally.
						_, size := utf8.DecodeRuneInString(p[pos+1:])
						key.WriteString(p[pos+1 : pos+1+size])
						pos += 1 + size
						continue
					}
					if p[pos] == q {
						pos++
						for pos < len(p) && isJSONPathBlank(p[pos]) {
							pos++
						}
						if pos >= len(p) || p[pos] != ']' {
							return nil, pathError(orig, "expected closing bracket after quoted key", bracket)
						}
						pos++
						closed = true
						break
					}
					key.WriteByte(p[pos])
					pos++
				}
				if !closed {
					return nil, pathError(orig, "unterminated quoted key", bracket)
				}
				jp.steps = append(jp.steps, jsonStep{key: key.String()})
			case q == ']':
				return nil, pathError(orig, "empty brackets", bracket)
			default:
				end := strings.IndexByte(p[pos:], ']')
				if end < 0 {
					return nil, pathError(orig, "missing closing bracket for array index", bracket)
				}
				end += pos
				content := strings.TrimRightFunc(p[pos:end], func(r rune) bool { return r < utf8.RuneSelf && isJSONPathBlank(byte(r)) })
				if content == "" {
					return nil, pathError(orig, "empty array index", bracket)
				}
				// Integer.parseInt: an optional sign and decimal digits, in
				// the int range.
				i, err := strconv.ParseInt(content, 10, 32)
				if err != nil {
					return nil, pathError(orig, "expected integer array index, got ["+content+"]", bracket)
				}
				if len(content) > 1 && content[0] == '0' {
					return nil, pathError(orig, "leading zeros are not allowed in array index ["+content+"]", bracket)
				}
				if i < 0 {
					return nil, illegalArg("array index out of bounds")
				}
				jp.steps = append(jp.steps, jsonStep{index: int(i), isIndex: true})
				pos = end + 1
			}
		default:
			if read {
				r, _ := utf8.DecodeRuneInString(p[pos:])
				return nil, pathError(orig, "expected [.] or [[] before ["+string(r)+"]", at(pos))
			}
			if err := readKey(); err != nil {
				return nil, err
			}
		}
		read = true
	}
	if len(jp.steps) == 0 {
		return nil, illegalArg("Invalid JSON path [%s]: empty path", orig)
	}
	return jp, nil
}

// jsonExtract walks doc along path, reading only as far as Elasticsearch's
// streaming parser does.
func jsonExtract(doc string, path *jsonPath) (Value, *evalError) {
	s := &jsonScanner{s: doc}
	// Jackson's byte-source bootstrapper skips a UTF-8 byte order mark.
	s.s = strings.TrimPrefix(s.s, "\ufeff")
	s.root = true
	if !s.skipSpace() {
		return Value{}, errInvalidJSON
	}
	if s.i >= len(s.s) {
		return Value{}, illegalArg("empty JSON input")
	}
	start, kind, ok := s.token()
	if !ok {
		return Value{}, errInvalidJSON
	}
	s.root = false
	for _, st := range path.steps {
		switch {
		case kind == '{' && !st.isIndex:
			found, ok := s.findKey(st.key)
			if !ok {
				return Value{}, errInvalidJSON
			}
			if !found {
				return Value{}, illegalArg("path [%s] does not exist", path.text)
			}
		case kind == '[' && st.isIndex:
			found, ok := s.findIndex(st.index)
			if !ok {
				return Value{}, errInvalidJSON
			}
			if !found {
				return Value{}, illegalArg("array index out of bounds")
			}
		default:
			return Value{}, illegalArg("path [%s] does not exist", path.text)
		}
		if start, kind, ok = s.token(); !ok {
			return Value{}, errInvalidJSON
		}
	}
	switch kind {
	case '"':
		str, ok := s.readString()
		if !ok {
			return Value{}, errInvalidJSON
		}
		return KeywordValue(str), nil
	case 'n':
		return Value{}, nil
	case 't', 'f', '0':
		return KeywordValue(s.s[start:s.i]), nil
	}
	// An object or array: its bytes as written, once it has been read
	// through (and so validated) to its closing bracket.
	if !s.skipContainer(kind) {
		return Value{}, errInvalidJSON
	}
	return KeywordValue(s.s[start:s.i]), nil
}

// errInvalidJSON is what JsonExtract reports for any parse failure.
var errInvalidJSON = illegalArg("invalid JSON input")

// jsonMaxDepth is Jackson's default StreamReadConstraints nesting limit.
const jsonMaxDepth = 1000

// jsonMaxIntDigits is Jackson's default StreamReadConstraints number length.
const jsonMaxIntDigits = 1000

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

// value reads a whole value, validating it; its kind was returned by token.
func (s *jsonScanner) value(kind byte) bool {
	switch kind {
	case '"':
		_, ok := s.readString()
		return ok
	case '{', '[':
		return s.skipContainer(kind)
	}
	return true // numbers and literals are read whole by token
}

// skipContainer reads the rest of the object or array just opened.
func (s *jsonScanner) skipContainer(kind byte) bool {
	if kind == '[' {
		for i := 0; ; i++ {
			more, ok := s.nextElement(i == 0)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skipValue() {
				return false
			}
		}
	}
	var seen fieldSet
	for {
		_, more, ok := s.nextField(&seen)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if !s.skipValue() {
			return false
		}
	}
}

// nextElement moves to the next array element: false when the array ends
// (its ']' consumed).
func (s *jsonScanner) nextElement(first bool) (more, ok bool) {
	if !s.skipSpace() || s.i >= len(s.s) {
		return false, false
	}
	if s.s[s.i] == ']' {
		s.i++
		s.depth--
		return false, true
	}
	if !first {
		if s.s[s.i] != ',' {
			return false, false
		}
		s.i++
		if !s.skipSpace() || s.i >= len(s.s) || s.s[s.i] == ']' {
			return false, false // no trailing commas
		}
	}
	return true, true
}

// nextField reads the next field name of an object and its colon: false
// when the object ends (its '}' consumed). Names are checked for
// duplicates, as STRICT_DUPLICATE_DETECTION does.
func (s *jsonScanner) nextField(seen *fieldSet) (name string, more, ok bool) {
	if !s.skipSpace() || s.i >= len(s.s) {
		return "", false, false
	}
	if s.s[s.i] == '}' {
		s.i++
		s.depth--
		return "", false, true
	}
	if seen.n > 0 {
		if s.s[s.i] != ',' {
			return "", false, false
		}
		s.i++
		if !s.skipSpace() || s.i >= len(s.s) {
			return "", false, false
		}
	}
	if s.s[s.i] != '"' {
		return "", false, false
	}
	name, ok = s.readString()
	if !ok || !seen.add(name) {
		return "", false, false
	}
	if !s.skipSpace() || s.i >= len(s.s) || s.s[s.i] != ':' {
		return "", false, false
	}
	s.i++
	return name, true, true
}

// findKey reads the object just opened up to the value of key (its first
// occurrence); found is false when the object ends without it.
func (s *jsonScanner) findKey(key string) (found, ok bool) {
	var seen fieldSet
	for {
		name, more, ok := s.nextField(&seen)
		if !ok {
			return false, false
		}
		if !more {
			return false, true
		}
		if name == key {
			return true, true
		}
		if !s.skipValue() {
			return false, false
		}
	}
}

// findIndex reads the array just opened up to its element i.
func (s *jsonScanner) findIndex(i int) (found, ok bool) {
	for n := 0; ; n++ {
		more, ok := s.nextElement(n == 0)
		if !ok {
			return false, false
		}
		if !more {
			return false, true
		}
		if n == i {
			return true, true
		}
		if !s.skipValue() {
			return false, false
		}
	}
}

// fieldSet holds the names read in one object.
type fieldSet struct {
	n     int
	small [8]string
	big   map[string]struct{}
}

// add records name; false when it was already there.
func (f *fieldSet) add(name string) bool {
	if f.big != nil {
		if _, dup := f.big[name]; dup {
			return false
		}
		f.big[name] = struct{}{}
		f.n++
		return true
	}
	for _, x := range f.small[:f.n] {
		if x == name {
			return false
		}
	}
	if f.n < len(f.small) {
		f.small[f.n] = name
		f.n++
		return true
	}
	f.big = make(map[string]struct{}, 2*len(f.small))
	for _, x := range f.small {
		f.big[x] = struct{}{}
	}
	f.big[name] = struct{}{}
	f.n++
	return true
}
