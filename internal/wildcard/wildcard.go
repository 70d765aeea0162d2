// Package wildcard is the one wildcard matcher of trailql: ES|QL's LIKE
// and Elasticsearch's wildcard query (`*`, `?`, `\` escapes), KEEP/DROP
// column patterns and KQL field names (only `*`), and Kibana exception
// items of type wildcard, which compile to a wildcard query.
package wildcard

import (
	"regexp"
	"strings"
)

// wildcardSyntax selects which characters of a wildcard pattern are
// special. The whole string must match, case-sensitively, in both.
type wildcardSyntax uint8

const (
	// likeWildcards is LIKE's (WildcardPattern): `*` matches any run of
	// characters, `?` exactly one, `\` escapes the next character.
	likeWildcards wildcardSyntax = iota
	// nameWildcards is that of KEEP/DROP column patterns and KQL field
	// names: only `*` is special (any run of characters); `?` and `\` are
	// literal.
	nameWildcards
)

// Compile compiles an ES|QL LIKE pattern (or an Elasticsearch wildcard
// query's): `*` matches any run of characters, `?` exactly one, `\`
// escapes the next character; the whole string must match,
// case-sensitively (WildcardPattern).
func Compile(p string) func(string) bool {
	return compileWildcardSyntax(p, likeWildcards)
}

// CompileName compiles a KEEP/DROP column pattern or a KQL field name
// pattern, in which `*` matches any run of characters.
func CompileName(pattern string) func(string) bool {
	return compileWildcardSyntax(pattern, nameWildcards)
}

// compileWildcardSyntax compiles a wildcard pattern of the given syntax
// into a whole-string matcher.
func compileWildcardSyntax(p string, syn wildcardSyntax) func(string) bool {
	var lit strings.Builder
	var re strings.Builder
	simple := true // only literals and `*`
	stars := []int{}
	var parts []string
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case syn == likeWildcards && ch == '\\' && i+1 < len(p):
			i++
			lit.WriteByte(p[i])
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case ch == '*':
			parts = append(parts, lit.String())
			lit.Reset()
			stars = append(stars, i)
			re.WriteString(".*")
		case syn == likeWildcards && ch == '?':
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
