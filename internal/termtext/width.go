package termtext

import (
	"unicode"

	"golang.org/x/text/width"
)

// Width is the number of terminal columns s takes: the sum of its runes'
// display widths (see RuneWidth). It is meant for sanitized text; a control
// character counts 0.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// RuneWidth is the number of terminal columns r takes, as terminals draw
// it:
//   - 0 for combining marks (Unicode Mn, Me), format characters (Cf, such
//     as the zero width space and joiner; not the soft hyphen), Hangul medial vowels and final
//     consonants (U+1160–U+11FF, drawn with the preceding syllable) and
//     controls;
//   - 2 for East Asian Wide and Fullwidth runes (CJK ideographs, kana,
//     Hangul syllables, fullwidth forms, most emoji), by Unicode's East
//     Asian Width property (UAX #11);
//   - 1 for everything else, East Asian Ambiguous runes included, as
//     terminals outside CJK locales draw them.
func RuneWidth(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return 0
	case r < 0x300:
		// Latin, the common case: no marks or wide runes. The soft hyphen
		// (U+00AD) is Cf, but terminals draw it, so it counts 1 here.
		return 1
	case r >= 0x1160 && r <= 0x11ff:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
