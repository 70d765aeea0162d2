package cloudtrail

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readWith runs r over one file holding data and collects everything.
func readWith(t *testing.T, r *Reader, data []byte) result {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var res result
	r.OnProblem = func(p Problem) { res.probs = append(res.probs, p) }
	res.st, res.err = r.Read(context.Background(), []string{p}, func(rec Record) error {
		rec.Raw = bytes.Clone(rec.Raw)
		res.recs = append(res.recs, rec)
		return nil
	})
	return res
}

func nest(n int) string {
	return `{"eventTime":"2024-01-01T00:00:00Z","x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
}

// The record limits (issue "Reliability", item 4) skip one record with a
// reason that names the limit and the flag, and reading goes on at the next
// record, in every container format.
func TestRecordLimits(t *testing.T) {
	small := `{"eventTime":"2024-01-01T00:00:00Z","eventName":"A"}`
	big := `{"eventTime":"2024-01-01T00:00:00Z","eventName":"` + strings.Repeat("x", 2000) + `"}`
	tests := []struct {
		name     string
		r        Reader
		data     string
		indexes  []int
		problem  int    // index of the one skipped record
		reason   string // part of its reason
		truncRaw bool   // Problem.Raw cut to MaxProblemRaw
	}{
		{"size, delivery file", Reader{MaxRecordSize: 1024}, `{"Records":[` + small + "," + big + "," + small + "]}",
			[]int{0, 2}, 1, "record of 2051 bytes is larger than the maximum record size 1 KiB (--max-record-size); skipped", false},
		{"size, NDJSON", Reader{MaxRecordSize: 1024}, small + "\n" + big + "\n" + small + "\n",
			[]int{0, 2}, 1, "larger than the maximum record size 1 KiB", false},
		{"size, pretty array", Reader{MaxRecordSize: 1024}, "[\n" + small + ",\n" + big + ",\n" + small + "\n]\n",
			[]int{0, 2}, 1, "larger than the maximum record size", false},
		{"size, Raw cut by MaxProblemRaw", Reader{MaxRecordSize: 1024, MaxProblemRaw: 100}, small + "\n" + big + "\n",
			[]int{0}, 1, "larger than", true},
		{"depth, delivery file", Reader{MaxDepth: 5}, `{"Records":[` + small + "," + nest(6) + "," + small + "]}",
			[]int{0, 2}, 1, "nested deeper than 5 levels, the maximum depth (--max-depth); resumed at the next record", false},
		{"depth, NDJSON", Reader{MaxDepth: 5}, small + "\n" + nest(6) + "\n" + small + "\n",
			[]int{0, 2}, 1, "nested deeper than 5 levels", false},
		{"depth at the limit is accepted", Reader{MaxDepth: 5}, small + "\n" + nest(5) + "\n",
			[]int{0, 1}, -1, "", false},
		{"default depth: 256 levels pass, 257 do not", Reader{}, nest(256) + "\n" + nest(257) + "\n",
			[]int{0}, 1, "nested deeper than 256 levels", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readWith(t, &tc.r, []byte(tc.data))
			var idx []int
			for _, r := range res.recs {
				idx = append(idx, r.Index)
			}
			if !equalInts(idx, tc.indexes) {
				t.Errorf("record indexes %v, want %v", idx, tc.indexes)
			}
			if tc.problem < 0 {
				if len(res.probs) != 0 {
					t.Errorf("problems %v, want none", res.probs)
				}
				return
			}
			if len(res.probs) != 1 {
				t.Fatalf("problems %v, want one", res.probs)
			}
			p := res.probs[0]
			if p.Index != tc.problem || !strings.Contains(p.Reason, tc.reason) || !p.Skipped {
				t.Errorf("problem %+v, want record %d skipped because %q", p, tc.problem, tc.reason)
			}
			if p.Truncated != tc.truncRaw || len(p.Raw) == 0 || p.Raw[0] != '{' {
				t.Errorf("Raw %d bytes, truncated %v; want truncated %v", len(p.Raw), p.Truncated, tc.truncRaw)
			}
			if res.st.SkippedRecords != 1 || res.st.SkippedFiles != 0 {
				t.Errorf("stats %+v", res.st)
			}
		})
	}
}

// Problem.Raw is the skipped record's exact bytes when MaxProblemRaw < 0,
// which the dead-letter writer needs, even past the 64 KiB default cut.
func TestProblemRawWhole(t *testing.T) {
	rec := `{"eventTime":"2024-01-01T00:00:00Z","eventName":"` + strings.Repeat("x", 100<<10) + `",}`
	for _, tc := range []struct {
		max   int
		n     int
		trunc bool
	}{{0, 64 << 10, true}, {-1, len(rec), false}} {
		res := readWith(t, &Reader{MaxProblemRaw: tc.max}, []byte(rec+"\n"))
		if len(res.probs) != 1 {
			t.Fatalf("problems %v", res.probs)
		}
		p := res.probs[0]
		if len(p.Raw) != tc.n || p.Truncated != tc.trunc || !bytes.HasPrefix([]byte(rec), p.Raw) {
			t.Errorf("MaxProblemRaw %d: Raw %d bytes, truncated %v; want %d, %v", tc.max, len(p.Raw), p.Truncated, tc.n, tc.trunc)
		}
	}
}

// Skipped tells lost input from warnings: a missing comma loses nothing.
func TestProblemSkipped(t *testing.T) {
	r0 := `{"eventTime":"2024-01-01T00:00:00Z","eventName":"A"}`
	for _, tc := range []struct {
		data    string
		skipped bool
	}{
		{`{"Records":[` + r0 + " " + r0 + "]}", false},
		{`{"Records":[` + r0 + `,"x"]}`, true},
		{`{"Records":"x"}`, true},
		{"", true},
	} {
		res := readWith(t, &Reader{}, []byte(tc.data))
		if len(res.probs) != 1 || res.probs[0].Skipped != tc.skipped {
			t.Errorf("%q: problems %+v, want one with Skipped %v", tc.data, res.probs, tc.skipped)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// NDJSON whose first line is a JSON scalar is read on: the scalar is a
// skipped record and the good records after it are kept (issue
// "Reliability": never drop good data because bad data sat next to it).
// Text that only starts like JSON is still not a log.
func TestFirstLineScalar(t *testing.T) {
	r0 := `{"eventTime":"2024-01-01T00:00:00Z","eventName":"A"}`
	for _, tc := range []struct {
		data    string
		records int
		reason  string
	}{
		{"\"a string\"\n42\n" + r0 + "\n", 1, "not a JSON object but a string"},
		{"null\n" + r0 + "\n", 1, "not a JSON object but null"},
		{"true story\n" + r0 + "\n", 0, "not a JSON log file: it starts with 't'"},
		{"2024 report\n" + r0 + "\n", 0, "not a JSON log file: it starts with '2'"},
		{`{"Records":{"eventTime":"x"}}`, 0, `"Records" is not an array but an object`},
	} {
		res := readWith(t, &Reader{}, []byte(tc.data))
		if len(res.recs) != tc.records || len(res.probs) == 0 || !strings.Contains(res.probs[0].Reason, tc.reason) {
			t.Errorf("%q: %d records, problems %v; want %d records and %q", tc.data, len(res.recs), res.probs, tc.records, tc.reason)
		}
	}
}
