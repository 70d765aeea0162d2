package cloudtrail

import (
	"bufio"
	"errors"
	"slices"
)

// Limits on what is held in memory at once. Variables so tests can lower them.
var (
	maxLine     = 256 << 20 // one line: an NDJSON record or a compact delivery file
	maxDocument = 1 << 30   // one multi-line (pretty-printed) document, read whole
)

var errTooBig = errors.New("too big")

// lineReader reads lines of at most max bytes and counts the bytes read.
type lineReader struct {
	br  *bufio.Reader
	buf []byte // reused between lines
	max int
	n   int64 // bytes read
	// pre is the start of the next line, read ahead in blocks (blocks.go),
	// and preErr the read error that ended it, if any.
	pre    []byte
	preErr error
}

// reset starts reading br.
func (l *lineReader) reset(br *bufio.Reader, max int) {
	l.br, l.max, l.n, l.pre, l.preErr = br, max, 0, nil, nil
}

// next returns the next line without its '\n'. The line is only valid until
// the next call. long reports a line over the limit, which was discarded. err
// is nil when the line ended with '\n', io.EOF at the end of the input (the
// line may hold a last unterminated line), or the read error, with the bytes
// read before it.
func (l *lineReader) next() (line []byte, long bool, err error) {
	l.buf = l.buf[:0]
	if l.pre != nil {
		l.buf, l.pre = append(l.buf, l.pre...), nil
		if err := l.preErr; err != nil {
			l.preErr = nil
			if len(l.buf) > l.max {
				return nil, true, err
			}
			return l.buf, false, err
		}
	}
	for {
		s, err := l.br.ReadSlice('\n')
		l.n += int64(len(s))
		if err == bufio.ErrBufferFull {
			if long || len(l.buf)+len(s) > l.max {
				long, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, s...)
			}
			continue
		}
		if err == nil {
			s = s[:len(s)-1]
		}
		switch {
		case long || len(l.buf)+len(s) > l.max:
			return nil, true, err
		case len(l.buf) == 0:
			return s, false, err // no copy: the line is in bufio's buffer
		}
		l.buf = append(l.buf, s...)
		return l.buf, false, err
	}
}

// readRest appends the rest of the input to dst, up to limit bytes in all. It
// returns io.EOF at the end, errTooBig past limit, or the read error.
func (l *lineReader) readRest(dst []byte, limit int) ([]byte, error) {
	for {
		if len(dst) > limit {
			return dst, errTooBig
		}
		if cap(dst)-len(dst) < 64<<10 {
			dst = slices.Grow(dst, max(cap(dst), 64<<10)) // doubling: linear in total
		}
		room := cap(dst)
		if room > limit+1 {
			room = limit + 1
		}
		if room <= len(dst) {
			room = len(dst) + 1
		}
		n, err := l.br.Read(dst[len(dst):room])
		dst = dst[:len(dst)+n]
		l.n += int64(n)
		if err != nil {
			return dst, err
		}
	}
}
