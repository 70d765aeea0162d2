package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// result is what one Read gave, with Raw bytes copied.
type result struct {
	recs  []Record
	probs []Problem
	st    Stats
	err   error
}

func (res result) raws() [][]byte {
	out := make([][]byte, len(res.recs))
	for i, r := range res.recs {
		out[i] = r.Raw
	}
	return out
}

// read runs a Reader over paths and collects everything.
func read(t testing.TB, paths ...string) result {
	t.Helper()
	var res result
	r := Reader{OnProblem: func(p Problem) { res.probs = append(res.probs, p) }}
	res.st, res.err = r.Read(context.Background(), paths, func(rec Record) error {
		rec.Raw = bytes.Clone(rec.Raw)
		res.recs = append(res.recs, rec)
		return nil
	})
	return res
}

// readBytes writes data to a file called name in a temporary directory and reads it.
func readBytes(t testing.TB, name string, data []byte) result {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return read(t, p)
}

// fixture returns the contents of testdata/cloudtrail/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "cloudtrail", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// oracle splits valid JSON input the slow, independent way: encoding/json
// keeps each element of a []json.RawMessage as the exact bytes of the input.
// Each top-level value is a delivery file (its Records), an array (its
// elements) or a record.
func oracle(t testing.TB, data []byte) [][]byte {
	t.Helper()
	data = bytes.TrimPrefix(data, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		switch v[0] {
		case '[':
			var a []json.RawMessage
			if err := json.Unmarshal(v, &a); err != nil {
				t.Fatal(err)
			}
			for _, e := range a {
				out = append(out, e)
			}
		default:
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				t.Fatal(err)
			}
			if recs, ok := m["Records"]; ok {
				var a []json.RawMessage
				if err := json.Unmarshal(recs, &a); err != nil {
					t.Fatal(err)
				}
				for _, e := range a {
					out = append(out, e)
				}
			} else {
				out = append(out, v)
			}
		}
	}
}

// sameRaws fails unless got holds exactly the records of want, byte for byte.
func sameRaws(t testing.TB, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("record %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
}

// sharedDir finds the team's shared/ directory by walking up from the test's
// working directory; CI has it beside the checkout.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared")
		if fi, err := os.Stat(filepath.Join(p, "testdata")); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/ not found above the working directory: the public CloudTrail data sets are not available")
		}
		dir = parent
	}
}
