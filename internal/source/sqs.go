package source

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsSource long-polls a queue of S3 notifications (see the package doc for
// the shapes) and deletes a message only once every object it names was
// processed: at-least-once, where Falco's plugin deletes on receipt.
type sqsSource struct {
	spec     string
	queueURL string // "" until resolved from name
	name     string // queue name when given by name
	region   string // from the queue URL, else Options.Region
	opts     Options

	wait       int32         // long-poll seconds (20, the maximum)
	visibility time.Duration // requested per receive and renewed while processing

	client *sqs.Client
	cfg    aws.Config
	s3mu   sync.Mutex
	s3     map[string]*s3.Client // by region
}

// isSQSURL reports an SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name>
// (or the legacy <region>.queue.amazonaws.com).
func isSQSURL(spec string) bool {
	u, err := url.Parse(spec)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return (strings.HasPrefix(h, "sqs.") || strings.HasSuffix(h, ".queue.amazonaws.com")) &&
		strings.Count(strings.Trim(u.Path, "/"), "/") == 1
}

// regionOfQueueURL returns the region in an AWS queue URL's host, or "".
func regionOfQueueURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.ToLower(pu.Hostname()), ".")
	switch {
	case len(parts) >= 3 && parts[0] == "sqs" && regionRE().MatchString(parts[1]):
		return parts[1]
	case len(parts) >= 4 && parts[1] == "queue" && regionRE().MatchString(parts[0]):
		return parts[0]
	}
	return ""
}

func newSQSSource(spec string, opts Options) (*sqsSource, error) {
	s := &sqsSource{spec: spec, opts: opts, wait: 20, visibility: 5 * time.Minute, s3: map[string]*s3.Client{}}
	if opts.Once {
		s.wait = 2 // an empty receive ends the run: do not long-poll for it
	}
	rest := spec
	if strings.HasPrefix(strings.ToLower(rest), "sqs://") {
		rest = rest[len("sqs://"):]
	}
	lower := strings.ToLower(rest)
	switch {
	case rest == "":
		return nil, fmt.Errorf("source %q: no queue", spec)
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		s.queueURL = rest
	case strings.Contains(rest, "/"):
		s.queueURL = "https://" + rest
	default:
		s.name = rest
	}
	if s.queueURL != "" {
		if _, err := url.Parse(s.queueURL); err != nil {
			return nil, fmt.Errorf("source %q: bad queue URL: %v", spec, err)
		}
		s.region = regionOfQueueURL(s.queueURL)
	}
	if s.region == "" {
		s.region = opts.Region
	}
	return s, nil
}

// Run receives messages until ctx is done. Failing to reach the queue before
// any message was received is fatal (wrong queue, no permission); later
// failures are logged and retried.
func (s *sqsSource) Run(ctx context.Context, fn func(context.Context, Object) error) error {
	if err := s.init(ctx); err != nil {
		return fmt.Errorf("source %s: %w", s.spec, err)
	}
	reached := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := s.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.queueURL),
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             s.wait,
			VisibilityTimeout:           int32(s.visibility / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !reached {
				return fmt.Errorf("source %s: receive: %w", s.spec, err)
			}
			s.opts.Logger.Warn("watch: SQS receive failed; will retry", "queue", s.queueURL, "err", err)
			if !sleep(ctx, 5*time.Second) {
				return ctx.Err()
			}
			continue
		}
		reached = true
		if err := s.batch(ctx, out.Messages, fn); err != nil {
			return stopped(ctx, err)
		}
		if s.opts.Once && len(out.Messages) == 0 {
			return nil // the queue is drained
		}
	}
}

// init loads the AWS configuration and resolves a queue given by name.
func (s *sqsSource) init(ctx context.Context) error {
	if s.client != nil {
		return nil
	}
	cfg, err := loadAWS(ctx, s.opts, s.region)
	if err != nil {
		return err
	}
	s.cfg = cfg
	s.client = sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if s.opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(s.opts.EndpointURL)
		}
	})
	if s.queueURL == "" {
		out, err := s.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(s.name)})
		if err != nil {
			return fmt.Errorf("queue %q: %w", s.name, err)
		}
		s.queueURL = aws.ToString(out.QueueUrl)
	}
	return nil
}

// s3For returns an S3 client for a bucket in region ("" = the configured one).
func (s *sqsSource) s3For(region string) *s3.Client {
	s.s3mu.Lock()
	defer s.s3mu.Unlock()
	if c := s.s3[region]; c != nil {
		return c
	}
	cfg := s.cfg.Copy()
	if region != "" && s.opts.EndpointURL == "" {
		cfg.Region = region
	}
	c := newS3Client(cfg, s.opts)
	s.s3[region] = c
	return c
}

// inFlight is a received message while its batch is processed.
type inFlight struct {
	m      types.Message
	left   int  // its objects not yet done
	failed bool // one of its objects failed: it stays in the queue
}

// queued is one object named by a message of the batch.
type queued struct {
	msg   *inFlight
	ref   s3Ref
	at    time.Time // delivery time in the key's name
	timed bool      // the name has one
}

// batch handles the received messages as one set. The objects they name are
// handed on in delivery-time order across all of them (keys without a
// delivery time first, in the order received; ties by key, as the S3
// source): a backlog in the queue then comes in the order its events
// happened, as detect reads a tree, even where one CloudTrail notification
// names files minutes apart and another message's file falls between them.
// A message is deleted as soon as its last object is done, never before;
// until then the heartbeat keeps it invisible to other consumers (a slow
// object would otherwise let SQS deliver it again: redpanda-data/connect#4469).
//
// An object that fails leaves its message in the queue, to be received
// again after its visibility timeout (or, failing again and again, moved by
// its redrive policy), and the message's later objects are not read in
// this batch: they come back with it, and reading them now would most
// likely fail the same way (a sink down). The other messages go on. A
// fatal error ends the batch; what was not deleted comes back.
func (s *sqsSource) batch(ctx context.Context, msgs []types.Message, fn func(context.Context, Object) error) error {
	if len(msgs) == 0 {
		return nil
	}
	hb := s.heartbeat(ctx, msgs)
	defer hb.stop()
	var objs []queued
	for _, m := range msgs {
		refs, err := s.prepare(ctx, m, hb)
		if err != nil {
			return err
		}
		f := &inFlight{m: m, left: len(refs)}
		for _, r := range refs {
			at, timed := keyTime(r.Key)
			objs = append(objs, queued{f, r, at, timed})
		}
	}
	slices.SortStableFunc(objs, func(a, b queued) int {
		if c := deliveryCmp(a.at, a.timed, b.at, b.timed); c != 0 || !a.timed {
			return c
		}
		return strings.Compare(a.ref.Key, b.ref.Key)
	})
	for _, o := range objs {
		if o.msg.failed {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		obj, err := s.read(ctx, o.ref, fn)
		if err != nil {
			if isFatal(ctx, err) {
				return err
			}
			s.opts.Logger.Warn("watch: object failed; its message stays in the queue for a retry", "key", obj.Key, "message_id", aws.ToString(o.msg.m.MessageId), "err", err)
			o.msg.failed = true
			hb.release(aws.ToString(o.msg.m.ReceiptHandle))
			continue
		}
		if o.msg.left--; o.msg.left == 0 {
			if err := s.delete(ctx, o.msg.m, hb); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepare reads a message and returns the objects to hand on. A message
// with none is dealt with here: a test message, or one whose objects are
// all skipped, is deleted; one not understood, or naming an object outside
// the allowed buckets, is left in the queue (and not fetched from at all).
// It returns only fatal errors.
func (s *sqsSource) prepare(ctx context.Context, m types.Message, hb *heartbeat) ([]s3Ref, error) {
	id := aws.ToString(m.MessageId)
	kind, refs, err := parseMessage(aws.ToString(m.Body))
	if err != nil {
		body := aws.ToString(m.Body)
		if len(body) > 300 {
			body = body[:300] + "..."
		}
		s.opts.Logger.Warn("watch: SQS message not understood; left in the queue (its redrive policy moves it to the dead-letter queue)",
			"queue", s.queueURL, "message_id", id, "receive_count", m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)],
			"err", err, "body", body)
		hb.release(aws.ToString(m.ReceiptHandle))
		return nil, nil
	}
	if kind == msgTest {
		s.opts.Logger.Info("watch: SQS test message deleted", "queue", s.queueURL, "message_id", id)
		return nil, s.delete(ctx, m, hb)
	}
	for _, r := range refs {
		if !s.opts.allowed(r.Bucket, r.Key) {
			name := "s3://" + r.Bucket + "/" + r.Key
			s.opts.Logger.Warn("watch: notification for an object outside the allowed buckets (--bucket); not fetched, message left in the queue for its redrive policy",
				"object", name, "message_id", id, "allowed", fmt.Sprint(s.opts.Buckets))
			s.opts.skipped(name, SkipForeignBucket)
			hb.release(aws.ToString(m.ReceiptHandle))
			return nil, nil
		}
	}
	var out []s3Ref
	for _, r := range refs {
		if s.opts.wantKey("s3://"+r.Bucket+"/"+r.Key, r.Key) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, s.delete(ctx, m, hb) // digests, deletions, keys skipped
	}
	return out, nil
}

// read hands one object on unless it is done already (a redelivered
// message, or an object also listed another way).
func (s *sqsSource) read(ctx context.Context, r s3Ref, fn func(context.Context, Object) error) (Object, error) {
	obj := s3Object(s.s3For(r.Region), s.spec, r.Bucket, r.Key, r.Size)
	done, err := s.opts.Checkpoints.Done(s.spec, obj.Key)
	if err != nil {
		return obj, Fatal(fmt.Errorf("checkpoints: %w", err))
	}
	if done {
		return obj, nil
	}
	return obj, fn(ctx, obj)
}

// delete removes a finished message, first taking it out of the heartbeat
// (a renewal racing the delete would fail on the spent receipt handle).
func (s *sqsSource) delete(ctx context.Context, m types.Message, hb *heartbeat) error {
	hb.release(aws.ToString(m.ReceiptHandle))
	_, err := s.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(s.queueURL), ReceiptHandle: m.ReceiptHandle})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Its objects are done; when it comes back, the Done check skips them.
		s.opts.Logger.Warn("watch: SQS delete failed; the message will be received again", "message_id", aws.ToString(m.MessageId), "err", err)
	}
	return nil
}

// heartbeat renews the visibility timeout of a batch's pending messages every
// third of it until they are released.
type heartbeat struct {
	mu      sync.Mutex
	pending map[string]bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func (s *sqsSource) heartbeat(ctx context.Context, msgs []types.Message) *heartbeat {
	hb := &heartbeat{pending: map[string]bool{}}
	for _, m := range msgs {
		hb.pending[aws.ToString(m.ReceiptHandle)] = true
	}
	ctx, hb.cancel = context.WithCancel(ctx)
	hb.wg.Add(1)
	go func() {
		defer hb.wg.Done()
		for sleep(ctx, s.visibility/3) {
			hb.mu.Lock()
			handles := make([]string, 0, len(hb.pending))
			for h := range hb.pending {
				handles = append(handles, h)
			}
			hb.mu.Unlock()
			for _, h := range handles {
				_, err := s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
					QueueUrl: aws.String(s.queueURL), ReceiptHandle: aws.String(h),
					VisibilityTimeout: int32((s.visibility + time.Second - 1) / time.Second),
				})
				if err != nil && !errors.Is(err, context.Canceled) {
					s.opts.Logger.Warn("watch: SQS visibility extension failed; the message may be delivered twice", "err", err)
				}
			}
		}
	}()
	return hb
}

func (hb *heartbeat) release(handle string) {
	hb.mu.Lock()
	delete(hb.pending, handle)
	hb.mu.Unlock()
}

func (hb *heartbeat) stop() {
	hb.cancel()
	hb.wg.Wait()
}
