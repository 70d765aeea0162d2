// Package termtext prepares text for a terminal: it makes untrusted strings
// safe to print (Sanitize), measures them in terminal columns (Width), wraps
// and cuts them to a width (Wrap, Truncate), lays out tables (Table) and
// renders Markdown as plain text (Markdown, Inline).
//
// # Security policy
//
// Everything trailql prints to a person may come from CloudTrail logs or
// rule files, and both are untrusted: a user agent, an ARN or a rule note
// can hold bytes that a terminal takes as commands. Sanitize therefore
// treats these runes as unsafe:
//
//   - C0 controls (U+0000–U+001F), which include ESC (U+001B), the start of
//     every ANSI escape sequence: ESC[2J clears the screen, OSC 8 writes
//     hyperlinks whose target differs from their text, OSC 0 retitles the
//     window, others move the cursor to overwrite earlier lines; BEL, BS and
//     CR can also hide or overwrite text;
//   - DEL (U+007F);
//   - C1 controls (U+0080–U+009F): many terminals take CSI (U+009B) and
//     OSC (U+009D) as ESC[ and ESC];
//   - Unicode bidirectional formatting characters: the embeddings and
//     overrides (U+202A–U+202E), the isolates (U+2066–U+2069) and the marks
//     LRM, RLM and ALM (U+200E, U+200F, U+061C). They reorder what is
//     displayed without changing the text ("Trojan Source",
//     CVE-2021-42574), so "user\u202egnp.exe" reads as "userexe.png";
//   - bytes that are not valid UTF-8, which a terminal may combine with what
//     follows into a control sequence.
//
// Newline and tab are C0 controls too. How they, and the other unsafe
// runes, are shown depends on where the text goes (see Mode): a value on one
// line (Line) shows them all as escapes such as \n and \x1b; multi-line
// prose (Text) keeps newlines, expands tabs and removes the rest.
//
// Everything else passes unchanged: the aim is that no control sequence
// reaches the terminal, not that the text is ASCII.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Mode says how Sanitize shows newlines, tabs and unsafe runes.
type Mode uint8

const (
	// Line is for a value printed on one line, such as a table cell or a
	// heading made of log data. Newline, carriage return and tab are shown
	// as \n, \r and \t (so a value cannot forge extra rows), the other
	// unsafe runes as Go-style escapes such as \x1b or \u202e, and invalid
	// UTF-8 bytes as U+FFFD. Escapes rather than removal because a value is
	// evidence: the reader must see that it carried control bytes, and two
	// values that differ only by them must not look the same.
	Line Mode = iota
	// Text is for multi-line prose read rather than compared: rule names,
	// notes and messages. Newlines are kept, a tab becomes four spaces (a
	// terminal's tab stops would break wrapping and alignment), and the
	// other unsafe runes and invalid bytes are removed, so the prose stays
	// readable.
	Text
)

// Sanitize returns s safe to print on a terminal: no unsafe rune (see the
// package documentation) is left in it. A string with none is returned as
// is. The result of Sanitize is itself clean, so sanitizing twice is
// harmless.
func Sanitize(s string, m Mode) string {
	if clean(s, m) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		invalid := r == utf8.RuneError && size == 1
		switch {
		case m == Text && r == '\n':
			b.WriteByte('\n')
		case m == Text && r == '\t':
			b.WriteString("    ")
		case m == Text && (invalid || unsafe(r)):
			// Removed.
		case invalid:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unsafe(r):
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case unsafe(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// clean reports whether Sanitize would return s unchanged.
func clean(s string, m Mode) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII, the common case
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafe(r) && !(m == Text && r == '\n') {
			return false
		}
		i += size
	}
	return true
}

// unsafe reports the runes a terminal may act on rather than show: C0, DEL,
// C1 and the bidirectional formatting characters.
func unsafe(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || IsBidi(r)
}

// IsBidi reports the Unicode bidirectional formatting characters that make
// displayed text differ from its logical order (Trojan Source): the
// embeddings and overrides LRE, RLE, PDF, LRO, RLO, the isolates LRI, RLI,
// FSI, PDI, and the marks LRM, RLM and ALM.
func IsBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
