package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/trailql/trailql/internal/state"
)

// fakeSecurityHub speaks Security Hub's BatchImportFindings (POST
// /findings/import, REST-JSON, SigV4-signed): it records the findings and
// refuses, in FailedFindings, those whose Description names an error code
// ("refuse:InvalidInput"); fail, when set, answers the whole call with an
// AWS error instead.
type fakeSecurityHub struct {
	*httptest.Server
	mu       sync.Mutex
	calls    int
	findings []map[string]any
	fail     func(w http.ResponseWriter) bool
}

func newFakeSecurityHub(t *testing.T) *fakeSecurityHub {
	f := &fakeSecurityHub{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/findings/import" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
			w.Header().Set("X-Amzn-ErrorType", "InvalidAccessException")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"Message":"unexpected request"}`)
			return
		}
		var in struct{ Findings []map[string]any }
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &in)
		f.mu.Lock()
		f.calls++
		fail := f.fail
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if fail != nil && fail(w) {
			return
		}
		f.mu.Lock()
		f.findings = append(f.findings, in.Findings...)
		f.mu.Unlock()
		failed := []map[string]string{}
		for _, fd := range in.Findings {
			if _, code, ok := strings.Cut(fmt.Sprint(fd["Description"]), "refuse:"); ok {
				failed = append(failed, map[string]string{"Id": fmt.Sprint(fd["Id"]), "ErrorCode": code, "ErrorMessage": "refused"})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"FailedCount": len(failed), "SuccessCount": len(in.Findings) - len(failed), "FailedFindings": failed})
	}))
	t.Cleanup(f.Close)
	return f
}

// securityHubEnv gives the AWS SDK static test credentials and nothing
// else from this machine; one attempt per call.
func securityHubEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// shDelivery is a delivery of the seed rule's alert for user, changed by mod.
func shDelivery(t *testing.T, user string, mod func(m map[string]any)) state.Delivery {
	t.Helper()
	id, doc := seedAlert(t, user, 6)
	var m map[string]any
	json.Unmarshal(doc, &m)
	if mod != nil {
		mod(m)
	}
	doc, _ = json.Marshal(m)
	return state.Delivery{AlertID: id, Version: "v1", Revision: 1, Doc: doc}
}

// The ASFF finding of an alert: Id the alert id, the default product of the
// caller's account (which is also AwsAccountId, as the API requires),
// GeneratorId the rule id, Types from the MITRE mapping, Severity mapped
// (and again in FindingProviderFields, which updates read), the observed
// times the row gives, the actor as the resource, the alert's account when
// it is another.
func TestSecurityHubFindings(t *testing.T) {
	securityHubEnv(t)
	const caller = "123456789012"
	user := "arn:aws:iam::123456789012:user/alice"
	for _, tc := range []struct {
		name   string
		region string
		user   string
		mod    func(m map[string]any)
		want   map[string]any // top-level or dotted paths into the finding
	}{
		{name: "seed alert", want: map[string]any{
			"ProductArn":                           "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default",
			"GeneratorId":                          "74f45152-9aee-11ef-b0a5-f661ea17fbcd",
			"AwsAccountId":                         caller,
			"SchemaVersion":                        "2018-10-08",
			"Title":                                "AWS Discovery API Calls via CLI from a Single Resource",
			"Types":                                "[TTPs/Discovery TTPs/Discovery/Account Discovery TTPs/Discovery/Cloud Service Discovery TTPs/Discovery/Cloud Infrastructure Discovery]",
			"Severity.Label":                       "LOW",
			"Severity.Original":                    "low",
			"FindingProviderFields.Severity.Label": "LOW",
			"FindingProviderFields.Types":          "[TTPs/Discovery TTPs/Discovery/Account Discovery TTPs/Discovery/Cloud Service Discovery TTPs/Discovery/Cloud Infrastructure Discovery]",
			"FirstObservedAt":                      "2024-11-04T10:00:10.000Z",
			"LastObservedAt":                       nil,
			"Resources":                            "[map[Id:arn:aws:iam::123456789012:user/alice Partition:aws Region:eu-west-1 Type:AwsIamUser]]",
			"ProductFields.trailql/rule_id":        "74f45152-9aee-11ef-b0a5-f661ea17fbcd",
			"ProductFields.trailql/source_ips":     "203.0.113.7",
		}},
		{name: "medium", mod: func(m map[string]any) { m["kibana.alert.severity"] = "medium" }, want: map[string]any{"Severity.Label": "MEDIUM"}},
		{name: "high", mod: func(m map[string]any) { m["kibana.alert.severity"] = "high" }, want: map[string]any{"Severity.Label": "HIGH"}},
		{name: "critical", mod: func(m map[string]any) { m["kibana.alert.severity"] = "critical" }, want: map[string]any{"Severity.Label": "CRITICAL", "FindingProviderFields.Severity.Label": "CRITICAL"}},
		{name: "another account of the organisation", mod: func(m map[string]any) { m["Esql.cloud_account_id_values"] = []string{"210987654321", "111111111111"} },
			want: map[string]any{"AwsAccountId": caller, "ProductFields.trailql/alert_account_id": "210987654321",
				"Resources": "[map[Id:arn:aws:iam::123456789012:user/alice Partition:aws Region:eu-west-1 Type:AwsIamUser] map[Id:AWS::::Account:210987654321 Partition:aws Region:eu-west-1 Type:AwsAccount]]"}},
		{name: "an assumed role", user: "arn:aws:sts::123456789012:assumed-role/admin/bob",
			want: map[string]any{"Resources": "[map[Id:arn:aws:sts::123456789012:assumed-role/admin/bob Partition:aws Region:eu-west-1 Type:AwsIamRole]]"}},
		{name: "the role behind a session", mod: func(m map[string]any) {
			m["aws.cloudtrail.user_identity.session_context.session_issuer.arn"] = "arn:aws:iam::123456789012:role/ops/admin"
			m["cloud.region"] = "us-east-1"
		}, want: map[string]any{"Resources": "[map[Id:arn:aws:iam::123456789012:role/ops/admin Partition:aws Region:us-east-1 Type:AwsIamRole]]"}},
		{name: "no actor", mod: func(m map[string]any) { delete(m, "aws.cloudtrail.user_identity.arn") },
			want: map[string]any{"Resources": "[map[Id:AWS::::Account:123456789012 Partition:aws Region:eu-west-1 Type:AwsAccount]]"}},
		{name: "not an ARN", user: "alice", want: map[string]any{"Resources": "[map[Id:AWS::::Account:123456789012 Partition:aws Region:eu-west-1 Type:AwsAccount]]"}},
		{name: "first and last seen", mod: func(m map[string]any) {
			m["Esql.timestamp_min"], m["Esql.timestamp_max"] = "2024-11-04T10:00:11Z", "2024-11-04T10:00:19.5Z"
		}, want: map[string]any{"FirstObservedAt": "2024-11-04T10:00:11.000Z", "LastObservedAt": "2024-11-04T10:00:19.500Z"}},
		{name: "no MITRE mapping", mod: func(m map[string]any) { m["kibana.alert.rule.threat"] = []any{} },
			want: map[string]any{"Types": "[Unusual Behaviors/User]"}},
		{name: "exfiltration is an effect", mod: func(m map[string]any) {
			m["kibana.alert.rule.threat"] = []any{map[string]any{"framework": "MITRE ATT&CK", "tactic": map[string]any{"id": "TA0010", "name": "Exfiltration"},
				"technique": []any{map[string]any{"id": "T1537", "name": "Transfer Data to Cloud Account"}}}}
		}, want: map[string]any{"Types": "[Effects/Data Exfiltration Effects/Data Exfiltration/Transfer Data to Cloud Account]"}},
		{name: "evidence", mod: func(m map[string]any) {
			m["trailql.evidence.event_ids"], m["trailql.evidence.event_count"] = []string{"e-1", "e-2"}, 2
		}, want: map[string]any{"ProductFields.trailql/evidence_event_ids": "e-1, e-2", "ProductFields.trailql/evidence_event_count": "2"}},
		{name: "a China region", region: "cn-north-1", want: map[string]any{"ProductArn": "arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSecurityHub(t)
			region := tc.region
			if region == "" {
				region = "eu-west-1"
			}
			s, err := Parse("securityhub:?account=" + caller + "&region=" + region + "&endpoint-url=" + f.URL)
			if err != nil {
				t.Fatal(err)
			}
			u := tc.user
			if u == "" {
				u = user
			}
			d := shDelivery(t, u, tc.mod)
			if err := s.Send(context.Background(), []state.Delivery{d}); err != nil {
				t.Fatal(err)
			}
			fd := f.findings[0]
			if fd["Id"] != d.AlertID || fd["CreatedAt"] == nil || fd["UpdatedAt"] == nil || fd["Description"] == "" {
				t.Errorf("finding %v", fd)
			}
			for path, want := range tc.want {
				var got any = fd
				for _, p := range strings.SplitN(path, ".", 3) {
					m, _ := got.(map[string]any)
					got = m[p]
				}
				if want == nil && got != nil || want != nil && fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", path, got, want)
				}
			}
		})
	}
}

// Findings go in batches of at most 100; a refused finding is its alert's
// failure, permanent when the finding is at fault, retried when Security
// Hub was (throttling); a call failing as a whole fails its first delivery
// and leaves the rest not attempted.
func TestSecurityHubBatches(t *testing.T) {
	securityHubEnv(t)
	f := newFakeSecurityHub(t)
	s, err := Parse("securityhub:?account=123456789012&region=eu-west-1&endpoint-url=" + f.URL)
	if err != nil {
		t.Fatal(err)
	}
	var ds []state.Delivery
	for i := 0; i < 150; i++ {
		ds = append(ds, shDelivery(t, fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", i), func(m map[string]any) {
			switch i {
			case 7:
				m["kibana.alert.reason"] = "refuse:InvalidInput"
			case 120:
				m["kibana.alert.reason"] = "refuse:LimitExceededException"
			case 130:
				delete(m, "kibana.alert.rule.rule_id") // cannot be a finding
			}
		}))
	}
	err = s.Send(context.Background(), ds)
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("Send: %v", err)
	}
	for i, e := range be.Errs {
		switch {
		case i == 7 || i == 130:
			if !IsPermanent(e) {
				t.Errorf("delivery %d: %v, want permanent", i, e)
			}
		case i == 120:
			if e == nil || IsPermanent(e) {
				t.Errorf("delivery %d: %v, want retryable", i, e)
			}
		case e != nil:
			t.Errorf("delivery %d: %v", i, e)
		}
	}
	if f.calls != 2 || len(f.findings) != 149 {
		t.Errorf("%d calls, %d findings; want 2 batches (at most 100) of 149", f.calls, len(f.findings))
	}

	for _, tc := range []struct {
		name      string
		status    int
		code      string
		n         int
		permanent bool
	}{
		{"internal error", 500, "InternalException", 150, false},
		{"access denied", 403, "InvalidAccessException", 150, false},
		{"one malformed finding", 400, "InvalidInputException", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fail = func(w http.ResponseWriter) bool {
				w.Header().Set("X-Amzn-ErrorType", tc.code)
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"Message":"%s"}`, tc.name)
				return true
			}
			err := s.Send(context.Background(), ds[:tc.n])
			var be *BatchError
			if !errors.As(err, &be) || be.Errs[0] == nil || errors.Is(be.Errs[0], ErrNotAttempted) || IsPermanent(be.Errs[0]) != tc.permanent {
				t.Fatalf("Send: %v", err)
			}
			for i := 1; i < tc.n; i++ {
				if i != 7 && !errors.Is(be.Errs[i], ErrNotAttempted) {
					t.Errorf("delivery %d: %v, want not attempted", i, be.Errs[i])
				}
			}
		})
	}
}

func TestSecurityHubParse(t *testing.T) {
	securityHubEnv(t)
	for _, tc := range []struct{ spec, errHas string }{
		{"securityhub:?account=123456789012&region=eu-west-1", ""},
		{"securityhub:?region=eu-west-1", "need ?account=ID"},
		{"securityhub:?account=12345&region=eu-west-1", "need ?account=ID"},
		{"securityhub:?account=12345678901x&region=eu-west-1", "need ?account=ID"},
		{"securityhub:?account=123456789012", "no AWS region"},
		{"securityhub:?account=123456789012&region=eu-west-1&secret=x", `unknown options "secret"`},
		{"securityhub:eu-west-1?account=123456789012", "takes no target"},
	} {
		s, err := Parse(tc.spec)
		if (tc.errHas == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("Parse(%q): %v, want %q", tc.spec, err, tc.errHas)
		}
		if err == nil && s.Name() != "securityhub:123456789012/eu-west-1" {
			t.Errorf("name %q", s.Name())
		}
	}
}
