package ruletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/rule"
)

// Options configure a run.
type Options struct {
	// GeoIP is a real GeoIP/ASN database (source.geo.*, source.as.*) for
	// cases marked "requires geoip" that state no geoip lines; without it
	// they are skipped. Cases with geoip lines always run, on databases
	// built from those lines, so they do not depend on MaxMind's data.
	GeoIP *ecs.GeoIP
	// Namespace is the data_stream.namespace events get ("default").
	Namespace string
	// Live runs rules through the live driver (detect.Live, as trailql
	// watch does) instead of the hunt (detect.Detector): every record is
	// an object of its own, flushed as it comes, then the clock moves a day
	// on, as the daemon's ticker would. The case's expectations are checked
	// on the alerts the live driver ends with, and every alert it reported
	// must have reached that final state.
	Live bool
	// Exceptions, when set, are applied to the rule of every case, as
	// trailql detect --exceptions applies them.
	Exceptions *detect.Exceptions
}

// Result is the outcome of one case.
type Result struct {
	File string
	Line int
	Case string
	// Skipped is the reason the case did not run ("" if it ran).
	Skipped string
	// Failures are the failed expectations and errors, each "file:line: msg".
	Failures []string
	// Alerts are the rule's alerts, for callers that print them.
	Alerts []*alert.Alert
	// Warnings are the detector's and the queries' warnings.
	Warnings []string
}

// Passed reports whether the case ran and every expectation held.
func (r Result) Passed() bool { return r.Skipped == "" && len(r.Failures) == 0 }

// Name is "file-stem/case".
func (r Result) Name() string {
	return strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File)) + "/" + r.Case
}

// RunFile parses and runs a script. A script that does not parse gives an
// error naming file:line.
func RunFile(path string, opts Options) ([]Result, error) {
	s, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	return s.Run(opts), nil
}

// Run runs every case of the script.
func (s *Script) Run(opts Options) []Result {
	out := make([]Result, 0, len(s.Cases))
	for _, c := range s.Cases {
		out = append(out, c.Run(opts))
	}
	return out
}

// Run runs one case: its records go, as raw bytes, through detect.Detector
// for the rule and detect.Query for each query, as the CLI runs files.
func (c *Case) Run(opts Options) Result {
	res := Result{File: c.File, Line: c.Line, Case: c.Name}
	geo, cleanup, err := c.geoIP(opts)
	if err != nil {
		res.Failures = append(res.Failures, err.Error())
		return res
	}
	defer cleanup()
	for _, req := range c.Requires {
		if req == "geoip" && geo == nil {
			res.Skipped = "requires geoip: no GeoIP/ASN database given and the case states no geoip lines, so source.geo.* and source.as.* would be null"
			return res
		}
	}
	fail := func(line int, format string, args ...any) {
		res.Failures = append(res.Failures, fmt.Sprintf("%s:%d: %s", c.File, line, fmt.Sprintf(format, args...)))
	}
	now := c.now()
	if c.Rule != "" {
		c.runRule(&res, now, opts, geo, fail)
	}
	for _, q := range c.Queries {
		c.runQuery(&res, q, now, opts.Namespace, geo, fail)
	}
	return res
}

// now is the execution time: the "now" directive, else the latest record's
// eventTime, else a fixed date (never the wall clock).
func (c *Case) now() time.Time {
	if !c.Now.IsZero() {
		return c.Now
	}
	var latest time.Time
	for _, r := range c.Records {
		if t, ok := eventTime(r.Raw); ok && t.After(latest) {
			latest = t
		}
	}
	if latest.IsZero() {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return latest.UTC()
}

func (c *Case) runRule(res *Result, now time.Time, opts Options, geo *ecs.GeoIP, fail func(int, string, ...any)) {
	r, err := c.resolveRule()
	if err != nil {
		fail(c.RuleLine, "%v", err)
		return
	}
	compiled, err := detect.CompileRule(r, now)
	if err != nil {
		fail(c.RuleLine, "rule does not compile: %v", err)
		return
	}
	var alerts []*alert.Alert
	if opts.Live {
		alerts = c.runLive(res, compiled, now, opts, geo, fail)
	} else {
		det := detect.New([]*detect.Compiled{compiled}, detect.Options{Namespace: opts.Namespace, Now: now, GeoIP: geo, Exceptions: opts.Exceptions})
		for _, rec := range c.Records {
			if err := det.Process(rec.Raw); err != nil {
				fail(rec.Line, "record rejected by the ECS mapping: %v", err)
			}
		}
		alerts, err = det.Finish()
		if err != nil {
			fail(c.RuleLine, "rule failed: %v", err)
		}
		res.Warnings = append(res.Warnings, det.ExceptionWarnings()...)
		res.Warnings = append(res.Warnings, det.Warnings()...)
	}
	res.Alerts = alerts
	for _, e := range c.Expects {
		switch e.Kind {
		case ExpectCount:
			if len(alerts) != e.N {
				fail(e.Line, "%d alerts, want %d%s", len(alerts), e.N, describeAlerts(alerts, compiled.GroupBy))
			}
		case ExpectField:
			if e.N > len(alerts) {
				fail(e.Line, "no alert %d: the rule raised %d", e.N, len(alerts))
				continue
			}
			got, ok := alerts[e.N-1].Doc.Get(e.Field)
			var norm any
			if ok {
				norm = normalizeJSON(got)
			}
			if !equalJSON(e.Value, norm) {
				shown := "absent"
				if ok {
					shown = render(norm)
				}
				fail(e.Line, "alert %d %s = %s, want %s", e.N, e.Field, shown, e.Text)
			}
		case ExpectWarning:
			if !containsAny(res.Warnings, e.Text) {
				fail(e.Line, "no warning contains %q (warnings: %q)", e.Text, res.Warnings)
			}
		}
	}
}

// runLive runs the case's records through the live driver, one object a
// record, and returns the alerts it ends with. It fails the case when an
// alert's last reported version is not its final state.
func (c *Case) runLive(res *Result, compiled *detect.Compiled, now time.Time, opts Options, geo *ecs.GeoIP, fail func(int, string, ...any)) []*alert.Alert {
	clock := now
	live, err := detect.NewLive([]*detect.Compiled{compiled}, detect.LiveOptions{Namespace: opts.Namespace, GeoIP: geo, Exceptions: opts.Exceptions,
		Now: func() time.Time { return clock }})
	if err != nil {
		fail(c.RuleLine, "%v", err)
		return nil
	}
	reported := map[string]*alert.Alert{}
	flush := func(idle bool) {
		flusher := live.Flush
		if idle {
			flusher = live.FlushIdle
		}
		out, err := flusher()
		if err != nil {
			fail(c.RuleLine, "rule failed: %v", err)
		}
		for _, a := range out {
			reported[a.ID] = a.Alert
		}
	}
	for _, rec := range c.Records {
		if err := live.Process(rec.Raw); err != nil {
			fail(rec.Line, "record rejected by the ECS mapping: %v", err)
		}
		flush(false)
	}
	clock = now.Add(24 * time.Hour)
	flush(true)
	clock = now // the alert time the hunt gives
	alerts := live.Alerts()
	for _, a := range alerts {
		got, ok := reported[a.ID]
		if !ok {
			fail(c.RuleLine, "live: alert %s was never reported", a.ID)
			continue
		}
		if detect.AlertContent(got) != detect.AlertContent(a) {
			fail(c.RuleLine, "live: alert %s was last reported in another state than its final one", a.ID)
		}
	}
	res.Warnings = append(res.Warnings, live.ExceptionWarnings()...)
	res.Warnings = append(res.Warnings, live.Warnings()...)
	return alerts
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// describeAlerts summarises alerts for a count mismatch: their group
// columns, so the reader sees what fired.
func describeAlerts(alerts []*alert.Alert, groupBy []string) string {
	if len(alerts) == 0 {
		return ""
	}
	var b strings.Builder
	for i, a := range alerts {
		if i == 5 {
			fmt.Fprintf(&b, "; ...")
			break
		}
		fmt.Fprintf(&b, "; alert %d:", i+1)
		keys := groupBy
		if len(keys) == 0 {
			keys = a.Columns
			if len(keys) > 4 {
				keys = keys[:4]
			}
		}
		for _, k := range keys {
			v, _ := a.Doc.Get(k)
			fmt.Fprintf(&b, " %s=%s", k, render(normalizeJSON(v)))
		}
	}
	return b.String()
}

func (c *Case) runQuery(res *Result, q *Query, now time.Time, namespace string, geo *ecs.GeoIP, fail func(int, string, ...any)) {
	prog, err := detect.CompileQuery(q.Text, detect.CompileOptions{Now: now})
	if err != nil {
		fail(q.Line, "query does not compile: %v", err)
		return
	}
	var rows [][]any
	run := detect.NewQuery(prog, detect.Options{Namespace: namespace, Now: now, GeoIP: geo}, func(row []esql.Value) error {
		r := make([]any, len(row))
		for i, v := range row {
			r[i] = normalizeJSON(v.JSON())
		}
		rows = append(rows, r)
		return nil
	})
	for _, rec := range c.Records {
		if err := run.Process(rec.Raw); err != nil {
			fail(rec.Line, "record rejected: %v", err)
		}
	}
	if err := run.Finish(); err != nil {
		fail(q.Line, "query failed: %v", err)
		return
	}
	res.Warnings = append(res.Warnings, run.Warnings()...)
	if !q.Expect {
		return
	}
	cols := prog.Columns()
	if len(q.Columns) > 0 {
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = col.Name
		}
		if strings.Join(names, " | ") != strings.Join(q.Columns, " | ") {
			fail(q.ExpectAt, "columns %s, want %s", strings.Join(names, " | "), strings.Join(q.Columns, " | "))
			return
		}
	}
	if len(rows) != len(q.Rows) {
		fail(q.ExpectAt, "%d rows, want %d; got:%s", len(rows), len(q.Rows), renderRows(rows))
		return
	}
	if q.Unordered {
		used := make([]bool, len(rows))
	next:
		for i, want := range q.Rows {
			for j, got := range rows {
				if !used[j] && rowEqual(want, got) {
					used[j] = true
					continue next
				}
			}
			fail(q.ExpectAt, "expected row %d %s not in the result; got:%s", i+1, render(want), renderRows(rows))
			return
		}
		return
	}
	for i := range rows {
		for j := range rows[i] {
			if !equalJSON(q.Rows[i][j], rows[i][j]) {
				fail(q.ExpectAt, "row %d column %s = %s, want %s", i+1, q.Columns[j], render(rows[i][j]), render(q.Rows[i][j]))
			}
		}
	}
}

func renderRows(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("\n\t")
		for j, v := range r {
			if j > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(render(v))
		}
	}
	return b.String()
}

var (
	bundledOnce sync.Once
	bundled     []*rule.Rule
)

// resolveRule finds the case's rule: "bundled:ID", "bundled:FILE-STEM",
// "bundled:seed", or a TOML path relative to the script.
func (c *Case) resolveRule() (*rule.Rule, error) {
	if ref, ok := strings.CutPrefix(c.Rule, "bundled:"); ok {
		if ref == "seed" {
			return rule.Seed(), nil
		}
		bundledOnce.Do(func() { bundled = rule.Bundled() })
		for _, r := range bundled {
			stem := strings.TrimSuffix(filepath.Base(r.Path), ".toml")
			if r.RuleID == ref || stem == ref {
				return r, nil
			}
		}
		return nil, fmt.Errorf("no bundled rule with id or file name %q", ref)
	}
	p := c.Rule
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.Dir, p)
	}
	return rule.LoadFile(p)
}

// Find lists the script files (*.test) of paths: files as given,
// directories searched recursively, in lexical order.
func Find(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return out, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".test") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// rowEqual compares rows cell by cell (each cell with equalJSON).
func rowEqual(want, got []any) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !equalJSON(want[i], got[i]) {
			return false
		}
	}
	return true
}

// geoIP gives the enrichment of a case: databases built from its geoip
// lines, else opts.GeoIP, else nil. cleanup releases what it built.
func (c *Case) geoIP(opts Options) (g *ecs.GeoIP, cleanup func(), err error) {
	cleanup = func() {}
	if len(c.GeoIP) == 0 {
		return opts.GeoIP, cleanup, nil
	}
	dir, err := os.MkdirTemp("", "ruletest-geoip-")
	if err != nil {
		return nil, cleanup, err
	}
	city, asn, err := writeGeoIPDatabases(dir, c.GeoIP)
	if err == nil {
		g, err = ecs.OpenGeoIP(city, asn)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, cleanup, fmt.Errorf("%s:%d: geoip: %v", c.File, c.Line, err)
	}
	return g, func() { g.Close(); os.RemoveAll(dir) }, nil
}
