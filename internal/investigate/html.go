package investigate

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/trailql/trailql/internal/termtext"
)

//go:embed report.html
var reportHTML string

// The report is html/template only: every log value goes through its
// contextual escaping (text, attribute, SVG <title>), none is ever marked
// template.HTML, and a Content-Security-Policy forbids scripts and any
// network access, so that the file is safe to open whatever the logs held.
//
// It is parsed when a report is first written, not at every start-up.
var reportTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"fmtTime": fmtTime,
		"outcome": func(e Event) string {
			if e.ErrorCode != "" {
				return e.ErrorCode
			}
			return "ok"
		},
	}).Parse(reportHTML))
})

// svg is the timeline drawing: a lane per service, a dot per event.
type svg struct {
	Width, Height, Left, Right, AxisY int
	Window                            *svgRect
	Lanes                             []svgLane
	Ticks                             []svgTick
	Dots                              []svgDot
}

type svgRect struct{ X, W int }
type svgLane struct {
	Name     string
	Y, TextY int
}
type svgTick struct {
	X     int
	Label string
}
type svgDot struct {
	X, Y         int
	Color, Title string
	// Ring circles the dot of an event behind the alert whose colour says
	// something else (sensitive, error).
	Ring bool
}

type htmlRow struct {
	E      Event
	Offset string
	Class  string
}

// WriteHTML writes the report as one self-contained HTML file: the
// summary, an inline SVG timeline, the sensitive actions, every event, and
// the rule's investigation guide.
func (r *Report) WriteHTML(w io.Writer, generated time.Time) error {
	r = r.displayed()
	title := r.Identity.String()
	if r.AlertID != "" {
		title = r.Rule + " · " + r.AlertID
	}
	var rows []htmlRow
	for _, e := range r.Events {
		c := ""
		switch {
		case e.Sensitive != nil:
			c = "sensitive"
		case e.InAlert:
			c = "alert"
		}
		if e.ErrorCode != "" {
			c += " error"
		}
		rows = append(rows, htmlRow{E: e, Offset: r.Offset(e), Class: c})
	}
	var sensitive []htmlRow
	for _, i := range r.Summary.Sensitive {
		sensitive = append(sensitive, rows[i])
	}
	err := reportTemplate().Execute(w, map[string]any{
		"Title": title, "Report": r, "SVG": r.drawing(), "Rows": rows, "Sensitive": sensitive,
		"Generated": generated.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// drawing lays the events out: x by time over the timeline's range, y by
// service.
func (r *Report) drawing() svg {
	const left, width, laneH, top = 130, 1100, 26, 10
	d := svg{Width: width, Left: left, Right: width - 40}
	var services []string
	for _, e := range r.Events {
		if !slices.Contains(services, e.Service()) {
			services = append(services, e.Service())
		}
	}
	slices.Sort(services)
	d.Height = top + laneH*max(len(services), 1) + 30
	d.AxisY = d.Height - 8
	from, to := r.From, r.To
	if len(r.Events) > 0 {
		if from.IsZero() || r.Events[0].Time.Before(from) {
			from = r.Events[0].Time
		}
		if last := r.Events[len(r.Events)-1].Time; to.IsZero() || last.After(to) {
			to = last
		}
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	span := float64(to.Sub(from))
	x := func(t time.Time) int { return left + int(float64(d.Right-left)*float64(t.Sub(from))/span) }
	for i, s := range services {
		y := top + laneH*i + laneH/2
		d.Lanes = append(d.Lanes, svgLane{Name: s, Y: y, TextY: y + 4})
	}
	for i := 0; i <= 4; i++ {
		t := from.Add(time.Duration(float64(to.Sub(from)) * float64(i) / 4))
		d.Ticks = append(d.Ticks, svgTick{X: x(t), Label: t.UTC().Format("15:04:05")})
	}
	if !r.WindowStart.IsZero() {
		x0, x1 := x(r.WindowStart), x(r.WindowEnd)
		d.Window = &svgRect{X: x0, W: max(x1-x0, 2)}
	}
	for _, e := range r.Events {
		color := "#8b95a5"
		switch {
		case e.Sensitive != nil:
			color = "#e8710a"
		case e.ErrorCode != "":
			color = "#b3261e"
		case e.InAlert:
			color = "#1f6feb"
		}
		lane := slices.Index(services, e.Service())
		d.Dots = append(d.Dots, svgDot{X: x(e.Time), Y: top + laneH*lane + laneH/2, Color: color, Ring: e.InAlert && color != "#1f6feb",
			Title: fmt.Sprintf("%s %s %s %s %s", e.Time.UTC().Format("15:04:05"), e.Action, e.SourceIP, e.UserAgent, outcome(e))})
	}
	return d
}

// displayed is a copy of r whose log values show control characters as
// escapes (termtext.Line), as the terminal output does: a value is
// evidence, and one that carried an escape sequence must say so.
func (r *Report) displayed() *Report {
	c := *r
	c.Rule, c.Guide = termtext.Sanitize(r.Rule, termtext.Text), termtext.Sanitize(r.Guide, termtext.Text)
	c.Identity = Identity{Fields: r.Identity.Fields}
	for _, vs := range r.Identity.Values {
		var out []string
		for _, v := range vs {
			out = append(out, clean(v))
		}
		c.Identity.Values = append(c.Identity.Values, out)
	}
	c.Events = make([]Event, len(r.Events))
	for i, e := range r.Events {
		e.ID, e.Action, e.Provider, e.Outcome = clean(e.ID), clean(e.Action), clean(e.Provider), clean(e.Outcome)
		e.SourceIP, e.UserAgent, e.Region, e.ARN = clean(e.SourceIP), clean(e.UserAgent), clean(e.Region), clean(e.ARN)
		e.ErrorCode, e.ASOrg, e.Country, e.AccessKey = clean(e.ErrorCode), clean(e.ASOrg), clean(e.Country), clean(e.AccessKey)
		c.Events[i] = e
	}
	c.Summarize()
	return &c
}
