package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// awsTestEnv points the SDK's default chain at static test credentials and
// away from the machine's own AWS files and instance metadata.
func awsTestEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// fakeS3 is gofakes3's in-memory S3 on a loopback HTTP server.
type fakeS3 struct {
	be  *s3mem.Backend
	url string
	// requests counts the S3 requests newFakeAWS's server answered, so that
	// a test can tell that nothing was fetched.
	requests atomic.Int64

	mu sync.Mutex
	// log holds the requests newFakeS3's server answered, "GET /bucket/key"
	// or "LIST /bucket?prefix=...", so that a test can tell what was
	// listed and fetched.
	log []string
	// deny, when set, picks requests to answer with S3's 403 AccessDenied,
	// as a bucket or IAM policy would.
	deny func(*http.Request) bool
}

func newFakeS3(t *testing.T, buckets ...string) *fakeS3 {
	t.Helper()
	be := s3mem.New()
	f := &fakeS3{be: be}
	h := gofakes3.New(be).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := r.Method + " " + r.URL.Path
		if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
			q := r.URL.Query()
			q.Del("list-type")
			q.Del("x-id")
			line = "LIST " + r.URL.Path + "?" + q.Encode()
		}
		f.mu.Lock()
		f.log = append(f.log, line)
		deny := f.deny
		f.mu.Unlock()
		if deny != nil && deny(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	for _, b := range buckets {
		if err := be.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	f.url = srv.URL
	return f
}

// requestLog returns the requests answered so far and forgets them.
func (f *fakeS3) requestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

// denyIf makes the server refuse the requests fn picks (nil: none).
func (f *fakeS3) denyIf(fn func(*http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deny = fn
}

func (f *fakeS3) put(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	if _, err := f.be.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// collector is a callback that reads each object whole (as the watch command
// will), records it as done in cps, and can be told to fail some keys.
type collector struct {
	mu    sync.Mutex
	cps   *MemoryCheckpoints
	keys  []string
	data  map[string]string
	sizes map[string]int64
	fail  func(key string) error
	delay time.Duration
	ch    chan string
}

func newCollector(cps *MemoryCheckpoints) *collector {
	return &collector{cps: cps, data: map[string]string{}, sizes: map[string]int64{}, ch: make(chan string, 100)}
}

func (c *collector) fn(ctx context.Context, o Object) error {
	if c.fail != nil {
		if err := c.fail(o.Key); err != nil {
			return err
		}
	}
	rc, err := o.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	if c.delay > 0 {
		time.Sleep(c.delay)
	}
	c.mu.Lock()
	c.keys = append(c.keys, o.Key)
	c.data[o.Key] = string(b)
	c.sizes[o.Key] = o.Size
	c.mu.Unlock()
	c.cps.MarkDone(o.Source, o.Key)
	c.ch <- o.Key
	return nil
}

func (c *collector) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.keys...)
}

// waitKeys waits for n more objects (failing after a few seconds).
func (c *collector) waitKeys(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	timeout := time.After(5 * time.Second)
	for len(out) < n {
		select {
		case k := <-c.ch:
			out = append(out, k)
		case <-timeout:
			t.Fatalf("got %d objects %v, want %d", len(out), out, n)
		}
	}
	return out
}

// quiet asserts that no object arrives for d.
func (c *collector) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case k := <-c.ch:
		t.Fatalf("unexpected object %s", k)
	case <-time.After(d):
	}
}

// runSource runs src in the background until the test ends; the returned
// function stops it and returns Run's error.
func runSource(t *testing.T, src Source, fn func(context.Context, Object) error) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		err := src.Run(ctx, fn)
		if ctx.Err() == nil {
			t.Errorf("Run ended early: %v", err)
		}
		errc <- err
	}()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(5 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// logBuffer is a slog logger writing text into a buffer safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logBuffer) contains(s string) bool { return strings.Contains(l.String(), s) }
