package csvspec

import (
	"strings"
	"unicode"
)

// queryShape is what the harness needs to know about a query before
// compiling it: the source indices (to pick the data sets and build the
// catalog) and the command keywords (to tell "unsupported command" compile
// failures from real ones). It is found lexically because the catalog must
// exist before esql.Compile can run.
type queryShape struct {
	Source   string   // first source command, upper-cased: "FROM", "ROW", "TS", "SHOW", ...
	Indices  []string // FROM index patterns, in order
	Commands []string // every command keyword, upper-cased, in order (source first); "SET" for settings
}

// shapeOf scans query: leading `SET name = value;` statements, then the
// source command and the processing commands after each top-level '|'.
// String literals ("..." and """...""") and // and /* */ comments are skipped.
func shapeOf(query string) queryShape {
	var s queryShape
	segs := splitTopLevel(query)
	for i, seg := range segs {
		word, rest := firstWord(seg.text)
		up := strings.ToUpper(word)
		if up == "" {
			continue
		}
		// Two-word commands.
		if up == "INLINE" || up == "LOOKUP" {
			if w2, _ := firstWord(rest); w2 != "" {
				up += " " + strings.ToUpper(w2)
			}
		}
		s.Commands = append(s.Commands, up)
		if start := i == 0 || seg.afterSemicolon; start && up != "SET" && s.Source == "" {
			s.Source = up
			if up == "FROM" || up == "TS" {
				s.Indices = indexPatterns(rest)
			}
		}
	}
	return s
}

type segment struct {
	text           string
	afterSemicolon bool // the segment follows a top-level ';' (a SET statement ended)
}

// splitTopLevel splits query at '|' and ';' outside strings and comments;
// comments are replaced by a space in the segments.
func splitTopLevel(q string) []segment {
	var (
		out  []segment
		cur  strings.Builder
		semi bool
	)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case strings.HasPrefix(q[i:], `"""`):
			end := strings.Index(q[i+3:], `"""`)
			if end < 0 {
				end = len(q) - i - 3
			} else {
				end += 3
			}
			cur.WriteString(q[i : i+3+end])
			i += 3 + end - 1
		case c == '"' || c == '`':
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if c == '"' && q[j] == '\\' {
					j++
				}
			}
			j = min(j, len(q)-1)
			cur.WriteString(q[i : j+1])
			i = j
		case strings.HasPrefix(q[i:], "//"):
			for i < len(q) && q[i] != '\n' {
				i++
			}
			cur.WriteByte(' ')
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				i = len(q)
			} else {
				i += 2 + end + 1
			}
			cur.WriteByte(' ')
		case c == '|' || c == ';':
			out = append(out, segment{text: cur.String(), afterSemicolon: semi})
			cur.Reset()
			semi = c == ';'
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, segment{text: cur.String(), afterSemicolon: semi})
}

// firstWord returns the leading identifier-like word of s and the rest.
func firstWord(s string) (string, string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// indexPatterns parses the index list of FROM: comma separated, optionally
// quoted, ended by METADATA or the end of the segment.
func indexPatterns(s string) []string {
	var out []string
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	for _, f := range fields {
		if strings.EqualFold(f, "METADATA") {
			break
		}
		out = append(out, strings.Trim(f, `"`))
	}
	return out
}
