package kafka

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valyala/fastjson"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
)

// IngestTransactionTimeout bounds an object's transaction (reading and
// producing one log object): a crashed ingest's open transaction holds
// back the consumers of its partitions this long at most.
const IngestTransactionTimeout = time.Minute

// IngestTransactionalID is the transactional id of the ingest whose
// checkpoints are in statePath on this host.
func IngestTransactionalID(statePath string) string {
	host, _ := os.Hostname()
	abs, _ := filepath.Abs(statePath)
	sum := sha256.Sum256([]byte(host + "\x00" + abs))
	return "trailql-ingest-" + hex.EncodeToString(sum[:6])
}

// DefaultPartitions is the partition count of a topic ingest creates:
// enough consumers to scale out to (it divides among 1, 2, 3, 4, 6, 8, 12,
// 16, 24 and 48 members), fixed for good: adding partitions to a keyed
// topic moves keys and splits open windows.
const DefaultPartitions = 48

// Ingester produces raw CloudTrail records to the events topic, keyed by
// userIdentity.arn, and to the repartition topic of each routed rule,
// keyed by that rule's key. It is safe for concurrent use.
type Ingester struct {
	cl     *kgo.Client
	topic  string
	routes []*Route
	parts  int // partitions of every topic (EnsureTopics)
	// OnProblem receives bad input (a record that is not CloudTrail).
	OnProblem func(cloudtrail.Problem)

	txMu   sync.Mutex // one transaction at a time: an object's, or a watermark's
	mu     sync.Mutex // the parser and keyers, used one record at a time
	parser fastjson.Parser
	keyers []*keyer

	wmu    sync.Mutex
	acked  int64 // newest event time of the records acknowledged (ms)
	sentWM int64 // newest watermark sent
	// Records counts the records produced to the events topic, Routed
	// those produced to repartition topics.
	Records, Routed atomic.Int64
}

// NewIngester connects to the brokers of c. routes are the repartition
// topics to fill besides the events topic (Plan.Routes); opts are the
// record mapping's (the namespace the rules' filters may read). txnID is
// the ingest's transactional id: each object's records are produced in one
// transaction, so an object read again after a crash (it was not marked
// done) is on the topic once, for the consumers, which read committed
// records only. Give the same id to the same ingest (its host and state),
// so that a restart aborts the transaction the crash left open at once
// (an open transaction holds back the consumers of its partitions until
// it times out), and different ids to ingests that run at the same time.
func NewIngester(c Config, routes []*Route, opts detect.Options, txnID string) (*Ingester, error) {
	opts2 := append(c.clientOpts(),
		kgo.TransactionalID(txnID), kgo.TransactionTimeout(IngestTransactionTimeout),
		// Every partition is chosen here: by the key's murmur2 hash, as
		// Kafka's own clients do, or the one a watermark names.
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression(), kgo.NoCompression()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Back-pressure: a slow cluster blocks reading, never drops.
		kgo.MaxBufferedBytes(256<<20))
	cl, err := kgo.NewClient(opts2...)
	if err != nil {
		return nil, err
	}
	in := &Ingester{cl: cl, topic: c.Topic, routes: routes}
	for _, r := range routes {
		in.keyers = append(in.keyers, newKeyer(r, opts))
	}
	return in, nil
}

// Close closes the connections. Object has waited for every record.
func (in *Ingester) Close() { in.cl.Close() }

// EnsureTopics creates the events topic with partitions when it is
// missing (an existing topic keeps its count: changing it would move keys)
// and each repartition topic with the same count. It returns the count.
func (in *Ingester) EnsureTopics(ctx context.Context, partitions int32) (int32, error) {
	adm := kadm.NewClient(in.cl)
	n, err := ensureTopic(ctx, adm, in.topic, partitions, nil)
	if err != nil {
		return 0, err
	}
	for _, r := range in.routes {
		got, err := ensureTopic(ctx, adm, r.Topic, n, nil)
		if err != nil {
			return 0, err
		}
		if got != n {
			return 0, fmt.Errorf("topic %s has %d partitions, %s has %d: a repartition topic must have its events topic's count", r.Topic, got, in.topic, n)
		}
	}
	in.parts = int(n)
	return n, nil
}

// ensureTopic creates topic with partitions when it is missing and returns
// its partition count.
func ensureTopic(ctx context.Context, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) (int32, error) {
	resp, err := adm.CreateTopics(ctx, partitions, -1, configs, topic)
	if err != nil {
		return 0, fmt.Errorf("creating topic %s: %w", topic, err)
	}
	if r, ok := resp[topic]; ok && r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
		return 0, fmt.Errorf("creating topic %s: %w", topic, r.Err)
	}
	return partitionCount(ctx, adm, topic)
}

// partitionCount is topic's partition count (an error when it does not
// exist).
func partitionCount(ctx context.Context, adm *kadm.Client, topic string) (int32, error) {
	// A topic just created may take a metadata refresh to show.
	for i := 0; ; i++ {
		md, err := adm.ListTopics(ctx, topic)
		if err != nil {
			return 0, fmt.Errorf("topic %s: %w", topic, err)
		}
		td, ok := md[topic]
		if ok && td.Err == nil && len(td.Partitions) > 0 {
			return int32(len(td.Partitions)), nil
		}
		if i == 20 || ctx.Err() != nil {
			if ok && td.Err != nil {
				return 0, fmt.Errorf("topic %s: %w", topic, td.Err)
			}
			return 0, fmt.Errorf("topic %s: %w", topic, kerr.UnknownTopicOrPartition)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Object produces the records of one log object (each record's bytes as
// stored) in one transaction and returns once it committed: only then may
// the caller mark the object done (an S3 checkpoint, an SQS delete). An
// object that fails (a read that breaks off, a record refused) is aborted
// whole. It returns the number of records read.
func (in *Ingester) Object(ctx context.Context, name string, src io.Reader) (int, error) {
	if in.parts == 0 {
		return 0, errors.New("kafka: EnsureTopics first")
	}
	in.txMu.Lock()
	defer in.txMu.Unlock()
	if err := in.cl.BeginTransaction(); err != nil {
		return 0, fmt.Errorf("kafka: beginning a transaction: %w", err)
	}
	// The reader reports a read that breaks off (a connection reset) as
	// bad input and goes on; here it must fail the object, so that it is
	// not marked done with part of its records.
	er := &errReader{r: src}
	n, maxEvent, err := in.produce(ctx, name, er)
	if err == nil && er.err != nil {
		err = fmt.Errorf("reading %s: %w", name, er.err)
	}
	if err != nil {
		// Nothing of the object reaches a consumer; it is read again.
		return n, errors.Join(err, in.abort(ctx))
	}
	if err := in.end(ctx); err != nil {
		return n, fmt.Errorf("producing %s: %w", name, err)
	}
	in.Records.Add(int64(n))
	in.wmu.Lock()
	in.acked = max(in.acked, maxEvent)
	in.wmu.Unlock()
	return n, nil
}

// end commits the open transaction. Ending is not cancelled with ctx: a
// transaction cut off half-way has an outcome nobody knows. A commit that
// fails is aborted, so that the next transaction can begin.
func (in *Ingester) end(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := in.cl.EndTransaction(cctx, kgo.TryCommit); err != nil {
		return errors.Join(fmt.Errorf("committing: %w", err), in.cl.EndTransaction(cctx, kgo.TryAbort))
	}
	return nil
}

// abort aborts the open transaction: its records, buffered or written,
// reach no reader of committed records.
func (in *Ingester) abort(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := in.cl.AbortBufferedRecords(cctx); err != nil {
		return err
	}
	return in.cl.EndTransaction(cctx, kgo.TryAbort)
}

// produce produces an object's records in the open transaction and waits
// for their acknowledgements; it returns how many records it read and the
// newest event time.
func (in *Ingester) produce(ctx context.Context, name string, src io.Reader) (int, int64, error) {
	reader := &cloudtrail.Reader{OnProblem: in.OnProblem}
	now := []byte(strconv.FormatInt(time.Now().UnixMilli(), 10))
	obj := []byte(name)
	var failed atomic.Pointer[error]
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	n, maxEvent := 0, int64(0)
	_, err := reader.ReadStream(ctx, name, src, func(rec cloudtrail.Record) error {
		value := append([]byte(nil), rec.Raw...)
		in.mu.Lock()
		key, id, at := in.identify(value)
		var routed [][]string
		for _, k := range in.keyers {
			routed = append(routed, k.keys(value))
		}
		in.mu.Unlock()
		headers := []kgo.RecordHeader{{Key: HeaderIngested, Value: now}, {Key: HeaderEventID, Value: id}, {Key: HeaderObject, Value: obj}}
		in.cl.Produce(ctx, &kgo.Record{Topic: in.topic, Key: key, Value: value, Partition: partitionOf(key, in.parts), Headers: headers}, done)
		for i, keys := range routed {
			// A multi-valued key sends the record to the partition of
			// each value, once per partition.
			var sent []int32
			for _, k := range keys {
				kb := []byte(k)
				if k == "" {
					kb = allKey
				}
				p := partitionOf(kb, in.parts)
				if contains(sent, p) {
					continue
				}
				sent = append(sent, p)
				in.cl.Produce(ctx, &kgo.Record{Topic: in.routes[i].Topic, Key: kb, Value: value, Partition: p, Headers: headers}, done)
				in.Routed.Add(1)
			}
		}
		n++
		maxEvent = max(maxEvent, at)
		return nil
	})
	if err != nil {
		return n, maxEvent, err
	}
	if err := in.cl.Flush(ctx); err != nil {
		return n, maxEvent, err
	}
	if e := failed.Load(); e != nil {
		return n, maxEvent, fmt.Errorf("producing %s: %w", name, *e)
	}
	return n, maxEvent, nil
}

func contains(ps []int32, p int32) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// allKey is the key of a route without key columns: one partition.
var allKey = []byte("\x00trailql:all")

// Watermark sends the newest event time of the records acknowledged to
// every partition of every topic, if it moved since the last one, and waits
// for the acknowledgements. The records it covers were acknowledged before,
// so on each partition it comes after them.
func (in *Ingester) Watermark(ctx context.Context) error {
	// The transaction first, as Object takes them: Object updates acked
	// inside its transaction.
	in.txMu.Lock()
	defer in.txMu.Unlock()
	in.wmu.Lock()
	defer in.wmu.Unlock()
	if in.acked <= in.sentWM || in.parts == 0 {
		return nil
	}
	v := []byte(strconv.FormatInt(in.acked, 10))
	var rs []*kgo.Record
	for _, t := range append([]string{in.topic}, routeTopics(in.routes)...) {
		for p := 0; p < in.parts; p++ {
			rs = append(rs, &kgo.Record{Topic: t, Key: watermarkKey, Partition: int32(p), Headers: []kgo.RecordHeader{{Key: HeaderWatermark, Value: v}}})
		}
	}
	if err := in.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	if err := in.cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		return errors.Join(fmt.Errorf("watermark: %w", err), in.abort(ctx))
	}
	if err := in.end(ctx); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	in.sentWM = in.acked
	return nil
}

// RunWatermarks sends a watermark every interval while ctx lasts (only
// when it moved), so that a member whose partitions are quiet still sees
// event time pass and closes its windows.
func (in *Ingester) RunWatermarks(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := in.Watermark(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

func routeTopics(rs []*Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Topic)
	}
	return out
}

// identify reads a raw record's key (userIdentity.arn), event id and event
// time. A record that does not parse, or whose ARN Elasticsearch would not
// index (longer than its ignore_above: ES|QL reads null), gets the no-ARN
// key, so that ES|QL's null group stays on one partition; watch reports a
// record that is not CloudTrail as bad input.
func (in *Ingester) identify(raw []byte) (key, id []byte, at int64) {
	v, err := in.parser.ParseBytes(raw)
	if err != nil {
		return NoARNKey, nil, 0
	}
	key = NoARNKey
	if arn := v.GetStringBytes("userIdentity", "arn"); len(arn) > 0 && !(len(arn) > ecs.DefaultIgnoreAbove && ecs.ExceedsIgnoreAbove(ARNField, string(arn))) {
		key = append([]byte(nil), arn...)
	}
	id = append([]byte(nil), v.GetStringBytes("eventID")...)
	if t, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("eventTime"))); err == nil {
		at = t.UnixMilli()
	}
	return key, id, at
}

// errReader keeps the first error of a read other than the end.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
