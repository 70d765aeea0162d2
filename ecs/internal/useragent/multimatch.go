package useragent

import (
	"sync"
	"unicode/utf8"

	"github.com/trailql/trailql/internal/multimatch"
)

// scanFolded records the patterns occurring in the case-folded form of s: each
// rune replaced by uaFoldRune's ASCII form, a rune without one by a NUL byte,
// which no pattern contains (folded patterns are ASCII only and printable).
// Invalid UTF-8 bytes decode as U+FFFD, as in regexp, and also break matches.
// The folded text is built first, so that the automaton's scan loop runs on
// it (Matcher.Scan) rather than a call per byte.
func scanFolded(m *multimatch.Matcher, s string, found []uint64, list *[]int32) {
	buf := foldBufs.Get().(*[]byte)
	b := (*buf)[:0]
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
				f = 0
			}
			c = f
		}
		b = append(b, c)
	}
	m.ScanBytes(b, found, list)
	*buf = b
	foldBufs.Put(buf)
}

// foldBufs holds scanFolded's buffers.
var foldBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
