package termtext

import (
	"regexp"
	"strings"
	"sync"
)

// mdPats holds the Markdown patterns, compiled when a guide is first rendered,
// not at every start-up.
var mdPats = sync.OnceValue(func() *mdPatterns {
	return &mdPatterns{
		heading: regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`),
		bullet:  regexp.MustCompile(`^(\s*)[-*+]\s+(.*)$`),
		number:  regexp.MustCompile(`^(\s*)(\d+)[.)]\s+(.*)$`),
		link:    regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`),
		bold:    regexp.MustCompile(`(\*\*|__)(.+?)(\*\*|__)`),
		code:    regexp.MustCompile("`([^`]+)`"),
		rule:    regexp.MustCompile(`^\s*([-*_]\s*){3,}$`),
		strong:  regexp.MustCompile(`^(\*\*|__)([^*_]+)(\*\*|__):?$`),
	}
})

type mdPatterns struct {
	heading, bullet, number, link, bold, code, rule, strong *regexp.Regexp
}

// Markdown renders Markdown, such as a rule's investigation guide, as plain
// text lines for a terminal width columns wide: headings become underlined
// titles, list items get a bullet and hang, paragraphs are joined and
// wrapped, emphasis, code ticks and link syntax disappear (a link keeps its
// URL in parentheses), fenced code is indented and otherwise unchanged.
//
// The text is sanitized first (Sanitize in Text mode): Markdown comes from
// rule files, which are input. Blocks are separated by one empty line; the
// first line is empty when md opens with a block that asks for a separator
// (a heading, or a paragraph after blank lines), so the lines can follow a
// title as they are. No line has trailing blanks.
func Markdown(md string, width int) []string {
	p := &page{width: width}
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var para []string
	paraFirst, paraRest := "", ""
	flush := func() {
		if len(para) > 0 {
			p.wrap(paraFirst, paraRest, Inline(strings.Join(para, " ")))
			para = nil
		}
	}
	inFence := false
	gap := false // a blank source line ended the previous block
	for _, raw := range lines {
		l := Sanitize(raw, Text)
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			flush()
			inFence = !inFence
			continue
		}
		if inFence {
			p.add("    " + l)
			continue
		}
		switch {
		case t == "":
			flush()
			gap = true
			continue
		case mdPats().rule.MatchString(t):
			flush()
			p.blank()
			continue
		}
		if m := mdPats().heading.FindStringSubmatch(t); m != nil {
			flush()
			title := Inline(m[2])
			p.blank()
			p.add(title)
			if len(m[1]) <= 2 {
				p.add(strings.Repeat("~", Width(title)))
			}
			continue
		}
		if m := mdPats().strong.FindStringSubmatch(t); m != nil {
			// A paragraph that is all bold is used as a sub-heading.
			flush()
			p.blank()
			p.add(Inline(m[2]))
			continue
		}
		if m := mdPats().bullet.FindStringSubmatch(l); m != nil {
			flush()
			gap = false
			ind := strings.Repeat("  ", len(m[1])/2+1)
			paraFirst, paraRest = ind+"• ", ind+"  "
			para = append(para, m[2])
			continue
		}
		if m := mdPats().number.FindStringSubmatch(l); m != nil {
			flush()
			gap = false
			ind := strings.Repeat("  ", len(m[1])/2+1)
			num := m[2] + ". "
			paraFirst, paraRest = ind+num, ind+strings.Repeat(" ", len(num))
			para = append(para, m[3])
			continue
		}
		if len(para) == 0 {
			paraFirst, paraRest = "", ""
			if gap {
				p.blank()
			}
		}
		gap = false
		para = append(para, t)
	}
	flush()
	return p.lines
}

// Inline removes inline Markdown from one paragraph: a link keeps its text
// and URL, emphasis and code ticks go. It does not sanitize.
func Inline(s string) string {
	s = mdPats().link.ReplaceAllStringFunc(s, func(m string) string {
		sub := mdPats().link.FindStringSubmatch(m)
		if sub[1] == sub[2] {
			return sub[2]
		}
		return sub[1] + " (" + sub[2] + ")"
	})
	s = mdPats().bold.ReplaceAllString(s, "$2")
	s = mdPats().code.ReplaceAllString(s, "$1")
	return strings.ReplaceAll(s, `\_`, "_")
}

// page collects the lines Markdown renders.
type page struct {
	width int
	lines []string
	// sep is set after an empty line, so blocks are separated by one empty
	// line however the Markdown spaced them. It starts unset: Markdown
	// follows a title, not an empty line.
	sep bool
}

func (p *page) add(s string) {
	s = strings.TrimRight(s, " ")
	p.sep = s == ""
	p.lines = append(p.lines, s)
}

// blank ends a block with one empty line (never two in a row).
func (p *page) blank() {
	if !p.sep {
		p.add("")
	}
}

func (p *page) wrap(first, rest, text string) {
	for _, l := range Wrap(text, p.width, first, rest) {
		p.add(l)
	}
}
