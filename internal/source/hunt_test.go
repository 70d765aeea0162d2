package source

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

// A hunt reads s3:// paths through cloudtrail.Reader as it reads files:
// in delivery-time order across accounts and regions, organisation trails
// included, digests and other keys left out, objects outside --since and
// --until not opened (keys before --since not even listed), a missing
// bucket a clear error.
func TestS3RemoteHunt(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	keys := map[string]string{
		ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a"):                                                                           "a1",
		ctKey(rootA, acctA, "us-east-1", "20240102T1100Z", "a"):                                                                           "a2",
		ctKey(rootA, acctA, "eu-west-1", "20240102T1030Z", "a"):                                                                           "e1",
		ctKey(rootOrg, acctB, "us-west-2", "20240102T1015Z", "a"):                                                                         "o1",
		ctKey(rootA, acctA, "us-east-1", "20240101T0900Z", "a"):                                                                           "old",
		ctKey(rootA, acctA, "us-east-1", "20240105T0900Z", "a"):                                                                           "late",
		"AWSLogs/" + acctA + "/CloudTrail-Digest/us-east-1/2024/01/02/" + acctA + "_CloudTrail-Digest_us-east-1_x_20240102T1000Z.json.gz": "digest",
	}
	for k, id := range keys {
		f.put(t, "trail", k, gz(t, record(id)))
	}
	f.put(t, "trail", ctKey(rootA, acctA, "us-east-1", "20240102T1045Z", "bad"), []byte("{not json"))
	read := func(r *cloudtrail.Reader, paths ...string) ([]string, []string, cloudtrail.Stats, error) {
		var ids, problems []string
		r.Remote = S3Remote{Options: Options{EndpointURL: f.url}}
		r.OnProblem = func(p cloudtrail.Problem) { problems = append(problems, p.File) }
		st, err := r.ReadParallel(context.Background(), paths, 2, func(_ int, rec cloudtrail.Record) error {
			i := strings.Index(string(rec.Raw), `"eventID":"`)
			ids = append(ids, strings.SplitN(string(rec.Raw[i+11:]), `"`, 2)[0])
			return nil
		})
		return ids, problems, st, err
	}
	since := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 1, 2, 23, 0, 0, 0, time.UTC)
	ids, problems, st, err := read(&cloudtrail.Reader{Since: since, Until: until}, "s3://trail/AWSLogs/")
	if err != nil {
		t.Fatal(err)
	}
	// Two workers read at once: compare as a set, and check the order
	// the objects were handed in through the problems' files instead.
	got := strings.Join(sorted(ids), " ")
	if got != "a1 a2 e1 o1" {
		t.Errorf("records %q, want a1 a2 e1 o1 (old before --since, late after --until, digest skipped)", got)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "s3://trail/AWSLogs/"+acctA) || !strings.Contains(problems[0], "_bad.json.gz") {
		t.Errorf("problems %q: want the bad object named by its s3:// key", problems)
	}
	if st.Files != 5 {
		t.Errorf("%d objects read, want 5", st.Files)
	}

	if _, _, _, err := read(&cloudtrail.Reader{}, "s3://no-such-bucket/AWSLogs/"); err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket") {
		t.Errorf("missing bucket: %v", err)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// A bounded hunt costs what it reads: each account and region is listed
// from --since on (S3 skips the keys before the start key, nothing before
// it is even listed), its listing ends at the first key past --until plus a
// day of late delivery (no second page of a region's later years), and only
// the objects in range are fetched.
func TestS3RemoteHuntRequests(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	usEast := rootA + "CloudTrail/us-east-1/"
	inRange := []string{
		ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a"),
		ctKey(rootA, acctA, "us-east-1", "20240102T2300Z", "a"),
		ctKey(rootOrg, acctB, "us-west-2", "20240102T1015Z", "a"),
	}
	for _, k := range inRange {
		f.put(t, "trail", k, gz(t, record(k)))
	}
	old := ctKey(rootA, acctA, "us-east-1", "20240101T0900Z", "a")
	f.put(t, "trail", old, gz(t, record("old")))
	// More keys after --until than one listing page holds (1000).
	base := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1100; i++ {
		f.put(t, "trail", ctKey(rootA, acctA, "us-east-1", base.Add(time.Duration(i)*5*time.Minute).Format("20060102T1504Z"), "late"), gz(t, record("late")))
	}
	since := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 1, 2, 23, 59, 0, 0, time.UTC)
	hunt := func(r *cloudtrail.Reader) (cloudtrail.Stats, []string) {
		t.Helper()
		f.requestLog()
		r.Remote = S3Remote{Options: Options{EndpointURL: f.url}}
		st, err := r.Read(context.Background(), []string{"s3://trail/AWSLogs/"}, func(cloudtrail.Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return st, f.requestLog()
	}
	leafLists := func(log []string) (lists []string) {
		for _, l := range log {
			if strings.HasPrefix(l, "LIST ") && strings.Contains(l, "prefix="+url.QueryEscape(usEast)) && !strings.Contains(l, "delimiter") {
				lists = append(lists, l)
			}
		}
		return lists
	}

	st, log := hunt(&cloudtrail.Reader{Since: since, Until: until})
	var gets []string
	for _, l := range log {
		if strings.HasPrefix(l, "GET ") {
			gets = append(gets, strings.TrimPrefix(l, "GET /trail/"))
		}
	}
	if want := sorted(inRange); strings.Join(sorted(gets), " ") != strings.Join(want, " ") {
		t.Errorf("fetched %q, want only the objects in range %q", gets, want)
	}
	lists := leafLists(log)
	if len(lists) != 1 {
		t.Errorf("us-east-1 listed %d times (%q), want once: its listing should end at the first key past --until", len(lists), lists)
	} else if start := "start-after=" + url.QueryEscape(usEast+"2024/01/02/"+acctA+"_CloudTrail_us-east-1_20240102T0000Z"); !strings.Contains(lists[0], start) {
		t.Errorf("us-east-1 listed with %q, want it to start after the key of --since (%s)", lists[0], start)
	}
	if st.Files != len(inRange) {
		t.Errorf("%d objects read, want %d", st.Files, len(inRange))
	}

	// Without --until the region's listing pages on to its last key (the
	// fake does page at 1000 keys), and --since alone still fetches
	// nothing before it.
	_, log = hunt(&cloudtrail.Reader{Since: since})
	if n := len(leafLists(log)); n < 2 {
		t.Errorf("without --until us-east-1 listed %d times, want its 2 pages", n)
	}
	for _, l := range log {
		if l == "GET /trail/"+old {
			t.Errorf("fetched %s, delivered before --since", old)
		}
	}
}

// In a hunt, what a watch logs and retries is reported through the Reader
// with the object or prefix it concerns: a key outside the layout is
// declined (counted, nothing lost); an object that cannot be fetched and a
// region whose listing fails are skipped input (the exit status says so)
// and reading goes on; a bucket that cannot be listed at all, or does not
// exist, ends the Read with an error saying which and why; a prefix with no
// logs below it is skipped input, as a missing directory is.
func TestS3RemoteHuntReports(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	usEast := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	denied := ctKey(rootA, acctA, "us-east-1", "20240102T1005Z", "denied")
	euWest := ctKey(rootA, acctA, "eu-west-1", "20240102T1000Z", "a")
	org := ctKey(rootOrg, acctB, "us-west-2", "20240102T1000Z", "a")
	for _, k := range []string{usEast, denied, euWest, org} {
		f.put(t, "trail", k, gz(t, record(k)))
	}
	other := rootA + "CloudTrail/us-east-1/2024/01/02/notes.json"
	f.put(t, "trail", other, []byte("{}"))
	euPrefix := rootA + "CloudTrail/eu-west-1/"
	f.denyIf(func(r *http.Request) bool {
		q := r.URL.Query()
		return r.URL.Path == "/trail/"+denied || q.Has("list-type") && q.Get("prefix") == euPrefix && !q.Has("delimiter")
	})
	read := func(path string) (map[string]int, []cloudtrail.Problem, cloudtrail.Stats, error) {
		t.Helper()
		files := map[string]int{}
		var problems []cloudtrail.Problem
		r := &cloudtrail.Reader{Remote: S3Remote{Options: Options{EndpointURL: f.url}}, OnProblem: func(p cloudtrail.Problem) { problems = append(problems, p) }}
		st, err := r.Read(context.Background(), []string{path}, func(rec cloudtrail.Record) error {
			files[rec.File]++
			return nil
		})
		return files, problems, st, err
	}
	files, problems, st, err := read("s3://trail/AWSLogs/")
	if err != nil {
		t.Fatal(err)
	}
	if files["s3://trail/"+usEast] != 1 || files["s3://trail/"+org] != 1 || len(files) != 2 {
		t.Errorf("records from %v, want one each from us-east-1's and the organisation trail's readable object", files)
	}
	want := map[string]string{
		"s3://trail/" + other:    "not in CloudTrail's log layout",
		"s3://trail/" + denied:   "access denied: the AWS credentials need s3:GetObject",
		"s3://trail/" + euPrefix: "listing failed",
	}
	for _, p := range problems {
		w, ok := want[p.File]
		if !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("problem %q, want one of %v", p.Error(), want)
		}
		if p.Skipped == (p.File == "s3://trail/"+other) {
			t.Errorf("%s: Skipped %v: only what was declined loses nothing", p.File, p.Skipped)
		}
		delete(want, p.File)
	}
	if len(want) > 0 {
		t.Errorf("no problem reported for %v", want)
	}
	if st.DeclinedFiles != 1 || st.SkippedFiles != 2 || st.Files != 2 {
		t.Errorf("stats %+v: want 1 declined, 2 skipped (an object, a region), 2 read", st)
	}

	f.denyIf(nil)
	if _, _, _, err := read("s3://no-such-bucket/AWSLogs/"); err == nil || !strings.HasPrefix(err.Error(), "s3://no-such-bucket/AWSLogs/: no such bucket") {
		t.Errorf("a missing bucket: %v", err)
	}
	f.denyIf(func(r *http.Request) bool { return r.URL.Query().Has("list-type") })
	if _, _, _, err := read("s3://trail/AWSLogs/"); err == nil || !strings.HasPrefix(err.Error(), "s3://trail/AWSLogs/: access denied: the AWS credentials need s3:ListBucket") {
		t.Errorf("a bucket that may not be listed: %v", err)
	}

	// No region, and no endpoint to imply one: said once, before any request.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	r := &cloudtrail.Reader{Remote: S3Remote{}}
	if _, err := r.Read(context.Background(), []string{"s3://trail/AWSLogs/"}, func(cloudtrail.Record) error { return nil }); err == nil || err.Error() != "s3://trail/AWSLogs/: no AWS region: set --region, AWS_REGION or a profile region" {
		t.Errorf("no region: %v", err)
	}

	f.denyIf(nil)
	_, problems, st, err = read("s3://trail/AWSLogs/nothing-here/")
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Reason, "no CloudTrail logs below it") || st.SkippedFiles != 1 {
		t.Errorf("an empty prefix: %v, %v, %+v: want it reported as skipped input", err, problems, st)
	}
}

// --until ends only listings whose keys are in delivery-time order (one
// account and region). A bucket listed as one, because its logs are not
// where the layout expects them (s3://bucket/ for a trail with its own
// prefix), lists in key order: one region's late key comes before the next
// region's key in range, which must still be read.
func TestS3RemoteHuntUntilOutsideLayout(t *testing.T) {
	awsTestEnv(t)
	f := newFakeS3(t, "trail")
	late := "custom/" + ctKey(rootA, acctA, "ap-south-1", "20240110T1000Z", "a")
	inRange := "custom/" + ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	for _, k := range []string{late, inRange} {
		f.put(t, "trail", k, gz(t, record(k)))
	}
	var files []string
	r := &cloudtrail.Reader{Until: time.Date(2024, 1, 2, 23, 0, 0, 0, time.UTC), Remote: S3Remote{Options: Options{EndpointURL: f.url}}}
	st, err := r.Read(context.Background(), []string{"s3://trail/"}, func(rec cloudtrail.Record) error {
		files = append(files, rec.File)
		return nil
	})
	if err != nil || len(files) != 1 || files[0] != "s3://trail/"+inRange || st.PrunedFiles != 1 {
		t.Errorf("read %v (%+v, %v), want only %s, the late key pruned by name", files, st, err, inRange)
	}
}
