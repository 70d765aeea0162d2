package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/sharedtest"
)

// Parallel reading yields exactly the records, stats and problems of a
// sequential read.
func TestReadParallelMatchesRead(t *testing.T) {
	paths := []string{sharedtest.Dir(t, "testdata/public-cloudtrail"), "../testdata/bad", "../examples"}
	want, wantSt, wantProblems := readAll(t, paths, 0)
	for _, workers := range []int{1, 2, 4} {
		got, st, problems := readAll(t, paths, workers)
		if fmt.Sprint(got) != fmt.Sprint(want) || st != wantSt || fmt.Sprint(problems) != fmt.Sprint(wantProblems) {
			t.Errorf("%d workers: %d records %+v %d problems; sequential: %d records %+v %d problems",
				workers, len(got), st, len(problems), len(want), wantSt, len(wantProblems))
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("first difference: %q, sequential %q", got[i], want[i])
					break
				}
			}
		}
	}
}

func TestReadParallelStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	r := &Reader{}
	_, err := r.ReadParallel(context.Background(), []string{"../examples"}, 2, func(int, Record) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ReadParallel(ctx, []string{"../examples"}, 2, func(int, Record) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestReadStream(t *testing.T) {
	data := `{"Records":[{"eventTime":"2026-11-02T08:00:00Z","eventName":"A"},"bad",{"eventTime":"2026-11-02T08:00:01Z","eventName":"B"}]}`
	var got []string
	var problems []Problem
	r := &Reader{OnProblem: func(p Problem) { problems = append(problems, p) }}
	st, err := r.ReadStream(context.Background(), "s3://bucket/key.json.gz", strings.NewReader(data), func(rec Record) error {
		got = append(got, fmt.Sprintf("%s#%d", rec.File, rec.Index))
		return nil
	})
	if err != nil || st.Records != 2 || st.SkippedRecords != 1 || len(problems) != 1 || problems[0].File != "s3://bucket/key.json.gz" {
		t.Errorf("got %v, stats %+v, problems %v, err %v", got, st, problems, err)
	}
}

// One large NDJSON file is shared out to every worker in chunks of lines
// (fanout.go): records, their indexes and the problems must be those of a
// sequential read, bad lines included, plain and gzip, from a file and from
// standard input's code path (ReadStream is sequential; ReadParallel reads
// "-" in the walking goroutine, which shares its lines the same way).
func TestReadParallelSharesNDJSONLines(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 20000; i++ {
		switch {
		case i%997 == 5:
			sb.WriteString(`{"eventTime":"2024-01-01T00:00:00Z","bad":` + "\n") // cut line
		case i%1499 == 7:
			sb.WriteString("\n") // blank
		case i%1733 == 9:
			sb.WriteString(`"scalar"` + "\n")
		case i%1901 == 11:
			sb.WriteString(`{"a":1} {"b":2}` + "\n") // two values on a line
		case i == 12345 || i == 12346:
			// Longer than a block (blocks.go), twice in a row.
			fmt.Fprintf(&sb, `{"eventTime":"2024-01-01T00:00:01Z","eventName":"Long","pad":"%s"}`+"\n", strings.Repeat("x", 700<<10))
		case i%2003 == 13:
			fmt.Fprintf(&sb, `{"eventTime":"2024-01-01T00:00:02Z","eventName":"CRLF%d"}`+"\r\n", i)
		default:
			fmt.Fprintf(&sb, `{"eventTime":"2024-01-01T00:00:%02dZ","eventName":"E%d","n":%d}`+"\n", i%60, i, i)
		}
	}
	// The last line has no newline.
	sb.WriteString(`{"eventTime":"2024-01-01T00:00:03Z","eventName":"Last"}`)
	data := []byte(sb.String())
	dir := t.TempDir()
	for _, name := range []string{"big.ndjson", "big.ndjson.gz"} {
		p := dir + "/" + name
		content := data
		if strings.HasSuffix(name, ".gz") {
			content = gz(t, data)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		seq, seqSt, seqProbs := readAll(t, []string{p}, 0)
		if seqSt.Records < 19000 || len(seqProbs) == 0 || !strings.Contains(fmt.Sprint(seq), `"Last"`) || !strings.Contains(fmt.Sprint(seq), `"Long"`) {
			t.Fatalf("%s: sequential read: %+v, %d problems", name, seqSt, len(seqProbs))
		}
		for _, workers := range []int{2, 4} {
			got, st, probs := readAll(t, []string{p}, workers)
			if fmt.Sprint(got) != fmt.Sprint(seq) || st != seqSt || fmt.Sprint(probs) != fmt.Sprint(seqProbs) {
				t.Errorf("%s, %d workers: %+v %d problems; sequential %+v %d problems", name, workers, st, len(probs), seqSt, len(seqProbs))
				for i := range min(len(probs), len(seqProbs)) {
					if probs[i] != seqProbs[i] {
						t.Errorf("problem: %q\nsequential: %q", probs[i], seqProbs[i])
						break
					}
				}
				for i := range min(len(got), len(seq)) {
					if got[i] != seq[i] {
						t.Errorf("record: %.200q\nsequential: %.200q", got[i], seq[i])
						break
					}
				}
			}
		}
	}
}

// readAll returns every record (file, index, bytes and what the scan
// found), the stats and the problems, sorted, read sequentially (workers 0)
// or by ReadParallel.
func readAll(t *testing.T, paths []string, workers int) ([]string, Stats, []string) {
	t.Helper()
	var mu sync.Mutex
	var probs []string
	r := &Reader{OnProblem: func(p Problem) { mu.Lock(); probs = append(probs, p.Error()); mu.Unlock() }}
	var out []string
	rec := func(rec Record) {
		mu.Lock()
		out = append(out, fmt.Sprintf("%s#%d:%s:%v:%s", rec.File, rec.Index, rec.Raw, rec.Checked, rec.EventTime))
		mu.Unlock()
	}
	var st Stats
	var err error
	if workers == 0 {
		st, err = r.Read(context.Background(), paths, func(r Record) error { rec(r); return nil })
	} else {
		st, err = r.ReadParallel(context.Background(), paths, workers, func(w int, r Record) error {
			if w < 0 || w > workers {
				t.Errorf("worker %d out of range", w)
			}
			rec(r)
			return nil
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	sort.Strings(probs)
	return out, st, probs
}

// While a file is still being read, no file delivered more than
// dispatchSpread after it starts, however slow it is: a worker held up
// cannot let the others run ahead in time. Records are evaluated where they
// are read (detect.Read), so this bounds how far apart the events being
// evaluated at once are, which a rule's allowed lateness must cover.
func TestReadParallelBoundsTimeSpread(t *testing.T) {
	root := t.TempDir()
	del := gz(t, fixture(t, "delivery.json"))
	var names []string
	for m := 0; m <= 60; m += 5 {
		name := fmt.Sprintf("111122223333_CloudTrail_us-east-1_20261102T08%02dZ_x.json.gz", m)
		if m == 60 {
			name = "111122223333_CloudTrail_us-east-1_20261102T0900Z_x.json.gz"
		}
		names = append(names, name)
		if err := os.WriteFile(filepath.Join(root, name), del, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, workers := range []int{2, 4} {
		var mu sync.Mutex
		slowDone := false
		var early []string
		r := &Reader{}
		_, err := r.ReadParallel(context.Background(), []string{root}, workers, func(_ int, rec Record) error {
			base := filepath.Base(rec.File)
			if base == names[0] {
				time.Sleep(20 * time.Millisecond) // the slow file
				if rec.Index == 2 {
					mu.Lock()
					slowDone = true
					mu.Unlock()
				}
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			if !slowDone && base != names[1] {
				early = append(early, base)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(early) > 0 {
			t.Errorf("%d workers: read while %s was: %v", workers, names[0], early)
		}
	}
}
