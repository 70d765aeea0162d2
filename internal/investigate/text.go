package investigate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/termtext"
)

// clean makes a log value safe on a terminal (one line, escapes shown).
func clean(s string) string { return termtext.Sanitize(s, termtext.Line) }

// WriteText writes the report for a person at a terminal: the alert, the
// summary, the sensitive follow-on actions and the timeline, every log
// value sanitised (termtext.Line: control characters shown as escapes).
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	s := &r.Summary
	const ts = "2006-01-02T15:04:05Z"
	if r.AlertID != "" {
		fmt.Fprintf(&b, "ALERT    %s  %s\n", clean(r.Rule), r.AlertID)
	}
	if !r.WindowStart.IsZero() {
		fmt.Fprintf(&b, "WINDOW   %s – %s\n", r.WindowStart.UTC().Format(ts), r.WindowEnd.UTC().Format(ts))
	}
	fmt.Fprintf(&b, "ACTOR    %s\n", clean(r.Identity.String()))
	if !r.From.IsZero() || !r.To.IsZero() {
		fmt.Fprintf(&b, "RANGE    %s – %s\n", fmtTime(r.From), fmtTime(r.To))
	}
	if s.Events == 0 {
		b.WriteString("no events of this actor in the range\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "SEEN     first %s  last %s  (%d events, %d behind the alert, %d actions)\n",
		s.FirstSeen.UTC().Format(ts), s.LastSeen.UTC().Format(ts), s.Events, s.InAlert, len(s.Actions))
	fmt.Fprintf(&b, "ERRORS   %d/%d%s\n", s.Errors, s.Events, topList(s.ErrorCodes, 4, nil, 0))
	fmt.Fprintf(&b, "SOURCE   %s\n", strings.TrimPrefix(topList(s.SourceIPs, 4, s.NetworkOf, 0), "  "))
	fmt.Fprintf(&b, "AGENTS   %s\n", strings.TrimPrefix(topList(s.UserAgents, 3, nil, 48), "  "))
	fmt.Fprintf(&b, "REGIONS  %s\n", strings.TrimPrefix(topList(s.Regions, 6, nil, 0), "  "))
	if len(s.Sensitive) > 0 {
		b.WriteString("FOLLOW-ON (sensitive)\n")
		for _, i := range s.Sensitive {
			e := r.Events[i]
			fmt.Fprintf(&b, "  %-10s %s  %-6s %-28s %-8s %s (%s)\n", r.Offset(e), e.Time.UTC().Format("15:04:05"), clean(e.Service()),
				clean(e.Action), outcome(e), clean(e.Sensitive.Group), clean(e.Sensitive.Technique))
		}
	}
	b.WriteString("TIMELINE\n")
	for _, e := range r.Events {
		mark := []byte("   ")
		if e.InAlert {
			mark[0] = 'A'
		}
		if e.Sensitive != nil {
			mark[1] = '!'
		}
		fmt.Fprintf(&b, "%s%s  %-6s %-28s %-8s %s\n", string(mark), e.Time.UTC().Format(ts), clean(e.Service()), clean(e.Action), outcome(e), clean(e.SourceIP))
	}
	b.WriteString("(A: behind the alert, !: sensitive)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "…"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// outcome is "ok" or the error code.
func outcome(e Event) string {
	if e.ErrorCode != "" {
		return clean(e.ErrorCode)
	}
	return "ok"
}

// topList renders the n most frequent values, "  a (3), b (1), +2 more",
// each cut to width display columns (0: whole).
func topList(cs []Count, n int, extra map[string]string, width int) string {
	var parts []string
	for i, c := range cs {
		if i == n {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-n))
			break
		}
		v := clean(c.Value)
		if width > 0 {
			v = termtext.Truncate(v, width)
		}
		if x := extra[c.Value]; x != "" {
			v += " [" + clean(x) + "]"
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", v, c.N))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, ", ")
}
