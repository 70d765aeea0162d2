package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/internal/investigate"
	"github.com/trailql/trailql/internal/termtext"
)

type investigateFlags struct {
	hunt      detectFlags
	alertID   string
	arn       string
	accessKey string
	at        string
	around    time.Duration
	format    string
	output    string
	sensitive string
}

func newInvestigateCmd() *cobra.Command {
	f := investigateFlags{hunt: detectFlags{lateness: "auto", evidenceMax: math.MaxInt32, quiet: true}}
	cmd := &cobra.Command{
		Use:   "investigate (--alert UUID | --arn ARN | --access-key ID) [--at TIME] [flags] PATH...",
		Short: "Show an actor's timeline around an alert: the events behind it and the follow-on actions",
		Long: `investigate answers the first questions of an alert's triage from the logs at hand:
what else did this actor do, before and after?

With --alert it runs the rules over PATH (as detect does, with the same --rules and
--exceptions), finds the alert, and takes its identity (the rule's BY values that are
event fields or Esql.* copies of one, for the seed rule the ARN; for a rule without STATS
the event's ARN; else the ARNs of the events behind it) and its window (the bucket of a
rule bucketed by event time, the lookback of a scheduled run, the event's time for a
rule without STATS). Standard input (-) is kept in a temporary file, as it is read twice.
With --arn it takes that ARN, with --access-key every caller of that access key id,
around --at if given (a date alone: that whole day).

The timeline is every event of the identity from --around before the window to --around
after it, marked where the event is behind the alert (trailql.in_alert) and where it is
a sensitive follow-on action (trailql.sensitive: a built-in catalogue of credential,
privilege, secret, sharing and logging actions; --sensitive replaces it). A summary adds
first and last seen, actions, errors, source IPs (with AS and country when GeoIP is
given), user agents, regions and access keys.

Formats: text (the default on a terminal: the summary, activity per service and minute,
the timeline; log values sanitised), ndjson (one event a line, nothing else; the default
otherwise), html (one self-contained file: no script, no network; every log value
escaped).`,
		Example: `  trailql investigate --alert 3f1c… AWSLogs/
  trailql investigate --alert 3f1c… --format html -o report.html AWSLogs/
  trailql investigate --arn arn:aws:iam::111122223333:user/alice --at 2026-11-02T08:00:10Z examples/
  trailql investigate --access-key ASIATP2SJX8H5AJI080L --at 2026-11-02 examples/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInvestigate(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.alertID, "alert", "", "the alert (kibana.alert.uuid, or a unique prefix of at least 8 characters) to investigate")
	fl.StringVar(&f.arn, "arn", "", "the actor (aws.cloudtrail.user_identity.arn) to investigate")
	fl.StringVar(&f.accessKey, "access-key", "", "the access key `ID` (aws.cloudtrail.user_identity.access_key_id) whose callers to investigate")
	fl.StringVar(&f.at, "at", "", "with --arn or --access-key: the `TIME` to look around (RFC 3339, or YYYY-MM-DD for that whole day, or -DURATION); default: the whole input")
	fl.DurationVar(&f.around, "around", 30*time.Minute, "how long before the window's start and after its end to show (the seed rule's guide asks for ±30m)")
	fl.StringVar(&f.format, "format", "", "output `FORMAT`: text, ndjson or html (default: text on a terminal, else ndjson)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.StringVar(&f.sensitive, "sensitive", "", "replace the built-in catalogue of sensitive actions with `FILE` (YAML, as internal/investigate/sensitive.yaml)")
	fl.StringVar(&f.hunt.since, "since", "", "read only events at or after `TIME` (RFC 3339, YYYY-MM-DD, or -DURATION), for the hunt and the timeline; delivery files named before it are not opened (s3:// keys not even listed)")
	fl.StringVar(&f.hunt.until, "until", "", "read only events at or before `TIME`, for the hunt and the timeline")
	fl.StringArrayVar(&f.hunt.rules, "rules", nil, "rule `FILE|DIR`, or \"bundled\", as for detect (with --alert)")
	fl.StringVar(&f.hunt.namespace, "namespace", "default", "data_stream.namespace given to events")
	f.hunt.geoip = addGeoIPFlags(fl)
	f.hunt.limits = addInputFlags(fl, true)
	f.hunt.filter = addRuleFilterFlags(fl)
	f.hunt.exceptions = addExceptionFlags(fl, false)
	f.hunt.s3 = addS3Flags(fl)
	return cmd
}

func runInvestigate(ctx context.Context, f investigateFlags, paths []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if n := countSet(f.alertID, f.arn, f.accessKey); n != 1 {
		return usageErrorf("give exactly one of --alert UUID, --arn ARN and --access-key ID")
	}
	if f.at != "" && f.alertID != "" {
		return usageErrorf("--at goes with --arn or --access-key (an alert has its own window)")
	}
	format := f.format
	switch format {
	case "":
		format = "ndjson"
		if f.output == "" && isTerminal(os.Stdout) {
			format = "text"
		}
	case "text", "ndjson", "html":
	default:
		return usageErrorf("unknown --format %q (want text, ndjson or html)", f.format)
	}
	cat := investigate.DefaultCatalog()
	if f.sensitive != "" {
		var err error
		if cat, err = investigate.LoadCatalog(f.sensitive); err != nil {
			return usageErrorf("--sensitive: %v", err)
		}
	}
	since, err := parseWhen(f.hunt.since)
	if err != nil {
		return usageErrorf("--since: %v", err)
	}
	until, err := parseWhen(f.hunt.until)
	if err != nil {
		return usageErrorf("--until: %v", err)
	}
	rep := &investigate.Report{}
	q := investigate.Query{Catalog: cat}
	var geo *ecs.GeoIP
	// hunted is the hunt's report when --alert read the input first: it
	// told the input's problems already, and gives the exit status.
	var hunted *inputReport
	if f.alertID != "" {
		// The input is read twice (the rules, then the timeline): standard
		// input is kept in a temporary file for that.
		spooled, cleanup, err := spoolStdin(paths)
		if err != nil {
			return withStatus(exitError, err)
		}
		defer cleanup()
		paths = spooled
		h, err := runHunt(ctx, f.hunt, paths)
		if h != nil && h.geo != nil {
			defer h.geo.Close()
		}
		if err != nil {
			return err
		}
		geo, hunted = h.geo, h.rep
		a, c, err := findAlert(h, f.alertID)
		if err != nil {
			return err
		}
		rep.Rule, rep.AlertID, rep.Guide = a.Rule.Name, a.ID, a.Rule.Note
		q.InAlert = map[string]bool{}
		for _, id := range a.Evidence() {
			q.InAlert[id] = true
		}
		if start, end, ok := c.Window(a); ok {
			rep.WindowStart, rep.WindowEnd = start, end
		}
		if t, ok := originalTime(a); ok && len(a.GroupBy) == 0 {
			// An alert of one event (a rule without STATS): the event's
			// time, not the whole run's lookback.
			rep.WindowStart, rep.WindowEnd = t, t
		}
		q.Identity = alertIdentity(a)
		if len(q.Identity.Fields) == 0 || rep.WindowStart.IsZero() {
			// Neither BY values that are event fields nor a window: the
			// events behind the alert say who and when.
			evs, _, err := collect(ctx, f, geo, paths, investigate.Query{Identity: investigate.Identity{Fields: []string{"event.id"}, Values: [][]string{a.Evidence()}},
				From: since, To: until, Catalog: cat}, false)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return withStatus(exitError, fmt.Errorf("alert %s: none of the events behind it was found in %s", a.ID, strings.Join(paths, " ")))
			}
			if len(q.Identity.Fields) == 0 {
				var arns []string
				for _, e := range evs {
					if e.ARN != "" && !slices.Contains(arns, e.ARN) {
						arns = append(arns, e.ARN)
					}
				}
				q.Identity = investigate.ARN(arns...)
			}
			if rep.WindowStart.IsZero() {
				rep.WindowStart, rep.WindowEnd = evs[0].Time, evs[len(evs)-1].Time
			}
		}
	} else {
		q.Identity = investigate.ARN(f.arn)
		if f.accessKey != "" {
			q.Identity = investigate.AccessKey(f.accessKey)
		}
		if f.at != "" {
			at, err := parseWhen(f.at)
			if err != nil {
				return usageErrorf("--at: %v", err)
			}
			rep.WindowStart, rep.WindowEnd = at, at
			if _, err := time.Parse(time.DateOnly, f.at); err == nil {
				// A day: the whole of it (UTC), as CloudTrail's folders.
				rep.WindowEnd = at.Add(24*time.Hour - time.Nanosecond)
			}
		}
		var err error
		if geo, err = f.hunt.geoip.open(); err != nil {
			return err
		}
		if geo != nil {
			defer geo.Close()
		}
	}
	if !rep.WindowStart.IsZero() {
		q.From, q.To = rep.WindowStart.Add(-f.around), rep.WindowEnd.Add(f.around)
	}
	// --since and --until bound the timeline too.
	if !since.IsZero() && since.After(q.From) {
		q.From = since
	}
	if !until.IsZero() && (q.To.IsZero() || until.Before(q.To)) {
		q.To = until
	}
	rep.Identity, rep.From, rep.To = q.Identity, q.From, q.To
	evs, read, err := collect(ctx, f, geo, paths, q, hunted == nil)
	if err != nil {
		return err
	}
	if hunted == nil {
		hunted = read
	}
	rep.Events = evs
	rep.Summarize()
	if err := writeReport(rep, format, f.output); err != nil {
		return withStatus(exitError, err)
	}
	fmt.Fprintf(os.Stderr, "trailql: investigate: %s of %s from %s to %s (%d behind the alert, %d sensitive)\n",
		plural(len(evs), "event"), termtext.Sanitize(q.Identity.String(), termtext.Line), fmtWhen(q.From), fmtWhen(q.To), rep.Summary.InAlert, len(rep.Summary.Sensitive))
	// Input that could not be read is an exit status, as for detect.
	return f.hunt.limits.status(hunted.status())
}

// writeReport writes rep in format to the file output, or standard output.
func writeReport(rep *investigate.Report, format, output string) error {
	var w io.Writer = os.Stdout
	var file *os.File
	if output != "" {
		var err error
		if file, err = os.Create(output); err != nil {
			return err
		}
		w = file
	}
	var err error
	switch format {
	case "text":
		err = rep.WriteText(w)
	case "ndjson":
		err = rep.WriteNDJSON(w)
	case "html":
		err = rep.WriteHTML(w, time.Now())
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// findAlert finds the alert with id (or a unique prefix of 8 characters or
// more) among the hunt's, with its compiled rule.
func findAlert(h *hunt, id string) (*alert.Alert, *detect.Compiled, error) {
	var found []*alert.Alert
	for _, a := range h.alerts {
		if a.ID == id || (len(id) >= 8 && strings.HasPrefix(a.ID, id)) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil, withStatus(exitError, fmt.Errorf("no alert %s among the %s the rules raised over the input (same --rules, --exceptions and paths as the detect run that gave it?)", id, plural(len(h.alerts), "alert")))
	case 1:
	default:
		return nil, nil, usageErrorf("--alert %s names %d alerts: give more of the id", id, len(found))
	}
	for _, c := range h.compiled {
		if c.Rule == found[0].Rule {
			return found[0], c, nil
		}
	}
	return nil, nil, withStatus(exitError, fmt.Errorf("alert %s: its rule is not among the compiled rules", id))
}

// alertIdentity is the alert's BY values that are event fields, not times
// (the seed rule's ARN; not its time window): the actor whose events make
// the timeline. A BY column that copies an event field under Elastic's
// naming, Esql.<field with _ for .> (Esql.aws_cloudtrail_user_identity_access_key_id),
// stands for that field.
func alertIdentity(a *alert.Alert) investigate.Identity {
	var id investigate.Identity
	if len(a.GroupBy) == 0 {
		// An alert of one event: its ARN, when the rule kept it (else the
		// evidence's, read by the caller).
		if arn, ok := a.Doc.Get("aws.cloudtrail.user_identity.arn"); ok {
			if s, ok := arn.(string); ok && s != "" {
				return investigate.ARN(s)
			}
		}
		return id
	}
	cat := detect.Catalog()
	for _, g := range a.GroupBy {
		field := eventField(cat, g)
		if field == "" || cat[field] == esql.Datetime {
			continue
		}
		v, _ := a.Doc.Get(g)
		var vals []string
		switch x := v.(type) {
		case string:
			vals = []string{x}
		case []any:
			for _, e := range x {
				vals = append(vals, fmt.Sprint(e))
			}
		case nil:
			continue
		default:
			vals = []string{fmt.Sprint(x)}
		}
		id.Fields = append(id.Fields, field)
		id.Values = append(id.Values, vals)
	}
	return id
}

// originalTime is the alert's kibana.alert.original_time: the time of the
// event of a rule without STATS.
func originalTime(a *alert.Alert) (time.Time, bool) {
	v, _ := a.Doc.Get("kibana.alert.original_time")
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eventField is the event field a BY column names: itself, or the field an
// Esql.* column is named after; "" for none.
func eventField(cat esql.Catalog, col string) string {
	if _, ok := cat[col]; ok {
		return col
	}
	name, ok := strings.CutPrefix(col, "Esql.")
	if !ok {
		return ""
	}
	found := ""
	for f := range cat {
		if strings.ReplaceAll(f, ".", "_") == name {
			if found != "" {
				return "" // ambiguous
			}
			found = f
		}
	}
	return found
}

// spoolStdin copies standard input, if "-" is among paths, to a temporary
// file (removed by cleanup) that stands for it, so that it can be read more
// than once.
func spoolStdin(paths []string) (out []string, cleanup func(), err error) {
	i := slices.Index(paths, "-")
	if i < 0 {
		return paths, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "trailql-stdin-*")
	if err != nil {
		return nil, nil, fmt.Errorf("keeping standard input: %w", err)
	}
	cleanup = func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, os.Stdin); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("reading standard input: %w", err)
	}
	out = slices.Clone(paths)
	for j, p := range out {
		if p == "-" {
			out[j] = tmp.Name()
		}
	}
	return out, cleanup, nil
}

// countSet counts the non-empty strings.
func countSet(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

// collect reads the timeline's events. Delivery files named outside the
// timeline's range are not opened (cloudtrail.Reader.Since and Until). The
// first read of the input reports its problems (and keeps dead letters); a
// later one, after --alert's hunt, reads quietly what was told already.
func collect(ctx context.Context, f investigateFlags, geo *ecs.GeoIP, paths []string, q investigate.Query, first bool) ([]investigate.Event, *inputReport, error) {
	fields := append(slices.Clone(investigate.Fields), q.Identity.Fields...)
	m := ecs.NewMapper(ecs.Options{Namespace: f.hunt.namespace, Fields: fields, GeoIP: geo})
	rep := newInputReport(os.Stderr)
	reader := &cloudtrail.Reader{Since: q.From, Until: q.To}
	f.hunt.s3.apply(reader)
	var bad func(cloudtrail.Record, error)
	if first {
		reader.OnProblem = rep.problem
		if err := f.hunt.limits.apply(reader); err != nil {
			return nil, nil, err
		}
		bad = func(rec cloudtrail.Record, err error) { f.hunt.limits.recordProblem(rep, rec, err) }
	} else {
		reader.MaxRecordSize, reader.MaxDepth = int(f.hunt.limits.maxRecordSize), f.hunt.limits.maxDepth
	}
	evs, st, err := investigate.Collect(ctx, reader, m, paths, q, bad)
	rep.stats = st
	if err != nil {
		return nil, rep, withStatus(exitError, err)
	}
	return evs, rep, nil
}

// fmtWhen prints a bound of the timeline ("…" when open).
func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return "…"
	}
	return t.UTC().Format(time.RFC3339)
}
