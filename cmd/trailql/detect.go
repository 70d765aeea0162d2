package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/internal/source"
	"github.com/trailql/trailql/rule"
)

type detectFlags struct {
	rules       []string
	format      string
	namespace   string
	maxSignals  int
	evidenceMax int
	maxGroups   int
	workers     int
	lateness    string
	skim        bool
	memoryLimit memoryLimit
	since       string
	until       string
	verify      bool
	publicKeys  string
	quiet       bool
	geoip       *geoipFlags
	limits      *inputLimits
	filter      *rule.Filter
	exceptions  *exceptionFlags
	s3          *s3Flags
}

func newDetectCmd() *cobra.Command {
	var f detectFlags
	cmd := &cobra.Command{
		Use:   "detect [flags] PATH...",
		Short: "Run detection rules over CloudTrail files and print alerts",
		Long: `detect reads CloudTrail logs from files, directories (walked recursively,
e.g. an AWSLogs/ tree synced from S3), a trail bucket itself (s3://bucket/prefix:
objects streamed, and with --since and --until only those they can need listed
and fetched) or - for stdin, runs the rules and prints one alert per result row.

Without --rules it runs the seed rule, "AWS Discovery API Calls via CLI from a
Single Resource". Output is NDJSON when stdout is not a terminal and a table
when it is; a summary goes to stderr.`,
		Example: `  trailql detect examples/
  trailql detect --format ndjson AWSLogs/ > alerts.ndjson
  zcat trail.json.gz | trailql detect -
  trailql detect --rules my-rules/ AWSLogs/
  trailql detect --rules bundled AWSLogs/
  trailql detect --since 2026-11-02 --until 2026-11-03 s3://my-trail-bucket/AWSLogs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDetect(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.rules, "rules", nil, "rule `FILE|DIR` (Elastic rule TOML), or \"bundled\" for Elastic's 25 CloudTrail ES|QL rules; repeatable; default: the seed rule")
	fl.StringVar(&f.format, "format", "", "output `FORMAT`: ndjson or table (default: table on a terminal, else ndjson)")
	fl.StringVar(&f.namespace, "namespace", "default", "data_stream.namespace given to events")
	fl.IntVar(&f.maxSignals, "max-signals", 0, "keep at most `N` alerts per rule and scheduled run, as Kibana does (default: keep all, warn where Kibana would drop)")
	fl.IntVar(&f.evidenceMax, "evidence-max", alert.DefaultEvidenceMax, "keep at most `N` event ids in an alert's trailql.evidence.event_ids (the count is of all)")
	fl.IntVar(&f.maxGroups, "max-groups", 0, "fail a rule whose STATS would hold more than `N` groups, instead of exhausting memory (default 1000000; -1: no limit)")
	fl.IntVar(&f.workers, "workers", 0, "read and evaluate `N` files at once (default: the number of CPUs)")
	fl.StringVar(&f.lateness, "allowed-lateness", "auto", "evaluate a rule's time window once events this `DURATION` newer were read, and spill its rows to disk, so memory stays flat; a later event amends its window, so no event is lost whatever the value; 0 keeps every window in memory to the end; auto: "+detect.DefaultHuntLateness.String()+" when every input file is a CloudTrail delivery file named with its time (read in time order), else 0")
	f.memoryLimit = defaultMemoryLimit
	fl.Var(&f.memoryLimit, "memory-limit", "aim to stay within `SIZE` of memory (0: no limit): the collector works harder near it, and rules with long lookbacks (24h, 7d) keep their rows in a spill file beyond a sixteenth of it, read back one slot at a time")
	fl.BoolVar(&f.skim, "skim", false, "count NDJSON lines that no rule can match without checking their JSON: about twice as fast on NDJSON, but a malformed line among them is not reported")
	fl.StringVar(&f.since, "since", "", "hunt over events at or after `TIME` (RFC 3339, YYYY-MM-DD, or -DURATION from now such as -24h); delivery files named before it are not opened (s3:// keys not even listed)")
	fl.StringVar(&f.until, "until", "", "hunt over events at or before `TIME`; delivery files named more than a day after it are not opened (an s3:// listing ends at the first)")
	fl.BoolVar(&f.verify, "verify", false, "also validate the integrity of the trails in the directories given (as trailql verify): each finding is an alert of the built-in rule \"CloudTrail log file integrity failure\"")
	fl.StringVar(&f.publicKeys, "public-keys", "", "with --verify: CloudTrail's public keys from `DIR` instead of ListPublicKeys")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print the summary line")
	f.geoip = addGeoIPFlags(fl)
	f.limits = addInputFlags(fl, true)
	f.filter = addRuleFilterFlags(fl)
	f.exceptions = addExceptionFlags(fl, true)
	f.s3 = addS3Flags(fl)
	return cmd
}

func runDetect(ctx context.Context, f detectFlags, paths []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := outputFormat(f.format)
	if err != nil {
		return err
	}
	h, err := runHunt(ctx, f, paths)
	if h != nil && h.geo != nil {
		defer h.geo.Close()
	}
	if err != nil {
		return err
	}
	alerts, rep, now, compiled, det, exceptions := h.alerts, h.rep, h.now, h.compiled, h.det, h.exceptions
	if f.verify {
		keys, err := keySource(f.publicKeys, source.Options{})
		if err != nil {
			return err
		}
		rep, err := verifyDirs(ctx, paths, keys)
		if err != nil {
			return withStatus(exitError, err)
		}
		fmt.Fprintf(os.Stderr, "trailql: verify: %d digest files, %d log files checked: %d findings\n", rep.Digests, rep.LogFiles, len(rep.Findings))
		alerts = append(alerts, integrity.Alerts(rep, now)...)
	}

	var w alert.Writer
	if format == "table" {
		w = alert.NewTableWriterWidth(os.Stdout, terminalWidth(os.Stdout))
	} else {
		w = alert.NewNDJSONWriter(os.Stdout)
	}
	for _, a := range alerts {
		if err := w.Write(a); err != nil {
			return withStatus(exitError, err)
		}
	}
	if err := w.Close(); err != nil {
		return withStatus(exitError, err)
	}
	if !f.quiet {
		rep.summary(fmt.Sprintf("%s from %s%s", plural(len(alerts), "alert"), plural(len(compiled), "rule"), exceptionSummary(exceptions, det.ExceptionRemoved())))
	}
	return f.limits.status(rep.status())
}

// hunt is what a hunt over files found: the alerts, and what the summary
// and the investigation need.
type hunt struct {
	compiled   []*detect.Compiled
	det        *detect.Detector
	alerts     []*alert.Alert
	rep        *inputReport
	exceptions *detect.Exceptions
	geo        *ecs.GeoIP // closed by the caller
	now        time.Time
}

// runHunt loads and compiles the rules, reads paths and evaluates them: the
// part of detect that investigate --alert shares.
func runHunt(ctx context.Context, f detectFlags, paths []string) (*hunt, error) {
	rules, err := loadRules(f.rules, f.limits)
	if err != nil {
		return nil, err
	}
	if rules, err = filterRules(rules, f.filter); err != nil {
		return nil, err
	}
	h := &hunt{now: time.Now().UTC()}
	compiled, cerr := detect.CompileWith(rules, detect.CompileOptions{Now: h.now, MaxGroups: f.maxGroups})
	if err := f.limits.ruleErrors(cerr, len(compiled)); err != nil {
		return nil, err
	}
	h.compiled = compiled
	if f.exceptions != nil {
		if h.exceptions, err = f.exceptions.load(f.rules); err != nil {
			return nil, err
		}
	}
	if h.geo, err = f.geoip.open(); err != nil {
		return nil, err
	}
	h.rep = newInputReport(os.Stderr)
	workers := f.workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	lateness, err := allowedLateness(f.lateness, paths)
	if err != nil {
		return h, err
	}
	since, err := parseWhen(f.since)
	if err != nil {
		return h, usageErrorf("--since: %v", err)
	}
	until, err := parseWhen(f.until)
	if err != nil {
		return h, usageErrorf("--until: %v", err)
	}
	h.det = detect.New(compiled, detect.Options{Namespace: f.namespace, Now: h.now, MaxSignals: f.maxSignals, EvidenceMax: f.evidenceMax, GeoIP: h.geo,
		Workers: workers, AllowedLateness: lateness, Skim: f.skim, Since: since, Until: until, Exceptions: h.exceptions,
		MemoryLimit: f.memoryLimit.apply(detectHeldShare)})
	printExceptionWarnings(os.Stderr, h.det.ExceptionWarnings())
	reader := &cloudtrail.Reader{OnProblem: h.rep.problem, Since: since, Until: until}
	f.s3.apply(reader)
	if err := f.limits.apply(reader); err != nil {
		return h, err
	}
	stopProgress := progress(f.quiet, h.det.Events)
	h.rep.stats, err = h.det.Read(ctx, reader, paths, func(rec cloudtrail.Record, err error) {
		f.limits.recordProblem(h.rep, rec, err)
	})
	stopProgress()
	if err != nil {
		return h, withStatus(exitError, err)
	}
	if h.alerts, err = h.det.Finish(); err != nil {
		return h, withStatus(exitError, err)
	}
	for _, w := range h.det.Warnings() {
		fmt.Fprintln(os.Stderr, "trailql: warning:", w)
	}
	if h.exceptions != nil && h.exceptions.Explain {
		printExceptionReport(os.Stderr, h.det.ExceptionReport())
	}
	if h.rep.late = h.det.Late(); h.rep.late > 0 {
		fmt.Fprintf(os.Stderr, "trailql: %d events arrived after their time window was dropped: they are in no alert\n", h.rep.late)
	}
	return h, nil
}

// allowedLateness resolves --allowed-lateness. Windows are finished early by
// default only for input that is read in time order: CloudTrail delivery
// files, whose names carry their time (cloudtrail.DeliveryOrdered).
func allowedLateness(flag string, paths []string) (time.Duration, error) {
	if flag == "auto" {
		// s3:// paths are listed in delivery-time order.
		if local := localPaths(paths); len(local) == 0 || cloudtrail.DeliveryOrdered(local) {
			return detect.DefaultHuntLateness, nil
		}
		return 0, nil
	}
	d, err := time.ParseDuration(flag)
	if err != nil || d < 0 {
		return 0, usageErrorf("--allowed-lateness %q: want auto, 0 or a duration such as 15m", flag)
	}
	return d, nil
}

// outputFormat resolves --format, defaulting on whether stdout is a terminal.
func outputFormat(flag string) (string, error) {
	switch flag {
	case "":
		if isTerminal(os.Stdout) {
			return "table", nil
		}
		return "ndjson", nil
	case "ndjson", "table":
		return flag, nil
	}
	return "", usageErrorf("unknown --format %q (want ndjson or table)", flag)
}

// loadRules resolves --rules: files and directories of rule TOML, and the
// word "bundled" for the embedded CloudTrail rules; none means the seed rule.
func loadRules(specs []string, limits *inputLimits) ([]*rule.Rule, error) {
	if len(specs) == 0 {
		return []*rule.Rule{rule.Seed()}, nil
	}
	var rules []*rule.Rule
	var paths []string
	for _, s := range specs {
		if s == "bundled" {
			rules = append(rules, rule.Bundled()...)
		} else {
			paths = append(paths, s)
		}
	}
	if len(paths) > 0 {
		loaded, lerr := rule.Load(paths...)
		rules = append(rules, loaded...)
		if err := limits.ruleErrors(lerr, len(rules)); err != nil {
			return nil, err
		}
	}
	if len(rules) == 0 {
		return nil, usageErrorf("no rules found in %v", specs)
	}
	return rules, nil
}
