package csvspec

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Counts are passed/failed/skipped totals.
type Counts struct{ Passed, Failed, Skipped int }

func (c *Counts) add(s Status) {
	switch s {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	default:
		c.Skipped++
	}
}

// PassRate is the percentage of non-skipped cases that passed.
func (c Counts) PassRate() float64 {
	if c.Passed+c.Failed == 0 {
		return 0
	}
	return 100 * float64(c.Passed) / float64(c.Passed+c.Failed)
}

func (c Counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
}

// Summary accumulates results per file, skip reason and failure category.
type Summary struct {
	Total   Counts
	Files   map[string]*Counts
	order   []string
	skips   map[string]int            // skip category -> count
	subject map[string]map[string]int // skip category -> subject -> count
	fails   map[string][]string       // failure group -> case IDs
	reasons map[string]string         // failure group -> one example reason
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	return &Summary{Files: map[string]*Counts{}, skips: map[string]int{}, subject: map[string]map[string]int{},
		fails: map[string][]string{}, reasons: map[string]string{}}
}

// Add records the result of c.
func (s *Summary) Add(c *Case, r Result) {
	fc, ok := s.Files[c.File]
	if !ok {
		fc = &Counts{}
		s.Files[c.File] = fc
		s.order = append(s.order, c.File)
	}
	fc.add(r.Status)
	s.Total.add(r.Status)
	switch r.Status {
	case Skipped:
		s.skips[r.Category]++
		if r.Subject != "" {
			if s.subject[r.Category] == nil {
				s.subject[r.Category] = map[string]int{}
			}
			s.subject[r.Category][r.Subject]++
		}
	case Failed:
		g := FailureGroup(r)
		s.fails[g] = append(s.fails[g], c.ID())
		if _, ok := s.reasons[g]; !ok {
			s.reasons[g] = r.Reason
		}
	}
}

// Line is the one-line summary:
// "csv-spec: 812 passed, 40 failed, 300 skipped (by reason: ...)".
func (s *Summary) Line() string {
	return fmt.Sprintf("csv-spec: %s (by reason: %s); %.1f%% of non-skipped cases pass",
		s.Total, byCount(s.skips), s.Total.PassRate())
}

// byCount renders counts as "a 3, b 1", largest first.
func byCount(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j])
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Report is the summary line, per-file counts and the failure groups
// (largest first, with up to three example cases each).
func (s *Summary) Report() string {
	var b strings.Builder
	b.WriteString(s.Line())
	b.WriteString("\n\nper file:\n")
	files := append([]string(nil), s.order...)
	sort.Strings(files)
	for _, f := range files {
		c := s.Files[f]
		fmt.Fprintf(&b, "  %-32s %s (%.1f%% of non-skipped pass)\n", f, c, c.PassRate())
	}
	cats := make([]string, 0, len(s.subject))
	for c := range s.subject {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	if len(cats) > 0 {
		b.WriteString("\nskipped, by what trailql lacks:\n")
	}
	for _, c := range cats {
		fmt.Fprintf(&b, "  %s: %s\n", c, byCount(s.subject[c]))
	}
	groups := make([]string, 0, len(s.fails))
	for g := range s.fails {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, c := len(s.fails[groups[i]]), len(s.fails[groups[j]])
		return a > c || (a == c && groups[i] < groups[j])
	})
	if len(groups) > 0 {
		b.WriteString("\nfailure groups:\n")
	}
	for _, g := range groups {
		ids := s.fails[g]
		ex := ids
		if len(ex) > 3 {
			ex = ex[:3]
		}
		fmt.Fprintf(&b, "  %3d  %s\n       e.g. %s\n       first: %s\n", len(ids), g, strings.Join(ex, ", "), s.reasons[g])
	}
	return b.String()
}

var (
	reLineCol   = regexp.MustCompile(`[Ll]ine \d+:\d+: `)
	reBrackets  = regexp.MustCompile(`\[[^\]]*\]`)
	reNumbers   = regexp.MustCompile(`\d+`)
	reQuoted    = regexp.MustCompile(`"[^"]*"`)
	reValueDiff = regexp.MustCompile(`^row \d+ column \d+ \(.*\): expected .*$`)
)

// FailureGroup is a coarse key grouping similar failures: the category plus
// the reason with positions, names and values blanked out.
func FailureGroup(r Result) string {
	s := r.Reason
	s = reLineCol.ReplaceAllString(s, "")
	s = reValueDiff.ReplaceAllString(s, "row R column C: expected X, actual Y")
	s = reBrackets.ReplaceAllString(s, "[…]")
	s = reQuoted.ReplaceAllString(s, `"…"`)
	s = reNumbers.ReplaceAllString(s, "N")
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return r.Category + ": " + s
}
