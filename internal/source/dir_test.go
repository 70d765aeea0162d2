package source

import (
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
// without such a name first, oldest first; ties in walk (name) order, as
// detect reads a tree. A restart after a failure in the middle reads
// exactly the files not done, in the same order.
func TestDirDeliveryOrder(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	old := time.Now().Add(-time.Hour)
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	// Without a delivery time: by modification time, not by name. A
	// folder named like a delivery file lends no time to what it holds.
	var want []string
	for i, rel := range []string{"z-export.ndjson", "111111111111_CloudTrail_us-east-1_20240101T0000Z_x.json.gz/inner.json", "a-export.ndjson"} {
		write(t, p(rel), record(rel), old.Add(time.Duration(i)*time.Minute))
		want = append(want, p(rel))
	}
	// 2 accounts x 4 regions x 3 times, written with modification times
	// running backwards: the names decide.
	regions := []string{"us-east-1", "eu-west-1", "sa-east-1", "ap-south-1"}
	stamps := []string{"20240102T1010Z", "20240102T1000Z", "20240102T1005Z"}
	n := 0
	for _, acct := range []string{acctB, acctA} {
		for _, region := range regions {
			for _, stamp := range stamps {
				write(t, p(ctKey("AWSLogs/"+acct+"/", acct, region, stamp, region)), record(stamp), old.Add(-time.Duration(n)*time.Minute))
				n++
			}
		}
	}
	// Expected: by time; in one minute, in walk order (account, then region
	// by name).
	sorted := slices.Sorted(slices.Values(regions))
	for _, stamp := range slices.Sorted(slices.Values(stamps)) {
		for _, acct := range []string{acctA, acctB} {
			for _, region := range sorted {
				want = append(want, p(ctKey("AWSLogs/"+acct+"/", acct, region, stamp, region)))
			}
		}
	}
	tests := []struct {
		name    string
		failAt  int // index in want of a file whose callback fails; -1: none
		fatal   bool
		restart []string // read after a restart with the same checkpoints
	}{
		{"all", -1, false, nil},
		// A failure is retried at the next scan; the others go on.
		{"failure", 9, false, want[9:10]},
		// A fatal failure stops the scan: the rest is read after a restart.
		{"fatal", 9, true, want[9:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cps := NewMemoryCheckpoints()
			src, err := Open(root, Options{Checkpoints: cps})
			if err != nil {
				t.Fatal(err)
			}
			d := src.(*dirSource)
			c := newCollector(cps)
			failed := false
			c.fail = func(key string) error {
				if tc.failAt >= 0 && key == want[tc.failAt] && !failed {
					failed = true
					if tc.fatal {
						return Fatal(os.ErrClosed)
					}
					return os.ErrDeadlineExceeded
				}
				return nil
			}
			pollOnce(t, d, c) // the first scan sees the sizes; the second hands on
			if err := d.poll(context.Background(), c.fn); (err != nil) != tc.fatal {
				t.Fatalf("poll: %v", err)
			}
			got, first := c.got(), want
			if tc.failAt >= 0 {
				first = slices.Delete(slices.Clone(want), tc.failAt, tc.failAt+len(tc.restart))
			}
			if !slices.Equal(got, first) {
				t.Errorf("order:\n got %v\nwant %v", got, first)
			}
			src, _ = Open(root, Options{Checkpoints: cps})
			d2 := src.(*dirSource)
			c2 := newCollector(cps)
			pollOnce(t, d2, c2)
			if got := pollOnce(t, d2, c2); !slices.Equal(got, tc.restart) {
				t.Errorf("after restart:\n got %v\nwant %v", got, tc.restart)
			}
		})
	}
}
