package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// Sink sends alert deliveries somewhere.
//
// Send returns nil when every delivery was accepted. When some were and
// some were not it returns a *BatchError giving each delivery's outcome.
// Any other error means none was accepted. An error wrapped by Permanent
// (alone or inside a BatchError) means retrying the same delivery cannot
// succeed (a 400 from the receiver); other errors are retried later.
// Send may be slow (it retries on its own where the protocol allows) and
// must return promptly when ctx is cancelled.
type Sink interface {
	// Name identifies the sink in the state database's outbox and in logs:
	// stable across restarts for the same --sink value, and free of
	// secrets (webhook URLs often embed a token, so they are hashed).
	Name() string
	Send(ctx context.Context, ds []state.Delivery) error
	Close() error
}

// BatchError reports the outcome of each delivery of a Send that failed
// in part. Errs is aligned with the deliveries passed to Send: nil means
// accepted, ErrNotAttempted means the sink stopped before it (left pending
// as is), anything else is that delivery's failure.
type BatchError struct {
	Errs []error
}

// ErrNotAttempted marks a delivery a sink did not try, in a BatchError.
var ErrNotAttempted = errors.New("sink: not attempted")

// Error summarises the failures.
func (e *BatchError) Error() string {
	var failed, skipped int
	var first error
	for _, err := range e.Errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrNotAttempted):
			skipped++
		default:
			failed++
			if first == nil {
				first = err
			}
		}
	}
	msg := fmt.Sprintf("%d of %d deliveries failed", failed, len(e.Errs))
	if skipped > 0 {
		msg += fmt.Sprintf(", %d not attempted", skipped)
	}
	if first != nil {
		msg += ": " + first.Error()
	}
	return msg
}

// permanentError marks an error retrying cannot fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as a rejection that retrying cannot fix; the
// dispatcher parks such a delivery instead of retrying it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// retryAfterError carries a delay the receiver asked for (HTTP
// Retry-After), so the outbox does not retry before it.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (r retryAfterError) Error() string { return r.err.Error() }
func (r retryAfterError) Unwrap() error { return r.err }

// RetryAfter returns the delay a receiver asked for before the next
// attempt, carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var r retryAfterError
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}

// kindOf splits a --sink spec into its kind and target.
func kindOf(spec string) (kind, target string) {
	kind, target, _ = strings.Cut(spec, ":")
	return strings.ToLower(kind), target
}
