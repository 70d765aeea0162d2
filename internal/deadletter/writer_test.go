package deadletter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

func TestName(t *testing.T) {
	long := strings.Repeat("d/", 200) + "x.json.gz"
	for _, tc := range []struct{ in, want string }{
		{"-", "stdin"},
		{"AWSLogs/1/CloudTrail/us-east-1/2024/01/01/f.json.gz", "AWSLogs_1_CloudTrail_us-east-1_2024_01_01_f.json.gz"},
		{"../../etc/passwd", "etc_passwd"},
		{"/abs/x.json", "abs_x.json"},
		{"./x", "x"},
		{".hidden", "_hidden"},
		{"..", "_."},
		{"a\x00b\nc\\d:e", "a_b_c_d_e"},
		{"é.json", "__.json"},
		{"", "input"},
	} {
		if got := Name(tc.in); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	a, b := Name("a/"+long), Name("b/"+long)
	if len(a) > maxName || a == b || !strings.HasSuffix(a, "x.json.gz") {
		t.Errorf("long names: %q (%d bytes), %q", a, len(a), b)
	}
}

// files lists the directory's file names.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func readWhy(t *testing.T, path string) Why {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w Why
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

const rec = `{"eventTime":"2024-01-01T00:00:00Z","eventName":"A"}`

// A real Read over bad input: every skipped record comes out byte for byte,
// every unreadable file is copied as stored, each with its reason.
func TestWriterWithReader(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := ` {"eventTime": 42 , "x":[1,2,,3]} `
	write("a.json", []byte(`{"Records":[`+rec+`,"a string",`+rec+`]}`))
	write("b.ndjson", []byte(rec+"\n"+bad+"\n"+rec+"\n"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Records":[` + rec + `,` + rec + `]}`))
	zw.Close()
	cut := gz.Bytes()[:gz.Len()-10]
	write("c.json.gz", cut)
	write("d.json", nil)
	write("e.json", []byte(`{"Records":[`+rec+` `+rec+`]}`)) // missing comma: a warning, nothing lost

	w, err := New(out)
	if err != nil {
		t.Fatal(err)
	}
	w.now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	var probs []cloudtrail.Problem
	r := &cloudtrail.Reader{MaxProblemRaw: -1, OnProblem: func(p cloudtrail.Problem) {
		probs = append(probs, p)
		if err := w.Problem(p); err != nil {
			t.Errorf("dead letter for %v: %v", p, err)
		}
	}}
	if _, err := r.Read(context.Background(), []string{in}, func(cloudtrail.Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	a, b, c, d := Name(filepath.Join(in, "a.json")), Name(filepath.Join(in, "b.ndjson")), Name(filepath.Join(in, "c.json.gz")), Name(filepath.Join(in, "d.json"))
	want := []string{a + ".1.json", a + ".1.why.json", b + ".1.json", b + ".1.why.json", c, c + ".why.json", d, d + ".why.json"}
	sort.Strings(want)
	if got := files(t, out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("dead letters %v\nwant %v\n(problems %v)", got, want, probs)
	}
	for _, tc := range []struct {
		data, why string
		want      []byte
		index     int
		reason    string
	}{
		{a + ".1.json", a + ".1.why.json", []byte(`"a string"`), 1, "not a JSON object but a string"},
		{b + ".1.json", b + ".1.why.json", []byte(strings.TrimLeft(bad, " ")), 1, "invalid character ','"},
		{c, c + ".why.json", cut, -1, "read failed"},
		{d, d + ".why.json", []byte{}, -1, "empty file"},
	} {
		why := readWhy(t, filepath.Join(out, tc.why))
		if why.Index != tc.index || !strings.Contains(why.Reason, tc.reason) || why.Time != "2026-11-25T12:00:00Z" || why.Data != tc.data {
			t.Errorf("%s: %+v", tc.why, why)
		}
		got, err := os.ReadFile(filepath.Join(out, tc.data))
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s holds %q, want %q (%v)", tc.data, got, tc.want, err)
		}
	}
}

// A record whose bytes were cut (MaxProblemRaw) makes the writer copy the
// whole source file, once, so nothing is lost.
func TestWriterCopiesFileForCutRecord(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	src := filepath.Join(in, "f.ndjson")
	data := []byte(rec + "\n{\"x\":\"" + strings.Repeat("y", 500) + "\n{\"x\":tru}\n")
	os.WriteFile(src, data, 0o644)
	w, _ := New(out)
	r := &cloudtrail.Reader{MaxProblemRaw: 100, OnProblem: func(p cloudtrail.Problem) {
		if err := w.Problem(p); err != nil {
			t.Error(err)
		}
	}}
	r.Read(context.Background(), []string{src}, func(cloudtrail.Record) error { return nil })
	n := Name(src)
	want := []string{n, n + ".1.why.json"}
	if got := files(t, out); strings.Join(got, " ") != strings.Join([]string{n, n + ".1.why.json", n + ".2.json", n + ".2.why.json"}, " ") {
		t.Fatalf("dead letters %v, want %v and record 2", got, want)
	}
	if got, _ := os.ReadFile(filepath.Join(out, n)); !bytes.Equal(got, data) {
		t.Errorf("copy differs from the source")
	}
	if why := readWhy(t, filepath.Join(out, n+".1.why.json")); !why.WholeFile || why.Data != n || why.Index != 1 {
		t.Errorf("sidecar %+v", why)
	}
}

// Nothing is overwritten, planted symbolic links are not followed, and
// warnings are not written.
func TestWriterNeverOverwrites(t *testing.T) {
	out := t.TempDir()
	w, _ := New(out)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	if err := os.Symlink(victim, filepath.Join(out, "x.0.json")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	p := cloudtrail.Problem{File: "x", Index: 0, Reason: "r", Raw: []byte(rec), Skipped: true}
	for range 2 {
		if err := w.Problem(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Problem(cloudtrail.Problem{File: "x", Index: 5, Reason: "missing ','", Skipped: false}); err != nil {
		t.Fatal(err)
	}
	got := files(t, out)
	want := []string{"x.0-2.json", "x.0-2.why.json", "x.0-3.json", "x.0-3.why.json", "x.0.json"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the symbolic link was followed: victim holds %q", b)
	}
	if why := readWhy(t, filepath.Join(out, "x.0-3.why.json")); why.Data != "x.0-3.json" {
		t.Errorf("sidecar names %q", why.Data)
	}
}

// Errors are returned, not fatal: an unwritable directory gives an error per
// dead letter that names it.
func TestWriterErrors(t *testing.T) {
	if _, err := New(filepath.Join("/dev/null", "x")); err == nil {
		t.Error("New under a file succeeded")
	}
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("permissions are not enforced here")
	}
	out := t.TempDir()
	w, _ := New(out)
	os.Chmod(out, 0o500)
	defer os.Chmod(out, 0o700)
	err := w.Record("f", 3, []byte(rec), "r")
	if err == nil || !strings.Contains(err.Error(), "dead letter") {
		t.Errorf("error %v", err)
	}
}
