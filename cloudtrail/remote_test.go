package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRemote lists fixed objects for paths starting with "mem://".
type fakeRemote struct {
	objects []RemoteObject
}

func (fakeRemote) Handles(p string) bool { return strings.HasPrefix(p, "mem://") }

func (f fakeRemote) List(ctx context.Context, _ string, _, _ time.Time, each func(RemoteObject) error) error {
	for _, o := range f.objects {
		if err := each(o); err != nil {
			return err
		}
	}
	return nil
}

func memObject(name, body string) RemoteObject {
	return RemoteObject{Name: name, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(body)), nil
	}}
}

// What a Remote declines is counted and reported without loss; what it
// could not list is a skipped file, as an unreadable directory is; objects
// it cannot open are skipped files named by the object; the rest is read
// as files are, by Read and by ReadParallel alike.
func TestRemoteObjects(t *testing.T) {
	remote := fakeRemote{objects: []RemoteObject{
		memObject("mem://b/1_CloudTrail_us-east-1_20240102T1000Z_a.json", `{"Records":[{"eventID":"a"},{"eventID":"b"}]}`),
		{Name: "mem://b/notes.txt", Decline: "not a log"},
		{Name: "mem://b/eu-west-1/", Err: errors.New("listing failed")},
		{Name: "mem://b/1_CloudTrail_us-east-1_20240102T1005Z_gone.json", Open: func(context.Context) (io.ReadCloser, error) { return nil, errors.New("gone") }},
		{Name: "mem://b/1_CloudTrail_us-east-1_20240102T1010Z_x.json"}, // pruned by Until: never opened (Open is nil)
	}}
	for _, parallel := range []bool{false, true} {
		var problems []string
		// Until a day before 10:05: the 10:10 delivery is past its late deliveries.
		r := &Reader{Remote: remote, Until: time.Date(2024, 1, 1, 10, 5, 0, 0, time.UTC),
			OnProblem: func(p Problem) { problems = append(problems, p.Error()+skippedMark(p)) }}
		var n int
		var st Stats
		var err error
		if parallel {
			st, err = r.ReadParallel(context.Background(), []string{"mem://b/"}, 2, func(int, Record) error { n++; return nil })
		} else {
			st, err = r.Read(context.Background(), []string{"mem://b/"}, func(Record) error { n++; return nil })
		}
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"mem://b/notes.txt: not a log", "mem://b/eu-west-1/: listing failed (skipped)", "mem://b/1_CloudTrail_us-east-1_20240102T1005Z_gone.json: gone (skipped)"}
		if strings.Join(problems, "\n") != strings.Join(want, "\n") {
			t.Errorf("parallel %v: problems\n%s\nwant\n%s", parallel, strings.Join(problems, "\n"), strings.Join(want, "\n"))
		}
		if n != 2 || st.Files != 1 || st.DeclinedFiles != 1 || st.SkippedFiles != 2 || st.PrunedFiles != 1 {
			t.Errorf("parallel %v: %d records, %+v", parallel, n, st)
		}
	}
}

func skippedMark(p Problem) string {
	if p.Skipped {
		return " (skipped)"
	}
	return ""
}

// trackedBody counts its Close.
type trackedBody struct {
	io.Reader
	closed *atomic.Int64
}

func (b trackedBody) Close() error { b.closed.Add(1); return nil }

// Remote objects are opened ahead of their reading, several at once, since
// an open is a round trip; they are still read in the order listed, even
// by one goroutine (Read). When reading stops early, what was opened ahead
// is closed.
func TestRemoteOpenedAhead(t *testing.T) {
	var inFlight, most, opened, closed atomic.Int64
	var objects []RemoteObject
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("mem://b/1_CloudTrail_us-east-1_20240102T10%02dZ_%d.json", i, i)
		body := fmt.Sprintf(`{"Records":[{"eventID":"%d"}]}`, i)
		objects = append(objects, RemoteObject{Name: name, Open: func(context.Context) (io.ReadCloser, error) {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			inFlight.Add(-1)
			opened.Add(1)
			return trackedBody{strings.NewReader(body), &closed}, nil
		}})
	}
	r := &Reader{Remote: fakeRemote{objects: objects}}
	var order []string
	if _, err := r.Read(context.Background(), []string{"mem://b/"}, func(rec Record) error {
		order = append(order, rec.File)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i, o := range objects {
		if i >= len(order) || order[i] != o.Name {
			t.Fatalf("read %v, want the listing's order", order)
		}
	}
	if m := most.Load(); m < 4 {
		t.Errorf("at most %d objects opened at once, want them opened ahead", m)
	}
	if opened.Load() != closed.Load() {
		t.Errorf("%d opened, %d closed", opened.Load(), closed.Load())
	}

	opened.Store(0)
	closed.Store(0)
	stop := errors.New("stop")
	n := 0
	_, err := r.Read(context.Background(), []string{"mem://b/"}, func(Record) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("Read: %v, want the callback's error", err)
	}
	if opened.Load() <= 3 || opened.Load() != closed.Load() {
		t.Errorf("stopped early: %d opened, %d closed: want some opened ahead, and all closed", opened.Load(), closed.Load())
	}
}
