package useragent

import (
	"unicode/utf8"

	"github.com/trailql/trailql/internal/multimatch"
)

// scanFolded records the patterns occurring in the case-folded form of s: each
// rune replaced by uaFoldRune's ASCII form, a rune without one acting as a
// byte no pattern contains (folded patterns are ASCII only). Invalid UTF-8
// bytes decode as U+FFFD, as in regexp, and also break matches.
func scanFolded(m *multimatch.Matcher, s string, found []uint64, list *[]int32) {
	state := int32(0)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			f, ok := uaFoldRune(r)
			if !ok {
				state = m.Step(state, 0, found, list)
				continue
			}
			c = f
		}
		state = m.Step(state, m.Class(c), found, list)
	}
}
