package ecs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// record builds a minimal CloudTrail record around the given members (JSON
// object text without braces); members override the default eventName.
func record(members string) []byte {
	s := `{"eventVersion":"1.08","eventTime":"2024-05-06T07:08:09.123456Z","eventSource":"iam.amazonaws.com","awsRegion":"us-east-1"`
	if !strings.Contains(members, `"eventName"`) {
		s += `,"eventName":"ListUsers"`
	}
	if members != "" {
		s += "," + members
	}
	return []byte(s + "}")
}

func mustMap(t *testing.T, raw []byte) Event {
	t.Helper()
	ev, err := NewMapper(Options{}).Map(raw)
	if err != nil {
		t.Fatalf("Map(%s): %v", raw, err)
	}
	return ev
}

// TestSourceIP pins when source.ip is set (docs/cloudtrail-ecs-mapping.md §4: InetAddresses.isInetAddress;
// leading zeros rejected, no zones, no lists or names) and that purged values
// leave both fields absent (docs/cloudtrail-ecs-mapping.md §2 step 6).
func TestSourceIP(t *testing.T) {
	for _, tc := range []struct {
		in          string // JSON value of sourceIPAddress
		addr, ip    string // "" = absent
		relatedIP   []string
		relatedHost []string
	}{
		{`"81.2.69.144"`, "81.2.69.144", "81.2.69.144", []string{"81.2.69.144"}, nil},
		{`"2001:db8::1"`, "2001:db8::1", "2001:db8::1", []string{"2001:db8::1"}, nil},
		{`"2001:DB8:0:0:0:0:0:1"`, "2001:DB8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1", []string{"2001:DB8:0:0:0:0:0:1"}, nil},
		{`"::ffff:1.2.3.4"`, "::ffff:1.2.3.4", "::ffff:1.2.3.4", []string{"::ffff:1.2.3.4"}, nil},
		{`"AWS Internal"`, "AWS Internal", "", nil, nil},
		{`"ec2.amazonaws.com"`, "ec2.amazonaws.com", "", nil, nil},
		{`"host.example.com"`, "host.example.com", "", nil, []string{"host.example.com"}},
		{`"01.2.3.4"`, "01.2.3.4", "", nil, []string{"01.2.3.4"}},
		{`"1.2.3.256"`, "1.2.3.256", "", nil, []string{"1.2.3.256"}},
		{`"fe80::1%eth0"`, "fe80::1%eth0", "", nil, nil},
		{`"81.2.69.142, 192.168.10.10"`, "81.2.69.142, 192.168.10.10", "", nil, nil},
		{`" 1.2.3.4"`, " 1.2.3.4", "", nil, nil},
		{`"-"`, "", "", nil, nil},
		{`""`, "", "", nil, nil},
		{`"none"`, "", "", nil, nil},
		{`null`, "", "", nil, nil},
	} {
		ev := mustMap(t, record(`"sourceIPAddress":`+tc.in))
		check := func(field string, want any) {
			t.Helper()
			got, ok := ev[field]
			if want == "" || want == nil || reflect.ValueOf(want).Kind() == reflect.Slice && reflect.ValueOf(want).IsNil() {
				if ok {
					t.Errorf("%s: %s = %v, want absent", tc.in, field, got)
				}
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v, want %#v", tc.in, field, got, want)
			}
		}
		check("source.address", tc.addr)
		check("source.ip", tc.ip)
		check("related.ip", tc.relatedIP)
		check("related.hosts", tc.relatedHost)
	}
}

// TestIdentity pins user.* / service.name per identity type (docs/cloudtrail-ecs-mapping.md §5).
func TestIdentity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members string
		want    map[string]any // nil value = must be absent
	}{
		{"IAMUser", `"userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"}`,
			map[string]any{"user.name": "alice", "user.id": "AIDAEXAMPLE", "service.name": nil, "cloud.account.id": "111122223333",
				"aws.cloudtrail.user_identity.access_key_id": "AKIAEXAMPLE", "related.user": []string{"AIDAEXAMPLE", "alice"}}},
		{"AssumedRole", `"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:bob@example.com","arn":"arn:aws:sts::111122223333:assumed-role/Admin/bob@example.com","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2024-05-06T06:00:00Z","mfaAuthenticated":"false"}}}`,
			map[string]any{"user.name": "Admin", "user.id": "AROAEXAMPLE:bob@example.com", "user.email": "bob@example.com",
				"related.user": []string{"bob@example.com", "bob", "AROAEXAMPLE:bob@example.com", "Admin"},
				"aws.cloudtrail.user_identity.session_context.mfa_authenticated":  "false",
				"aws.cloudtrail.user_identity.session_context.creation_date":      time.Date(2024, 5, 6, 6, 0, 0, 0, time.UTC),
				"aws.cloudtrail.user_identity.session_context.session_issuer.arn": "arn:aws:iam::111122223333:role/Admin"}},
		{"service-linked role", `"userIdentity":{"type":"AssumedRole","principalId":"AROACONFIG:AWSConfig-Describe","arn":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/AWSConfig-Describe","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig","userName":"AWSServiceRoleForConfig"}}}`,
			map[string]any{"service.name": "config.amazonaws.com", "user.name": nil, "user.id": nil, "related.user": []string{"AWSConfig-Describe"}}},
		{"service-linked role with invokedBy", `"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSServiceRoleForAmazonSSM/S","invokedBy":"ssm.amazonaws.com","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM","userName":"AWSServiceRoleForAmazonSSM"}}}`,
			map[string]any{"service.name": "ssm.amazonaws.com", "user.name": nil, "aws.cloudtrail.user_identity.invoked_by": "ssm.amazonaws.com"}},
		{"AWSService", `"userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"recipientAccountId":"444455556666"`,
			map[string]any{"service.name": "ec2.amazonaws.com", "user.name": nil, "user.id": nil, "cloud.account.id": "444455556666"}},
		{"Root", `"userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}`,
			map[string]any{"user.id": "111122223333", "user.name": nil, "service.name": nil}},
		{"FederatedUser", `"userIdentity":{"type":"FederatedUser","principalId":"111122223333:carol","arn":"arn:aws:sts::111122223333:federated-user/carol","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"IAMUser","userName":"fedmaker"}}}`,
			map[string]any{"user.name": "fedmaker", "user.id": "111122223333:carol", "related.user": []string{"carol", "111122223333:carol", "fedmaker"}}},
		{"invokedBy alone is not a service", `"userIdentity":{"type":"IAMUser","principalId":"AIDA1","userName":"dave","invokedBy":"signin.amazonaws.com"}`,
			map[string]any{"user.name": "dave", "service.name": nil}},
		{"UserAuthentication", `"userIdentity":{"type":"IdentityCenterUser","onBehalfOf":{"userId":"u-123","identityStoreArn":"arn:aws:identitystore::1:identitystore/d-1"}},"eventName":"UserAuthentication","additionalEventData":{"UserName":"erin@example.com","CredentialType":"PASSWORD"}`,
			map[string]any{"user.name": "erin@example.com", "user.id": "u-123", "user.email": "erin@example.com",
				"aws.cloudtrail.additional_eventdata":           "{CredentialType=PASSWORD}",
				"aws.cloudtrail.flattened.additional_eventdata": map[string]any{"CredentialType": "PASSWORD"}}},
		{"cross-account caller", `"userIdentity":{"type":"AWSAccount","principalId":"AIDAX","accountId":"999999999999"},"recipientAccountId":"111122223333"`,
			map[string]any{"cloud.account.id": "999999999999", "aws.cloudtrail.recipient_account_id": "111122223333", "user.id": "AIDAX"}},
	} {
		ev := mustMap(t, record(tc.members))
		for k, want := range tc.want {
			got, ok := ev[k]
			if want == nil {
				if ok {
					t.Errorf("%s: %s = %v, want absent", tc.name, k, got)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v, want %#v", tc.name, k, got, want)
			}
		}
	}
}

// TestPurge pins that "", "-", "none", null and empty containers count as
// absent everywhere (docs/cloudtrail-ecs-mapping.md §2 step 6), including inside the rendered strings.
func TestPurge(t *testing.T) {
	ev := mustMap(t, record(`"errorCode":"","errorMessage":"-","userAgent":"none","userIdentity":{"type":"IAMUser","userName":"x","accessKeyId":""},"requestParameters":{"a":"","b":{},"c":[],"d":{"e":"none"}},"responseElements":{"keep":"-x","drop":null,"list":["-","y",""]},"vpcEndpointId":"none"`))
	for _, k := range []string{"aws.cloudtrail.error_code", "aws.cloudtrail.error_message", "user_agent.original", "user_agent.name",
		"aws.cloudtrail.user_identity.access_key_id", "aws.cloudtrail.request_parameters", "aws.cloudtrail.flattened.request_parameters", "aws.cloudtrail.vpc_endpoint_id"} {
		if v, ok := ev[k]; ok {
			t.Errorf("%s = %v, want absent", k, v)
		}
	}
	if got := ev["event.outcome"]; got != "success" {
		t.Errorf("event.outcome = %v, want success (purged error fields)", got)
	}
	if got := ev["aws.cloudtrail.response_elements"]; got != "{keep=-x, list=[y]}" && got != "{list=[y], keep=-x}" {
		t.Errorf("response_elements = %v", got)
	}
	if got, want := ev["aws.cloudtrail.flattened.response_elements"], (map[string]any{"keep": "-x", "list": []any{"y"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("flattened.response_elements = %#v, want %#v", got, want)
	}
}

// TestSessionCredentialFromConsole: renamed as the string CloudTrail sends
// (aws 4.6.0); absent when the record lacks it. The seed rule tests IS NULL.
func TestSessionCredentialFromConsole(t *testing.T) {
	ev := mustMap(t, record(`"sessionCredentialFromConsole":"true"`))
	if got := ev["aws.cloudtrail.session_credential_from_console"]; got != "true" {
		t.Errorf("got %#v, want string \"true\"", got)
	}
	ev = mustMap(t, record(`"sessionCredentialFromConsole":true`))
	if got := ev["aws.cloudtrail.session_credential_from_console"]; got != "true" {
		t.Errorf("boolean: got %#v, want keyword \"true\"", got)
	}
	ev = mustMap(t, record(``))
	if got, ok := ev["aws.cloudtrail.session_credential_from_console"]; ok {
		t.Errorf("absent in record but got %#v", got)
	}
}

// TestOutcome pins event.outcome (docs/cloudtrail-ecs-mapping.md §3), including the ConsoleLogin override.
func TestOutcome(t *testing.T) {
	for _, tc := range []struct{ members, want string }{
		{``, "success"},
		{`"errorCode":"AccessDenied"`, "failure"},
		{`"errorMessage":"Failed authentication"`, "failure"},
		{`"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"}`, "success"},
		{`"eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}`, "failure"},
		{`"eventName":"ConsoleLogin","errorCode":"X","responseElements":{"ConsoleLogin":"Success"}`, "success"},
		{`"eventName":"GetUser","errorCode":"X","responseElements":{"ConsoleLogin":"Success"}`, "failure"},
	} {
		ev := mustMap(t, record(tc.members))
		if got := ev["event.outcome"]; got != tc.want {
			t.Errorf("%s: outcome %v, want %s", tc.members, got, tc.want)
		}
	}
}

// TestCategorization pins event.category/type (docs/cloudtrail-ecs-mapping.md §8).
func TestCategorization(t *testing.T) {
	for _, tc := range []struct {
		action   string
		cat, typ []string
	}{
		{"CreateUser", []string{"iam"}, []string{"user", "creation"}},
		{"ConsoleLogin", []string{"authentication"}, []string{"info"}},
		{"SendCommand", []string{"process"}, []string{"start"}},
		{"TerminateSession", []string{"session"}, []string{"end"}},
		{"DescribeRegions", []string{"api"}, []string{"info"}},
		{"SomethingElse", nil, []string{"info"}},
	} {
		ev := mustMap(t, []byte(`{"eventTime":"2024-01-01T00:00:00Z","eventName":"`+tc.action+`"}`))
		got, _ := ev["event.category"].([]string)
		if !reflect.DeepEqual(got, tc.cat) {
			t.Errorf("%s: category %v, want %v", tc.action, got, tc.cat)
		}
		if got := ev["event.type"]; !reflect.DeepEqual(got, tc.typ) {
			t.Errorf("%s: type %v, want %v", tc.action, got, tc.typ)
		}
	}
}

// TestBasics pins constants, timestamp precision, service name, UA and types.
func TestBasics(t *testing.T) {
	ev := mustMap(t, record(`"userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/iam.list-users","readOnly":true,"managementEvent":true,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"iam.amazonaws.com"},"resources":[{"ARN":"arn:aws:ec2:us-east-1:1:instance/i-0123456789abcdef0","accountId":"1","type":"AWS::EC2::Instance"},{"ARN":"arn:aws:ec2:us-east-1:1:instance/i-0123456789abcdef0","accountId":"1","type":"AWS::EC2::Instance"}]`))
	want := map[string]any{
		"@timestamp":                      time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC),
		"data_stream.type":                "logs",
		"data_stream.dataset":             "aws.cloudtrail",
		"data_stream.namespace":           "default",
		"event.module":                    "aws",
		"event.dataset":                   "aws.cloudtrail",
		"event.kind":                      "event",
		"event.action":                    "ListUsers",
		"event.provider":                  "iam.amazonaws.com",
		"cloud.service.name":              "iam",
		"cloud.provider":                  "aws",
		"cloud.region":                    "us-east-1",
		"user_agent.name":                 "aws-cli",
		"user_agent.version":              "2.15.30",
		"user_agent.os.name":              "Linux",
		"user_agent.os.version":           "6.1",
		"user_agent.os.full":              "Linux 6.1",
		"user_agent.device.name":          "Other",
		"aws.cloudtrail.read_only":        true,
		"aws.cloudtrail.management_event": "true",
		"aws.cloudtrail.event_version":    "1.08",
		"tls.version":                     "1.3",
		"tls.version_protocol":            "tls",
		"tls.cipher":                      "TLS_AES_128_GCM_SHA256",
		"tls.client.server_name":          "iam.amazonaws.com",
		"aws.cloudtrail.resources.arn":    []string{"arn:aws:ec2:us-east-1:1:instance/i-0123456789abcdef0"},
		"aws.cloudtrail.resources.type":   []string{"AWS::EC2::Instance"},
		"related.hosts":                   []string{"i-0123456789abcdef0"},
		"event.category":                  []string{"iam"},
		"event.type":                      []string{"user", "info"},
	}
	for k, w := range want {
		if got := ev[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	ev2, _ := NewMapper(Options{Namespace: "prod"}).Map(record(""))
	if ev2["data_stream.namespace"] != "prod" {
		t.Errorf("namespace = %v", ev2["data_stream.namespace"])
	}
}

// TestMapErrors: non-objects, bad JSON and missing/invalid eventTime fail;
// digest records use digestEndTime.
func TestMapErrors(t *testing.T) {
	m := NewMapper(Options{})
	for _, tc := range []struct {
		in, errSub string
		noTime     bool
	}{
		{`[1,2]`, "not an object", false},
		{`"x"`, "not an object", false},
		{`{"eventTime":`, "invalid JSON", false},
		{``, "invalid JSON", false},
		{`{"eventName":"X"}`, "no eventTime", true},
		{`{"eventTime":""}`, "no eventTime", true},
		{`{"eventTime":null}`, "no eventTime", true},
		{`{"eventTime":"yesterday"}`, "invalid eventTime", false},
		{`{"eventTime":12345}`, "invalid eventTime", false},
	} {
		_, err := m.Map([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.errSub) {
			t.Errorf("%q: err = %v, want containing %q", tc.in, err, tc.errSub)
			continue
		}
		if errors.Is(err, ErrNoTimestamp) != tc.noTime {
			t.Errorf("%q: errors.Is(ErrNoTimestamp) = %v", tc.in, !tc.noTime)
		}
	}
	ev, err := m.Map([]byte(`{"awsAccountId":"123","digestStartTime":"2020-09-11T18:36:49Z","digestEndTime":"2020-09-11T19:36:49Z","digestS3Object":"AWSLogs/x.json.gz","previousDigestHashValue":"abc"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := ev["@timestamp"]; got != time.Date(2020, 9, 11, 19, 36, 49, 0, time.UTC) {
		t.Errorf("digest @timestamp = %v", got)
	}
	if ev["cloud.account.id"] != "123" || ev["file.path"] != "AWSLogs/x.json.gz" || !reflect.DeepEqual(ev["related.hash"], []string{"abc"}) {
		t.Errorf("digest fields: %v %v %v", ev["cloud.account.id"], ev["file.path"], ev["related.hash"])
	}
	d, _ := ev["aws.cloudtrail.flattened.digest"].(map[string]any)
	if d["end_time"] != "2020-09-11T19:36:49.000Z" || d["previous_hash_value"] != "abc" {
		t.Errorf("flattened.digest = %v", d)
	}
}

// TestFieldsOption: restricting Options.Fields never changes listed fields.
func TestFieldsOption(t *testing.T) {
	raw := record(`"userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","sourceIPAddress":"81.2.69.144","requestParameters":{"userName":"bob","instanceId":"i-0123456789abcdef0"},"responseElements":{"x":1},"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::1:user/alice"}`)
	full := mustMap(t, raw)
	for _, fields := range [][]string{
		{"user_agent.name"},
		{"aws.cloudtrail.request_parameters"},
		{"aws.cloudtrail.flattened.request_parameters"},
		{"related.hosts", "source.ip"},
		{"user_agent.*"},
		{"user_agent"},
		{"@timestamp", "event.action", "user.name"},
		{},
	} {
		ev, err := NewMapper(Options{Fields: fields}).Map(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			for k, want := range full {
				if wants([]string{f}, k) && !reflect.DeepEqual(ev[k], want) {
					t.Errorf("Fields=%v: %s = %#v, full map %#v", fields, k, ev[k], want)
				}
			}
		}
	}
	// Each known field alone, on the example records: a narrow mapper
	// leaves fields out (optStr, set), never changes one.
	data, err := os.ReadFile("../examples/ndjson/cloudtrail.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	// And what the examples lack: a host name as source, an identity
	// center user on behalf of someone, a session name with an e-mail.
	lines = append(lines,
		record(`"sourceIPAddress":"build.example.com","userAgent":"Boto3/1.34.0"`),
		record(`"userIdentity":{"type":"IdentityCenterUser","onBehalfOf":{"userId":"u-1","identityStoreArn":"arn:aws:identitystore::1:identitystore/d-1"}}`),
		record(`"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/bob@example.com","accountId":"1"}`),
		// A failed console login, TLS details, and digests, one with a
		// date that does not parse (event.kind: pipeline_error).
		record(`"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication",`+
			`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"signin.aws.amazon.com","keyExchange":"x"}`),
		[]byte(`{"awsAccountId":"123","digestStartTime":"2020-09-11T18:36:49Z","digestEndTime":"2020-09-11T19:36:49Z","digestS3Object":"AWSLogs/x.json.gz","previousDigestHashValue":"abc","newestEventTime":"not a date"}`),
		[]byte(`{"awsAccountId":"123","digestStartTime":"2020-09-11T18:36:49Z","digestEndTime":"2020-09-11T19:36:49Z","digestS3Object":"AWSLogs/y.json.gz"}`))
	fulls := make([]Event, len(lines))
	for i, l := range lines {
		fulls[i] = mustMap(t, l)
	}
	for name := range fieldTypes {
		m := NewMapper(Options{Fields: []string{name}})
		for i, l := range lines {
			ev, err := m.Map(l)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev[name], fulls[i][name]) {
				t.Errorf("Fields=[%s], example line %d: %#v, full map %#v", name, i+1, ev[name], fulls[i][name])
			}
		}
	}
	// Skipping happens: with an empty list no UA parse and no rendering.
	ev, _ := NewMapper(Options{Fields: []string{}}).Map(raw)
	for _, k := range []string{"user_agent.name", "aws.cloudtrail.request_parameters", "related.hosts"} {
		if _, ok := ev[k]; ok {
			t.Errorf("Fields=[]: %s was computed", k)
		}
	}
}

// TestNested checks the stored document shape.
func TestNested(t *testing.T) {
	ev := mustMap(t, record(`"userIdentity":{"type":"IAMUser","userName":"alice"},"resources":[{"ARN":"arn:a","accountId":"1","type":"T"}],"requestParameters":{"k":"v"}`))
	n := Nested(ev)
	user, _ := n["user"].(map[string]any)
	if user["name"] != "alice" {
		t.Errorf("user = %#v", n["user"])
	}
	if n["@timestamp"] != "2024-05-06T07:08:09.123Z" {
		t.Errorf("@timestamp = %#v", n["@timestamp"])
	}
	ct := n["aws"].(map[string]any)["cloudtrail"].(map[string]any)
	if !reflect.DeepEqual(ct["resources"], []any{map[string]any{"arn": "arn:a", "account_id": "1", "type": "T"}}) {
		t.Errorf("resources = %#v", ct["resources"])
	}
	if !reflect.DeepEqual(ct["flattened"].(map[string]any)["request_parameters"], map[string]any{"k": "v"}) {
		t.Errorf("flattened = %#v", ct["flattened"])
	}
	if ct["request_parameters"] != "{k=v}" {
		t.Errorf("request_parameters = %#v", ct["request_parameters"])
	}
}

// TestFieldTypes: every field Map produced for the fixtures and every field
// the seed/bundled rules read is typed.
func TestFieldTypes(t *testing.T) {
	ft := FieldTypes()
	for _, k := range []string{"source.ip", "@timestamp", "event.ingested", "source.as.number", "source.geo.location",
		"aws.cloudtrail.read_only", "aws.cloudtrail.flattened.request_parameters", "user_agent.original", "data_stream.dataset",
		"event.module", "aws.cloudtrail.session_credential_from_console", "source.as.organization.name"} {
		if ft[k] == "" {
			t.Errorf("%s missing", k)
		}
	}
	for k, want := range map[string]string{"source.ip": "ip", "@timestamp": "date", "event.ingested": "date", "source.as.number": "long",
		"source.geo.location": "geo_point", "aws.cloudtrail.read_only": "boolean", "user_agent.original": "keyword",
		"data_stream.namespace": "constant_keyword", "event.dataset": "constant_keyword", "related.ip": "ip"} {
		if ft[k] != want {
			t.Errorf("%s: %s, want %s", k, ft[k], want)
		}
	}
	for _, k := range []string{"_id", "_index", "_version"} {
		if _, ok := ft[k]; ok {
			t.Errorf("metadata field %s listed", k)
		}
	}
	ft["source.ip"] = "x"
	if FieldTypes()["source.ip"] != "ip" {
		t.Error("FieldTypes must return a copy")
	}
	// Everything produced by a rich record is typed.
	ev := mustMap(t, record(`"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15","sourceIPAddress":"1.2.3.4","userIdentity":{"type":"AssumedRole","principalId":"P:s@x.io","arn":"arn:aws:sts::1:assumed-role/R/s@x.io","accountId":"1","accessKeyId":"A","invokedBy":"x","sessionContext":{"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"true"},"sessionIssuer":{"type":"Role","principalId":"P","arn":"arn:aws:iam::1:role/R","accountId":"1","userName":"R"},"webIdFederationData":{"federatedProvider":"p","attributes":{"a":"b"}},"sourceIdentity":"si","ec2RoleDelivery":"2.0","assumedRoot":"true"},"onBehalfOf":{"userId":"u","identityStoreArn":"s"},"credentialId":"c","inScopeOf":{"issuerType":"t","credentialsIssuedTo":"c","sourceArn":"a","sourceAccount":"1"},"invokedByDelegate":{"accountId":"2"}},"requestParameters":{"userName":"u","newUserName":"n","groupName":"g","computerName":"h.example"},"responseElements":{"user":{"userId":"AIDA"},"group":{"groupId":"G"}},"additionalEventData":{"x":1},"serviceEventDetails":{"sourceIpAddress":"5.6.7.8"},"errorCode":"E","errorMessage":"M","requestID":"r","eventID":"e","eventType":"AwsApiCall","apiVersion":"v","managementEvent":false,"readOnly":false,"recipientAccountId":"1","sharedEventID":"s","vpcEndpointId":"v","vpcEndpointAccountId":"1","eventCategory":"Management","sessionCredentialFromConsole":"true","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"c","clientProvidedHostHeader":"h","keyExchange":"k"},"addendum":{"reason":"r","updatedFields":"f","originalRequestID":"o","originalEventID":"e"},"insightDetails":{"a":1},"resources":[{"ARN":"a","accountId":"1","type":"t"}]`))
	for k := range ev {
		if ft[k] == "" {
			t.Errorf("produced field %s has no type", k)
		}
	}
	if len(ev) < 80 {
		t.Errorf("rich record produced only %d fields", len(ev))
	}
}

// TestDuplicateKeys: Elasticsearch's json processor rejects duplicate keys at
// any depth (allow_duplicate_keys defaults to false), so Map errors.
func TestDuplicateKeys(t *testing.T) {
	m := NewMapper(Options{})
	for _, in := range []string{
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"A","eventName":"B"}`,
		`{"eventTime":"2024-01-01T00:00:00Z","requestParameters":{"a":1,"b":2,"a":3}}`,
		`{"eventTime":"2024-01-01T00:00:00Z","resources":[{"x":1},{"y":1,"y":2}]}`,
	} {
		if _, err := m.Map([]byte(in)); err == nil || !strings.Contains(err.Error(), "duplicate key") {
			t.Errorf("%s: err = %v, want duplicate key error", in, err)
		}
	}
	if _, err := m.Map([]byte(`{"eventTime":"2024-01-01T00:00:00Z","a":{"k":1},"b":{"k":2}}`)); err != nil {
		t.Errorf("same key in different objects: %v", err)
	}
}

// MapChecked, for records a reader proved free of duplicate keys, maps
// them as Map does (the example records); only the duplicate-key walk is
// left out.
func TestMapCheckedIsMap(t *testing.T) {
	data, err := os.ReadFile("../examples/ndjson/cloudtrail.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMapper(Options{})
	n := 0
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		want, werr := m.Map(l)
		got, gerr := m.MapChecked(l)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d: MapChecked %v, %v; Map %v, %v", n, got, gerr, want, werr)
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d records", n)
	}
}

// TestMapSharedIsMap: a document mapped into a reused Scratch is the one Map
// gives, record after record, checked or not, bad records included.
func TestMapSharedIsMap(t *testing.T) {
	data, err := os.ReadFile("../examples/ndjson/cloudtrail.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	lines = append(lines, []byte(`{"eventTime":"yesterday"}`), []byte(`{"eventTime":"2024-01-02T03:04:05Z","a":1,"a":2}`), []byte(`[1]`))
	for _, fields := range [][]string{nil, {"user_agent.name", "source.ip", "event.action"}} {
		m := NewMapper(Options{Fields: fields})
		var s Scratch
		n := 0
		for _, l := range lines {
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			want, werr := m.Map(l)
			got, gerr := m.MapShared(&s, l, false)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("fields %v, record %d: MapShared %v, %v; Map %v, %v", fields, n, got, gerr, want, werr)
			}
			n++
		}
		if n < 40 {
			t.Fatalf("only %d records", n)
		}
	}
}

// TestConcurrentMap: one Mapper used from many goroutines gives the same
// result as sequential use (run with -race to check the UA cache and pools).
func TestConcurrentMap(t *testing.T) {
	m := NewMapper(Options{})
	uas := []string{"aws-cli/2.15.30 Python/3.11.8 Linux/6.1", "Boto3/1.34.0 md/Botocore#1.34.0", "console.amazonaws.com", "Go-http-client/1.1"}
	want := make([]Event, len(uas))
	for i, ua := range uas {
		want[i] = mustMap(t, record(`"userAgent":"`+ua+`","requestParameters":{"a":1,"b":[2,3]}`))
	}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for n := 0; n < 200; n++ {
				i := (g + n) % len(uas)
				ev, err := m.Map(record(`"userAgent":"` + uas[i] + `","requestParameters":{"a":1,"b":[2,3]}`))
				if err != nil {
					done <- err
					return
				}
				if !reflect.DeepEqual(ev, want[i]) {
					done <- errors.New("concurrent result differs for " + uas[i])
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
