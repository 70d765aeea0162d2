package cloudtrail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// files lists the distinct File values of the records, in order of first appearance.
func files(res result) []string {
	var out []string
	for _, r := range res.recs {
		if len(out) == 0 || out[len(out)-1] != r.File {
			out = append(out, r.File)
		}
	}
	return out
}

// TestWalkS3Layout: a directory tree in CloudTrail's S3 layout is walked
// recursively in sorted order (so day folders come in date order); digest
// folders are counted, not opened; dot files and documentation are skipped.
func TestWalkS3Layout(t *testing.T) {
	root := t.TempDir()
	one := fixture(t, "single-record.json")
	del := gz(t, fixture(t, "delivery.json"))
	acct := filepath.Join(root, "AWSLogs", "111122223333")
	paths := []string{
		filepath.Join(acct, "CloudTrail", "eu-west-1", "2026", "11", "02", "111122223333_CloudTrail_eu-west-1_20261102T0800Z_b.json.gz"),
		filepath.Join(acct, "CloudTrail", "us-east-1", "2026", "10", "31", "111122223333_CloudTrail_us-east-1_20261031T2355Z_a.json.gz"),
		filepath.Join(acct, "CloudTrail", "us-east-1", "2026", "11", "01", "111122223333_CloudTrail_us-east-1_20261101T0000Z_a.json.gz"),
		filepath.Join(acct, "CloudTrail", "us-east-1", "2026", "11", "01", "111122223333_CloudTrail_us-east-1_20261101T0005Z_a.json.gz"),
		filepath.Join(acct, "CloudTrail", "us-east-1", "2026", "11", "02", "x.json"),
	}
	// Written in reverse so that creation order cannot explain the result.
	for i := len(paths) - 1; i >= 0; i-- {
		data := del
		if i == 4 {
			data = one
		}
		write(t, paths[i], data)
	}
	write(t, filepath.Join(acct, "CloudTrail-Digest", "us-east-1", "2026", "11", "02", "d.json.gz"), fixture(t, "digest.json.gz"))
	write(t, filepath.Join(acct, "CloudTrail-Digest", "us-east-1", "2026", "11", "02", "e.json.gz"), []byte("not even read"))
	write(t, filepath.Join(acct, "CloudTrail", ".DS_Store"), []byte("\x00\x01"))
	write(t, filepath.Join(acct, ".hidden", "h.json"), one)
	write(t, filepath.Join(root, "AWSLogs", "README.md"), []byte("# logs\n"))
	write(t, filepath.Join(root, "AWSLogs", "LICENSE"), []byte("MIT\n"))
	write(t, filepath.Join(acct, "notes.txt"), []byte("x\n"))

	res := read(t, filepath.Join(root, "AWSLogs"))
	if res.err != nil || len(res.probs) > 0 {
		t.Fatalf("err %v, problems %v", res.err, res.probs)
	}
	got := files(res)
	// Delivery files in the time order of their names, across regions;
	// a file without a delivery time first (timeOrder).
	want := []string{paths[4], paths[1], paths[2], paths[3], paths[0]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files in order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if want := (Stats{Files: 5, DigestFiles: 2, Records: 4*3 + 1, Bytes: res.st.Bytes}); res.st != want {
		t.Errorf("stats %+v, want %+v", res.st, want)
	}
	// Named, a non-log file is read and reported (content decides).
	res = read(t, filepath.Join(root, "AWSLogs", "README.md"))
	if len(res.probs) != 1 || !strings.Contains(res.probs[0].Reason, "not a JSON log file") {
		t.Errorf("named README: %v", res.probs)
	}
	// Named paths keep the order given, and a file can be named directly.
	res = read(t, paths[4], paths[0])
	if got := files(res); len(got) != 2 || got[0] != paths[4] || got[1] != paths[0] {
		t.Errorf("named order: %v", got)
	}
}

// TestWalkSymlinks: links are followed, and a directory reached twice (a loop)
// is skipped with a problem instead of hanging.
func TestWalkSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "logs", "a.json"), fixture(t, "single-record.json"))
	write(t, filepath.Join(root, "other", "b.json"), fixture(t, "delivery.json"))
	for _, l := range [][2]string{
		{".", filepath.Join(root, "logs", "loop")},            // logs/loop -> logs
		{"../..", filepath.Join(root, "logs", "sub", "up")},   // logs/sub/up -> root
		{"../other/b.json", filepath.Join(root, "logs", "z")}, // a link to a file
		{"missing", filepath.Join(root, "logs", "broken")},    // a dangling link
	} {
		if err := os.MkdirAll(filepath.Dir(l[1]), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan result, 1)
	go func() { done <- read(t, filepath.Join(root, "logs")) }()
	var res result
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("walking a symlink loop did not end")
	}
	// logs: a.json, broken, loop (seen), sub/up -> root: logs (seen), other/b.json; then z -> b.json again.
	want := []string{
		filepath.Join(root, "logs", "a.json"),
		filepath.Join(root, "logs", "sub", "up", "other", "b.json"),
		filepath.Join(root, "logs", "z"),
	}
	if got := files(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var reasons []string
	for _, p := range res.probs {
		reasons = append(reasons, filepath.Base(p.File)+": "+p.Reason)
	}
	wantProbs := []string{
		"broken: stat: no such file or directory",
		"loop: directory already read (symbolic link loop?); skipped",
		"logs: directory already read (symbolic link loop?); skipped",
	}
	if strings.Join(reasons, "\n") != strings.Join(wantProbs, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(wantProbs, "\n"))
	}
	if res.st.Records != 7 || res.st.SkippedFiles != 1 {
		t.Errorf("stats %+v", res.st)
	}
}

// TestMissingPath: a path that does not exist is a file problem and the next
// path is still read.
func TestMissingPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.json")
	write(t, p, fixture(t, "delivery.json"))
	res := read(t, filepath.Join(filepath.Dir(p), "nope.json"), p)
	if res.err != nil || res.st.Records != 3 || res.st.SkippedFiles != 1 || res.st.Files != 1 ||
		len(res.probs) != 1 || res.probs[0].Index != -1 || !strings.Contains(res.probs[0].Reason, "no such file") {
		t.Errorf("err %v, stats %+v, problems %v", res.err, res.st, res.probs)
	}
}

// withStdin runs f with os.Stdin replaced by r.
func withStdin(t *testing.T, r *os.File, f func()) {
	t.Helper()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	f()
}

// TestStdin: "-" reads standard input, gzip detected by content; File is "-".
func TestStdin(t *testing.T) {
	nd := fixture(t, "records.ndjson")
	p := filepath.Join(t.TempDir(), "in")
	write(t, p, gz(t, nd))
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var res result
	withStdin(t, in, func() { res = read(t, "-") })
	sameRaws(t, res.raws(), oracle(t, nd))
	for _, r := range res.recs {
		if r.File != "-" {
			t.Errorf("File %q", r.File)
		}
	}
	if res.st.Files != 1 || res.st.Bytes != int64(len(nd)) {
		t.Errorf("stats %+v", res.st)
	}
}

// TestStdinStreams: NDJSON on standard input is passed on line by line: the
// first record arrives while the writer still holds the pipe open.
func TestStdinStreams(t *testing.T) {
	recs := oracle(t, fixture(t, "records.ndjson"))
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	got := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer pw.Close()
		pw.Write(append(recs[0], '\n'))
		select {
		case <-got: // the reader saw record 0 before record 1 was written
		case <-time.After(10 * time.Second):
		}
		pw.Write(append(recs[1], '\n'))
	}()
	var seen []int
	withStdin(t, pr, func() {
		r := Reader{}
		_, err = r.Read(context.Background(), []string{"-"}, func(rec Record) error {
			seen = append(seen, rec.Index)
			if rec.Index == 0 {
				close(got)
			}
			return nil
		})
	})
	wg.Wait()
	if err != nil || len(seen) != 2 {
		t.Fatalf("err %v, records %v", err, seen)
	}
	select {
	case <-got:
	default:
		t.Fatal("record 0 was not passed on before the input ended")
	}
}

// TestCancel: cancelling the context stops the walk; so does an error from fn,
// which Read returns as is.
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	big := bigDelivery(t, 3000)
	for _, n := range []string{"a.json", "b.json", "c.json"} {
		write(t, filepath.Join(dir, n), big)
	}
	var r Reader
	ctx, cancel := context.WithCancel(context.Background())
	st, err := r.Read(ctx, []string{dir}, func(rec Record) error {
		if rec.Index == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || st.Records > 10+256 || st.Files != 1 {
		t.Errorf("cancel: err %v, stats %+v", err, st)
	}
	// Already cancelled: nothing is opened.
	st, err = r.Read(ctx, []string{dir, "-"}, func(Record) error { return nil })
	if !errors.Is(err, context.Canceled) || st.Files != 0 {
		t.Errorf("cancelled before: err %v, stats %+v", err, st)
	}
	stopErr := errors.New("enough")
	st, err = r.Read(context.Background(), []string{dir}, func(rec Record) error {
		if rec.Index == 5 {
			return stopErr
		}
		return nil
	})
	if err != stopErr || st.Records != 6 || st.Files != 1 {
		t.Errorf("fn error: err %v, stats %+v", err, st)
	}
}

func TestDeliveryTime(t *testing.T) {
	for name, want := range map[string]string{
		"111122223333_CloudTrail_us-east-1_20261101T0005Z_a1B2.json.gz":         "20261101T0005Z",
		"o-abc_111122223333_CloudTrail_ap-southeast-2_20240229T2359Z_x.json.gz": "20240229T2359Z",
		"111122223333_CloudTrail_us-east-1_2026110T0005Z_a.json.gz":             "",
		"111122223333_CloudTrail_us-east-1_20261101X0005Z_a.json.gz":            "",
		"111122223333_CloudTrail-Digest_us-east-1_20261101T0005Z_a.json.gz":     "",
		"events.ndjson":                     "",
		"111122223333_CloudTrail_us-east-1": "",
	} {
		if got := deliveryTime(name); got != want {
			t.Errorf("deliveryTime(%q) = %q, want %q", name, got, want)
		}
	}
}

// DeliveryTime reads the last element of a path or an S3 key only: a
// folder named like a delivery file lends no time to what is inside it.
func TestDeliveryTimeExported(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC)
	name := "111122223333_CloudTrail_us-east-1_20261101T0005Z_a1B2.json.gz"
	for _, tc := range []struct {
		p    string
		want time.Time // zero: none
	}{
		{name, at},
		{"AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/" + name, at},
		{filepath.Join("logs", "2026", name), at},
		{"AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/" + name + "/inner.json", time.Time{}},
		{"exports/events.ndjson", time.Time{}},
		{"", time.Time{}},
		{"111122223333_CloudTrail_us-east-1_20261341T0005Z_a.json.gz", time.Time{}}, // month 13
	} {
		got, ok := DeliveryTime(tc.p)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("DeliveryTime(%q) = %v, %v; want %v", tc.p, got, ok, tc.want)
		}
	}
}

// Several paths are read as one set in time order: two accounts' trees
// given side by side interleave, and stdin-free named files join them.
func TestTimeOrderAcrossPaths(t *testing.T) {
	root := t.TempDir()
	del := gz(t, fixture(t, "delivery.json"))
	var a, b []string
	for _, hhmm := range []string{"0800", "0805", "0810"} {
		a = append(a, filepath.Join(root, "111", "111_CloudTrail_us-east-1_20261102T"+hhmm+"Z_a.json.gz"))
		b = append(b, filepath.Join(root, "222", "222_CloudTrail_eu-west-1_20261102T"+hhmm+"Z_b.json.gz"))
	}
	for _, p := range append(append([]string{}, a...), b...) {
		write(t, p, del)
	}
	res := read(t, filepath.Join(root, "111"), filepath.Join(root, "222"))
	got := files(res)
	want := []string{a[0], b[0], a[1], b[1], a[2], b[2]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files in order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !DeliveryOrdered([]string{filepath.Join(root, "111"), filepath.Join(root, "222")}) {
		t.Error("DeliveryOrdered: want true")
	}
}
