package source

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func write(t *testing.T, path, data string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// pollOnce runs one scan and returns the keys handed on.
func pollOnce(t *testing.T, d *dirSource, c *collector) []string {
	t.Helper()
	n := len(c.got())
	if err := d.poll(context.Background(), c.fn); err != nil {
		t.Fatal(err)
	}
	return c.got()[n:]
}

// TestDirPoll pins the directory rules: recursive, digests, dot, temporary,
// documentation and empty files skipped, a file handed on once unchanged
// over two scans, oldest first, and never twice, even after a restart.
func TestDirPoll(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	old := time.Now().Add(-time.Hour)
	p := func(rel string) string { return filepath.Join(root, rel) }
	write(t, p("a/x.json"), record("x"), old.Add(2*time.Minute))
	write(t, p("sub/deeper/y.json.gz"), string(gz(t, record("y"))), old)
	write(t, p("a/b.json"), record("b"), old.Add(2*time.Minute)) // same time as x: by name
	for _, skip := range []string{".hidden.json", ".dir/z.json", "z.json.tmp", "z.json.part", "README.md",
		"AWSLogs/1/CloudTrail-Digest/us-east-1/d.json.gz", "1_CloudTrail-Digest_us-east-1_x.json.gz", "z.json~"} {
		write(t, p(skip), record("skip"), old)
	}
	write(t, p("empty.json"), "", old)

	cps := NewMemoryCheckpoints()
	src, err := Open(root, Options{Checkpoints: cps})
	if err != nil {
		t.Fatal(err)
	}
	d := src.(*dirSource)
	c := newCollector(cps)
	if got := pollOnce(t, d, c); len(got) != 0 {
		t.Fatalf("first scan handed on %v; files must be seen unchanged twice", got)
	}
	got := pollOnce(t, d, c)
	if want := []string{p("sub/deeper/y.json.gz"), p("a/b.json"), p("a/x.json")}; !slices.Equal(got, want) {
		t.Fatalf("second scan: got %v, want %v", got, want)
	}
	if c.data[p("a/x.json")] != record("x") || c.sizes[p("a/x.json")] != int64(len(record("x"))) {
		t.Errorf("x.json read as %q", c.data[p("a/x.json")])
	}

	// A file being written is handed on only once it stops growing, whole.
	g := p("a/growing.json")
	write(t, g, `{"Records":[`, time.Time{})
	if got := pollOnce(t, d, c); len(got) != 0 {
		t.Fatalf("new file handed on at first sight: %v", got)
	}
	f, _ := os.OpenFile(g, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"eventTime":"2024-01-02T10:00:00Z"}]}`)
	f.Close()
	if got := pollOnce(t, d, c); len(got) != 0 {
		t.Fatalf("growing file handed on: %v", got)
	}
	if got := pollOnce(t, d, c); !slices.Equal(got, []string{g}) {
		t.Fatalf("stable file: got %v", got)
	}
	if c.data[g] != `{"Records":[{"eventTime":"2024-01-02T10:00:00Z"}]}` {
		t.Errorf("growing file read as %q", c.data[g])
	}
	// An empty file is waited for; once written it is read.
	write(t, p("empty.json"), record("e"), time.Time{})
	pollOnce(t, d, c)
	if got := pollOnce(t, d, c); !slices.Equal(got, []string{p("empty.json")}) {
		t.Fatalf("filled empty file: got %v", got)
	}
	if got := pollOnce(t, d, c); len(got) != 0 {
		t.Fatalf("handed on twice: %v", got)
	}

	// A restart with the same checkpoints skips every file done.
	src, _ = Open(root, Options{Checkpoints: cps})
	d2 := src.(*dirSource)
	c2 := newCollector(cps)
	pollOnce(t, d2, c2)
	if got := pollOnce(t, d2, c2); len(got) != 0 {
		t.Fatalf("after restart: %v read again", got)
	}
	write(t, p("a/new.json"), record("n"), time.Time{})
	pollOnce(t, d2, c2)
	if got := pollOnce(t, d2, c2); !slices.Equal(got, []string{p("a/new.json")}) {
		t.Fatalf("after restart, new file: got %v", got)
	}
}

// TestDirRetry: a file whose callback fails is tried again at the next scan.
func TestDirRetry(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	path := filepath.Join(root, "x.json")
	write(t, path, record("x"), time.Now().Add(-time.Minute))
	cps := NewMemoryCheckpoints()
	src, _ := Open(root, Options{Checkpoints: cps})
	d := src.(*dirSource)
	c := newCollector(cps)
	fails := 1
	c.fail = func(string) error {
		if fails > 0 {
			fails--
			return os.ErrDeadlineExceeded
		}
		return nil
	}
	pollOnce(t, d, c)
	if got := pollOnce(t, d, c); len(got) != 0 {
		t.Fatalf("failed file counted as read: %v", got)
	}
	if got := pollOnce(t, d, c); !slices.Equal(got, []string{path}) {
		t.Fatalf("retry: got %v", got)
	}
	if err := d.poll(context.Background(), func(context.Context, Object) error { return nil }); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "y.json"), record("y"), time.Time{})
	d.poll(context.Background(), c.fn)
	if err := d.poll(context.Background(), func(context.Context, Object) error { return Fatal(os.ErrClosed) }); err == nil {
		t.Error("Fatal from the callback did not stop the scan")
	}
}

// TestDirRun: files appearing while Run polls are handed on, including one
// written under a temporary name and renamed into place.
func TestDirRun(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	// Watched through a symbolic link to the directory.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	cps := NewMemoryCheckpoints()
	src, err := Open(link, Options{Checkpoints: cps, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(cps)
	stop := runSource(t, src, c.fn)
	time.Sleep(50 * time.Millisecond)
	write(t, filepath.Join(root, "2024/01/02/a.json"), record("a"), time.Time{})
	if got := c.waitKeys(t, 1); got[0] != filepath.Join(root, "2024/01/02/a.json") {
		t.Errorf("got %v", got)
	}
	tmp := filepath.Join(root, "b.json.tmp")
	write(t, tmp, record("b"), time.Time{})
	time.Sleep(100 * time.Millisecond)
	c.quiet(t, 10*time.Millisecond)
	if err := os.Rename(tmp, filepath.Join(root, "b.json")); err != nil {
		t.Fatal(err)
	}
	if got := c.waitKeys(t, 1); got[0] != filepath.Join(root, "b.json") {
		t.Errorf("got %v", got)
	}
	if err := stop(); err != context.Canceled {
		t.Errorf("Run returned %v", err)
	}
}

// Files found in one scan go in the delivery-time order of their names,
// across accounts and regions, whatever their modification times; files
// without such a name first.
func TestDirDeliveryOrder(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	old := time.Now().Add(-time.Hour)
	var want []string
	plain := filepath.Join(root, "export.ndjson")
	write(t, plain, record("plain"), old.Add(30*time.Minute))
	want = append(want, plain)
	for _, stamp := range []string{"20240102T1000Z", "20240102T1005Z", "20240102T1010Z"} {
		for _, acct := range []string{acctA, acctB} {
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				k := filepath.Join(root, filepath.FromSlash(ctKey("AWSLogs/"+acct+"/", acct, region, stamp, region)))
				// Modification times run backwards: the names decide.
				write(t, k, record(k), old.Add(-time.Duration(len(want))*time.Minute))
				want = append(want, k)
			}
		}
	}
	slices.SortStableFunc(want[1:], func(a, b string) int {
		ta, _ := keyTime(a)
		tb, _ := keyTime(b)
		return cmp.Or(ta.Compare(tb), cmp.Compare(a, b))
	})
	cps := NewMemoryCheckpoints()
	src, err := Open(root, Options{Checkpoints: cps})
	if err != nil {
		t.Fatal(err)
	}
	d := src.(*dirSource)
	c := newCollector(cps)
	pollOnce(t, d, c) // the first scan sees the sizes; the second hands on
	if got := pollOnce(t, d, c); !slices.Equal(got, want) {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
}
