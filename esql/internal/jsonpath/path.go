// Package jsonpath ports the path syntax and document reading of
// Elasticsearch's ES|QL JSON_EXTRACT (x-pack/plugin/esql/.../scalar/string/
// JsonPath.java and JsonExtract.java): a subset of JSONPath (RFC 9535)
// parsed with JsonPath's messages, and a JSON reader that reads a document
// only as far as Elasticsearch's streaming Jackson parser does, with its
// settings (comments allowed, strict duplicate detection, nesting and
// number-length limits).
package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Path is a parsed JSON_EXTRACT path: its text (for messages) and its
// steps; no steps means the whole document.
type Path struct {
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
func pathError(path, reason string, pos int) error {
	return errorf("Invalid JSON path [%s]: %s at position %d", path, reason, pos)
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

// Parse parses a path as JsonPath.parse does, with its messages.
func Parse(orig string) (*Path, error) {
	jp := &Path{text: orig}
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
	readKey := func() error {
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
					return nil, errorf("array index out of bounds")
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
		return nil, errorf("Invalid JSON path [%s]: empty path", orig)
	}
	return jp, nil
}

// errorf is an error with a message as Elasticsearch's
// IllegalArgumentException gives it; the engine reports the message.
func errorf(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}
