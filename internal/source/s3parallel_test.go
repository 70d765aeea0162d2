package source

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Listings overlap (discovery across accounts, the first page of every
// account and region), and what they hold is still handed on in
// delivery-time order across all of them.
func TestS3ListingsOverlap(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	var want []string
	for a := 0; a < 12; a++ {
		acct := fmt.Sprintf("1000000000%02d", a)
		for r, region := range []string{"us-east-1", "eu-west-1"} {
			k := ctKey("AWSLogs/"+acct+"/", acct, region, fmt.Sprintf("20240102T10%02dZ", 2*a+r), "x")
			f.put(t, "trail", k, []byte(record(k)))
			want = append(want, "s3://trail/"+k) // in delivery-time order
		}
	}
	var inFlight, most atomic.Int64
	f.denyIf(func(r *http.Request) bool {
		if r.URL.Query().Has("list-type") {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(20 * time.Millisecond) // a round trip to S3
			inFlight.Add(-1)
		}
		return false
	})
	cps := NewMemoryCheckpoints()
	src, _ := Open("s3://trail/AWSLogs/", Options{Checkpoints: cps, EndpointURL: f.url, Once: true})
	c := newCollector(cps)
	if err := src.Run(context.Background(), c.fn); err != nil {
		t.Fatal(err)
	}
	got := c.got()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handed on\n%v\nwant\n%v", got, want)
	}
	if m := most.Load(); m < 4 || m > listConcurrency {
		t.Errorf("at most %d listings at once, want several and no more than %d", m, listConcurrency)
	}
}
