package esql

import (
	"fmt"
	"regexp"
	"strings"
)

// compileWildcard compiles an ES|QL LIKE pattern: `*` matches any run of
// characters, `?` exactly one, `\` escapes the next character; the whole
// string must match, case-sensitively (WildcardPattern).
func compileWildcard(p string) func(string) bool {
	var lit strings.Builder
	var re strings.Builder
	simple := true // only literals and `*`
	stars := []int{}
	var parts []string
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			i++
			lit.WriteByte(p[i])
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case ch == '*':
			parts = append(parts, lit.String())
			lit.Reset()
			stars = append(stars, i)
			re.WriteString(".*")
		case ch == '?':
			simple = false
			re.WriteString(".")
		default:
			lit.WriteByte(ch)
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	parts = append(parts, lit.String())
	if simple {
		switch {
		case len(parts) == 1:
			s := parts[0]
			return func(x string) bool { return x == s }
		case len(parts) == 2 && parts[1] == "":
			s := parts[0]
			return func(x string) bool { return strings.HasPrefix(x, s) }
		case len(parts) == 2 && parts[0] == "":
			s := parts[1]
			return func(x string) bool { return strings.HasSuffix(x, s) }
		case len(parts) == 3 && parts[0] == "" && parts[2] == "":
			s := parts[1]
			return func(x string) bool { return strings.Contains(x, s) }
		}
		return func(x string) bool { return matchParts(parts, x) }
	}
	r := regexp.MustCompile("^(?s:" + re.String() + ")$")
	return r.MatchString
}

// matchParts matches literal parts separated by `*` wildcards.
func matchParts(parts []string, x string) bool {
	if !strings.HasPrefix(x, parts[0]) {
		return false
	}
	x = x[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(x, p)
		if i < 0 {
			return false
		}
		x = x[i+len(p):]
	}
	return len(x) >= len(last) && strings.HasSuffix(x, last)
}

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
