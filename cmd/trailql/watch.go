package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/sink"
	"github.com/trailql/trailql/source"
	"github.com/trailql/trailql/state"
)

type watchFlags struct {
	config       string
	rules        []string
	statePath    string
	sinks        []string
	lateness     time.Duration
	listen       string
	endpointURL  string
	region       string
	pollInterval time.Duration
	namespace    string
	geoip        *geoipFlags
}

func newWatchCmd() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch [flags] SOURCE...",
		Short: "Detect live: watch a directory, an S3 trail bucket or an SQS queue",
		Long: `watch runs as a daemon next to a CloudTrail trail. SOURCE is a directory
(new files as they appear), s3://bucket/prefix (polls the CloudTrail key layout,
organisation trails included) or sqs://queue (S3 or CloudTrail notifications).

Rules bucketed by event time (the seed rule) are evaluated as events arrive: an
alert is sent as soon as its group qualifies and updated, never duplicated, as
later events change it; a bucket is final once the newest event time minus
--allowed-lateness passes its end. Other rules run on their schedule, like
Kibana, over the events read within their lookback. Progress, open buckets and alerts not yet
delivered live in a SQLite state file, so a restart (even after kill -9) loses
no alert and sends none twice. Sinks that are down keep their alerts queued.`,
		Example: `  trailql watch --sink file:alerts.ndjson /var/log/cloudtrail/
  trailql watch --sink webhook:https://hooks.example/x s3://my-trail-bucket/AWSLogs/
  trailql watch --listen :9464 --sink elasticsearch:https://es:9200 sqs://trail-notifications`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.config != "" {
				if err := applyConfig(cmd.Flags(), f.config); err != nil {
					return err
				}
			}
			return runWatch(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "read settings from a TOML `FILE` whose keys are these flags' names (flags given on the command line win)")
	fl.StringArrayVar(&f.rules, "rules", nil, "rule `FILE|DIR` (Elastic rule TOML); repeatable; default: the seed rule")
	fl.StringVar(&f.statePath, "state", state.DefaultPath(), "state database `PATH` (SQLite)")
	fl.StringArrayVar(&f.sinks, "sink", nil, "alert sink `KIND:TARGET`: stdout, file:PATH, webhook:URL, elasticsearch:URL; repeatable (default stdout)")
	fl.DurationVar(&f.lateness, "allowed-lateness", detect.DefaultAllowedLateness, "how far behind the newest event an event may arrive and still count")
	fl.StringVar(&f.listen, "listen", "", "serve /metrics (Prometheus) and /healthz on `ADDR`, e.g. :9464")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "S3/SQS endpoint `URL` for S3-compatible stores")
	fl.StringVar(&f.region, "region", "", "AWS region (default: from the AWS configuration)")
	fl.DurationVar(&f.pollInterval, "poll-interval", 0, "time between directory scans (default 5s) or S3 listings (default 1m)")
	fl.StringVar(&f.namespace, "namespace", "default", "data_stream.namespace given to events")
	f.geoip = addGeoIPFlags(fl)
	return cmd
}

// watchMetrics are the daemon's Prometheus metrics.
type watchMetrics struct {
	events, skipped, objects prometheus.Counter
	alerts                   *prometheus.CounterVec
	openBuckets, lag         prometheus.Gauge
}

func newWatchMetrics(reg *prometheus.Registry) *watchMetrics {
	m := &watchMetrics{
		events:      prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_events_read_total", Help: "CloudTrail records read."}),
		skipped:     prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_records_skipped_total", Help: "Records or files skipped as bad input."}),
		objects:     prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_objects_processed_total", Help: "Log files or objects fully processed."}),
		alerts:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trailql_alerts_total", Help: "Alerts raised or updated, by rule."}, []string{"rule"}),
		openBuckets: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_open_buckets", Help: "Time buckets not yet final."}),
		lag:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_lag_seconds", Help: "Wall-clock time minus the newest event time read."}),
	}
	reg.MustRegister(m.events, m.skipped, m.objects, m.alerts, m.openBuckets, m.lag)
	return m
}

// registerSinkMetrics exports a sink's delivery queue, read from the state
// database at each scrape: alerts delivered, waiting and parked (rejected).
func registerSinkMetrics(reg *prometheus.Registry, store *state.Store, name string) {
	stat := func(pick func(state.OutboxStats) int) func() float64 {
		return func() float64 {
			st, err := store.Stats(name)
			if err != nil {
				return -1
			}
			return float64(pick(st))
		}
	}
	labels := prometheus.Labels{"sink": name}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_delivered", Help: "Alerts whose current version a sink has.", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Sent })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_pending", Help: "Alerts waiting for a sink (due or retrying).", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Pending })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_parked", Help: "Alerts a sink rejected for good.", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Parked })),
	)
}

func runWatch(ctx context.Context, f watchFlags, specs []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	rules, err := loadRules(f.rules, &inputLimits{stderr: os.Stderr})
	if err != nil {
		return err
	}
	compiled, err := detect.Compile(rules, time.Now().UTC())
	if err != nil {
		return withStatus(exitUsage, err)
	}
	live := compiled
	geo, err := f.geoip.open()
	if err != nil {
		return err
	}
	if geo != nil {
		defer geo.Close()
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

	w := &watcher{store: store, log: log, opts: detect.LiveOptions{Namespace: f.namespace, GeoIP: geo, AllowedLateness: f.lateness}, rules: live}
	if err := w.restore(); err != nil {
		return withStatus(exitError, err)
	}

	reg := prometheus.NewRegistry()
	w.metrics = newWatchMetrics(reg)
	for _, name := range names {
		registerSinkMetrics(reg, store, name)
	}
	if f.listen != "" {
		ln, err := net.Listen("tcp", f.listen)
		if err != nil {
			return usageErrorf("--listen: %v", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		log.Info("serving metrics", "addr", ln.Addr().String())
	}

	dispatcher := sink.NewDispatcher(store, sinks, sink.DispatcherOptions{Logger: log})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := dispatcher.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("dispatcher", "err", err)
		}
	}()

	errs := make(chan error, len(specs))
	for _, spec := range specs {
		src, err := source.Open(spec, source.Options{Checkpoints: store, PollInterval: f.pollInterval,
			EndpointURL: f.endpointURL, Region: f.region, Logger: log})
		if err != nil {
			stop()
			wg.Wait()
			return usageErrorf("%s: %v", spec, err)
		}
		go func() { errs <- src.Run(ctx, w.object) }()
	}
	log.Info("watching", "sources", specs, "rules", len(live), "scheduled", w.live.Scheduled(), "state", f.statePath)
	if len(w.live.Scheduled()) > 0 {
		go func() {
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := w.tick(); err != nil {
						log.Error("scheduled rules", "err", err)
					}
				}
			}
		}()
	}
	var first error
	for range specs {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
			stop() // one source failing stops the daemon: it must not run half-blind
		}
	}
	stop()
	wg.Wait()
	if first != nil {
		return withStatus(exitError, first)
	}
	log.Info("stopped")
	return nil
}

// watcher applies each object to the live engine and commits its effects.
type watcher struct {
	mu      sync.Mutex
	store   *state.Store
	log     *slog.Logger
	opts    detect.LiveOptions
	rules   []*detect.Compiled
	live    *detect.Live
	metrics *watchMetrics
}

// restore rebuilds the live engine from the last committed snapshot.
func (w *watcher) restore() error {
	l, err := detect.NewLive(w.rules, w.opts)
	if err != nil {
		return err
	}
	blobs, err := w.store.GetBlobs("live")
	if err != nil {
		return err
	}
	if snap, ok := blobs["snapshot"]; ok {
		if err := l.Restore(snap); err != nil {
			return err
		}
	}
	w.live = l
	return nil
}

// object reads one log object, evaluates it, and commits in one transaction
// that it is done, the engine's new state and the alerts it raised or
// updated. Only then does it return nil (and the source advance). If the
// process dies before, the object is read again from the last snapshot.
func (w *watcher) object(ctx context.Context, obj source.Object) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if done, err := w.store.Done(obj.Source, obj.Key); err != nil || done {
		return err
	}
	rc, err := obj.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	reader := &cloudtrail.Reader{OnProblem: func(p cloudtrail.Problem) {
		if p.Skipped {
			w.metrics.skipped.Inc()
		}
		w.log.Warn("skipped input", "problem", p.Error())
	}}
	var newest time.Time
	_, err = reader.ReadStream(ctx, obj.Key, rc, func(rec cloudtrail.Record) error {
		w.metrics.events.Inc()
		err := w.live.Process(rec.Raw)
		var bad *detect.RecordError
		if errors.As(err, &bad) {
			w.metrics.skipped.Inc()
			w.log.Warn("skipped record", "file", rec.File, "record", rec.Index, "err", err)
			return nil
		}
		return err
	})
	if err != nil {
		return w.fail(err)
	}
	alerts, err := w.live.Flush()
	if err != nil {
		return w.fail(err)
	}
	if err := w.commit(&obj, alerts); err != nil {
		return w.fail(err)
	}
	w.metrics.objects.Inc()
	w.metrics.openBuckets.Set(float64(w.live.OpenBuckets()))
	if wm := w.live.Watermark(); !wm.IsZero() {
		newest = wm.Add(w.opts.AllowedLateness)
		w.metrics.lag.Set(time.Since(newest).Seconds())
	}
	return nil
}

// tick runs the scheduled rules' due runs between objects and commits their
// alerts and the engine state together.
func (w *watcher) tick() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	alerts, err := w.live.Flush()
	if err != nil {
		return w.fail(err)
	}
	if err := w.commit(nil, alerts); err != nil {
		return w.fail(err)
	}
	return nil
}

// commit records, in one transaction, that obj (if any) is done, the live
// engine's state, and the alerts it raised or updated.
func (w *watcher) commit(obj *source.Object, alerts []detect.LiveAlert) error {
	snap, err := w.live.Snapshot()
	if err != nil {
		return err
	}
	err = w.store.Batch(func(tx *state.Tx) error {
		if obj != nil {
			if err := tx.MarkDone(obj.Source, obj.Key, ""); err != nil {
				return err
			}
		}
		if err := tx.PutBlob("live", "snapshot", snap); err != nil {
			return err
		}
		for _, a := range alerts {
			doc, err := json.Marshal(a.Doc)
			if err != nil {
				return err
			}
			if _, err := tx.Upsert(a.ID, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range alerts {
		w.metrics.alerts.WithLabelValues(a.Rule.Name).Inc()
	}
	return nil
}

// fail discards the in-memory engine, whose state may now be ahead of the
// database, and rebuilds it from the last commit; the object is retried.
func (w *watcher) fail(err error) error {
	if rerr := w.restore(); rerr != nil {
		return source.Fatal(fmt.Errorf("%v; and restoring the live state failed: %w", err, rerr))
	}
	return err
}
