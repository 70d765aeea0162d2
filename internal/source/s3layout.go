package source

import (
	"regexp"
	"strings"
	"sync"
	"time"
)

// CloudTrail's S3 layout (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html):
//
//	[prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//	[prefix/]AWSLogs/<org-id>/<account>/CloudTrail/<region>/...   (organisation trails)
//
// Below a region the keys sort by delivery time, so one listing with
// StartAfter per account and region resumes where the last one stopped.

// level is how far down the layout a prefix is.
type level uint8

const (
	lvRoot       level = iota // above AWSLogs/ (the trail's own prefix, if any)
	lvAWSLogs                 // inside AWSLogs/: accounts and organisation ids
	lvOrg                     // inside AWSLogs/o-xxx/: accounts
	lvAccount                 // inside <account>/: CloudTrail/, CloudTrail-Digest/, ...
	lvCloudTrail              // inside CloudTrail/: regions
	lvRegion                  // inside <region>/ or deeper: one listing
	lvUnknown                 // not CloudTrail's layout: one listing
)

// The layout's patterns, compiled when first used (the counted
// repetitions unroll: compiled at start-up they cost every command).
var (
	accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	orgRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^o-[a-z0-9]{10,32}$`) })
	regionRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`) })
)

// leaf is one listing: the logs of one account in one region, or a prefix
// that does not follow the layout.
type leaf struct {
	prefix          string // ends with "/" unless it is the bucket root ""
	account, region string // "" when unknown
}

// descend returns the level below segment seg of a prefix at level lv, and
// whether the segment is worth descending into.
func descend(lv level, seg string, l *leaf) (level, bool) {
	switch lv {
	case lvRoot:
		if seg == "AWSLogs" {
			return lvAWSLogs, true
		}
		return lvRoot, true // the trail's own prefix
	case lvAWSLogs:
		if orgRE().MatchString(seg) {
			return lvOrg, true
		}
		fallthrough
	case lvOrg:
		if accountRE().MatchString(seg) {
			l.account = seg
			return lvAccount, true
		}
		return lvUnknown, false
	case lvAccount:
		if seg == "CloudTrail" { // not CloudTrail-Digest, CloudTrail-Insight, other services
			return lvCloudTrail, true
		}
		return lvUnknown, false
	case lvCloudTrail:
		l.region = seg
		return lvRegion, regionRE().MatchString(seg)
	case lvRegion:
		return lvRegion, true
	}
	return lvUnknown, true
}

// levelOf places a prefix given by the user in the layout.
func levelOf(prefix string) (level, leaf) {
	l := leaf{prefix: prefix}
	lv := lvRoot
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		next, _ := descend(lv, seg, &l)
		if lv == lvRoot && next == lvRoot {
			continue
		}
		lv = next
	}
	return lv, l
}

// startKey is the key before every log of l delivered at t or later, for
// StartAfter; "" when l is not one account and region.
func (l leaf) startKey(t time.Time) string {
	if l.account == "" || l.region == "" || !strings.HasSuffix(l.prefix, "/"+l.region+"/") {
		return ""
	}
	t = t.UTC()
	return l.prefix + t.Format("2006/01/02/") + l.account + "_CloudTrail_" + l.region + "_" + t.Format("20060102T1504Z")
}
