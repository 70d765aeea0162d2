package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Object is one CloudTrail log object to read.
type Object struct {
	Source string // the source URL (spec) it came from, as given to Open
	Key    string // unique, stable key: absolute file path (symbolic links in the root resolved), or s3://bucket/key
	Size   int64  // stored size in bytes (compressed for .gz); 0 when unknown (CloudTrail's SNS notification omits it)
	// Open returns the object's bytes as stored (gzip is not undone: the
	// cloudtrail reader detects it by its magic bytes).
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Watermark, when not zero, is an event time the producer of the
	// records has passed (Kafka's watermark control records): the engine's
	// time moves on to it even if the object holds no newer event, so that
	// a quiet partition still closes its windows.
	Watermark time.Time
}

// A Source finds new objects and hands them to fn in delivery-time order,
// as detect reads a tree (cloudtrail.Reader.Read), so that a backlog (a
// fresh state on a bucket with history, a restart after an outage) comes in
// the order its events happened across accounts and regions, and a
// time-bucketed rule can close its windows as it goes. CloudTrail delivery
// files go by the time in their names (cloudtrail.DeliveryTime), objects
// without one before them. What is ordered together:
//   - S3: everything one poll lists, the listings of every account and
//     region merged as they are paged; ties by key. Keys outside the layout
//     come in key order.
//   - a directory: the files of one scan; those without a delivery time by
//     modification time; ties in walk (name) order.
//   - SQS: the objects of one batch of received messages; ties by key,
//     objects without a delivery time in the order received.
//
// An object that fails comes again later, after objects delivered after it
// (the order is kept for what succeeds at once). In S3 its account and
// region stop for the poll, so that their checkpoint stays before it; in
// SQS its message's later objects come back with the message.
//
// fn returns nil only after the object is fully processed and its effects
// committed; only then does the source advance its checkpoint or delete the
// SQS message. fn should record Object.Key as done for Object.Source in the
// same commit, so that Checkpoints.Done reports it after a restart.
//
// An error from fn is logged and the object is tried again later (next poll,
// or SQS redelivery), since most failures (network, a sink down) pass; wrap
// it with Fatal to make Run stop and return it instead. Run blocks until ctx
// is done (it then returns ctx.Err()) or a fatal error.
type Source interface {
	Run(ctx context.Context, fn func(ctx context.Context, obj Object) error) error
}

// Checkpoints is the persistent state a Source reads and advances. It is
// implemented by the state store; NewMemoryCheckpoints gives one that forgets
// everything at exit.
type Checkpoints interface {
	// Checkpoint returns the value last set for source, or "" if none.
	Checkpoint(source string) (string, error)
	// SetCheckpoint stores value for source.
	SetCheckpoint(source, value string) error
	// Done reports whether the object key of source was fully processed
	// (recorded by the Source's callback).
	Done(source, key string) (bool, error)
}

// Options configure a Source. The zero Options work: checkpoints in memory,
// default poll intervals, AWS settings from the environment.
type Options struct {
	// Checkpoints keep progress across restarts; nil keeps it in memory.
	Checkpoints Checkpoints
	// PollInterval is the time between scans of a directory (default 5s) or
	// listings of an S3 bucket (default 1m). SQS long-polls and ignores it.
	PollInterval time.Duration
	// Lookback is how far before each S3 checkpoint the S3 source lists
	// again, to find files CloudTrail delivered late (default 1h; negative:
	// never). It compares the delivery-file times in the key names.
	Lookback time.Duration
	// Since, when not zero, is where an S3 account/region without a
	// checkpoint starts, by the delivery time in the key names, and how far
	// back Lookback may go; zero reads everything there. S3 only.
	Since time.Time
	// Start, when Since is zero, is where an S3 source that has never run
	// (no saved progress for it) starts, by delivery time: watch's default,
	// so that a fresh state does not read years of history. Unlike Since it
	// bounds nothing once the source has run: the first start is kept with
	// the checkpoints (s3start.go), an account or region without a
	// checkpoint of its own (idle so far, or new) starts there, and one
	// with a checkpoint resumes at it, however old. S3 only.
	Start time.Time
	// Until, when not zero, ends each S3 listing of one account and region
	// at its first CloudTrail key delivered more than
	// cloudtrail.LateDelivery after it: such a listing is in delivery-time
	// order, so nothing after that key is wanted (a bounded hunt). Keys in
	// listings of other prefixes are still all listed. S3 only.
	Until time.Time
	// EndpointURL replaces the AWS endpoints of S3 and SQS, for S3- and
	// SQS-compatible stores (S3 then uses path-style addressing).
	EndpointURL string
	// Region is the AWS region; "" takes it from the environment or profile
	// (and, for SQS, from the queue URL).
	Region string
	// Logger receives warnings and progress; nil discards them.
	Logger *slog.Logger
	// HTTPClient, when set, is used for every AWS request.
	HTTPClient *http.Client
	// Buckets, when not empty, are the only buckets (and prefixes) the SQS
	// source fetches objects from (accept.go); a notification for another
	// is logged, counted and left in the queue for its redrive policy.
	Buckets []Bucket
	// AnyKey makes the S3 and SQS sources read keys outside CloudTrail's
	// log layout too (IsTrailKey); by default they are skipped and counted.
	AnyKey bool
	// Once makes Run read what the source holds now and return nil: one
	// listing of S3, one scan of a directory (files taken as they are),
	// SQS until a receive is empty (trailql watch --once).
	Once bool
	// OnSkip, when set, is told of each object not read and why
	// (SkipForeignBucket, SkipNotTrailKey), for metrics.
	OnSkip func(object, reason string)
	// OnListError, when set, is told of an S3 listing (of one account and
	// region, named s3://bucket/prefix/) that failed after the SDK's
	// retries and is given up until the next poll: a hunt, which has no
	// next poll, reports what it could not read.
	OnListError func(prefix string, err error)
}

// Fatal wraps an error returned by a Source's callback so that Run stops and
// returns it, instead of trying the object again later.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err}
}

type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// isFatal reports whether a callback error must end Run: Fatal ones, and the
// context's own end.
func isFatal(ctx context.Context, err error) bool {
	var f *fatalError
	return errors.As(err, &f) || ctx.Err() != nil
}

// Open parses a source spec: a local directory, "s3://bucket[/prefix]",
// "sqs://<queue URL, host/path or queue name>", or an SQS queue URL
// "https://sqs.<region>.amazonaws.com/<account>/<name>". It does no I/O on
// the network; AWS configuration is loaded when Run starts.
func Open(spec string, opts Options) (Source, error) {
	if opts.Checkpoints == nil {
		opts.Checkpoints = NewMemoryCheckpoints()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Lookback == 0 {
		opts.Lookback = time.Hour
	}
	lower := strings.ToLower(spec)
	switch {
	case strings.HasPrefix(lower, "s3://"):
		return nonNil(newS3Source(spec, opts))
	case strings.HasPrefix(lower, "sqs://"):
		return nonNil(newSQSSource(spec, opts))
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		if isSQSURL(spec) {
			return nonNil(newSQSSource(spec, opts))
		}
		return nil, fmt.Errorf("source %q: unsupported URL (want s3://, sqs:// or an SQS queue URL)", spec)
	case strings.Contains(spec, "://"):
		return nil, fmt.Errorf("source %q: unsupported scheme (want a directory, s3:// or sqs://)", spec)
	}
	return nonNil(newDirSource(spec, opts))
}

// nonNil keeps a failed constructor's nil pointer from becoming a non-nil
// Source.
func nonNil[S Source](s S, err error) (Source, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// stopped is Run's error: ctx.Err() once ctx is done (whatever request it
// interrupted), else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// sleep waits d or until ctx is done, reporting whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
