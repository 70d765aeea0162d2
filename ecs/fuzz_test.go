package ecs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzMap: arbitrary bytes never panic; a successful map has a UTC
// @timestamp, only typed fields, and a Nested form; restricting Fields keeps
// the listed values.
func FuzzMap(f *testing.F) {
	f.Add([]byte(`{"eventTime":"2024-01-01T00:00:00Z"}`))
	f.Add(record(`"sourceIPAddress":"::ffff:1.2.3.4","requestParameters":{"a":[1.5e7,{"b":"-"}],"c":"none"},"userAgent":"aws-cli/2.0.0"`))
	f.Add([]byte(`{"digestEndTime":"2020-09-11T19:36:49Z","logFiles":[{"s3Object":"x"}]}`))
	f.Add([]byte(`{"eventTime":"2024-01-01T00:00:00Z","resources":[{"ARN":"a"},{"ARN":"a"},1,null]}`))
	if dir, err := os.Getwd(); err == nil {
		for d := dir; ; d = filepath.Dir(d) {
			files, _ := filepath.Glob(filepath.Join(d, "shared", "testdata", "elastic-cloudtrail-pipeline", "test-*.log"))
			for _, file := range files {
				raw, _ := os.ReadFile(file)
				for _, l := range strings.Split(string(raw), "\n") {
					if l != "" {
						f.Add([]byte(l))
					}
				}
			}
			if len(files) > 0 || filepath.Dir(d) == d {
				break
			}
		}
	}
	full := NewMapper(Options{})
	some := NewMapper(Options{Fields: seedFields})
	types := FieldTypes()
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := full.Map(raw)
		ev2, err2 := some.Map(raw)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("error mismatch: %v vs %v", err, err2)
		}
		if err != nil {
			return
		}
		ts, ok := ev["@timestamp"].(time.Time)
		if !ok || ts.Location() != time.UTC {
			t.Fatalf("@timestamp = %#v", ev["@timestamp"])
		}
		for k := range ev {
			if types[k] == "" {
				t.Fatalf("untyped field %s", k)
			}
		}
		for _, k := range seedFields {
			if !equalValues(ev[k], ev2[k]) {
				t.Fatalf("%s: full %#v, restricted %#v", k, ev[k], ev2[k])
			}
		}
		_ = Nested(ev)
	})
}

// equalValues compares Event values without reflect on the hot types.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case map[string]any, []any:
		return normalizeString(a) == normalizeString(b)
	}
	return a == b
}

func normalizeString(v any) string { return js(normalize(v)) }

// seedFields are the source fields the seed rule (AWS Discovery API Calls via
// CLI from a Single Resource) reads.
var seedFields = []string{
	"@timestamp", "data_stream.dataset", "source.ip", "aws.cloudtrail.session_credential_from_console",
	"event.provider", "aws.cloudtrail.user_identity.type", "user_agent.name", "event.action", "user.name",
	"aws.cloudtrail.user_identity.arn", "aws.cloudtrail.user_identity.access_key_id", "cloud.account.id",
	"source.as.organization.name", "cloud.region", "data_stream.namespace",
}

// benchRecord is a realistic aws-cli DescribeInstances call by an assumed role.
var benchRecord = []byte(`{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEEXAMPLE01:alice@example.com","arn":"arn:aws:sts::111122223333:assumed-role/AdminRole/alice@example.com","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEEXAMPLE01","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEEXAMPLE01","arn":"arn:aws:iam::111122223333:role/AdminRole","accountId":"111122223333","userName":"AdminRole"},"attributes":{"creationDate":"2024-10-29T15:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2024-10-29T15:31:54Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"81.2.69.144","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances","requestParameters":{"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]},"maxResults":100},"responseElements":null,"requestID":"3f5c7b8e-1d2a-4b6c-9e0f-123456789abc","eventID":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"ec2.us-east-1.amazonaws.com"}}`)

// BenchmarkMap maps the realistic record with the seed rule's fields.
func BenchmarkMap(b *testing.B) {
	m := NewMapper(Options{Fields: seedFields})
	if _, err := m.Map(benchRecord); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRecord)))
	for b.Loop() {
		if _, err := m.Map(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapAll maps the same record with every field.
func BenchmarkMapAll(b *testing.B) {
	m := NewMapper(Options{})
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRecord)))
	for b.Loop() {
		if _, err := m.Map(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapCorpus maps every line of the NDJSON file $MAP_CORPUS into a
// reused Scratch, as a hunt's worker does, with the fields listed one per
// line in $MAP_FIELDS (all if unset): for profiling the mapping on the
// records a rule set really maps (bench/README.md).
func BenchmarkMapCorpus(b *testing.B) {
	path := os.Getenv("MAP_CORPUS")
	if path == "" {
		b.Skip("MAP_CORPUS names no NDJSON file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var fields []string
	if f := os.Getenv("MAP_FIELDS"); f != "" {
		list, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		fields = strings.Fields(string(list))
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	m := NewMapper(Options{Fields: fields})
	var s Scratch
	b.SetBytes(int64(len(data)) / int64(len(lines)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := m.MapShared(&s, lines[i], true); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(lines) {
			i = 0
		}
	}
}
