package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// DispatcherOptions tune a Dispatcher; zero values take the defaults.
type DispatcherOptions struct {
	// BatchSize is the most deliveries passed to one Send (default 100).
	BatchSize int
	// Backoff spaces retries of a failed delivery, by its attempt count,
	// and pauses a sink after a failed Send (default 1s doubling to 5m).
	Backoff Backoff
	// Poll is the longest a sink's loop sleeps without a wake-up
	// (default 30s).
	Poll time.Duration
	// Grace is how long Run keeps delivering after its context is
	// cancelled, to flush what was enqueued just before (default 5s).
	Grace time.Duration
	// Logger receives delivery failures (default slog.Default()).
	Logger *slog.Logger
}

// Dispatcher moves deliveries from the state database's outbox to the
// sinks: one loop per sink, so a slow or dead sink never holds up the
// others. It wakes when the store enqueues (state.Store.Notify), when a
// retry falls due, and every Poll.
type Dispatcher struct {
	st    *state.Store
	sinks []Sink
	opts  DispatcherOptions
}

// NewDispatcher makes a dispatcher for sinks reading st's outbox. The
// store's sinks (SetSinks) should be the Names of the same sinks. The
// dispatcher does not close the sinks.
func NewDispatcher(st *state.Store, sinks []Sink, opts DispatcherOptions) *Dispatcher {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Backoff.Base <= 0 {
		opts.Backoff.Base = time.Second
	}
	if opts.Backoff.Max <= 0 {
		opts.Backoff.Max = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 30 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Dispatcher{st: st, sinks: sinks, opts: opts}
}

// Run delivers until ctx is cancelled, then keeps going for up to Grace
// to flush what is due, and returns. Deliveries it could not send stay in
// the outbox for the next run. At start it unparks each sink's rejected
// deliveries, so a restart after fixing a sink's configuration retries
// them.
func (d *Dispatcher) Run(ctx context.Context) error {
	for _, s := range d.sinks {
		if n, err := d.st.Unpark(s.Name()); err != nil {
			return err
		} else if n > 0 {
			d.opts.Logger.Info("retrying deliveries the sink had rejected", "sink", s.Name(), "count", n)
		}
	}
	wakes := make([]chan struct{}, len(d.sinks))
	var wg sync.WaitGroup
	for i, s := range d.sinks {
		wakes[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx, s, wakes[i])
		}()
	}
	notify := d.st.Notify()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-notify:
			for _, w := range wakes {
				select {
				case w <- struct{}{}:
				default:
				}
			}
		}
	}
}

// loop is one sink's delivery loop.
func (d *Dispatcher) loop(ctx context.Context, s Sink, wake <-chan struct{}) {
	failures := 0 // consecutive failed Sends
	for ctx.Err() == nil {
		failed := d.drain(ctx, s)
		if ctx.Err() != nil {
			break
		}
		wait := d.opts.Poll
		if failed {
			// The sink is down: pause it as a whole, ignoring wake-ups, so
			// new alerts do not hammer it; they wait in the outbox.
			wait = d.opts.Backoff.Delay(failures)
			failures++
		} else {
			failures = 0
			if next, ok, err := d.st.NextAttempt(s.Name()); err == nil && ok {
				if until := time.Until(next); until < wait {
					wait = max(until, 10*time.Millisecond)
				}
			}
		}
		t := time.NewTimer(wait)
		if failed {
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		} else {
			select {
			case <-ctx.Done():
			case <-wake:
			case <-t.C:
			}
		}
		t.Stop()
	}
	// Flush: deliver what is due, within the grace period.
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.Grace)
	defer cancel()
	d.drain(gctx, s)
}

// Flush delivers everything due now to every sink, once, and returns when
// the outbox has nothing due or a sink failed. Its error names the sinks
// that failed or hold parked (rejected) deliveries. It is for one-shot runs
// (trailql detect with sinks) and tests; daemons use Run.
func (d *Dispatcher) Flush(ctx context.Context) error {
	var errs []error
	for _, s := range d.sinks {
		if d.drain(ctx, s) {
			errs = append(errs, fmt.Errorf("sink %s: delivery failed; alerts left pending", s.Name()))
		}
		if st, err := d.st.Stats(s.Name()); err != nil {
			errs = append(errs, err)
		} else if st.Parked > 0 {
			errs = append(errs, fmt.Errorf("sink %s: rejected %d alerts (parked until restart)", s.Name(), st.Parked))
		}
	}
	return errors.Join(errs...)
}

// drain sends s's due deliveries batch by batch; it reports whether a
// delivery failed in a way worth retrying (the sink looks down).
func (d *Dispatcher) drain(ctx context.Context, s Sink) (failed bool) {
	name := s.Name()
	for ctx.Err() == nil {
		ds, err := d.st.Pending(name, d.opts.BatchSize)
		if err != nil {
			d.opts.Logger.Error("reading the outbox", "sink", name, "err", err)
			return true
		}
		if len(ds) == 0 {
			return false
		}
		err = s.Send(ctx, ds)
		if err != nil && ctx.Err() != nil {
			// Shutting down: an interrupted attempt is not the sink's
			// failure; the deliveries stay as they were.
			return false
		}
		var be *BatchError
		if !errors.As(err, &be) || len(be.Errs) != len(ds) {
			be = &BatchError{Errs: make([]error, len(ds))}
			for i := range be.Errs {
				be.Errs[i] = err
			}
		}
		progressed := false
		for i, dl := range ds {
			if !errors.Is(be.Errs[i], ErrNotAttempted) {
				progressed = true
			}
			if d.record(dl, be.Errs[i]) {
				failed = true
			}
		}
		if failed || !progressed {
			return true
		}
	}
	return false
}

// record stores one delivery's outcome; it reports a retryable failure.
func (d *Dispatcher) record(dl state.Delivery, err error) (retry bool) {
	var serr error
	switch {
	case err == nil:
		serr = d.st.Delivered(dl.Sink, dl.AlertID, dl.Version)
	case errors.Is(err, ErrNotAttempted):
		return false
	case IsPermanent(err):
		d.opts.Logger.Error("sink rejected alert; parked until restart", "sink", dl.Sink, "alert", dl.AlertID, "err", err)
		serr = d.st.Failed(dl.Sink, dl.AlertID, dl.Version, err, time.Time{})
	default:
		delay := d.opts.Backoff.Delay(dl.Attempts)
		if ra, ok := RetryAfter(err); ok && ra > delay {
			delay = ra
		}
		d.opts.Logger.Warn("alert delivery failed; will retry", "sink", dl.Sink, "alert", dl.AlertID, "attempts", dl.Attempts+1, "retry_in", delay.Round(time.Millisecond), "err", err)
		serr = d.st.Failed(dl.Sink, dl.AlertID, dl.Version, err, time.Now().Add(delay))
		retry = true
	}
	if serr != nil {
		d.opts.Logger.Error("recording a delivery outcome", "sink", dl.Sink, "alert", dl.AlertID, "err", serr)
		return true
	}
	return retry
}
