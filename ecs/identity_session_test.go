package ecs

import (
	"regexp"
	"testing"
)

// sessionNameRE is the regex of the pipeline's grok that sessionName writes
// out.
var sessionNameRE = regexp.MustCompile(`^arn:[a-z0-9-]+:sts:.*/(.*)$`)

func TestSessionNameMatchesRegex(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:sts::111122223333:assumed-role/AdminRole/alice@example.com",
		"arn:aws-us-gov:sts::111122223333:assumed-role/R/s",
		"arn:aws:sts::111122223333:federated-user/bob",
		"arn:aws:sts::1:assumed-role/a/b/c/",
		"arn:aws:sts::1:assumed-role",
		"arn:aws:iam::1:role/a/b",
		"arn:AWS:sts::1:assumed-role/a/b",
		"arn::sts::1:assumed-role/a/b",
		"arn:aws:sts::1:assumed-role/a\n/b",
		"arn:aws:sts::1:assumed-role/a/b\nc",
		"arn:aws:sts:/",
		"arn:aws:sts:",
		"xarn:aws:sts::1:a/b",
		"arn:aws:sts::1:a/b\xff",
		"arn:a-b-9:sts:x:y/z/",
		"",
	} {
		got, ok := sessionName(arn)
		m := sessionNameRE.FindStringSubmatch(arn)
		if ok != (m != nil) || ok && got != m[1] {
			t.Errorf("sessionName(%q) = %q, %v; regex: %q", arn, got, ok, m)
		}
	}
}

func FuzzSessionName(f *testing.F) {
	f.Add("arn:aws:sts::111122223333:assumed-role/AdminRole/alice@example.com")
	f.Fuzz(func(t *testing.T, arn string) {
		got, ok := sessionName(arn)
		m := sessionNameRE.FindStringSubmatch(arn)
		if ok != (m != nil) || ok && got != m[1] {
			t.Errorf("sessionName(%q) = %q, %v; regex: %q", arn, got, ok, m)
		}
	})
}
