package ecs

import (
	"unsafe"

	"github.com/valyala/fastjson"
)

// stringArena copies the strings of one Event out of the parser's memory into
// a few shared blocks instead of one allocation per string (Map must not
// retain parser-owned memory). Blocks are only appended to, never modified, so
// the strings handed out stay immutable.
type stringArena struct {
	buf []byte
	// shared: strings are not copied but point into the parser's memory
	// (Mapper.MapShared, whose caller copies what it keeps).
	shared bool
}

// copy returns a string with the bytes of b that does not alias b (or, for a
// shared document, that does).
func (a *stringArena) copy(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if a.shared {
		return unsafe.String(&b[0], len(b))
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(1024, 2*len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}

// text is the package-level text using the arena for JSON strings, the
// dominant case.
func (a *stringArena) text(v *fastjson.Value) (string, bool) {
	if v != nil && v.Type() == fastjson.TypeString {
		sb, _ := v.StringBytes()
		if purgedString(sb) {
			return "", false
		}
		return a.copy(sb), true
	}
	return text(v)
}

// str is text for a member of an object, via the arena.
func (b *builder) str(v *fastjson.Value, keys ...string) (string, bool) {
	return b.arena.text(path(v, keys...))
}
