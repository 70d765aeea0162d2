package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valyala/fastjson"

	"github.com/trailql/trailql/cloudtrail"
)

// DefaultPartitions is the partition count of a topic ingest creates:
// enough consumers to scale out to, fixed for good (adding partitions to a
// keyed topic moves keys and splits open windows).
const DefaultPartitions = 48

// Ingester produces raw CloudTrail records to the topic.
type Ingester struct {
	cl    *kgo.Client
	topic string
	// OnProblem receives bad input (a record that is not CloudTrail).
	OnProblem func(cloudtrail.Problem)

	mu       sync.Mutex
	maxEvent int64 // newest event time produced (ms)
	parser   fastjson.Parser
	// Records counts the records produced.
	Records int64
}

// NewIngester connects to the brokers of c.
func NewIngester(c Config) (*Ingester, error) {
	opts := append(c.clientOpts(), kgo.DefaultProduceTopic(c.Topic), kgo.RecordPartitioner(partitioner{}),
		kgo.ProducerBatchCompression(kgo.ZstdCompression(), kgo.NoCompression()), kgo.RequiredAcks(kgo.AllISRAcks()))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &Ingester{cl: cl, topic: c.Topic}, nil
}

// Close flushes nothing: call Object, which waits for acknowledgements.
func (in *Ingester) Close() { in.cl.Close() }

// EnsureTopic creates the topic with partitions when it is missing; an
// existing topic keeps its partition count (changing it would move keys).
// It returns the topic's partition count.
func (in *Ingester) EnsureTopic(ctx context.Context, partitions int32) (int32, error) {
	adm := kadm.NewClient(in.cl)
	resp, err := adm.CreateTopics(ctx, partitions, -1, nil, in.topic)
	if err != nil {
		return 0, fmt.Errorf("creating topic %s: %w", in.topic, err)
	}
	if r, ok := resp[in.topic]; ok && r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
		return 0, fmt.Errorf("creating topic %s: %w", in.topic, r.Err)
	}
	md, err := adm.ListTopics(ctx, in.topic)
	if err != nil {
		return 0, fmt.Errorf("topic %s: %w", in.topic, err)
	}
	td, ok := md[in.topic]
	if !ok || td.Err != nil {
		return 0, fmt.Errorf("topic %s: %v", in.topic, td.Err)
	}
	return int32(len(td.Partitions)), nil
}

// Object produces the records of one log object (its bytes as stored) and
// returns once the brokers acknowledged every one, then sends a watermark to
// every partition: only then may the caller mark the object done (an S3
// checkpoint, an SQS delete).
func (in *Ingester) Object(ctx context.Context, name string, src io.Reader, partitions int32) (int, error) {
	reader := &cloudtrail.Reader{OnProblem: in.OnProblem}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	var mu sync.Mutex
	var firstErr error
	n := 0
	_, err := reader.ReadStream(ctx, name, src, func(rec cloudtrail.Record) error {
		key, id, at := in.identify(rec.Raw)
		value := append([]byte(nil), rec.Raw...)
		r := &kgo.Record{Key: key, Value: value, Headers: []kgo.RecordHeader{
			{Key: HeaderIngested, Value: []byte(now)}, {Key: HeaderEventID, Value: []byte(id)}, {Key: HeaderObject, Value: []byte(name)}}}
		n++
		in.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
		in.observe(at)
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := in.cl.Flush(ctx); err != nil {
		return n, err
	}
	if firstErr != nil {
		return n, fmt.Errorf("producing %s: %w", name, firstErr)
	}
	in.mu.Lock()
	in.Records += int64(n)
	in.mu.Unlock()
	return n, in.Watermark(ctx, partitions)
}

// Watermark sends the newest event time produced to every partition and
// waits for the acknowledgements.
func (in *Ingester) Watermark(ctx context.Context, partitions int32) error {
	in.mu.Lock()
	wm := in.maxEvent
	in.mu.Unlock()
	if wm == 0 {
		return nil
	}
	v := []byte(strconv.FormatInt(wm, 10))
	var rs []*kgo.Record
	for p := int32(0); p < partitions; p++ {
		rs = append(rs, &kgo.Record{Key: watermarkKey, Partition: p, Headers: []kgo.RecordHeader{{Key: HeaderWatermark, Value: v}}})
	}
	if err := in.cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	return nil
}

// identify reads a raw record's key (userIdentity.arn), event id and event
// time. A record that does not parse keeps the no-ARN key: the consumer's
// engine reports it as bad input, as watch would.
func (in *Ingester) identify(raw []byte) (key []byte, id string, at int64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	v, err := in.parser.ParseBytes(raw)
	if err != nil {
		return NoARNKey, "", 0
	}
	key = NoARNKey
	if arn := v.GetStringBytes("userIdentity", "arn"); len(arn) > 0 {
		key = append([]byte(nil), arn...)
	}
	id = string(v.GetStringBytes("eventID"))
	if t, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("eventTime"))); err == nil {
		at = t.UnixMilli()
	}
	return key, id, at
}

// observe moves the watermark on.
func (in *Ingester) observe(ms int64) {
	in.mu.Lock()
	in.maxEvent = max(in.maxEvent, ms)
	in.mu.Unlock()
}
