package main

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/trailql/trailql/internal/source"
)

// allowedBuckets: --bucket wins; without it, the s3:// sources given; with
// neither, any bucket, and a warning only when a queue is watched.
func TestAllowedBuckets(t *testing.T) {
	for _, c := range []struct {
		name    string
		flags   []string
		specs   []string
		want    []source.Bucket
		warn    bool
		wantErr bool
	}{
		{"flags", []string{"trail", "logs/AWSLogs"}, []string{"sqs://q", "s3://other"},
			[]source.Bucket{{Name: "trail"}, {Name: "logs", Prefix: "AWSLogs/"}}, false, false},
		{"default from s3 sources", nil, []string{"sqs://q", "s3://trail/AWSLogs/", "S3://second"},
			[]source.Bucket{{Name: "trail", Prefix: "AWSLogs/"}, {Name: "second"}}, false, false},
		{"queue alone: any bucket, warned", nil, []string{"sqs://q"}, nil, true, false},
		{"queue URL alone: warned", nil, []string{"https://sqs.eu-west-1.amazonaws.com/111111111111/q"}, nil, true, false},
		{"no queue: no warning", nil, []string{"/var/log/trail", "s3://trail"}, []source.Bucket{{Name: "trail"}}, false, false},
		{"bad flag", []string{"s3:/trail"}, []string{"sqs://q"}, nil, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			got, err := allowedBuckets(c.flags, c.specs, slog.New(slog.NewTextHandler(&buf, nil)))
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want one: %v", err, c.wantErr)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("buckets %+v, want %+v", got, c.want)
			}
			if warned := strings.Contains(buf.String(), "--bucket"); warned != c.warn {
				t.Errorf("warning %v, want %v:\n%s", warned, c.warn, buf.String())
			}
		})
	}
}
