package source

import (
	"context"
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

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
