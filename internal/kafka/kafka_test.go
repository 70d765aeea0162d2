package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/trailql/trailql/detect"
)

// seeds is a kfake cluster on loopback for the test, or the real one
// TRAILQL_KAFKA_SEEDS names (each test uses topics of its own).
func seeds(t *testing.T) string {
	t.Helper()
	if s := os.Getenv("TRAILQL_KAFKA_SEEDS"); s != "" {
		return s
	}
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.SeedTopics(-1), kfake.GroupMinSessionTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

// uniqueTopic is a topic name no other test (or run, on a real cluster)
// uses.
func uniqueTopic(t *testing.T) string {
	return fmt.Sprintf("trailql-test-%s-%d", topicSafe(t.Name()), time.Now().UnixNano())
}

// rec is a CloudTrail record of arn (none when empty) at time at, with
// eventID e<i>, an aws-cli user agent, action and source address.
func rec(arn string, i int, at time.Time, action, ip string) string {
	ui := `{"type":"Root","accountId":"111122223333"}`
	if arn != "" {
		ui = fmt.Sprintf(`{"type":"IAMUser","arn":%q,"userName":%q,"accountId":"111122223333","accessKeyId":"AKIA%012d"}`, arn, arn[strings.LastIndexByte(arn, '/')+1:], i%7)
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":%q,"userAgent":"aws-cli/2.15.0 Python/3.11","eventID":"e%d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
		ui, at.UTC().Format(time.RFC3339), action, ip, i)
}

func TestParseURL(t *testing.T) {
	for spec, want := range map[string]string{
		"kafka://a:9092,b:9092/topic?group=g":                  "[a:9092 b:9092] topic g false false  10s",
		"kafka://b:9098/t?sasl=aws-msk-iam&region=x-1":         "[b:9098] t  true true  10s",
		"kafka://a/t?tls=1&instance=host-1&session-timeout=3s": "[a] t  true false host-1 3s",
		"kafka://a/t?tls-server-name=kafka.internal":           "[a] t  true false  10s",
	} {
		c, err := ParseURL(spec)
		if got := fmt.Sprint(c.Brokers, " ", c.Topic, " ", c.Group, " ", c.TLS, " ", c.MSKIAM, " ", c.InstanceID, " ", c.SessionTimeout); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", spec, got, err, want)
		}
	}
	for _, bad := range []string{"kafka://a", "kafka://a/t/u", "http://a/t", "kafka://a/t?sasl=plain", "kafka://a/t?x=1",
		"kafka://a/t?tls=yes", "kafka://a/t?tls-cert=c.pem", "kafka://a/t?session-timeout=1ms", "kafka://a/t%20x"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	c, _ := ParseURL("kafka://a/t?tls-ca=/nonexistent.pem")
	if c.Check() == nil {
		t.Error("a missing tls-ca file is not reported by Check")
	}
}

// Ingest keys records by ARN (one partition per actor, a fixed key without
// one), carries the headers, creates the topic (and keeps an existing
// one's count), and sends a watermark to every partition.
func TestIngestKeysHeadersWatermarks(t *testing.T) {
	broker := seeds(t)
	topic := uniqueTopic(t)
	cfg, err := ParseURL("kafka://" + broker + "/" + topic)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := NewIngester(cfg, nil, detect.Options{}, "test-"+topic)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	parts, err := in.EnsureTopics(ctx, 4)
	if err != nil || parts != 4 {
		t.Fatalf("topic: %d partitions, %v", parts, err)
	}
	if again, err := in.EnsureTopics(ctx, 8); err != nil || again != 4 {
		t.Fatalf("an existing topic kept %d partitions (%v), want 4", again, err)
	}
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, rec(fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%5), i, t0.Add(time.Duration(i)*time.Second), "DescribeInstances", "203.0.113.7"))
	}
	lines = append(lines, rec("", 99, t0.Add(time.Minute), "DescribeInstances", "203.0.113.7"))
	n, err := in.Object(ctx, "obj-1", strings.NewReader(strings.Join(lines, "\n")))
	if err != nil || n != 31 {
		t.Fatalf("produced %d: %v", n, err)
	}
	if err := in.Watermark(ctx); err != nil {
		t.Fatal(err)
	}

	cl, _ := kgo.NewClient(kgo.SeedBrokers(strings.Split(broker, ",")...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	partOf := map[string]int32{}
	watermarks := map[int32]string{}
	for got := 0; got < 31+int(parts); {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records", got)
		}
		f.EachRecord(func(r *kgo.Record) {
			got++
			if string(r.Key) == string(watermarkKey) {
				watermarks[r.Partition] = header(r, HeaderWatermark)
				return
			}
			k := string(r.Key)
			if p, ok := partOf[k]; ok && p != r.Partition {
				t.Errorf("key %q on partitions %d and %d", k, p, r.Partition)
			}
			partOf[k] = r.Partition
			if p := partitionOf(r.Key, int(parts)); p != r.Partition {
				t.Errorf("key %q on partition %d, murmur2 says %d", k, r.Partition, p)
			}
			if header(r, HeaderObject) != "obj-1" || !strings.HasPrefix(header(r, HeaderEventID), "e") || header(r, HeaderIngested) == "" {
				t.Errorf("headers %v", r.Headers)
			}
			if !strings.Contains(string(r.Value), `"eventID":"`+header(r, HeaderEventID)+`"`) {
				t.Errorf("value %s is not the record of event %s", r.Value, header(r, HeaderEventID))
			}
		})
	}
	if _, ok := partOf[string(NoARNKey)]; !ok || len(partOf) != 6 {
		t.Errorf("keys %v: want 5 ARNs and the no-ARN key", partOf)
	}
	wm := fmt.Sprint(t0.Add(time.Minute).UnixMilli())
	for p := int32(0); p < parts; p++ {
		if watermarks[p] != wm {
			t.Errorf("partition %d: watermark %q, want %s (the newest event acknowledged)", p, watermarks[p], wm)
		}
	}
}

// failingReader gives n bytes of r, then an error: an object whose reading
// breaks off (a connection reset, a crash).
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// An object whose reading breaks off is produced in a transaction that is
// aborted: read again, its records are on the topic once for a reader of
// committed records (as watch reads), not once and a half.
func TestIngestObjectOnceAfterFailure(t *testing.T) {
	broker := seeds(t)
	topic := uniqueTopic(t)
	cfg, _ := ParseURL("kafka://" + broker + "/" + topic)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := NewIngester(cfg, nil, detect.Options{}, "test-"+topic)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.EnsureTopics(ctx, 3); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var lines []string
	for i := 0; i < 200; i++ {
		lines = append(lines, rec(fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%9), i, t0.Add(time.Duration(i)*time.Second), "DescribeInstances", "192.0.2.1"))
	}
	body := strings.Join(lines, "\n")
	if _, err := in.Object(ctx, "obj", &failingReader{strings.NewReader(body), len(body) / 2}); err == nil {
		t.Fatal("a broken object was acknowledged")
	}
	if n, err := in.Object(ctx, "obj", strings.NewReader(body)); err != nil || n != 200 {
		t.Fatalf("read again: %d records, %v", n, err)
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers(strings.Split(broker, ",")...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	defer cl.Close()
	seen := map[string]int{}
	for total := 0; total < 200; {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records", total)
		}
		f.EachRecord(func(r *kgo.Record) {
			total++
			seen[header(r, HeaderEventID)]++
		})
	}
	// Nothing more than the 200 comes.
	pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer pcancel()
	cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { seen[header(r, HeaderEventID)]++ })
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s read %d times", id, n)
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d events, want 200", len(seen))
	}
}

// Watermarks sent while objects are produced (RunWatermarks beside the
// sources, as ingest runs them) neither block an object nor get blocked:
// both take the one transaction in turn.
func TestIngestWatermarksWhileProducing(t *testing.T) {
	broker := seeds(t)
	topic := uniqueTopic(t)
	cfg, _ := ParseURL("kafka://" + broker + "/" + topic)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := NewIngester(cfg, nil, detect.Options{}, "test-"+topic)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.EnsureTopics(ctx, 3); err != nil {
		t.Fatal(err)
	}
	wctx, stopWM := context.WithCancel(ctx)
	wmDone := make(chan struct{})
	go func() {
		defer close(wmDone)
		in.RunWatermarks(wctx, time.Millisecond, func(err error) { t.Errorf("watermark: %v", err) })
	}()
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for o := 0; o < 30; o++ {
		var lines []string
		for i := 0; i < 20; i++ {
			n := o*20 + i
			lines = append(lines, rec(fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", n%5), n, t0.Add(time.Duration(n)*time.Second), "DescribeInstances", "192.0.2.1"))
		}
		if _, err := in.Object(ctx, fmt.Sprintf("obj%d", o), strings.NewReader(strings.Join(lines, "\n"))); err != nil {
			t.Fatalf("object %d: %v", o, err)
		}
	}
	stopWM()
	<-wmDone
	if err := in.Watermark(ctx); err != nil {
		t.Fatal(err)
	}
	if got := in.Records.Load(); got != 600 {
		t.Errorf("%d records, want 600", got)
	}
}
