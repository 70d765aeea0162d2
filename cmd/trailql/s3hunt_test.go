package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Fake is gofakes3 on a loopback server that records which objects were
// fetched and can refuse requests as a bucket policy would.
type s3Fake struct {
	be   *s3mem.Backend
	url  string
	mu   sync.Mutex
	gets []string // keys of the objects fetched (GET /bucket/key)
	deny func(*http.Request) bool
}

func newS3Fake(t *testing.T, buckets ...string) *s3Fake {
	t.Helper()
	f := &s3Fake{be: s3mem.New()}
	h := gofakes3.New(f.be).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if r.Method == http.MethodGet && !r.URL.Query().Has("list-type") {
			f.gets = append(f.gets, strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[1])
		}
		deny := f.deny
		f.mu.Unlock()
		if deny != nil && deny(r) {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	for _, b := range buckets {
		if err := f.be.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *s3Fake) put(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	if _, err := f.be.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
}

// fetched returns the keys fetched so far and forgets them.
func (f *s3Fake) fetched() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.gets
	f.gets = nil
	sort.Strings(out)
	return out
}

func (f *s3Fake) denyIf(fn func(*http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deny = fn
}

// burstFile is a gzip delivery file, delivered 5 minutes after at, holding
// six aws-cli discovery calls by user within a few seconds from at: one
// seed-rule alert. root is "AWSLogs/[o-org/]".
func burstFile(at time.Time, root, account, region, user string) (key string, data []byte) {
	var recs []string
	for i, a := range []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "ListRoles", "DescribeRegions"} {
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::%s:user/%s","accountId":%q,"accessKeyId":"AKIAX","userName":%q},"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":%q,"sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"%s-%d","eventType":"AwsApiCall","recipientAccountId":%q}`,
			account, user, account, user, at.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339), a, region, user, i, account))
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`{"Records":[` + strings.Join(recs, ",") + `]}`))
	zw.Close()
	d := at.Add(5 * time.Minute).UTC()
	key = fmt.Sprintf("%s%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz", root, account, region, d.Format("2006/01/02"), account, region, d.Format("20060102T1504Z"), user)
	return key, b.Bytes()
}

// alertUsers are the user names of NDJSON alerts, sorted, as one string.
func alertUsers(t *testing.T, ndjson string) string {
	var users []string
	for _, a := range ndjsonAlerts(t, ndjson) {
		arn, _ := a["aws.cloudtrail.user_identity.arn"].(string)
		users = append(users, arn[strings.LastIndex(arn, "/")+1:])
	}
	sort.Strings(users)
	return strings.Join(users, " ")
}

// detect over an organisation trail's bucket equals detect over the same
// tree on disk, bounded or not; a bounded hunt fetches no object outside
// --since/--until (the fake's request log), though they would alert; a bad
// object is reported by its s3:// name and the rest is read.
func TestS3HuntOrgTrail(t *testing.T) {
	awsTestEnv(t)
	f := newS3Fake(t, "trail")
	dir := t.TempDir()
	const root = "AWSLogs/o-aa11bb22cc/"
	put := func(key string, data []byte) {
		f.put(t, "trail", key, data)
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The examples' two accounts, as members of an organisation trail.
	err := filepath.Walk("../../examples/AWSLogs", func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel("../../examples/AWSLogs", p)
		put(root+filepath.ToSlash(rel), data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const acct = "381848216645"
	oldKey, data := burstFile(time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC), root, acct, "us-east-1", "old")
	put(oldKey, data)
	lateKey, data := burstFile(time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC), root, acct, "eu-west-1", "late")
	put(lateKey, data)
	var bad bytes.Buffer
	zw := gzip.NewWriter(&bad)
	zw.Write([]byte(`{"Records":[{"eventVersion":`))
	zw.Close()
	badKey := root + acct + "/CloudTrail/us-east-1/2026/11/02/" + acct + "_CloudTrail_us-east-1_20261102T0815Z_bad.json.gz"
	put(badKey, bad.Bytes())

	for _, bounds := range [][]string{nil, {"--since", "2026-11-02", "--until", "2026-11-03"}} {
		args := append([]string{"detect", "--format", "ndjson", "--endpoint-url", f.url}, bounds...)
		local := trailql(t, "", append(args, filepath.Join(dir, "AWSLogs"))...)
		f.fetched()
		remote := trailql(t, "", append(args, "s3://trail/AWSLogs/")...)
		fetched := f.fetched()
		if remote.code != exitSkipped || local.code != exitSkipped {
			t.Fatalf("%v: exit %d over s3:// (%s), %d on disk: want %d, the bad object skipped", bounds, remote.code, remote.stderr, local.code, exitSkipped)
		}
		if !strings.Contains(remote.stderr, "trailql: skipped s3://trail/"+badKey+": ") {
			t.Errorf("%v: the bad object is not reported by its s3:// name: %s", bounds, remote.stderr)
		}
		if ids(t, remote.stdout) != ids(t, local.stdout) {
			t.Errorf("%v: s3:// alerts %s, the directory's %s", bounds, ids(t, remote.stdout), ids(t, local.stdout))
		}
		users := alertUsers(t, remote.stdout)
		// The examples' alerts are for a role session and two users.
		const day = "i-08fc6a40ce96dd509 user011 user018"
		if bounds == nil {
			if users != "i-08fc6a40ce96dd509 late old user011 user018" {
				t.Errorf("alerts for %q: want the day's and the old and late bursts'", users)
			}
			if len(fetched) != 27 {
				t.Errorf("%d objects fetched, want all 27", len(fetched))
			}
			continue
		}
		if users != day {
			t.Errorf("bounded: alerts for %q: want the day's (%s), not the old or late burst's", users, day)
		}
		if len(fetched) != 25 {
			t.Errorf("bounded: %d objects fetched, want the day's 25", len(fetched))
		}
		for _, k := range fetched {
			if k == oldKey || k == lateKey {
				t.Errorf("bounded: %s fetched", k)
			}
		}
	}
}

// A missing bucket and a bucket the credentials may not list are errors
// saying so (exit 1); an object that may not be fetched is reported by its
// s3:// name and the rest is read (exit 3).
func TestS3HuntErrors(t *testing.T) {
	awsTestEnv(t)
	f := newS3Fake(t, "trail")
	k1, d1 := burstFile(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC), "AWSLogs/", "111122223333", "us-east-1", "alice")
	k2, d2 := burstFile(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), "AWSLogs/", "111122223333", "us-east-1", "bob")
	f.put(t, "trail", k1, d1)
	f.put(t, "trail", k2, d2)

	r := trailql(t, "", "detect", "--endpoint-url", f.url, "s3://no-such-bucket/AWSLogs/")
	if r.code != exitError || !strings.Contains(r.stderr, "s3://no-such-bucket/AWSLogs/: no such bucket") {
		t.Errorf("a missing bucket: exit %d, %s", r.code, r.stderr)
	}
	f.denyIf(func(r *http.Request) bool { return r.URL.Query().Has("list-type") })
	r = trailql(t, "", "query", "--endpoint-url", f.url, "FROM logs-aws.cloudtrail-* | STATS n = COUNT(*)", "s3://trail/AWSLogs/")
	if r.code != exitError || !strings.Contains(r.stderr, "s3://trail/AWSLogs/: access denied: the AWS credentials need s3:ListBucket") {
		t.Errorf("listing denied: exit %d, %s", r.code, r.stderr)
	}
	f.denyIf(func(r *http.Request) bool { return r.URL.Path == "/trail/"+k1 })
	r = trailql(t, "", "detect", "--format", "ndjson", "--endpoint-url", f.url, "s3://trail/AWSLogs/")
	if r.code != exitSkipped || !strings.Contains(r.stderr, "trailql: skipped s3://trail/"+k1+": access denied: the AWS credentials need s3:GetObject") || alertUsers(t, r.stdout) != "bob" {
		t.Errorf("an object denied: exit %d, alerts for %q, %s", r.code, alertUsers(t, r.stdout), r.stderr)
	}
}

// watch s3:// on a fresh state starts at --since; with saved progress it
// resumes where each account and region stopped, and an account or region
// without progress of its own begins at the first start, though the
// default start of a later run is after all of it.
func TestWatchS3StartAndResume(t *testing.T) {
	awsTestEnv(t)
	f := newS3Fake(t, "trail")
	put := func(at time.Time, region, user string) {
		k, d := burstFile(at, "AWSLogs/", "111122223333", region, user)
		f.put(t, "trail", k, d)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 8, 0, 0, 0, time.UTC) }
	watch := func(state string, args ...string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "alerts.ndjson")
		all := append([]string{"watch", "--once", "--state", state, "--sink", "file:" + out, "--endpoint-url", f.url}, args...)
		r := trailql(t, "", append(all, "s3://trail/AWSLogs/")...)
		if r.code != 0 {
			t.Fatalf("watch %v: exit %d: %s", args, r.code, r.stderr)
		}
		data, _ := os.ReadFile(out)
		return alertUsers(t, string(data))
	}
	put(day(2021, 1, 1), "us-east-1", "before")
	put(day(2021, 6, 1), "us-east-1", "first")
	state := filepath.Join(t.TempDir(), "state.db")
	if got := watch(state, "--since", "2021-03-01"); got != "first" {
		t.Errorf("fresh state from --since 2021-03-01: alerts for %q, want first", got)
	}
	put(day(2022, 1, 1), "us-east-1", "resumed")
	put(day(2022, 1, 1), "eu-west-1", "newregion")
	if got := watch(state); got != "newregion resumed" {
		t.Errorf("restart without --since: alerts for %q, want newregion resumed", got)
	}
	if got := watch(filepath.Join(t.TempDir(), "fresh.db")); got != "" {
		t.Errorf("fresh state without --since: alerts for %q, want none (all older than the rules' lookback)", got)
	}
}
