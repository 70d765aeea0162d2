package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openSQS opens the fake queue with short timings: 1 s visibility (renewed
// every third of it) and 1 s long polls.
func openSQS(t *testing.T, spec string, opts Options) *sqsSource {
	t.Helper()
	src, err := Open(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := src.(*sqsSource)
	s.wait, s.visibility = 1, time.Second
	return s
}

// waitFor polls cond for a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestSQSMessageShapes sends every shape through a real SDK client and a
// loopback queue: each object is read from S3, every understood message is
// deleted, and the unknown one stays in the queue (received again after its
// visibility timeout, never deleted) with a warning.
func TestSQSMessageShapes(t *testing.T) {
	awsTestEnv(t)
	s3f, q := newFakeAWS(t, "trail")
	keys := map[string]string{
		"direct":  ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a"),
		"sns":     ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "b"),
		"ct1":     ctKey(rootOrg, acctB, "us-west-2", "20240102T1000Z", "c"),
		"ct2":     ctKey(rootOrg, acctB, "us-west-2", "20240102T1005Z", "d"),
		"encoded": "odd keys/a b+c=é.json", // sent as "odd+keys/a+b%2Bc%3D%C3%A9.json"
		"raw":     ctKey(rootA, acctA, "eu-west-1", "20240102T1000Z", "e"),
	}
	for _, k := range keys {
		s3f.put(t, "trail", k, gz(t, record(k)))
	}
	digest := "AWSLogs/" + acctA + "/CloudTrail-Digest/us-east-1/2024/01/02/" + acctA + "_CloudTrail-Digest_us-east-1_t_us-east-1_20240102T1000Z.json.gz"
	bodies := []string{
		s3EventBody("trail", keys["direct"]),                               // S3 -> SQS
		snsWrap(s3EventBody("trail", keys["sns"])),                         // S3 -> SNS -> SQS
		snsWrap(cloudTrailBody("trail", keys["ct1"], keys["ct2"], digest)), // CloudTrail -> SNS -> SQS
		s3EventBody("trail", "odd+keys/a+b%2Bc%3D%C3%A9.json"),             // URL-encoded key
		cloudTrailBody("trail", keys["raw"]),                               // CloudTrail -> SNS (raw delivery) -> SQS
		s3TestEvent,
		snsWrap("CloudTrail validation message."),
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"trail"},"object":{"key":"` + digest + `"}}}]}`,
	}
	unknown := `{"surprise":true}`
	for _, b := range append(bodies, unknown) {
		q.send(b)
	}
	var logs logBuffer
	cps := NewMemoryCheckpoints()
	// AnyKey: the URL-encoded key is not in CloudTrail's layout.
	s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url, Logger: logs.logger(), AnyKey: true})
	c := newCollector(cps)
	runSource(t, s, c.fn)
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	got := c.waitKeys(t, len(keys))
	var want []string
	for _, k := range keys {
		want = append(want, "s3://trail/"+k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("objects\n got %v\nwant %v", got, want)
	}
	for _, k := range keys {
		if c.data["s3://trail/"+k] != string(gz(t, record(k))) {
			t.Errorf("content of %s differs from the stored object", k)
		}
	}
	for _, b := range bodies {
		waitFor(t, "deletion of "+b[:40], func() bool { _, del := q.state(b); return del })
	}
	waitFor(t, "redelivery of the unknown message", func() bool { n, _ := q.state(unknown); return n >= 2 })
	if _, del := q.state(unknown); del {
		t.Error("unknown message deleted; it must stay for the dead-letter queue")
	}
	if !logs.contains("not understood") || !logs.contains("surprise") {
		t.Errorf("no warning for the unknown message:\n%s", logs.String())
	}
	c.quiet(t, 50*time.Millisecond)
}

// TestSQSDeleteAfterSuccess: a message is deleted only after the callback
// returned nil for each of its objects; on an error it stays, comes back
// after the visibility timeout, and objects already done are not read again.
func TestSQSDeleteAfterSuccess(t *testing.T) {
	awsTestEnv(t)
	s3f, q := newFakeAWS(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	k2 := ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "b")
	s3f.put(t, "trail", k1, []byte(record("1")))
	s3f.put(t, "trail", k2, []byte(record("2")))
	body := cloudTrailBody("trail", k1, k2)
	q.send(body)
	cps := NewMemoryCheckpoints()
	s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url})
	c := newCollector(cps)
	var mu sync.Mutex
	calls := map[string]int{}
	c.fail = func(key string) error {
		mu.Lock()
		defer mu.Unlock()
		calls[key]++
		if _, del := q.state(body); del {
			t.Errorf("message deleted while %s is being processed", key)
		}
		if strings.HasSuffix(key, k2) && calls[key] == 1 {
			return errors.New("sink down")
		}
		return nil
	}
	runSource(t, s, c.fn)
	got := c.waitKeys(t, 2)
	if want := []string{"s3://trail/" + k1, "s3://trail/" + k2}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	waitFor(t, "deletion", func() bool { _, del := q.state(body); return del })
	if n, _ := q.state(body); n != 2 {
		t.Errorf("message received %d times, want 2 (once failing, once succeeding)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["s3://trail/"+k1] != 1 || calls["s3://trail/"+k2] != 2 {
		t.Errorf("callback calls %v: the done object must not be read again", calls)
	}
}

// TestSQSVisibilityHeartbeat: an object slower than the visibility timeout
// keeps its message (and the batch's others) invisible, so it is not
// delivered twice.
func TestSQSVisibilityHeartbeat(t *testing.T) {
	awsTestEnv(t)
	s3f, q := newFakeAWS(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	k2 := ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "b")
	s3f.put(t, "trail", k1, []byte(record("1")))
	s3f.put(t, "trail", k2, []byte(record("2")))
	b1, b2 := cloudTrailBody("trail", k1), cloudTrailBody("trail", k2)
	q.send(b1)
	q.send(b2)
	cps := NewMemoryCheckpoints()
	s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url})
	c := newCollector(cps)
	c.delay = 1200 * time.Millisecond // > the 1 s visibility timeout
	c.fail = func(key string) error {
		// Another consumer would get a message whose timeout ran out.
		for _, b := range []string{b1, b2} {
			if _, del := q.state(b); !del && !q.invisible(b) {
				t.Errorf("while reading %s, message %s became visible", key, b)
			}
		}
		return nil
	}
	runSource(t, s, c.fn)
	c.waitKeys(t, 2)
	waitFor(t, "deletions", func() bool {
		_, d1 := q.state(b1)
		_, d2 := q.state(b2)
		return d1 && d2
	})
	for _, b := range []string{b1, b2} {
		if n, _ := q.state(b); n != 1 {
			t.Errorf("message received %d times, want 1", n)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.extensions == 0 {
		t.Error("no ChangeMessageVisibility call")
	}
}

// TestSQSQueueByName resolves a queue name with GetQueueUrl.
func TestSQSQueueByName(t *testing.T) {
	awsTestEnv(t)
	s3f, q := newFakeAWS(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	s3f.put(t, "trail", k1, []byte(record("1")))
	q.send(s3EventBody("trail", k1))
	cps := NewMemoryCheckpoints()
	s := openSQS(t, "sqs://"+fakeQueueName, Options{Checkpoints: cps, EndpointURL: s3f.url})
	c := newCollector(cps)
	runSource(t, s, c.fn)
	c.waitKeys(t, 1)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.targets[0] != "AmazonSQS.GetQueueUrl" {
		t.Errorf("first call %s", q.targets[0])
	}
}

// TestSQSFatal: a queue that does not exist stops Run.
func TestSQSFatal(t *testing.T) {
	awsTestEnv(t)
	s3f, _ := newFakeAWS(t)
	for _, spec := range []string{"sqs://no-such-queue", "sqs://" + s3f.url + "/000000000000/nope"} {
		s := openSQS(t, spec, Options{EndpointURL: s3f.url})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.Run(ctx, func(context.Context, Object) error { return nil })
		if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "QueueDoesNotExist") {
			t.Errorf("%s: Run returned %v", spec, err)
		}
		cancel()
	}
}

func TestOpenSpecs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		spec, kind, queueURL, name, region string
		bad                                bool
	}{
		{spec: dir, kind: "dir"},
		{spec: dir + "/missing", bad: true},
		{spec: "s3://bucket", kind: "s3"},
		{spec: "s3://", bad: true},
		{spec: "sqs://trail-events", kind: "sqs", name: "trail-events"},
		{spec: "sqs://https://sqs.eu-west-1.amazonaws.com/123456789012/q", kind: "sqs", queueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/q", region: "eu-west-1"},
		{spec: "sqs://sqs.us-east-2.amazonaws.com/123456789012/q", kind: "sqs", queueURL: "https://sqs.us-east-2.amazonaws.com/123456789012/q", region: "us-east-2"},
		{spec: "https://sqs.ap-southeast-2.amazonaws.com/123456789012/q", kind: "sqs", queueURL: "https://sqs.ap-southeast-2.amazonaws.com/123456789012/q", region: "ap-southeast-2"},
		{spec: "https://eu-central-1.queue.amazonaws.com/123456789012/q", kind: "sqs", queueURL: "https://eu-central-1.queue.amazonaws.com/123456789012/q", region: "eu-central-1"},
		{spec: "sqs://", bad: true},
		{spec: "https://example.com/logs", bad: true},
		{spec: "kafka://topic", bad: true},
	}
	for _, tc := range tests {
		src, err := Open(tc.spec, Options{Region: "us-west-1"})
		if (err != nil) != tc.bad || err != nil {
			if (err != nil) != tc.bad {
				t.Errorf("%s: err %v", tc.spec, err)
			}
			if src != nil {
				t.Errorf("%s: a Source with an error", tc.spec)
			}
			continue
		}
		switch s := src.(type) {
		case *dirSource:
			if tc.kind != "dir" {
				t.Errorf("%s: a directory source", tc.spec)
			}
		case *s3Source:
			if tc.kind != "s3" {
				t.Errorf("%s: an S3 source", tc.spec)
			}
		case *sqsSource:
			region := tc.region
			if region == "" {
				region = "us-west-1" // Options.Region when the URL has none
			}
			if tc.kind != "sqs" || s.queueURL != tc.queueURL || s.name != tc.name || s.region != region {
				t.Errorf("%s: queue %q name %q region %q", tc.spec, s.queueURL, s.name, s.region)
			}
		}
	}
}

// The objects of one batch of messages are processed in delivery-time
// order across all of them (ties by key), even where one CloudTrail
// notification names files 20 minutes apart and the other messages' files
// fall between them; a message is deleted only once all its objects are
// done. After a failure in the middle, exactly the objects not done are
// read again: those of the failed message when it comes back, or, after a
// fatal error and a restart, everything from the failure on.
func TestSQSBatchDeliveryOrder(t *testing.T) {
	type file struct{ key, stamp string }
	var files []file
	var bodies []string
	owner := map[string]string{} // key -> body of its message
	// 2 accounts x 4 regions, one notification each naming 3 files of its
	// account and region, listed backwards; accounts tie on the minute.
	for _, root := range []struct{ prefix, acct string }{{rootA, acctA}, {rootOrg, acctB}} {
		for r, region := range []string{"us-east-1", "eu-west-1", "sa-east-1", "ap-south-1"} {
			var keys []string
			for j := 2; j >= 0; j-- {
				stamp := fmt.Sprintf("20240102T10%02dZ", 10*j+r)
				k := ctKey(root.prefix, root.acct, region, stamp, region)
				files = append(files, file{k, stamp})
				keys = append(keys, k)
			}
			body := cloudTrailBody("trail", keys...)
			for _, k := range keys {
				owner[k] = body
			}
			bodies = append(bodies, body)
		}
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Or(strings.Compare(a.stamp, b.stamp), strings.Compare(a.key, b.key)) })
	var want []string
	for _, f := range files {
		want = append(want, "s3://trail/"+f.key)
	}
	// The failing object is the middle one of its message's three.
	const failAt = 11
	failing, failedBody := want[failAt], owner[files[failAt].key]
	var mine []string // the objects of the failing message
	for _, k := range want {
		if owner[strings.TrimPrefix(k, "s3://trail/")] == failedBody {
			mine = append(mine, k)
		}
	}
	if len(mine) != 3 || mine[1] != failing {
		t.Fatalf("test set-up: the failing object %s is not the middle one of %v", failing, mine)
	}
	tests := []struct {
		name  string
		fail  func(error) error // how the callback fails at the failing object; nil: it does not
		first []string          // read in the first run
		then  []string          // read afterwards (redelivery, or a restart)
	}{
		{"all", nil, want, nil},
		// Its message comes back after the visibility timeout: its later
		// object was not read, its earlier one is not read again; the
		// other messages went on.
		{"failure", func(err error) error { return err },
			slices.DeleteFunc(slices.Clone(want), func(k string) bool { return k == mine[1] || k == mine[2] }), mine[1:]},
		// Run stops; after a restart, what was not done comes again.
		{"fatal", Fatal, want[:failAt], want[failAt:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			awsTestEnv(t)
			s3f, q := newFakeAWS(t, "trail")
			for _, f := range files {
				s3f.put(t, "trail", f.key, []byte(record(f.key)))
			}
			for _, b := range bodies {
				q.send(b)
			}
			cps := NewMemoryCheckpoints()
			c := newCollector(cps)
			var failed atomic.Bool
			c.fail = func(key string) error {
				if _, del := q.state(owner[strings.TrimPrefix(key, "s3://trail/")]); del {
					t.Errorf("message of %s deleted before all its objects were done", key)
				}
				if tc.fail != nil && key == failing && !failed.Swap(true) {
					return tc.fail(errors.New("sink down"))
				}
				return nil
			}
			s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url})
			var got []string
			if tc.name == "fatal" {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := s.Run(ctx, c.fn); err == nil || !strings.Contains(err.Error(), "sink down") {
					t.Fatalf("Run: %v, want the fatal error", err)
				}
				// Drain what the callback finished, then restart.
				got = c.waitKeys(t, len(c.got()))
				s = openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url})
			}
			runSource(t, s, c.fn)
			got = append(got, c.waitKeys(t, len(want)-len(got))...)
			c.quiet(t, 100*time.Millisecond) // nothing twice
			if first := got[:len(tc.first)]; !slices.Equal(first, tc.first) {
				t.Errorf("first run:\n got %v\nwant %v", first, tc.first)
			}
			if then := got[len(tc.first):]; !slices.Equal(then, tc.then) {
				t.Errorf("then:\n got %v\nwant %v", then, tc.then)
			}
			for _, b := range bodies {
				waitFor(t, "deletion", func() bool { _, del := q.state(b); return del })
				n, _ := q.state(b)
				if want := 1; b == failedBody && tc.fail != nil {
					if n < 2 {
						t.Errorf("failed message received %d times, want again", n)
					}
				} else if tc.fail == nil && n != want {
					t.Errorf("message received %d times, want %d", n, want)
				}
			}
		})
	}
}

// Only the allowed buckets (and prefixes) are fetched from: a notification
// for another is not fetched, is counted, and its message stays in the
// queue for the redrive policy; keys outside CloudTrail's layout are
// skipped and counted, unless AnyKey (issue "Logs you can trust").
func TestSQSAcceptsOnlyWhatItWasTold(t *testing.T) {
	good := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	cases := []struct {
		name    string
		buckets []string
		anyKey  bool
		bucket  string
		key     string
		fetched bool
		deleted bool
		reason  string
	}{
		{"allowed bucket", []string{"trail"}, false, "trail", good, true, true, ""},
		{"allowed prefix", []string{"trail/AWSLogs/" + acctA + "/"}, false, "trail", good, true, true, ""},
		{"foreign bucket", []string{"trail"}, false, "other", good, false, false, SkipForeignBucket},
		{"outside the prefix", []string{"trail/AWSLogs/" + acctB + "/"}, false, "trail", good, false, false, SkipForeignBucket},
		{"any bucket", nil, false, "other", good, true, true, ""},
		{"not a trail key", []string{"trail"}, false, "trail", "exports/events.json", false, true, SkipNotTrailKey},
		{"not a trail key, AnyKey", []string{"trail"}, true, "trail", "exports/events.json", true, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			awsTestEnv(t)
			s3f, q := newFakeAWS(t, "trail", "other")
			s3f.put(t, c.bucket, c.key, []byte(record("x")))
			body := s3EventBody(c.bucket, c.key)
			q.send(body)
			var buckets []Bucket
			for _, b := range c.buckets {
				pb, err := ParseBucket(b)
				if err != nil {
					t.Fatal(err)
				}
				buckets = append(buckets, pb)
			}
			var mu sync.Mutex
			var reasons []string
			cps := NewMemoryCheckpoints()
			s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url, Buckets: buckets, AnyKey: c.anyKey,
				OnSkip: func(_, reason string) { mu.Lock(); reasons = append(reasons, reason); mu.Unlock() }})
			col := newCollector(cps)
			runSource(t, s, col.fn)
			if c.fetched {
				col.waitKeys(t, 1)
			} else {
				waitFor(t, "the skip", func() bool { mu.Lock(); defer mu.Unlock(); return len(reasons) > 0 })
				col.quiet(t, 100*time.Millisecond)
				if n := s3f.requests.Load(); n != 0 {
					t.Errorf("%d S3 requests for an object not to be fetched", n)
				}
			}
			if c.deleted {
				waitFor(t, "deletion", func() bool { _, del := q.state(body); return del })
			} else if _, del := q.state(body); del {
				t.Error("message of a refused object deleted; it must stay for the redrive policy")
			}
			mu.Lock()
			defer mu.Unlock()
			if c.reason != "" && (len(reasons) == 0 || reasons[0] != c.reason) {
				t.Errorf("skip reasons %v, want %s", reasons, c.reason)
			}
			if c.reason == "" && len(reasons) > 0 {
				t.Errorf("skipped: %v", reasons)
			}
		})
	}
}

// A message that names one object outside the allowed prefixes is not
// fetched from at all, even for the objects it names that are allowed: it
// stays whole for the redrive policy, where an operator sees it as sent.
func TestSQSForeignObjectHoldsItsMessage(t *testing.T) {
	awsTestEnv(t)
	s3f, q := newFakeAWS(t, "trail")
	good := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	foreign := ctKey(rootOrg, acctB, "us-east-1", "20240102T1005Z", "b")
	for _, k := range []string{good, foreign} {
		s3f.put(t, "trail", k, []byte(record(k)))
	}
	body := cloudTrailBody("trail", foreign, good)
	q.send(body)
	var skips atomic.Int32
	cps := NewMemoryCheckpoints()
	s := openSQS(t, "sqs://"+q.queueURL(), Options{Checkpoints: cps, EndpointURL: s3f.url,
		Buckets: []Bucket{{Name: "trail", Prefix: rootA}}, OnSkip: func(_, reason string) {
			if reason == SkipForeignBucket {
				skips.Add(1)
			}
		}})
	c := newCollector(cps)
	runSource(t, s, c.fn)
	waitFor(t, "the skip", func() bool { return skips.Load() > 0 })
	c.quiet(t, 100*time.Millisecond)
	if n := s3f.requests.Load(); n != 0 {
		t.Errorf("%d S3 requests: nothing of a message naming a foreign object may be fetched", n)
	}
	if _, del := q.state(body); del {
		t.Error("message naming a foreign object deleted")
	}
}
