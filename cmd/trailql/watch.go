package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/internal/kafka"
	"github.com/trailql/trailql/internal/sink"
	"github.com/trailql/trailql/internal/source"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/internal/watch"
	"github.com/trailql/trailql/rule"
)

type watchFlags struct {
	config       string
	rules        []string
	statePath    string
	sinks        []string
	lateness     time.Duration
	memoryLimit  memoryLimit
	listen       string
	endpointURL  string
	region       string
	pollInterval time.Duration
	namespace    string
	amendHorizon time.Duration
	maxSignals   int
	evidenceMax  int
	verify       bool
	publicKeys   string
	buckets      []string
	anyKey       bool
	once         bool
	since        string
	commitEvery  time.Duration
	sources      []string
	logFormat    string
	logLevel     string
	readyMaxLag  time.Duration
	readyBacklog int
	geoip        *geoipFlags
	exceptions   *exceptionFlags
	filter       *rule.Filter
}

func newWatchCmd() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch [flags] SOURCE...",
		Short: "Detect live: watch a directory, an S3 trail bucket, an SQS queue or a Kafka topic",
		Long: `watch runs as a daemon next to a CloudTrail trail. SOURCE is a directory
(new files as they appear), s3://bucket/prefix (polls the CloudTrail key layout,
organisation trails included), sqs://queue (S3 or CloudTrail notifications) or
kafka://BROKER[,BROKER...]/TOPIC?group=NAME (the topic trailql ingest fills; the
members of a group share its partitions).

Rules bucketed by event time (the seed rule) are evaluated as events arrive: an
alert is sent as soon as its group qualifies and updated, never duplicated, as
later events change it. Other rules run on their schedule by event time, each
run once the newest event (or the clock) minus --allowed-lateness has passed
it. Events that arrive late, up to --amend-horizon, update the alerts of their
window. Backlogs are read in delivery-time order. Progress, windows and alerts not yet
delivered live in a SQLite state file, so a restart (even after kill -9) loses
no alert and sends none twice. Sinks that are down keep their alerts queued.`,
		Example: `  trailql watch --sink file:alerts.ndjson /var/log/cloudtrail/
  trailql watch --sink webhook:https://hooks.example/x s3://my-trail-bucket/AWSLogs/
  trailql watch --listen :9464 --sink elasticsearch:https://es:9200 sqs://trail-notifications`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.config != "" {
				if err := applyConfig(cmd.Flags(), f.config); err != nil {
					return err
				}
			}
			args = append(args, f.sources...)
			if len(args) == 0 {
				return usageErrorf("no source to watch: give SOURCE arguments, --source, or source = [...] in --config")
			}
			return runWatch(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "read settings from a TOML `FILE` whose keys are these flags' names (flags given on the command line win)")
	fl.StringArrayVar(&f.rules, "rules", nil, "rule `FILE|DIR` (Elastic rule TOML); repeatable; default: the seed rule")
	fl.StringVar(&f.statePath, "state", "", "state database `PATH` (SQLite; default $XDG_STATE_HOME/trailql/state.db, else ~/.local/state/trailql/state.db)")
	fl.StringArrayVar(&f.sinks, "sink", nil, "alert sink `KIND:TARGET`: stdout, file:PATH, webhook:URL, elasticsearch:URL, eventbridge:BUS, pagerduty:, securityhub:?account=ID, opensearch:URL (file and webhook take ?format=ocsf); repeatable (default stdout)")
	f.memoryLimit = defaultWatchMemoryLimit
	fl.Var(&f.memoryLimit, "memory-limit", "aim to stay within `SIZE` of memory (0: no limit): the collector works harder near it, and windows already checkpointed leave memory beyond an eighth of it, read back from --state when a run needs them")
	fl.DurationVar(&f.lateness, "allowed-lateness", detect.DefaultAllowedLateness, "how long a time window waits for late events before it is evaluated as final")
	fl.DurationVar(&f.amendHorizon, "amend-horizon", detect.DefaultAmendHorizon, "how long an evaluated window is kept so that late events update its alerts; events later than that are counted (trailql_events_too_late_total) and logged")
	fl.IntVar(&f.maxSignals, "max-signals", 0, "keep at most `N` alerts per rule and scheduled run, as Kibana does (default: keep all)")
	fl.IntVar(&f.evidenceMax, "evidence-max", alert.DefaultEvidenceMax, "keep at most `N` event ids in an alert's trailql.evidence.event_ids (the count is of all)")
	fl.StringVar(&f.listen, "listen", "", "serve /metrics (Prometheus) and /healthz on `ADDR`, e.g. :9464")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "S3/SQS endpoint `URL` for S3-compatible stores")
	fl.StringVar(&f.region, "region", "", "AWS region (default: from the AWS configuration)")
	fl.DurationVar(&f.pollInterval, "poll-interval", 0, "time between directory scans (default 5s) or S3 listings (default 1m)")
	fl.StringVar(&f.namespace, "namespace", "default", "data_stream.namespace given to events")
	fl.StringArrayVar(&f.buckets, "bucket", nil, "the only `NAME[/PREFIX]` an SQS notification may point at (repeatable; default: the s3:// sources given, else any bucket, with a warning)")
	fl.BoolVar(&f.anyKey, "any-key", false, "read S3 and SQS objects whose keys are not in CloudTrail's log layout too (by default they are skipped and counted)")
	fl.StringArrayVar(&f.sources, "source", nil, "a `SOURCE` to watch, besides the arguments (repeatable; for --config files: source = [\"sqs://...\"])")
	fl.StringVar(&f.since, "since", "", "where an s3:// source without saved progress starts, by delivery time (RFC 3339, YYYY-MM-DD, -DURATION such as -24h, or \"all\" for the bucket's beginning; default: now minus the largest lookback of the rules and --allowed-lateness)")
	fl.BoolVar(&f.once, "once", false, "read what the sources hold now, deliver the alerts and exit (for cron and Lambda-style schedules); the state carries over to the next run")
	fl.StringVar(&f.logFormat, "log-format", "text", "log `FORMAT` on stderr: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log `LEVEL`: debug (includes the AWS SDK's), info, warn or error")
	fl.DurationVar(&f.readyMaxLag, "ready-max-lag", 0, "/readyz fails while the newest event read is older than `DURATION` (0: never)")
	fl.IntVar(&f.readyBacklog, "ready-max-backlog", 10000, "/readyz fails while more than `N` alerts wait for a sink")
	fl.BoolVar(&f.verify, "verify", false, "validate the integrity of the directory and s3:// sources every hour (as trailql verify): each finding is an alert of the built-in rule \"CloudTrail log file integrity failure\"")
	fl.StringVar(&f.publicKeys, "public-keys", "", "with --verify: CloudTrail's public keys from `DIR` instead of ListPublicKeys")
	f.geoip = addGeoIPFlags(fl)
	f.exceptions = addExceptionFlags(fl, false)
	fl.DurationVar(&f.commitEvery, "commit-interval", time.Second, "kafka:// sources: how often the state, alerts and offsets of what was read are committed")
	f.filter = addRuleFilterFlags(fl)
	return cmd
}

func runWatch(ctx context.Context, f watchFlags, specs []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := newLogger(f.logFormat, f.logLevel)
	if err != nil {
		return err
	}

	compiled, geo, exceptions, err := loadWatchRules(f, false)
	if err != nil {
		return err
	}

	if f.statePath == "" {
		f.statePath = state.DefaultPath()
	}
	store, err := state.Open(f.statePath)
	if err != nil {
		return withStatus(exitError, err)
	}
	defer store.Close()
	if len(f.sinks) == 0 {
		f.sinks = []string{"stdout"}
	}
	var sinks []sink.Sink
	var names []string
	for _, spec := range f.sinks {
		s, err := sink.Parse(spec)
		if err != nil {
			return usageErrorf("--sink %s: %v", spec, err)
		}
		defer s.Close()
		sinks = append(sinks, s)
		names = append(names, s.Name())
	}
	store.SetSinks(names...)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b := readBuildInfo()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_build_info", Help: "trailql's build: always 1, with the version in labels.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion, "rules": b.Rules}}, func() float64 { return 1 }))
	health := &watch.Health{MaxLag: f.readyMaxLag, MaxBacklog: f.readyBacklog}
	skipped := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trailql_objects_skipped_total",
		Help: "Objects not read: a notification for a bucket not allowed (--bucket), a key outside CloudTrail's layout."}, []string{"reason"})
	reg.MustRegister(skipped)
	var since time.Time
	if f.since != "all" {
		if since, err = parseWhen(f.since); err != nil {
			return usageErrorf("--since: %v", err)
		}
	}
	var start time.Time
	if f.since == "" && slices.ContainsFunc(specs, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "s3://") }) {
		// A fresh state on a bucket with years of history starts where the
		// rules can still alert: a window still waits --allowed-lateness
		// for its events after it ends, and reaches back its rule's history
		// (a bucketed rule's bucket, a scheduled rule's from), so every
		// event of a window that can still alert was delivered after now
		// minus both. Older history is a hunt (trailql detect s3://...) or
		// --since all. Unlike --since, this start bounds nothing once a
		// source has run: saved progress resumes where it stopped, however
		// long ago.
		var history time.Duration
		for _, c := range compiled {
			history = max(history, c.History())
		}
		start = time.Now().Add(-history - f.lateness)
		log.Info("s3:// sources without saved progress start at the largest rule lookback plus --allowed-lateness (--since all: the bucket's beginning); those with saved progress resume",
			"start", start.UTC().Format(time.RFC3339))
	}
	buckets, err := allowedBuckets(f.buckets, specs, log)
	if err != nil {
		return err
	}
	sources := map[string]source.Source{}
	var group *kafka.Config
	member := &kafka.Member{}
	for _, spec := range specs {
		if strings.HasPrefix(strings.ToLower(spec), "kafka://") {
			// A member of a consumer group: its own loop (one engine per
			// partition), not the sources' (cmd/trailql/watchkafka.go).
			if group, err = kafkaGroupConfig(f, specs); err != nil {
				return err
			}
			break
		}
		src, err := source.Open(spec, source.Options{Checkpoints: store, PollInterval: f.pollInterval,
			EndpointURL: f.endpointURL, Region: f.region, Logger: log, Buckets: buckets, AnyKey: f.anyKey, Once: f.once, Since: since, Start: start,
			OnSkip: func(_, reason string) { skipped.WithLabelValues(reason).Inc() }})
		if err != nil {
			return usageErrorf("%s: %v", spec, err)
		}
		sources[spec] = src
	}

	if f.listen != "" {
		ln, err := net.Listen("tcp", f.listen)
		if err != nil {
			return usageErrorf("--listen: %v", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) {
			if member.Lost() {
				rw.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(rw, "kafka: this member lost its consumer group's partitions and has none back yet")
				return
			}
			fmt.Fprintln(rw, "ok")
		})
		mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
			ok, reasons := health.Ready(time.Now())
			if !ok {
				rw.WriteHeader(http.StatusServiceUnavailable)
				for _, r := range reasons {
					fmt.Fprintln(rw, r)
				}
				return
			}
			fmt.Fprintln(rw, "ready")
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		log.Info("serving metrics", "addr", ln.Addr().String())
	}

	var verify func(context.Context) (*integrity.Report, error)
	if f.verify {
		srcOpts := source.Options{EndpointURL: f.endpointURL, Region: f.region, Logger: log}
		if verify, err = verifySources(ctx, specs, srcOpts, f.publicKeys, since); err != nil {
			return err
		}
	}
	liveOpts := func(geo *ecs.GeoIP, ex *detect.Exceptions) detect.LiveOptions {
		return detect.LiveOptions{Namespace: f.namespace, GeoIP: geo, AllowedLateness: f.lateness, AmendHorizon: f.amendHorizon, MaxSignals: f.maxSignals,
			EvidenceMax: f.evidenceMax, Exceptions: ex, MemoryLimit: f.memoryLimit.apply(watchHeldShare)}
	}
	// SIGHUP reloads rules and GeoIP databases and reopens a rotated file
	// sink (logrotate's postrotate, systemd's ExecReload).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	loadRules := func() ([]*detect.Compiled, detect.LiveOptions, error) {
		c, g, ex, err := loadWatchRules(f, true)
		return c, liveOpts(g, ex), err
	}
	if group != nil {
		err = runKafkaGroup(ctx, *group, compiled, liveOpts(geo, exceptions), store, sinks, log, reg, health, member, reload, loadRules, f.commitEvery)
	} else {
		err = watch.Run(ctx, watch.Config{
			Reload:    reload,
			LoadRules: loadRules,
			Verify:    verify,
			Once:      f.once,
			Health:    health,
			Rules:     compiled,
			Live:      liveOpts(geo, exceptions),
			Store:     store,
			Sinks:     sinks,
			Sources:   sources,
			Logger:    log,
			Registry:  reg,
		})
	}
	if errors.Is(err, kafka.ErrRouteTopic) {
		return withStatus(exitUsage, err)
	}
	if err != nil {
		return withStatus(exitError, err)
	}
	log.Info("stopped", "state", f.statePath)
	return nil
}

// allowedBuckets resolves --bucket: the buckets an SQS notification may
// name. Without the flag, those of the s3:// sources given; with none
// either, any bucket, which the log says (issue "Logs you can trust").
func allowedBuckets(flags, specs []string, log *slog.Logger) ([]source.Bucket, error) {
	var out []source.Bucket
	for _, b := range flags {
		pb, err := source.ParseBucket(b)
		if err != nil {
			return nil, usageErrorf("--bucket: %v", err)
		}
		out = append(out, pb)
	}
	queue := false
	for _, spec := range specs {
		lower := strings.ToLower(spec)
		switch {
		case strings.HasPrefix(lower, "s3://") && len(flags) == 0:
			pb, err := source.ParseBucket(spec)
			if err != nil {
				return nil, usageErrorf("%s: %v", spec, err)
			}
			out = append(out, pb)
		case strings.HasPrefix(lower, "sqs://") || strings.HasPrefix(lower, "https://"):
			queue = true
		}
	}
	if queue && len(out) == 0 {
		log.Warn("watch: SQS notifications may name any bucket the credentials can read; give --bucket NAME[/PREFIX] so that nothing else is fetched")
	}
	return out, nil
}

// newLogger makes the daemon's logger on stderr (--log-format, --log-level).
// At debug the AWS SDK's own logs come through too (source.loadAWS).
func newLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}

// loadWatchRules loads, filters and compiles watch's rules, reads their
// exception lists and opens its GeoIP databases: at start, and again on
// SIGHUP. (A reload's databases
// replace the old ones, which stay open: the old engine may still be
// reading them.)
//
// strict (a reload) refuses the whole set when a rule fails to load: a
// bad reload keeps the running rules rather than lose one.
func loadWatchRules(f watchFlags, strict bool) ([]*detect.Compiled, *ecs.GeoIP, *detect.Exceptions, error) {
	rules, err := loadRules(f.rules, &inputLimits{stderr: os.Stderr, strict: strict})
	if err != nil {
		return nil, nil, nil, err
	}
	if rules, err = filterRules(rules, f.filter); err != nil {
		return nil, nil, nil, err
	}
	compiled, err := detect.Compile(rules, time.Now().UTC())
	if err != nil {
		return nil, nil, nil, withStatus(exitUsage, err)
	}
	ex, err := f.exceptions.load(f.rules)
	if err != nil {
		return nil, nil, nil, err
	}
	geo, err := f.geoip.open()
	if err != nil {
		return nil, nil, nil, err
	}
	return compiled, geo, ex, nil
}
