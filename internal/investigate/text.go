package investigate

import (
	"fmt"
	"io"
	"slices"
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
	if len(s.AccessKeys) > 0 {
		fmt.Fprintf(&b, "KEYS     %s\n", strings.TrimPrefix(topList(s.AccessKeys, 4, nil, 0), "  "))
	}
	if len(s.Sensitive) > 0 {
		b.WriteString("FOLLOW-ON (sensitive)\n")
		var rows [][]string
		for _, i := range s.Sensitive {
			e := r.Events[i]
			rows = append(rows, []string{"", r.Offset(e), e.Time.UTC().Format("15:04:05"), e.Service(), e.Action, outcome(e),
				e.Sensitive.Technique, e.Sensitive.Group})
		}
		if _, err := (termtext.Table{MaxCell: 40}).Write(&b, rows); err != nil {
			return err
		}
	}
	r.writeActivity(&b)
	b.WriteString("TIMELINE\n")
	rows := [][]string{{"", "time", "offset", "service", "action", "outcome", "source", "region", "user agent"}}
	windowed := !r.WindowStart.IsZero()
	for _, e := range r.Events {
		mark := []byte("  ")
		if e.InAlert {
			mark[0] = 'A'
		}
		if e.Sensitive != nil {
			mark[1] = '!'
		}
		rows = append(rows, []string{string(mark), e.Time.UTC().Format(ts), r.Offset(e), e.Service(), e.Action, outcome(e), e.SourceIP, e.Region, e.UserAgent})
	}
	if !windowed {
		// No window (--arn over the whole input): no offsets.
		for i, row := range rows {
			rows[i] = slices.Delete(row, 2, 3)
		}
	}
	// Table sanitises every cell (termtext.Line) and aligns by display
	// width; a long user agent is cut.
	if _, err := (termtext.Table{MaxCell: 40}).Write(&b, rows); err != nil {
		return err
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

// activityColumns is the most columns the activity chart uses.
const activityColumns = 72

// writeActivity draws the events per service and time step, one lane a
// service (docs/triage-and-exceptions.md §3.4): ▁ none, ▂ to █ how many
// (relative to the busiest step), x errors only, ! a sensitive action; a
// line of ^ under the alert's window.
func (r *Report) writeActivity(b *strings.Builder) {
	if len(r.Events) == 0 {
		return
	}
	from, to := r.From, r.To
	if from.IsZero() || r.Events[0].Time.Before(from) {
		from = r.Events[0].Time
	}
	if last := r.Events[len(r.Events)-1].Time; to.IsZero() || last.After(to) {
		to = last
	}
	from = from.Truncate(time.Minute)
	step := time.Minute
	for to.Sub(from) >= step*activityColumns {
		step = nextStep(step)
	}
	cols := int(to.Sub(from)/step) + 1
	type cell struct{ n, errors, sensitive int }
	lanes := map[string][]cell{}
	var services []string
	most := 1
	for _, e := range r.Events {
		svc := e.Service()
		if lanes[svc] == nil {
			lanes[svc] = make([]cell, cols)
			services = append(services, svc)
		}
		i := min(max(int(e.Time.Sub(from)/step), 0), cols-1)
		c := &lanes[svc][i]
		c.n++
		if e.ErrorCode != "" {
			c.errors++
		}
		if e.Sensitive != nil {
			c.sensitive++
		}
		most = max(most, c.n)
	}
	slices.Sort(services)
	width := 4
	for _, svc := range services {
		width = max(width, min(termtext.Width(clean(svc)), 14))
	}
	legend := "▁ none, ▂-█ events, x errors only, ! sensitive"
	if !r.WindowStart.IsZero() {
		legend += ", ^ the window"
	}
	fmt.Fprintf(b, "ACTIVITY per %s from %s (%s)\n", fmtStep(step), from.UTC().Format("2006-01-02T15:04Z"), legend)
	const bars = "▂▃▄▅▆▇█"
	levels := []rune(bars)
	for _, svc := range services {
		var line strings.Builder
		for _, c := range lanes[svc] {
			switch {
			case c.sensitive > 0:
				line.WriteByte('!')
			case c.n > 0 && c.errors == c.n:
				line.WriteByte('x')
			case c.n > 0:
				line.WriteRune(levels[(c.n*len(levels)-1)/most])
			default:
				line.WriteRune('▁')
			}
		}
		name := termtext.Truncate(clean(svc), width)
		fmt.Fprintf(b, "  %s%s %s\n", name, strings.Repeat(" ", width-termtext.Width(name)), line.String())
	}
	if !r.WindowStart.IsZero() {
		var mark strings.Builder
		for i := range cols {
			start := from.Add(time.Duration(i) * step)
			if start.Before(r.WindowEnd.Add(time.Nanosecond)) && start.Add(step).After(r.WindowStart) {
				mark.WriteByte('^')
			} else {
				mark.WriteByte(' ')
			}
		}
		fmt.Fprintf(b, "  %s %s\n", strings.Repeat(" ", width), strings.TrimRight(mark.String(), " "))
	}
}

// steps are the chart's time steps, from a minute to a week.
var steps = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// nextStep is the step after d (doubling past the last).
func nextStep(d time.Duration) time.Duration {
	for _, s := range steps {
		if s > d {
			return s
		}
	}
	return 2 * d
}

// fmtStep prints a step: "minute", "5m", "2h", "24h".
func fmtStep(d time.Duration) string {
	if d == time.Minute {
		return "minute"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}
