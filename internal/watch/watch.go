package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/internal/sink"
	"github.com/trailql/trailql/internal/source"
	"github.com/trailql/trailql/internal/state"
)

// Config is what Run needs, wired by the caller.
type Config struct {
	// Rules are the compiled rules to evaluate.
	Rules []*detect.Compiled
	// Live configures the evaluation (lateness, amend horizon, clock).
	Live detect.LiveOptions
	// Store is the state database; its sinks must be set (SetSinks).
	Store *state.Store
	// Sinks deliver alerts from the store's outbox.
	Sinks []sink.Sink
	// Sources give the log objects, named by their specs for logs.
	Sources map[string]source.Source
	// Logger receives the daemon's logs.
	Logger *slog.Logger
	// Registry, when set, gets the daemon's metrics.
	Registry *prometheus.Registry
	// Tick is how often the wall clock moves the watermark of scheduled
	// rules between objects (default 10s).
	Tick time.Duration
	// Verify, when set, validates the trail's integrity (integrity.Verify
	// over the sources): at start and every VerifyEvery (default 1h, as
	// CloudTrail writes a digest an hour), each finding becomes an alert of
	// the built-in integrity rule, sent like any other.
	Verify      func(ctx context.Context) (*integrity.Report, error)
	VerifyEvery time.Duration
	// Once: the sources read what they hold now (source.Options.Once, set
	// by the caller) and Run, once they are done, evaluates with the wall
	// clock, delivers what is due to the sinks and returns: for cron and
	// Lambda-style schedules. The state carries over to the next run.
	Once bool
	// Health, when set, is kept up to date for /readyz.
	Health *Health
	// Reload, when a value comes on it (SIGHUP), reloads the rules and
	// options with LoadRules and reopens the sinks that can (a rotated
	// file). A reload that fails keeps the running set and logs why; one
	// that works goes on from the committed state, losing nothing.
	Reload    <-chan struct{}
	LoadRules func() ([]*detect.Compiled, detect.LiveOptions, error)
}

// engineNS is the state namespace of the live engine's checkpoints.
const engineNS = "engine"

// Run runs the daemon until ctx is done (it returns nil) or a source fails
// (it returns the error: the daemon must not run half-blind).
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Second
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	w := &watcher{store: cfg.Store, log: cfg.Logger, cfg: cfg, metrics: newMetrics(reg)}
	reg.MustRegister(exceptionCollector{w})
	var sinkNames []string
	for _, s := range cfg.Sinks {
		sinkNames = append(sinkNames, s.Name())
	}
	cfg.Health.attach(cfg.Store, sinkNames)
	if err := w.restore(); err != nil {
		return err
	}
	for _, s := range cfg.Sinks {
		registerSinkMetrics(reg, cfg.Store, s.Name())
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	dispatcher := sink.NewDispatcher(cfg.Store, cfg.Sinks, sink.DispatcherOptions{Logger: cfg.Logger})
	var wg sync.WaitGroup
	if !cfg.Once {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := dispatcher.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				cfg.Logger.Error("dispatcher", "err", err)
			}
		}()
	}
	errs := make(chan error, len(cfg.Sources))
	specs := make([]string, 0, len(cfg.Sources))
	for spec, src := range cfg.Sources {
		specs = append(specs, spec)
		go func() {
			errs <- src.Run(ctx, func(ctx context.Context, obj source.Object) error {
				err := w.object(ctx, obj)
				cfg.Health.object(spec, err, w.newest())
				return err
			})
		}()
	}
	cfg.Logger.Info("watching", "sources", specs, "rules", len(cfg.Rules), "scheduled", w.live.Scheduled())
	if len(w.live.Scheduled()) > 0 && !cfg.Once {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(cfg.Tick)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := w.tick(); err != nil {
						cfg.Logger.Error("scheduled rules", "err", err)
					}
				}
			}
		}()
	}
	if cfg.Verify != nil && cfg.Once {
		if err := w.verify(ctx); err != nil {
			return err
		}
	} else if cfg.Verify != nil {
		every := cfg.VerifyEvery
		if every <= 0 {
			every = time.Hour
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := w.verify(ctx); err != nil && ctx.Err() == nil {
					cfg.Logger.Error("integrity validation", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(every):
				}
			}
		}()
	}
	if cfg.Reload != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-cfg.Reload:
					w.reload()
				}
			}
		}()
	}
	var first error
	for range cfg.Sources {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
			stop()
		}
	}
	if cfg.Once && first == nil {
		first = w.finishOnce(ctx, dispatcher)
	}
	stop()
	wg.Wait()
	return first
}

// finishOnce ends a --once run: what the wall clock makes due is
// evaluated and committed, and delivered.
func (w *watcher) finishOnce(ctx context.Context, d *sink.Dispatcher) error {
	w.mu.Lock()
	err := w.flush(nil)
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return d.Flush(ctx)
}

// watcher applies each object to the live engine and commits its effects.
type watcher struct {
	mu      sync.Mutex
	store   *state.Store
	log     *slog.Logger
	cfg     Config
	live    *detect.Live
	metrics *metrics
	tooLate int64     // TooLate already logged
	last    time.Time // when the last object was committed
}

// restore rebuilds the live engine from the last committed checkpoint.
func (w *watcher) restore() error {
	opts := w.cfg.Live
	opts.State = stateReader{w.store}
	l, err := detect.NewLive(w.cfg.Rules, opts)
	if err != nil {
		return err
	}
	if err := l.Restore(stateReader{w.store}); err != nil {
		return err
	}
	for _, msg := range l.ExceptionWarnings() {
		w.log.Warn(msg)
	}
	w.live = l
	w.tooLate = l.TooLate()
	return nil
}

// object reads one log object, evaluates it, and commits in one transaction
// that it is done, the engine's changed state and the alerts it raised or
// updated. Only then does it return nil (and the source advance). If the
// process dies before, the object is read again from the last checkpoint.
func (w *watcher) object(ctx context.Context, obj source.Object) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if done, err := w.store.Done(obj.Source, obj.Key); err != nil || done {
		return err
	}
	if obj.Size == 0 && !obj.Watermark.IsZero() {
		// Only a watermark (a quiet Kafka partition): time moves on.
		w.live.Advance(obj.Watermark)
		return w.flush(&obj)
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
	_, err = reader.ReadStream(ctx, obj.Key, rc, func(rec cloudtrail.Record) error {
		w.metrics.events.Inc()
		err := w.live.ProcessRecord(&rec)
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
	w.live.Advance(obj.Watermark)
	if err := w.flush(&obj); err != nil {
		return err
	}
	w.metrics.objects.Inc()
	if newest := w.live.Newest(); !newest.IsZero() {
		w.metrics.lag.Set(time.Since(newest).Seconds())
	}
	return nil
}

// newest is the newest event time read (under the lock of object).
func (w *watcher) newest() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live.Newest()
}

// tick runs what the wall clock has made due, once the sources have had
// nothing new for a tick: while objects come (a backlog), their events'
// time moves the windows on (detect.Live.FlushIdle).
func (w *watcher) tick() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.last) < w.cfg.Tick {
		return nil
	}
	return w.flush(nil)
}

// flush evaluates (after an object, by its events' time; else by the wall
// clock too), and commits in one transaction that obj (if any) is done, the
// engine's changed state, and the alerts it raised or updated.
func (w *watcher) flush(obj *source.Object) error {
	flush := w.live.FlushIdle
	if obj != nil {
		flush = w.live.Flush
		w.last = time.Now()
	}
	alerts, err := flush()
	if err != nil {
		return w.fail(err)
	}
	err = w.store.Batch(func(tx *state.Tx) error {
		if obj != nil {
			if err := tx.MarkDone(obj.Source, obj.Key, ""); err != nil {
				return err
			}
		}
		if err := w.live.Checkpoint(txState{tx}); err != nil {
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
	w.cfg.Health.commit(err)
	if err != nil {
		return w.fail(err)
	}
	for _, a := range alerts {
		w.metrics.alerts.WithLabelValues(a.Rule.Name).Inc()
	}
	w.metrics.openBuckets.Set(float64(w.live.OpenBuckets()))
	if n := w.live.TooLate(); n > w.tooLate {
		w.metrics.tooLate.Add(float64(n - w.tooLate))
		w.log.Warn("events arrived after their window's amend horizon and are in no alert", "events", n-w.tooLate, "amend_horizon", w.cfg.Live.AmendHorizon)
		w.tooLate = n
	}
	return nil
}

// reload swaps in the rules and options LoadRules gives, rebuilding the
// live engine from the committed state (every object's effects are
// committed, so nothing in memory is lost), and reopens the sinks.
func (w *watcher) reload() {
	if w.cfg.LoadRules != nil {
		rules, opts, err := w.cfg.LoadRules()
		if err != nil {
			w.log.Error("reload failed; the running rules stay", "err", err)
		} else {
			w.mu.Lock()
			old, oldOpts := w.cfg.Rules, w.cfg.Live
			w.cfg.Rules, w.cfg.Live = rules, opts
			if err := w.restore(); err != nil {
				w.cfg.Rules, w.cfg.Live = old, oldOpts
				if rerr := w.restore(); rerr != nil {
					w.log.Error("restoring the running rules failed", "err", rerr)
				}
				w.log.Error("reload failed; the running rules stay", "err", err)
			} else {
				w.log.Info("reloaded", "rules", len(rules), "scheduled", w.live.Scheduled())
			}
			w.mu.Unlock()
		}
	}
	for _, s := range w.cfg.Sinks {
		if r, ok := s.(sink.Reopener); ok {
			if err := r.Reopen(); err != nil {
				w.log.Error("reopening a sink failed", "sink", s.Name(), "err", err)
			}
		}
	}
}

// verify validates the trail and commits an alert per finding; the ids
// are stable, so a finding seen again is not sent again.
func (w *watcher) verify(ctx context.Context) error {
	rep, err := w.cfg.Verify(ctx)
	if err != nil {
		return err
	}
	alerts := integrity.Alerts(rep, time.Now().UTC())
	w.log.Info("integrity validated", "digests", rep.Digests, "log_files", rep.LogFiles, "findings", len(rep.Findings))
	if len(alerts) == 0 {
		return nil
	}
	return w.store.Batch(func(tx *state.Tx) error {
		for _, a := range alerts {
			doc, err := json.Marshal(a.Doc)
			if err != nil {
				return err
			}
			changed, err := tx.Upsert(a.ID, doc)
			if err != nil {
				return err
			}
			if changed {
				w.metrics.alerts.WithLabelValues(a.Rule.Name).Inc()
			}
		}
		return nil
	})
}

// fail discards the in-memory engine, whose state may now be ahead of the
// database, and rebuilds it from the last commit; the object is retried.
func (w *watcher) fail(err error) error {
	if rerr := w.restore(); rerr != nil {
		return source.Fatal(fmt.Errorf("%v; and restoring the live state failed: %w", err, rerr))
	}
	return err
}

// stateReader reads the engine's committed checkpoint.
type stateReader struct{ s *state.Store }

func (r stateReader) GetBlob(key string) ([]byte, bool, error) { return r.s.GetBlob(engineNS, key) }

// txState writes the engine's checkpoint into a state transaction.
type txState struct{ tx *state.Tx }

func (s txState) PutBlob(key string, b []byte) error { return s.tx.PutBlob(engineNS, key, b) }
func (s txState) DeleteBlob(key string) error        { return s.tx.DeleteBlob(engineNS, key) }
