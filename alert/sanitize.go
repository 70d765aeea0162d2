package alert

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sanitize makes an untrusted string safe to print on a terminal: control
// characters (C0, DEL, C1, which include ESC and CSI and so could move the
// cursor, recolour or retitle the terminal) and bidirectional formatting
// characters (which reorder displayed text) are shown as Go-style escapes
// such as \x1b, \n or \u202e; invalid UTF-8 bytes become U+FFFD.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || isBidi(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unicode.IsControl(r):
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case unicode.IsControl(r) || isBidi(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>uint(shift))&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// truncate shortens s to at most max runes, ending with an ellipsis when
// cut.
func truncate(s string, max int) string {
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	if !strings.Contains(s, ", ") && max >= 9 {
		// A single value such as an ARN keeps both ends: the account and
		// the role or session name at the end both identify it.
		r := []rune(s)
		head := (max - 1) / 2
		return string(r[:head]) + "…" + string(r[n-(max-1-head):])
	}
	n = 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
