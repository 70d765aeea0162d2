package kafka

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/trailql/trailql/internal/source"
)

// seeds is a kfake cluster on loopback, or the real one TRAILQL_KAFKA_SEEDS
// names.
func seeds(t *testing.T) string {
	if s := os.Getenv("TRAILQL_KAFKA_SEEDS"); s != "" {
		return s
	}
	c, err := kfake.NewCluster(kfake.Ports(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

func rec(arn string, i int, at time.Time) string {
	ui := `{"type":"Root","accountId":"1"}`
	if arn != "" {
		ui = fmt.Sprintf(`{"type":"IAMUser","arn":%q,"accountId":"1"}`, arn)
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","eventID":"e%d"}`,
		ui, at.UTC().Format(time.RFC3339), i)
}

// Ingest keys records by ARN (one partition per actor, a fixed key without
// one), carries the headers, creates the topic, and sends a watermark to
// every partition; the consumer-group source hands each partition's records
// on as NDJSON objects with the watermark.
func TestIngestAndConsume(t *testing.T) {
	broker := seeds(t)
	topic := fmt.Sprintf("t%d", time.Now().UnixNano())
	cfg, err := ParseURL("kafka://" + broker + "/" + topic)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewIngester(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	parts, err := in.EnsureTopic(ctx, 4)
	if err != nil || parts != 4 {
		t.Fatalf("topic: %d partitions, %v", parts, err)
	}
	if again, err := in.EnsureTopic(ctx, 8); err != nil || again != 4 {
		t.Fatalf("an existing topic kept %d partitions (%v), want 4", again, err)
	}
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, rec(fmt.Sprintf("arn:aws:iam::1:user/u%d", i%5), i, t0.Add(time.Duration(i)*time.Second)))
	}
	lines = append(lines, rec("", 99, t0.Add(time.Minute)))
	n, err := in.Object(ctx, "obj-1", strings.NewReader(strings.Join(lines, "\n")), parts)
	if err != nil || n != 31 {
		t.Fatalf("produced %d: %v", n, err)
	}

	// Keys and headers as the brokers hold them.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	partOf := map[string]int32{}
	watermarks := map[int32]bool{}
	for got := 0; got < 31+int(parts); {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records", got)
		}
		f.EachRecord(func(r *kgo.Record) {
			got++
			if isWatermark(r) {
				watermarks[r.Partition] = true
				return
			}
			k := string(r.Key)
			if p, ok := partOf[k]; ok && p != r.Partition {
				t.Errorf("key %q on partitions %d and %d", k, p, r.Partition)
			}
			partOf[k] = r.Partition
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			if h[HeaderObject] != "obj-1" || h[HeaderEventID] == "" || h[HeaderIngested] == "" {
				t.Errorf("headers %v", h)
			}
		})
	}
	if _, ok := partOf[string(NoARNKey)]; !ok || len(partOf) != 6 {
		t.Errorf("keys %v: want 5 ARNs and the no-ARN key", partOf)
	}
	if len(watermarks) != int(parts) {
		t.Errorf("watermarks on %d partitions, want %d", len(watermarks), parts)
	}

	// The group source: every record once, as NDJSON objects, with the
	// watermark (the newest event time, t0+1m).
	src, err := NewSource("kafka://"+broker+"/"+topic+"?group=g", time.Hour, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	records, wm := 0, time.Time{}
	rctx, rcancel := context.WithCancel(ctx)
	go func() {
		src.Run(rctx, func(_ context.Context, o source.Object) error {
			rc, _ := o.Open(rctx)
			b, _ := io.ReadAll(rc)
			mu.Lock()
			defer mu.Unlock()
			records += bytes.Count(b, []byte("\n"))
			if o.Watermark.After(wm) {
				wm = o.Watermark
			}
			if !strings.HasPrefix(o.Key, "kafka://"+topic+"/") {
				t.Errorf("object key %q", o.Key)
			}
			return nil
		})
	}()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		done := records == 31 && wm.Equal(t0.Add(time.Minute))
		mu.Unlock()
		if done {
			rcancel()
			return
		}
	}
	rcancel()
	t.Errorf("the source handed on %d records (want 31), watermark %v", records, wm)
}

func TestParseURL(t *testing.T) {
	for spec, want := range map[string]string{
		"kafka://a:9092,b:9092/topic?group=g":          "[a:9092 b:9092] topic g false false",
		"kafka://b:9098/t?sasl=aws-msk-iam&region=x-1": "[b:9098] t  true true",
		"kafka://a/t?tls=1":                            "[a] t  true false",
	} {
		c, err := ParseURL(spec)
		if got := fmt.Sprint(c.Brokers, " ", c.Topic, " ", c.Group, " ", c.TLS, " ", c.MSKIAM); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", spec, got, err, want)
		}
	}
	for _, bad := range []string{"kafka://a", "kafka://a/t/u", "http://a/t", "kafka://a/t?sasl=plain", "kafka://a/t?x=1"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
