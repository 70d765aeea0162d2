package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/trailql/trailql/internal/sharedtest"
)

// readAll returns every record as "file#index:sha" and the stats, read
// sequentially or by n workers.
func readAll(t *testing.T, paths []string, workers int) ([]string, Stats, int) {
	t.Helper()
	var mu sync.Mutex
	var out []string
	problems := 0
	r := &Reader{OnProblem: func(Problem) { problems++ }}
	rec := func(rec Record) {
		mu.Lock()
		out = append(out, fmt.Sprintf("%s#%d:%d:%s", rec.File, rec.Index, len(rec.Raw), rec.Raw[:min(len(rec.Raw), 40)]))
		mu.Unlock()
	}
	var st Stats
	var err error
	if workers == 0 {
		st, err = r.Read(context.Background(), paths, func(r Record) error { rec(r); return nil })
	} else {
		seen := make([]bool, workers+1)
		st, err = r.ReadParallel(context.Background(), paths, workers, func(w int, r Record) error {
			if w < 0 || w > workers {
				t.Errorf("worker %d out of range", w)
			}
			seen[w] = true
			rec(r)
			return nil
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out, st, problems
}

// Parallel reading yields exactly the records, stats and problems of a
// sequential read.
func TestReadParallelMatchesRead(t *testing.T) {
	paths := []string{sharedtest.Dir(t, "testdata/public-cloudtrail"), "../testdata/bad", "../examples"}
	want, wantSt, wantProblems := readAll(t, paths, 0)
	for _, workers := range []int{1, 2, 4} {
		got, st, problems := readAll(t, paths, workers)
		if fmt.Sprint(got) != fmt.Sprint(want) || st != wantSt || problems != wantProblems {
			t.Errorf("%d workers: %d records %+v %d problems; sequential: %d records %+v %d problems",
				workers, len(got), st, problems, len(want), wantSt, wantProblems)
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
