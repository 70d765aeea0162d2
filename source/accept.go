package source

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources accept only what they were told to read. A notification names a
// bucket and a key: anyone who can send to the queue could point trailql at
// other objects its role can read and feed it forged events, so the SQS
// source fetches only from the buckets (and prefixes) it was given
// (Options.Buckets), and every source that reads a bucket takes only keys in
// CloudTrail's log layout unless told otherwise (Options.AnyKey).

// Bucket is a bucket the SQS source may fetch from, optionally only below a
// key prefix.
type Bucket struct {
	Name, Prefix string
}

func (b Bucket) String() string {
	if b.Prefix == "" {
		return b.Name
	}
	return b.Name + "/" + b.Prefix
}

// bucketNameRE is S3's rule for bucket names (3 to 63 of lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or
// digit).
var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseBucket reads NAME[/PREFIX] (an s3:// in front is allowed).
func ParseBucket(s string) (Bucket, error) {
	name, prefix, _ := strings.Cut(strings.TrimPrefix(s, "s3://"), "/")
	if !bucketNameRE.MatchString(name) {
		return Bucket{}, fmt.Errorf("%q: not a bucket name", s)
	}
	return Bucket{Name: name, Prefix: prefix}, nil
}

// allowed reports whether an object of bucket and key is one the source
// was told to read: any when Buckets is empty.
func (o Options) allowed(bucket, key string) bool {
	if len(o.Buckets) == 0 {
		return true
	}
	for _, b := range o.Buckets {
		if b.Name == bucket && strings.HasPrefix(key, b.Prefix) {
			return true
		}
	}
	return false
}

// trailKeyRE is CloudTrail's log file layout:
// [prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
var trailKeyRE = regexp.MustCompile(`^(?:.*/)?AWSLogs/(?:o-[a-z0-9]{10,32}/)?([0-9]{12})/CloudTrail/([a-z]{2}(?:-[a-z]+)+-[0-9]+)/[0-9]{4}/[0-9]{2}/[0-9]{2}/([0-9]{12})_CloudTrail_([a-z0-9-]+)_[0-9]{8}T[0-9]{4}Z_[A-Za-z0-9-]+\.json\.gz$`)

// IsTrailKey reports whether an S3 key is a CloudTrail log file in its
// delivery layout (the account and region of the file name those of its
// folders).
func IsTrailKey(key string) bool {
	m := trailKeyRE.FindStringSubmatch(key)
	return m != nil && m[1] == m[3] && m[2] == m[4]
}

// wantKey reports whether a bucket source takes key, and reports a key it
// does not (Options.OnSkip).
func (o Options) wantKey(name, key string) bool {
	if o.AnyKey || IsTrailKey(key) {
		return true
	}
	o.Logger.Warn("watch: object skipped: its key is not in CloudTrail's log layout (give --any-key to read such keys)", "object", name)
	o.skipped(name, SkipNotTrailKey)
	return false
}

// Why an object was skipped (Options.OnSkip).
const (
	SkipForeignBucket = "foreign-bucket" // a notification named a bucket or prefix not allowed
	SkipNotTrailKey   = "not-trail-key"  // a key outside CloudTrail's log layout
)

func (o Options) skipped(name, reason string) {
	if o.OnSkip != nil {
		o.OnSkip(name, reason)
	}
}
