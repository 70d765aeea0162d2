package source

import (
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// ctKey builds a key of CloudTrail's layout (see s3layout.go) below root,
// which is "AWSLogs/<account>/" or "AWSLogs/<org>/<account>/".
func ctKey(root, account, region, stamp, uniq string) string {
	t, err := time.Parse("20060102T1504Z", stamp)
	if err != nil {
		panic(err)
	}
	return root + "CloudTrail/" + region + "/" + t.Format("2006/01/02/") +
		account + "_CloudTrail_" + region + "_" + stamp + "_" + uniq + ".json.gz"
}

const (
	acctA = "111111111111"
	acctB = "222222222222"
	org   = "o-abcdefghij"
)

var (
	rootA   = "AWSLogs/" + acctA + "/"
	rootOrg = "AWSLogs/" + org + "/" + acctB + "/"
)

func record(id string) string {
	return `{"Records":[{"eventVersion":"1.08","eventTime":"2024-01-02T10:00:00Z","eventID":"` + id + `"}]}`
}

func TestS3Discover(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	for _, k := range []string{
		ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a"),
		ctKey(rootA, acctA, "eu-west-1", "20240102T1000Z", "a"),
		ctKey(rootOrg, acctB, "us-west-2", "20240102T1000Z", "a"),
		"AWSLogs/" + acctA + "/CloudTrail-Digest/us-east-1/2024/01/02/" + acctA + "_CloudTrail-Digest_us-east-1_x_20240102T1000Z.json.gz",
		"AWSLogs/" + acctA + "/elasticloadbalancing/us-east-1/2024/01/02/lb.log.gz",
		"AWSLogs/" + acctA + "/CloudTrail-Insight/us-east-1/2024/01/02/i.json.gz",
		"custom/AWSLogs/" + acctA + "/CloudTrail/ap-south-1/2024/01/02/x.json.gz",
	} {
		f.put(t, "trail", k, []byte("{}"))
	}
	f.put(t, "trail", "flat/logs/a.json.gz", []byte("{}"))
	usEast := leaf{rootA + "CloudTrail/us-east-1/", acctA, "us-east-1"}
	euWest := leaf{rootA + "CloudTrail/eu-west-1/", acctA, "eu-west-1"}
	orgWest := leaf{rootOrg + "CloudTrail/us-west-2/", acctB, "us-west-2"}
	tests := []struct {
		spec string
		want []leaf
	}{
		// The bucket root: every account and region, organisation trails
		// included; digests, insights and other services' logs left out.
		{"s3://trail", []leaf{euWest, usEast, orgWest}},
		{"s3://trail/AWSLogs", []leaf{euWest, usEast, orgWest}},
		{"s3://trail/AWSLogs/" + org + "/", []leaf{orgWest}},
		{"s3://trail/" + rootA + "CloudTrail/", []leaf{euWest, usEast}},
		{"s3://trail/" + rootA + "CloudTrail/us-east-1/", []leaf{usEast}},
		// A trail with its own prefix is found below it.
		{"s3://trail/custom/", []leaf{{"custom/AWSLogs/" + acctA + "/CloudTrail/ap-south-1/", acctA, "ap-south-1"}}},
		// Below a region, or outside the layout: one listing of the prefix.
		{"s3://trail/" + rootA + "CloudTrail/us-east-1/2024/", []leaf{{rootA + "CloudTrail/us-east-1/2024/", acctA, "us-east-1"}}},
		{"s3://trail/flat/", []leaf{{prefix: "flat/"}}},
		{"s3://trail/nothing-here/", nil},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			src, err := Open(tc.spec, Options{EndpointURL: f.url})
			if err != nil {
				t.Fatal(err)
			}
			s := src.(*s3Source)
			cfg, err := loadAWS(context.Background(), s.opts, "")
			if err != nil {
				t.Fatal(err)
			}
			s.client = newS3Client(cfg, s.opts)
			got, err := s.discover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("leaves\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestS3RunResume reads an organisation's bucket, stops, and starts again
// with the same checkpoints: only objects added since (a later file, a new
// region, and a file delivered late with an earlier time) are read.
func TestS3RunResume(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	k2 := ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "b")
	k3 := ctKey(rootOrg, acctB, "us-west-2", "20240102T1000Z", "c")
	digest := "AWSLogs/" + acctA + "/CloudTrail-Digest/us-east-1/2024/01/02/" + acctA + "_CloudTrail-Digest_us-east-1_t_us-east-1_20240102T1000Z.json.gz"
	for _, k := range []string{k2, k1, k3, digest} {
		f.put(t, "trail", k, gz(t, record(k)))
	}
	cps := NewMemoryCheckpoints()
	opts := Options{Checkpoints: cps, EndpointURL: f.url, PollInterval: 20 * time.Millisecond}
	src, err := Open("s3://trail", opts)
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(cps)
	stop := runSource(t, src, c.fn)
	got := c.waitKeys(t, 3)
	// Delivery-time order across leaves (the time in the names), then key.
	want := []string{"s3://trail/" + k1, "s3://trail/" + k3, "s3://trail/" + k2}
	if !slices.Equal(got, want) {
		t.Errorf("first run: got %v, want %v", got, want)
	}
	c.quiet(t, 100*time.Millisecond) // the digest, and nothing twice
	// Gzip objects come as stored; the cloudtrail reader undoes gzip.
	zr, err := gzip.NewReader(strings.NewReader(c.data["s3://trail/"+k1]))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != record(k1) {
		t.Errorf("object content %q", b)
	}
	for k, d := range c.data {
		if c.sizes[k] != int64(len(d)) {
			t.Errorf("%s: Size %d, read %d bytes", k, c.sizes[k], len(d))
		}
	}
	if err := stop(); err != context.Canceled {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if cp, _ := cps.Checkpoint("s3://trail/" + rootA + "CloudTrail/us-east-1/"); cp != k2 {
		t.Errorf("checkpoint %q, want %q", cp, k2)
	}

	// While stopped: a later file, a late file (earlier time than the
	// checkpoint, within Lookback), a new region of the org account.
	k4 := ctKey(rootA, acctA, "us-east-1", "20240102T1010Z", "d")
	late := ctKey(rootA, acctA, "us-east-1", "20240102T1003Z", "e")
	tooLate := ctKey(rootA, acctA, "us-east-1", "20240102T0800Z", "f") // before Lookback: not looked for
	k5 := ctKey(rootOrg, acctB, "eu-central-1", "20240102T1000Z", "g")
	for _, k := range []string{k4, late, tooLate, k5} {
		f.put(t, "trail", k, gz(t, record(k)))
	}
	src, _ = Open("s3://trail", opts)
	c2 := newCollector(cps)
	runSource(t, src, c2.fn)
	got = c2.waitKeys(t, 3)
	want = []string{"s3://trail/" + k5, "s3://trail/" + late, "s3://trail/" + k4}
	if !slices.Equal(got, want) {
		t.Errorf("after restart: got %v, want %v", got, want)
	}
	// New objects between polls, in a known leaf and in a new account.
	k6 := ctKey(rootA, acctA, "us-east-1", "20240102T1015Z", "h")
	k7 := ctKey("AWSLogs/"+org+"/333333333333/", "333333333333", "us-east-1", "20240102T1000Z", "i")
	f.put(t, "trail", k6, gz(t, record(k6)))
	f.put(t, "trail", k7, gz(t, record(k7)))
	got = c2.waitKeys(t, 2)
	slices.Sort(got)
	want = []string{"s3://trail/" + k6, "s3://trail/" + k7}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("between polls: got %v, want %v", got, want)
	}
	c2.quiet(t, 100*time.Millisecond)
}

// TestS3Retry: an object whose callback fails is read again at the next poll,
// and the checkpoint does not pass it in the meantime.
func TestS3Retry(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	k2 := ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "b")
	f.put(t, "trail", k1, []byte(record("1")))
	f.put(t, "trail", k2, []byte(record("2")))
	cps := NewMemoryCheckpoints()
	var logs logBuffer
	src, _ := Open("s3://trail/AWSLogs/", Options{Checkpoints: cps, EndpointURL: f.url, PollInterval: 20 * time.Millisecond, Logger: logs.logger()})
	c := newCollector(cps)
	fails := 2
	c.fail = func(key string) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if strings.HasSuffix(key, k1) && fails > 0 {
			fails--
			if cp, _ := cps.Checkpoint("s3://trail/" + rootA + "CloudTrail/us-east-1/"); cp != "" {
				t.Errorf("checkpoint moved to %q past a failed object", cp)
			}
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	runSource(t, src, c.fn)
	got := c.waitKeys(t, 2)
	if want := []string{"s3://trail/" + k1, "s3://trail/" + k2}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !logs.contains("will retry") {
		t.Errorf("no retry warning logged:\n%s", logs.String())
	}
}

// TestS3Fatal: a wrong bucket stops Run at once, and Fatal from the callback
// is returned.
func TestS3Fatal(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	src, _ := Open("s3://no-such-bucket/AWSLogs/", Options{EndpointURL: f.url, PollInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := src.Run(ctx, func(context.Context, Object) error { return nil }); err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("Run on a missing bucket: %v", err)
	}
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	f.put(t, "trail", k1, []byte(record("1")))
	src, _ = Open("s3://trail/", Options{EndpointURL: f.url, PollInterval: 20 * time.Millisecond})
	boom := io.ErrClosedPipe
	if err := src.Run(ctx, func(context.Context, Object) error { return Fatal(boom) }); err == nil || !strings.Contains(err.Error(), boom.Error()) {
		t.Errorf("Run with a fatal callback error: %v", err)
	}
}

// TestS3Since: a leaf without checkpoint starts at Options.Since.
func TestS3Since(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	old := ctKey(rootA, acctA, "us-east-1", "20240101T2355Z", "a")
	recent := ctKey(rootA, acctA, "us-east-1", "20240102T0005Z", "b")
	f.put(t, "trail", old, []byte(record("1")))
	f.put(t, "trail", recent, []byte(record("2")))
	cps := NewMemoryCheckpoints()
	since := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	src, _ := Open("s3://trail", Options{Checkpoints: cps, EndpointURL: f.url, PollInterval: 20 * time.Millisecond, Since: since})
	c := newCollector(cps)
	runSource(t, src, c.fn)
	if got := c.waitKeys(t, 1); got[0] != "s3://trail/"+recent {
		t.Errorf("got %v, want only %s", got, recent)
	}
	c.quiet(t, 100*time.Millisecond)
}

func TestS3KeyTimes(t *testing.T) {
	l := leaf{rootA + "CloudTrail/us-east-1/", acctA, "us-east-1"}
	k := ctKey(rootA, acctA, "us-east-1", "20240102T0005Z", "abc")
	tm, ok := keyTime(k)
	if !ok || !tm.Equal(time.Date(2024, 1, 2, 0, 5, 0, 0, time.UTC)) {
		t.Fatalf("keyTime(%s) = %v %v", k, tm, ok)
	}
	// The start key sorts just before every file of that minute and after
	// every earlier one, across the day folder.
	start := l.startKey(tm)
	if !(start < k && ctKey(rootA, acctA, "us-east-1", "20240102T0004Z", "zzz") < start) {
		t.Errorf("startKey %q does not separate the minute", start)
	}
	if prev := ctKey(rootA, acctA, "us-east-1", "20240101T2359Z", "zzz"); !(prev < l.startKey(tm.Add(-time.Minute))) {
		t.Errorf("startKey across midnight")
	}
	if _, ok := keyTime("AWSLogs/x/y.json"); ok {
		t.Error("keyTime found a time in a key without one")
	}
	if s := (leaf{prefix: "flat/"}).startKey(tm); s != "" {
		t.Errorf("startKey outside the layout = %q", s)
	}
}

// A backlog (every file there before the first poll: 2 accounts x 4
// regions x 8 files) is read in delivery-time order across accounts and
// regions, ties by key. After a failure in the middle, the checkpoints let
// exactly the objects not done be read again, at the next poll or after a
// restart: none lost, none read twice once done. A failed object stops its
// own leaf only; a fatal one stops the poll.
func TestS3BacklogInDeliveryOrder(t *testing.T) {
	type file struct{ key, stamp, leaf string }
	var files []file
	regions := []string{"us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"}
	for _, root := range []struct{ prefix, acct string }{{rootA, acctA}, {rootOrg, acctB}} {
		for r, region := range regions {
			for m := 0; m < 40; m += 5 {
				// The accounts tie on the minute; the regions do not.
				stamp := fmt.Sprintf("20240102T10%02dZ", m+r)
				k := ctKey(root.prefix, root.acct, region, stamp, region)
				files = append(files, file{k, stamp, "s3://trail/" + root.prefix + "CloudTrail/" + region + "/"})
			}
		}
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Or(strings.Compare(a.stamp, b.stamp), strings.Compare(a.key, b.key)) })
	var want []string
	leafOf := map[string]string{}
	for _, f := range files {
		want = append(want, "s3://trail/"+f.key)
		leafOf["s3://trail/"+f.key] = f.leaf
	}
	failAt := slices.Index(want, "s3://trail/"+ctKey(rootA, acctA, "eu-west-1", "20240102T1016Z", "eu-west-1"))
	failing := want[failAt]
	// The failing leaf's objects from the failure on.
	rest := slices.DeleteFunc(slices.Clone(want[failAt:]), func(k string) bool { return leafOf[k] != leafOf[failing] })
	notRest := slices.DeleteFunc(slices.Clone(want), func(k string) bool { return slices.Contains(rest, k) })
	tests := []struct {
		name    string
		fail    func(error) error // how the callback fails at the failing object; nil: it does not
		restart bool              // the second run is a new source on the same checkpoints
		first   []string          // read by the first poll
		then    []string          // read by the second
	}{
		{"all", nil, false, want, nil},
		{"failure, next poll", func(err error) error { return err }, false, notRest, rest},
		{"failure, restart", func(err error) error { return err }, true, notRest, rest},
		{"fatal, restart", Fatal, true, want[:failAt], want[failAt:]},
	}
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	for _, fl := range files {
		f.put(t, "trail", fl.key, gz(t, record(fl.key)))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cps := NewMemoryCheckpoints()
			opts := Options{Checkpoints: cps, EndpointURL: f.url, Once: true}
			src, err := Open("s3://trail", opts)
			if err != nil {
				t.Fatal(err)
			}
			c := newCollector(cps)
			c.ch = make(chan string, len(want))
			var failed bool
			var failure error // what the failing callback returned, until a run ends
			c.fail = func(key string) error {
				if tc.fail != nil && key == failing && !failed {
					failed, failure = true, tc.fail(fmt.Errorf("sink down"))
					return failure
				}
				return nil
			}
			run := func() []string {
				t.Helper()
				n := len(c.got())
				err := src.Run(context.Background(), c.fn)
				// Run (Once) returns only a fatal error.
				if wantErr := isFatal(context.Background(), failure); (err != nil) != wantErr {
					t.Fatalf("Run: %v, want an error: %v", err, wantErr)
				}
				failure = nil
				return c.got()[n:]
			}
			if got := run(); !slices.Equal(got, tc.first) {
				t.Errorf("first poll:\n got %v\nwant %v", got, tc.first)
			}
			// Each leaf's checkpoint is at its last object done: the
			// failing leaf's just before the failure.
			last := map[string]string{}
			for _, k := range tc.first {
				last[leafOf[k]] = strings.TrimPrefix(k, "s3://trail/")
			}
			for _, fl := range files {
				if cp, _ := cps.Checkpoint(fl.leaf); cp != last[fl.leaf] {
					t.Errorf("checkpoint of %s: %q, want %q", fl.leaf, cp, last[fl.leaf])
				}
			}
			if tc.restart {
				src, _ = Open("s3://trail", opts)
			}
			if got := run(); !slices.Equal(got, tc.then) {
				t.Errorf("second poll:\n got %v\nwant %v", got, tc.then)
			}
			seen := map[string]int{}
			for _, k := range c.got() {
				seen[k]++
			}
			for _, k := range want {
				if seen[k] != 1 {
					t.Errorf("%s read %d times, want once", k, seen[k])
				}
			}
		})
	}
}

// The S3 listing skips keys outside CloudTrail's log layout, once, counted,
// unless AnyKey.
func TestS3SkipsNonTrailKeys(t *testing.T) {
	for _, anyKey := range []bool{false, true} {
		awsTestEnv(t)
		f := newFakeS3(t, "trail")
		good := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
		odd := rootA + "CloudTrail/us-east-1/2024/01/02/planted.json.gz"
		f.put(t, "trail", good, gz(t, record(good)))
		f.put(t, "trail", odd, gz(t, record(odd)))
		var skips atomic.Int32
		cps := NewMemoryCheckpoints()
		src, err := Open("s3://trail", Options{Checkpoints: cps, EndpointURL: f.url, PollInterval: 20 * time.Millisecond, AnyKey: anyKey,
			OnSkip: func(_, reason string) { skips.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		c := newCollector(cps)
		runSource(t, src, c.fn)
		want := 1
		if anyKey {
			want = 2
		}
		c.waitKeys(t, want)
		c.quiet(t, 100*time.Millisecond) // several polls
		if n := skips.Load(); (n == 1) == anyKey || n > 1 {
			t.Errorf("AnyKey %v: %d skips counted, want %d", anyKey, n, map[bool]int{false: 1, true: 0}[anyKey])
		}
	}
}

// A bucket without CloudTrail's layout (copied logs) is listed as one; its
// keys are skipped and counted, with one line saying how to read them,
// unless AnyKey.
func TestS3WithoutLayout(t *testing.T) {
	for _, anyKey := range []bool{false, true} {
		awsTestEnv(t)
		f := newFakeS3(t, "copies")
		keys := []string{"2024/01/a.json.gz", "2024/01/b.json.gz"}
		for _, k := range keys {
			f.put(t, "copies", k, gz(t, record(k)))
		}
		var skips atomic.Int32
		var logs logBuffer
		cps := NewMemoryCheckpoints()
		src, err := Open("s3://copies", Options{Checkpoints: cps, EndpointURL: f.url, PollInterval: 20 * time.Millisecond, AnyKey: anyKey,
			Logger: logs.logger(), OnSkip: func(_, reason string) {
				if reason == SkipNotTrailKey {
					skips.Add(1)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		c := newCollector(cps)
		runSource(t, src, c.fn)
		if anyKey {
			c.waitKeys(t, len(keys))
		} else {
			waitFor(t, "the skips", func() bool { return skips.Load() == int32(len(keys)) })
		}
		c.quiet(t, 100*time.Millisecond) // several polls: each key counted once
		if n, want := skips.Load(), map[bool]int32{false: int32(len(keys)), true: 0}[anyKey]; n != want {
			t.Errorf("AnyKey %v: %d skips, want %d", anyKey, n, want)
		}
		if hint := logs.contains("give --any-key"); hint == anyKey {
			t.Errorf("AnyKey %v: --any-key hint logged %v:\n%s", anyKey, hint, logs.String())
		}
	}
}
