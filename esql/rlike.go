package esql

import (
	"fmt"
	"regexp"
	"strings"
)

// compileLuceneRegexp compiles an RLIKE pattern, Lucene RegExp syntax with
// its default (ALL) flags, into a whole-string matcher. `.` matches any
// character, `"..."` is a literal string, `@` any string, `#` the empty
// language; complement (`~`), intersection (`&`) and intervals (`<n-m>`)
// are not supported.
func compileLuceneRegexp(p string) (func(string) bool, error) {
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("expected character after '\\' at position %d", i)
			}
			i++
			switch rs[i] {
			case 'd', 'D', 's', 'S', 'w', 'W':
				b.WriteString(`\` + string(rs[i]))
			default:
				b.WriteString(quoteRune(rs[i]))
			}
		case '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("expected '\"' at position %d", len(rs))
			}
			b.WriteString("(?:" + regexp.QuoteMeta(string(rs[i+1:j])) + ")")
			i = j
		case '[':
			j, class, err := luceneClass(rs, i)
			if err != nil {
				return nil, err
			}
			b.WriteString(class)
			i = j
		case '@':
			b.WriteString("(?:.*)")
		case '#':
			b.WriteString(`[^\x00-\x{10FFFF}]`)
		case '~', '&', '<':
			return nil, fmt.Errorf("unsupported regular expression operator '%c' at position %d", r, i)
		case '.', '?', '*', '+', '|', '(', ')', '{', '}':
			b.WriteRune(r)
		default:
			b.WriteString(quoteRune(r))
		}
	}
	re, err := regexp.Compile("^(?s:" + b.String() + ")$")
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}

// luceneClass translates a character class starting at rs[i] == '['.
func luceneClass(rs []rune, i int) (int, string, error) {
	var b strings.Builder
	b.WriteByte('[')
	j := i + 1
	if j < len(rs) && rs[j] == '^' {
		b.WriteByte('^')
		j++
	}
	first := true
	for ; j < len(rs); j++ {
		r := rs[j]
		if r == ']' && !first {
			b.WriteByte(']')
			return j, b.String(), nil
		}
		first = false
		if r == '\\' && j+1 < len(rs) {
			j++
			r = rs[j]
		} else if r == '-' && j > i+1 && j+1 < len(rs) && rs[j+1] != ']' {
			b.WriteByte('-')
			continue
		}
		b.WriteString(fmt.Sprintf(`\x{%x}`, r))
	}
	return 0, "", fmt.Errorf("expected ']' at position %d", len(rs))
}

func quoteRune(r rune) string { return regexp.QuoteMeta(string(r)) }
