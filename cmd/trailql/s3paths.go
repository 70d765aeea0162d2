package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/internal/source"
)

// s3Flags are the options of s3:// paths in a hunt (detect, query,
// investigate): the same S3 code as watch, credentials from the AWS
// default chain.
type s3Flags struct {
	endpointURL, region string
	anyKey              bool
}

func addS3Flags(fl *pflag.FlagSet) *s3Flags {
	f := &s3Flags{}
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "S3 endpoint `URL` for s3:// paths on S3-compatible stores")
	fl.StringVar(&f.region, "region", "", "AWS region of s3:// paths (default: from the AWS configuration)")
	fl.BoolVar(&f.anyKey, "any-key", false, "read s3:// objects whose keys are not in CloudTrail's log layout too (by default they are skipped)")
	return f
}

// apply lets reader read s3:// paths. S3Remote reports what it does not
// read through the reader's problems, named by object or prefix as local
// files are; the S3 source's own log is watch's, and says "will retry".
func (f *s3Flags) apply(reader *cloudtrail.Reader) {
	if f == nil {
		return
	}
	reader.Remote = source.S3Remote{Options: source.Options{EndpointURL: f.endpointURL, Region: f.region, AnyKey: f.anyKey}}
}

// isS3 reports an s3:// path.
func isS3(p string) bool { return strings.HasPrefix(strings.ToLower(p), "s3://") }

// localPaths are the paths that are not s3://.
func localPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		if !isS3(p) {
			out = append(out, p)
		}
	}
	return out
}
