package source

import "testing"

// IsTrailKey takes CloudTrail's layout, organisation trails and prefixes
// included, and nothing else.
func TestIsTrailKey(t *testing.T) {
	good := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "abc")
	dir := "AWSLogs/" + acctA + "/CloudTrail/us-east-1/2024/01/02/"
	name := acctA + "_CloudTrail_us-east-1_20240102T1000Z_"
	for _, c := range []struct {
		key  string
		want bool
	}{
		{good, true},
		{"my/prefix/" + ctKey(rootOrg, acctB, "eu-west-1", "20240102T1000Z", "xyz"), true},
		{"p/" + ctKey(rootA, acctA, "us-gov-west-1", "20240102T1000Z", "A1-b2"), true},
		{good[:40], false},
		{dir + acctB + "_CloudTrail_us-east-1_20240102T1000Z_a.json.gz", false},           // another account's name
		{dir + acctA + "_CloudTrail_eu-west-1_20240102T1000Z_a.json.gz", false},           // another region's name
		{"AWSLogs/" + acctA + "/CloudTrail-Digest/us-east-1/2024/01/02/x.json.gz", false}, // digest folder
		{"AWSLogs/" + acctA + "/Config/us-east-1/2024/01/02/" + name + "a.json.gz", false},
		{"AWSLogs/o-bad/" + acctA + "/CloudTrail/us-east-1/2024/01/02/" + name + "a.json.gz", false},
		{"AWSLogs/" + acctA + "/CloudTrail/not-a-region/2024/01/02/" + name + "a.json.gz", false},
		{"AWSLogs/" + acctA + "/CloudTrail/us-east-1/2024/1/02/" + name + "a.json.gz", false},    // date folder
		{"AWSLogs/" + acctA + "/CloudTrail/us-east-1/x/2024/01/02/" + name + "a.json.gz", false}, // a folder too many
		{"AWSLogs//" + acctA + "/CloudTrail/us-east-1/2024/01/02/" + name + "a.json.gz", false},  // empty segment
		{dir + name + "a.json", false},                                           // not gzip
		{dir + name + ".json.gz", false},                                         // no unique part
		{dir + name + "a b.json.gz", false},                                      // odd unique part
		{dir + acctA + "_CloudTrail_us-east-1_20241302T1000Z_a.json.gz", false},  // month 13
		{dir + acctA + "_CloudTrail_us-east-1_20240102T1000Zx_a.json.gz", false}, // time too long
		{"AWSLogs/" + acctA + "/AWSLogs/" + acctA + "/CloudTrail/us-east-1/2024/01/02/" + name + "a.json.gz", false},
		{"exports/events.json", false},
		{"../../etc/passwd", false},
		{"", false},
	} {
		if got := IsTrailKey(c.key); got != c.want {
			t.Errorf("IsTrailKey(%q) = %v, want %v", c.key, got, c.want)
		}
	}
}

// ParseBucket reads NAME[/PREFIX], a prefix as a folder, and refuses what
// is no bucket name; allowed then matches by bucket and folder.
func TestParseBucketAndAllowed(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    Bucket
		wantErr bool
	}{
		{"trail", Bucket{Name: "trail"}, false},
		{"trail/", Bucket{Name: "trail"}, false},
		{"s3://trail/AWSLogs", Bucket{Name: "trail", Prefix: "AWSLogs/"}, false},
		{"S3://trail/AWSLogs/", Bucket{Name: "trail", Prefix: "AWSLogs/"}, false},
		{"Legacy_Bucket", Bucket{Name: "Legacy_Bucket"}, false},
		{"", Bucket{}, true},
		{"s3://", Bucket{}, true},
		{"/AWSLogs", Bucket{}, true},
		{"a", Bucket{}, true},
		{"-trail", Bucket{}, true},
		{"tr ail", Bucket{}, true},
		{"s3:/trail", Bucket{}, true},
	} {
		got, err := ParseBucket(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseBucket(%q) = %+v, %v; want %+v, error %v", c.in, got, err, c.want, c.wantErr)
		}
	}

	prefixed, _ := ParseBucket("trail/AWSLogs")
	for _, c := range []struct {
		name        string
		buckets     []Bucket
		bucket, key string
		want        bool
	}{
		{"no list: any", nil, "other", "k", true},
		{"bucket", []Bucket{{Name: "trail"}}, "trail", "k", true},
		{"other bucket", []Bucket{{Name: "trail"}}, "trail2", "k", false},
		{"bucket names are exact", []Bucket{{Name: "trail"}}, "Trail", "k", false},
		{"in the folder", []Bucket{prefixed}, "trail", "AWSLogs/x", true},
		{"beside the folder", []Bucket{prefixed}, "trail", "AWSLogsOther/x", false},
		{"the folder in another bucket", []Bucket{prefixed}, "other", "AWSLogs/x", false},
		{"second entry", []Bucket{prefixed, {Name: "other"}}, "other", "x", true},
	} {
		if got := (Options{Buckets: c.buckets}).allowed(c.bucket, c.key); got != c.want {
			t.Errorf("%s: allowed(%q, %q) = %v, want %v", c.name, c.bucket, c.key, got, c.want)
		}
	}
}
