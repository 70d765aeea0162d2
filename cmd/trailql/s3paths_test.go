package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// detect, query and investigate read s3://bucket/prefix as they read the
// same tree on disk: a local S3 (gofakes3) holding examples/AWSLogs gives
// the same alerts as the directory.
func TestS3Paths(t *testing.T) {
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	if err := be.CreateBucket("trail"); err != nil {
		t.Fatal(err)
	}
	root := "../../examples"
	err := filepath.Walk(filepath.Join(root, "AWSLogs"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		key, _ := filepath.Rel(root, p)
		_, err = be.PutObject("trail", filepath.ToSlash(key), map[string]string{}, strings.NewReader(string(data)), int64(len(data)), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	awsTestEnv(t)

	local := trailql(t, "", "detect", "--format", "ndjson", filepath.Join(root, "AWSLogs"))
	remote := trailql(t, "", "detect", "--format", "ndjson", "--endpoint-url", srv.URL, "s3://trail/AWSLogs/")
	if remote.code != 0 {
		t.Fatalf("exit %d: %s", remote.code, remote.stderr)
	}
	if ids(t, remote.stdout) != ids(t, local.stdout) || ids(t, local.stdout) == "" {
		t.Errorf("s3:// alerts %s, the directory's %s", ids(t, remote.stdout), ids(t, local.stdout))
	}
	// A bounded hunt prunes objects by the time in their keys.
	r := trailql(t, "", "detect", "--format", "ndjson", "--endpoint-url", srv.URL, "--since", "2030-01-01", "s3://trail/AWSLogs/")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" || !strings.Contains(r.stderr, "0 files") {
		t.Errorf("--since after every key: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	q := trailql(t, "", "query", "--format", "csv", "--endpoint-url", srv.URL, "FROM logs-aws.cloudtrail-* | STATS n = COUNT(*)", "s3://trail/AWSLogs/")
	ql := trailql(t, "", "query", "--format", "csv", "FROM logs-aws.cloudtrail-* | STATS n = COUNT(*)", filepath.Join(root, "AWSLogs"))
	if q.code != 0 || q.stdout != ql.stdout {
		t.Errorf("query over s3://: %q (exit %d, %s), over the directory %q", q.stdout, q.code, q.stderr, ql.stdout)
	}
	bad := trailql(t, "", "detect", "--endpoint-url", srv.URL, "s3://no-such-bucket/AWSLogs/")
	if bad.code == 0 || !strings.Contains(bad.stderr, "s3://no-such-bucket") {
		t.Errorf("a missing bucket: exit %d, %s", bad.code, bad.stderr)
	}
}

// ids are the alert ids of NDJSON alerts, sorted, as one string.
func ids(t *testing.T, stdout string) string {
	var out []string
	for _, a := range ndjsonAlerts(t, stdout) {
		out = append(out, a["kibana.alert.uuid"].(string))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// watch s3:// on a fresh state starts at the largest rule lookback, not at
// the bucket's beginning: an object delivered long ago is not read, a
// recent one is; --since all reads both.
func TestWatchS3DefaultSince(t *testing.T) {
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	if err := be.CreateBucket("trail"); err != nil {
		t.Fatal(err)
	}
	put := func(at time.Time, user string) {
		var recs []string
		for i, a := range []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "ListRoles", "DescribeRegions"} {
			recs = append(recs, fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/%s","accountId":"111122223333","accessKeyId":"AKIAX","userName":"%s"},"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"%s-%d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
				user, user, at.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339), a, user, i))
		}
		var gzb bytes.Buffer
		zw := gzip.NewWriter(&gzb)
		zw.Write([]byte(`{"Records":[` + strings.Join(recs, ",") + `]}`))
		zw.Close()
		body := gzb.String()
		stamp := at.Add(5 * time.Minute).UTC()
		key := fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/%s/111122223333_CloudTrail_us-east-1_%s_x.json.gz", stamp.Format("2006/01/02"), stamp.Format("20060102T1504Z"))
		if _, err := be.PutObject("trail", key, map[string]string{}, strings.NewReader(body), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Truncate(10 * time.Second)
	put(now.Add(-2*365*24*time.Hour), "old")
	put(now.Add(-10*time.Minute), "recent")
	awsTestEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "recent"},
		{[]string{"--since", "all"}, "old recent"},
	} {
		out := filepath.Join(t.TempDir(), "alerts.ndjson")
		args := append([]string{"watch", "--once", "--state", filepath.Join(t.TempDir(), "s.db"), "--sink", "file:" + out, "--endpoint-url", srv.URL}, tc.args...)
		r := trailql(t, "", append(args, "s3://trail/AWSLogs/")...)
		if r.code != 0 {
			t.Fatalf("watch %v: exit %d: %s", tc.args, r.code, r.stderr)
		}
		data, _ := os.ReadFile(out)
		var users []string
		for _, a := range ndjsonAlerts(t, string(data)) {
			arn := a["aws.cloudtrail.user_identity.arn"].(string)
			users = append(users, arn[strings.LastIndex(arn, "/")+1:])
		}
		sort.Strings(users)
		if strings.Join(users, " ") != tc.want {
			t.Errorf("watch %v: alerts for %v, want %s", tc.args, users, tc.want)
		}
	}
}

// awsTestEnv points the trailql processes a test starts at static test
// credentials, away from the machine's AWS files and instance metadata.
func awsTestEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
