package termtext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Hostile strings: nothing a terminal acts on survives, in either mode,
// and sanitized text is left alone when sanitized again.
func TestSanitize(t *testing.T) {
	cases := []struct {
		name, in   string
		line, text string
	}{
		{"plain", "plain Zürich ☃ 東京", "plain Zürich ☃ 東京", "plain Zürich ☃ 東京"},
		{"clear screen", "a\x1b[2Jb", `a\x1b[2Jb`, "a[2Jb"},
		{"colour", "evil\x1b[31m", `evil\x1b[31m`, "evil[31m"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
			`\x1b]8;;https://evil.example/\x1b\click\x1b]8;;\x1b\`, `]8;;https://evil.example/\click]8;;\`},
		{"OSC 0 title, BEL", "x\x1b]0;pwned\x07y", `x\x1b]0;pwned\x07y`, "x]0;pwnedy"},
		{"C1 CSI and NEL", "c1\u009b2J\u0085", `c1\u009b2J\u0085`, "c12J"},
		{"bidi override", "user\u202egnp.exe", `user\u202egnp.exe`, "usergnp.exe"},
		{"bidi isolates and marks", "a\u2066b\u2069c\u200e\u200f\u061c", `a\u2066b\u2069c\u200e\u200f\u061c`, "abc"},
		{"embeddings", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`, ""},
		{"invalid UTF-8", "bad\xff\xfeutf8", "bad\uFFFD\uFFFDutf8", "badutf8"},
		{"encoded surrogate", "s\xed\xa0\x80s", "s\uFFFD\uFFFD\uFFFDs", "ss"},
		{"literal U+FFFD is fine", "\uFFFD", "\uFFFD", "\uFFFD"},
		{"NUL", "a\x00b", `a\x00b`, "ab"},
		{"DEL, backspace", "del\x7f\x08", `del\x7f\x08`, "del"},
		{"layout", "tab\tnl\ncr\r", `tab\tnl\ncr\r`, "tab    nl\ncr"},
		{"line separator is not a control", "a\u2028b", "a\u2028b", "a\u2028b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in, Line); got != tc.line {
				t.Errorf("Line: %q, want %q", got, tc.line)
			}
			if got := Sanitize(tc.in, Text); got != tc.text {
				t.Errorf("Text: %q, want %q", got, tc.text)
			}
			for _, m := range []Mode{Line, Text} {
				out := Sanitize(tc.in, m)
				for _, r := range out {
					if (unicode.IsControl(r) && !(m == Text && r == '\n')) || IsBidi(r) {
						t.Errorf("mode %d: %U left in %q", m, r, out)
					}
				}
				if again := Sanitize(out, m); again != out {
					t.Errorf("mode %d: not idempotent: %q then %q", m, out, again)
				}
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "a\x1b[31mb", "\u009b2J", "x\u202ey", "\xff\xfe", "\x7f", "\t\n\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []Mode{Line, Text} {
			out := Sanitize(s, m)
			for _, r := range out {
				if (unicode.IsControl(r) && !(m == Text && r == '\n')) || IsBidi(r) {
					t.Fatalf("mode %d: %U in %q", m, r, out)
				}
			}
			if !utf8.ValidString(out) || Sanitize(out, m) != out {
				t.Fatalf("mode %d: not idempotent on %q", m, s)
			}
		}
	})
}

// Display widths: marks and format characters 0, East Asian wide runes 2.
func TestWidth(t *testing.T) {
	want := map[string]int{
		"":                 0,
		"abc":              3,
		"Zürich":           6,
		"Zu\u0308rich":     6, // u + combining diaeresis
		"東京":               4,
		"ｱｲ":               2, // halfwidth katakana
		"ＡＢ":               4, // fullwidth Latin
		"한국어":              6, // Hangul syllables
		"\u1100\u1161":     2, // conjoining jamo: leading consonant + vowel
		"a\u200bb":         2, // zero width space
		"…":                1, // ambiguous: narrow outside CJK locales
		"🙂":                2,
		"e\u20dd":          1, // enclosing mark
		"soft\u00adhyphen": 11,
	}
	for s, w := range want {
		if got := Width(s); got != w {
			t.Errorf("Width(%q) = %d, want %d", s, got, w)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name, text  string
		width       int
		first, rest string
		want        []string
	}{
		{"fits", "a b c", 10, "", "", []string{"a b c"}},
		{"breaks at words", "one two three four", 9, "", "", []string{"one two", "three", "four"}},
		{"hanging indent", "one two three", 9, "  • ", "    ", []string{"  • one", "    two", "    three"}},
		{"spaces collapse", "  a \n\t b  ", 10, "> ", "> ", []string{"> a b"}},
		{"long word", "x abcdefghijkl y", 5, "", "", []string{"x", "abcdefghijkl", "y"}},
		{"no words", " \n ", 10, "- ", "  ", nil},
		// 東京 is 4 columns: "東京 東京" is 9, more than 8.
		{"wide runes", "東京 東京 ab", 8, "", "", []string{"東京", "東京 ab"}},
		{"combining marks", "Zu\u0308rich Zu\u0308rich", 13, "", "", []string{"Zu\u0308rich Zu\u0308rich"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Wrap(tc.text, tc.width, tc.first, tc.rest)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s           string
		width       int
		end, middle string
	}{
		{"abcdef", 6, "abcdef", "abcdef"},
		{"abcdef", 4, "abc…", "a…ef"},
		{"äöü", 3, "äöü", "äöü"},
		{"arn:aws:iam::123456789012:role/admin", 15, "arn:aws:iam::1…", "arn:aws…e/admin"},
		// A wide rune that would straddle the limit is left out.
		{"東京都庁", 6, "東京…", "東…庁"},
		{"東京都庁", 5, "東京…", "東…庁"},
		// A combining mark stays with its base.
		{"Zu\u0308rich", 3, "Zu\u0308…", "Z…h"},
		{"abc", 0, "", ""},
	} {
		if got := Truncate(tc.s, tc.width); got != tc.end {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.end)
		}
		if got := TruncateMiddle(tc.s, tc.width); got != tc.middle {
			t.Errorf("TruncateMiddle(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.middle)
		}
		if Width(Truncate(tc.s, tc.width)) > tc.width || Width(TruncateMiddle(tc.s, tc.width)) > tc.width {
			t.Errorf("%q cut to %d is wider", tc.s, tc.width)
		}
	}
}
