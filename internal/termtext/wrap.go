package termtext

import "strings"

// Wrap word-wraps text to width terminal columns: the first line starts
// with first, the others with rest (an indent, or a hanging indent for a
// list item). Words are the runs of text between white space; runs of white
// space become one space, and a word wider than the line gets a line of its
// own rather than being broken. Widths are display widths (Width). Text
// without words gives no lines.
func Wrap(text string, width int, first, rest string) []string {
	var lines []string
	var cur strings.Builder
	cur.WriteString(first)
	n := Width(first)
	empty := true
	for _, word := range strings.Fields(text) {
		wl := Width(word)
		if !empty && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			cur.WriteString(rest)
			n, empty = Width(rest), true
		}
		if !empty {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
		empty = false
	}
	if !empty {
		lines = append(lines, cur.String())
	}
	return lines
}

// Truncate cuts s to at most width terminal columns, ending with "…" when
// cut. A wide rune that would straddle the limit is left out, so the result
// may be a column narrower than width.
func Truncate(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	return prefix(s, width-1) + "…"
}

// TruncateMiddle is Truncate keeping both ends of s, joined by "…": for an
// identifier such as an ARN, whose start (the account) and end (the role or
// session name) both matter.
func TruncateMiddle(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	head := prefix(s, (width-1)/2)
	return head + "…" + suffix(s[len(head):], width-1-Width(head))
}

// prefix is the longest start of s at most width columns wide. Zero-width
// runes after the last one that fits stay with it (a combining accent
// belongs to its base letter).
func prefix(s string, width int) string {
	n := 0
	for i, r := range s {
		w := RuneWidth(r)
		if n+w > width {
			return s[:i]
		}
		n += w
	}
	return s
}

// suffix is the longest end of s at most width columns wide, not starting
// with a zero-width rune that would lose its base.
func suffix(s string, width int) string {
	rs := []rune(s)
	n, start := 0, len(rs)
	for i := len(rs) - 1; i >= 0; i-- {
		w := RuneWidth(rs[i])
		if n+w > width {
			break
		}
		n += w
		if w > 0 {
			start = i
		}
	}
	return string(rs[start:])
}
