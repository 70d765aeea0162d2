package source

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
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

// bucketNameRE is S3's rule for bucket names, widened to the legacy names
// older us-east-1 buckets may still have (upper case, underscores, up to 255
// characters): refusing one would stop `watch s3://Legacy_Bucket` at
// start-up, and the name is only ever compared, never built into a path.
// It is `^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$`, checked by hand: compiled, that
// regexp (its counted repetition unrolled) cost every start-up 3 ms.
func validBucketName(name string) bool {
	if len(name) < 2 || len(name) > 255 || !isAlnum(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// ParseBucket reads NAME[/PREFIX] (an s3:// in front is allowed). A prefix
// is a folder, as in an s3:// source: "trail/AWSLogs" allows
// "AWSLogs/..." and not "AWSLogsOther/...".
func ParseBucket(s string) (Bucket, error) {
	rest := s
	if len(rest) >= len("s3://") && strings.EqualFold(rest[:len("s3://")], "s3://") {
		rest = rest[len("s3://"):]
	}
	name, prefix, _ := strings.Cut(rest, "/")
	if !validBucketName(name) {
		return Bucket{}, fmt.Errorf("%q: not a bucket name", s)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
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

// IsTrailKey reports whether an S3 key is a CloudTrail log file in its
// delivery layout:
//
//	[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//
// The folders are placed by levelOf, as the S3 source walks them, and the
// time is read by keyTime, as every source orders files, so that what is
// listed, ordered and accepted cannot disagree; the file name's account and
// region must be its folders'.
func IsTrailKey(key string) bool {
	segs := strings.Split(key, "/")
	n := len(segs)
	// AWSLogs, account, CloudTrail, region, YYYY, MM, DD, file at least;
	// levelOf skips empty segments, which CloudTrail never writes.
	if n < 8 || slices.Contains(segs, "") {
		return false
	}
	region, file := segs[n-5], segs[n-1]
	lv, l := levelOf(strings.Join(segs[:n-5], "/") + "/")
	if lv != lvCloudTrail || !regionRE().MatchString(region) ||
		!isDigits(segs[n-4], 4) || !isDigits(segs[n-3], 2) || !isDigits(segs[n-2], 2) {
		return false
	}
	rest, ok := strings.CutPrefix(file, l.account+"_CloudTrail_"+region+"_")
	if !ok {
		return false
	}
	if _, timed := keyTime(file); !timed || len(rest) < len("YYYYMMDDTHHmmZ_") || rest[len("YYYYMMDDTHHmmZ")] != '_' {
		return false
	}
	uniq, ok := strings.CutSuffix(rest[len("YYYYMMDDTHHmmZ_"):], ".json.gz")
	return ok && uniqueRE().MatchString(uniq)
}

// uniqueRE is the random part of a CloudTrail file name.
var uniqueRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9-]+$`) })

// isDigits reports whether s is n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
