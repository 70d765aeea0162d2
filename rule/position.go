package rule

import (
	"bytes"
	"unicode/utf8"
)

// queryPos records where the query string's content sits in the file, so
// positions the ES|QL parser reports ("line 3:7") can be mapped back to the
// file ("rules/x.toml:42:7"). BurntSushi/toml does not expose key positions,
// so findString scans the (already validated) TOML text itself.
type queryPos struct {
	line, col int    // file position of the first content character (col in runes)
	raw       string // raw content between the delimiters, opening newline trimmed
	basic     bool   // "..." or """...""": escapes decode to one rune, line-ending backslashes vanish
}

// FileLine maps a position inside the query text (1-based line, column in
// runes, as the ES|QL parser reports it) to the 1-based line and column of
// the rule file. For a rule not read from a file it returns its arguments.
// Positions past the end of the query are extrapolated.
func (r *Rule) FileLine(queryLine, queryCol int) (line, col int) {
	p := r.qpos
	if r.QueryLine == 0 || p.line == 0 {
		return queryLine, queryCol
	}
	if queryLine < 1 {
		queryLine = 1
	}
	if queryCol < 1 {
		queryCol = 1
	}
	dl, dc := 1, 1          // position in the decoded query
	rl, rc := p.line, p.col // position in the file
	raw := p.raw
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '\\' && p.basic {
			// A line-ending backslash produces no text: step over it
			// before comparing, so the position lands on the next rune.
			if n, nl, lastCol := escapeLen(raw[i:]); nl > 0 {
				rl, rc = rl+nl, lastCol
				i += n
				continue
			}
		}
		if dl > queryLine || (dl == queryLine && dc >= queryCol) {
			return rl, rc
		}
		switch {
		case c == '\n':
			dl, dc, rl, rc = dl+1, 1, rl+1, 1
			i++
		case c == '\\' && p.basic: // an escape: several raw bytes, one decoded rune
			n, _, _ := escapeLen(raw[i:])
			dc++
			rc += n
			i += n
		default:
			_, size := utf8.DecodeRuneInString(raw[i:])
			dc++
			rc++
			i += size
		}
	}
	if dl == queryLine {
		return rl, rc + queryCol - dc
	}
	if dl > queryLine {
		return rl, rc
	}
	return rl + queryLine - dl, queryCol
}

// escapeLen measures the escape sequence at the start of s (s[0] == '\\')
// in a TOML basic string: n bytes (all ASCII, so also n columns) decoding
// to one rune; or, for a line-ending backslash, the bytes of the backslash
// plus the whitespace and newlines it swallows, nl newlines crossed and the
// column where the next character sits.
func escapeLen(s string) (n, nl, col int) {
	if len(s) < 2 {
		return len(s), 0, 0
	}
	switch s[1] {
	case 'u':
		return min(6, len(s)), 0, 0
	case 'U':
		return min(10, len(s)), 0, 0
	case 'x':
		return min(4, len(s)), 0, 0
	case ' ', '\t', '\r', '\n':
		j := 1
		col = 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n') {
			if s[j] == '\n' {
				nl++
				col = 1
			} else if nl > 0 {
				col++
			}
			j++
		}
		if nl == 0 { // "\ " is not a line ending: treat as a two-byte escape
			return 2, 0, 0
		}
		return j, nl, col
	default:
		return 2, 0, 0
	}
}

// findString locates the string value of the key path want (e.g.
// ["rule", "query"]) in TOML text.
func findString(data []byte, want []string) (queryPos, bool) {
	_, _, p, ok := locate(data, want)
	return p, ok && p.line > 0
}

// keyPos returns the 1-based line and column where the key path want is
// written, or 0, 0.
func keyPos(data []byte, want []string) (line, col int) {
	line, col, _, _ = locate(data, want)
	return line, col
}

// locate finds the key path want in TOML text, tracking tables, dotted
// keys, comments, arrays, inline tables and the four string forms, so text
// inside other strings (the Markdown note) is never mistaken for a key. It
// returns the key's position and, if the value is a string, where its
// content is.
func locate(data []byte, want []string) (line, col int, val queryPos, ok bool) {
	s := &scanner{data: data}
	var table []string
	for {
		s.skipSpaceAndComments()
		if s.i >= len(data) {
			return 0, 0, queryPos{}, false
		}
		if data[s.i] == '[' {
			start := s.i
			s.i++
			if s.i < len(data) && data[s.i] == '[' {
				s.i++
			}
			table = s.key(']')
			s.skipLine()
			if pathEqual(table, nil, want) { // a table: report its header
				line, col = position(data, start)
				return line, col, queryPos{}, true
			}
			continue
		}
		start := s.i
		key := s.key('=')
		if s.i < len(data) && data[s.i] == '=' {
			s.i++
		}
		for s.i < len(data) && (data[s.i] == ' ' || data[s.i] == '\t') {
			s.i++
		}
		if pathEqual(table, key, want) {
			line, col = position(data, start)
			val, _ = s.stringAt()
			return line, col, val, true
		}
		s.skipValue()
	}
}

// position converts a byte offset into a 1-based line and rune column.
func position(data []byte, off int) (line, col int) {
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	return bytes.Count(data[:off], []byte("\n")) + 1, utf8.RuneCount(data[lineStart:off]) + 1
}

func pathEqual(table, key, want []string) bool {
	if len(table)+len(key) != len(want) {
		return false
	}
	for i, w := range want {
		var got string
		if i < len(table) {
			got = table[i]
		} else {
			got = key[i-len(table)]
		}
		if got != w {
			return false
		}
	}
	return true
}

// scanner walks TOML text that the decoder has already accepted, so it can
// be lenient: it never fails, it only has to stay in step.
type scanner struct {
	data []byte
	i    int
}

func (s *scanner) skipSpaceAndComments() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		case '#':
			s.skipLine()
		default:
			return
		}
	}
}

func (s *scanner) skipLine() {
	if j := bytes.IndexByte(s.data[s.i:], '\n'); j >= 0 {
		s.i += j + 1
	} else {
		s.i = len(s.data)
	}
}

// key reads a dotted key up to (not including) the byte end.
func (s *scanner) key(end byte) []string {
	var parts []string
	var cur []byte
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == end || c == '\n':
			return append(parts, string(cur))
		case c == '.':
			parts = append(parts, string(cur))
			cur = cur[:0:0]
			s.i++
		case c == '"' || c == '\'':
			j := s.i + 1
			for j < len(s.data) && s.data[j] != c && s.data[j] != '\n' {
				if c == '"' && s.data[j] == '\\' {
					j++
				}
				j++
			}
			cur = append(cur, s.data[min(s.i+1, len(s.data)):min(j, len(s.data))]...)
			s.i = j + 1
		case c == ' ' || c == '\t':
			s.i++
		default:
			cur = append(cur, c)
			s.i++
		}
	}
	return append(parts, string(cur))
}

// stringAt reads the string value starting at s.i.
func (s *scanner) stringAt() (queryPos, bool) {
	d := s.data
	var delim string
	switch {
	case bytes.HasPrefix(d[s.i:], []byte(`'''`)):
		delim = `'''`
	case bytes.HasPrefix(d[s.i:], []byte(`"""`)):
		delim = `"""`
	case s.i < len(d) && (d[s.i] == '\'' || d[s.i] == '"'):
		delim = string(d[s.i])
	default:
		return queryPos{}, false
	}
	start := s.i + len(delim)
	if len(delim) == 3 { // TOML trims a newline right after the opening delimiter
		if bytes.HasPrefix(d[start:], []byte("\r\n")) {
			start += 2
		} else if start < len(d) && d[start] == '\n' {
			start++
		}
	}
	end := s.stringEnd(start, delim)
	line, col := position(d, start)
	return queryPos{line: line, col: col, raw: string(d[start:end]), basic: delim[0] == '"'}, true
}

// stringEnd returns the offset where the content that starts at start ends
// (the closing delimiter), honouring backslash escapes in basic strings and
// the up-to-two quotes a multi-line string may end with.
func (s *scanner) stringEnd(start int, delim string) int {
	d := s.data
	j := start
	for j < len(d) {
		if delim[0] == '"' && d[j] == '\\' {
			j += 2
			continue
		}
		if bytes.HasPrefix(d[j:], []byte(delim)) {
			end := j
			if len(delim) == 3 {
				for k := 0; k < 2 && end+3 < len(d) && d[end+3] == delim[0]; k++ {
					end++
				}
			}
			return end
		}
		if len(delim) == 1 && d[j] == '\n' {
			return j
		}
		j++
	}
	return len(d)
}

// skipValue skips one value: a string, an array or inline table (nested,
// possibly over several lines) or a bare scalar up to the end of line.
func (s *scanner) skipValue() {
	depth := 0
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"' || c == '\'':
			delim := string(c)
			if bytes.HasPrefix(s.data[s.i:], []byte{c, c, c}) {
				delim = string([]byte{c, c, c})
			}
			end := s.stringEnd(s.i+len(delim), delim)
			s.i = min(end+len(delim), len(s.data))
		case c == '[' || c == '{':
			depth++
			s.i++
		case c == ']' || c == '}':
			depth--
			s.i++
		case c == '#':
			s.skipLine()
			if depth <= 0 {
				return
			}
		case c == '\n':
			s.i++
			if depth <= 0 {
				return
			}
		default:
			s.i++
		}
	}
}
