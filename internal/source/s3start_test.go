package source

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Options.Start (watch's default --since) starts a fresh state late, and
// bounds nothing after: a restart resumes each account and region at its
// checkpoint however old, and one without a checkpoint (idle at the first
// start) begins at the first start, not at the restart's, so what reached
// it while watch was down is read.
func TestS3Start(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	at := func(s string) time.Time {
		tm, err := time.Parse("20060102T1504Z", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	put := func(region, stamp, id string) string {
		k := ctKey(rootA, acctA, region, stamp, id)
		f.put(t, "trail", k, gz(t, record(id)))
		return "s3://trail/" + k
	}
	cps := NewMemoryCheckpoints()
	run := func(opts Options) []string {
		t.Helper()
		opts.Checkpoints, opts.EndpointURL, opts.Once = cps, f.url, true
		src, err := Open("s3://trail/AWSLogs/", opts)
		if err != nil {
			t.Fatal(err)
		}
		c := newCollector(cps)
		if err := src.Run(context.Background(), c.fn); err != nil {
			t.Fatal(err)
		}
		return c.got()
	}

	put("us-east-1", "20230101T0000Z", "history")
	put("eu-west-1", "20230101T0000Z", "idle-history") // eu-west-1 is idle since
	first := put("us-east-1", "20240102T1000Z", "first")
	if got := run(Options{Start: at("20240102T0900Z")}); strings.Join(got, " ") != first {
		t.Fatalf("fresh state from 09:00: read %v, want only %s", got, first)
	}
	if mark, _ := cps.Checkpoint("s3://trail/AWSLogs/#start"); mark != "2024-01-02T09:00:00Z" {
		t.Errorf("start mark %q", mark)
	}

	// Down for a day; restarted with a start after all of it.
	down := put("us-east-1", "20240102T1100Z", "down")
	idle := put("eu-west-1", "20240102T1200Z", "idle-woke")
	got := run(Options{Start: at("20240103T1000Z")})
	if strings.Join(sorted(got), " ") != strings.Join(sorted([]string{down, idle}), " ") {
		t.Errorf("restart: read %v, want %s (resumed) and %s (idle region, from the first start)", got, down, idle)
	}

	// An explicit Since still wins over the first start.
	put("ap-south-1", "20240102T1300Z", "before-since")
	since := put("ap-south-1", "20240104T1000Z", "after-since")
	if got := run(Options{Since: at("20240104T0000Z")}); strings.Join(got, " ") != since {
		t.Errorf("with Since: read %v, want %s", got, since)
	}
}

// A state kept before the start mark existed started at the bucket's
// beginning: its new accounts and regions still do.
func TestS3StartOldState(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	k1 := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	k2 := ctKey(rootA, acctA, "eu-west-1", "20200101T0000Z", "new-region")
	f.put(t, "trail", k1, gz(t, record("a")))
	f.put(t, "trail", k2, gz(t, record("b")))
	cps := NewMemoryCheckpoints()
	cps.SetCheckpoint("s3://trail/"+rootA+"CloudTrail/us-east-1/", k1)
	cps.MarkDone("s3://trail/AWSLogs/", "s3://trail/"+k1)
	src, _ := Open("s3://trail/AWSLogs/", Options{Checkpoints: cps, EndpointURL: f.url, Once: true, Start: time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)})
	c := newCollector(cps)
	if err := src.Run(context.Background(), c.fn); err != nil {
		t.Fatal(err)
	}
	if got := c.got(); len(got) != 1 || got[0] != "s3://trail/"+k2 {
		t.Errorf("read %v, want %s", got, k2)
	}
	if mark, _ := cps.Checkpoint("s3://trail/AWSLogs/#start"); mark != startMarkAll {
		t.Errorf("start mark %q, want %q", mark, startMarkAll)
	}
}
