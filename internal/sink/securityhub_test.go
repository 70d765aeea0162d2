package sink

import (
	"errors"

	"context"
	"encoding/json"
	"github.com/trailql/trailql/internal/state"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// A local server speaking Security Hub's BatchImportFindings (POST
// /findings/import, REST-JSON): it refuses findings whose title says so.
type fakeSecurityHub struct {
	*httptest.Server
	mu       sync.Mutex
	calls    int
	findings []map[string]any
}

func newFakeSecurityHub(t *testing.T) *fakeSecurityHub {
	f := &fakeSecurityHub{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/findings/import" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			http.Error(w, `{"message":"unexpected request"}`, http.StatusBadRequest)
			return
		}
		var in struct{ Findings []map[string]any }
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &in)
		f.mu.Lock()
		f.calls++
		f.findings = append(f.findings, in.Findings...)
		f.mu.Unlock()
		var failed []map[string]string
		for _, fd := range in.Findings {
			if strings.Contains(fd["Description"].(string), "refuse") {
				failed = append(failed, map[string]string{"Id": fd["Id"].(string), "ErrorCode": "InvalidInput", "ErrorMessage": "refused"})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"FailedCount": len(failed), "SuccessCount": len(in.Findings) - len(failed), "FailedFindings": failed})
	}))
	t.Cleanup(f.Close)
	return f
}

// securityhub: imports ASFF findings, Id = alert id (an update replaces
// its finding), in batches of at most 100; a refused finding is that
// alert's permanent failure.
func TestSecurityHub(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	f := newFakeSecurityHub(t)
	s, err := Parse("securityhub:?account=123456789012&region=eu-west-1&endpoint-url=" + f.URL)
	if err != nil {
		t.Fatal(err)
	}
	var ds []state.Delivery
	for i := 0; i < 150; i++ {
		id, doc := seedAlert(t, "arn:aws:sts::123456789012:assumed-role/r/s", 6)
		id = id[:60] + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		ds = append(ds, state.Delivery{AlertID: id, Version: "v1", Revision: 1, Doc: doc})
	}
	var m map[string]any
	json.Unmarshal(ds[7].Doc, &m)
	m["kibana.alert.reason"] = "please refuse this one"
	ds[7].Doc, _ = json.Marshal(m)
	err = s.Send(context.Background(), ds)
	var be *BatchError
	if !errors.As(err, &be) || be.Errs[7] == nil || !IsPermanent(be.Errs[7]) || be.Errs[0] != nil || be.Errs[120] != nil {
		t.Fatalf("Send: %v", err)
	}
	if f.calls != 2 || len(f.findings) != 150 {
		t.Errorf("%d calls, %d findings; want 2 batches (at most 100) of all 150", f.calls, len(f.findings))
	}
	fd := f.findings[0]
	want := map[string]any{
		"Id": ds[0].AlertID, "SchemaVersion": "2018-10-08", "AwsAccountId": "123456789012",
		"ProductArn": "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default",
		"Title":      "AWS Discovery API Calls via CLI from a Single Resource",
	}
	for k, v := range want {
		if fd[k] != v {
			t.Errorf("%s = %v, want %v", k, fd[k], v)
		}
	}
	if sev := fd["Severity"].(map[string]any); sev["Label"] != "LOW" {
		t.Errorf("severity %v", sev)
	}
	if res := fd["Resources"].([]any)[0].(map[string]any); res["Type"] != "AwsIamRole" || res["Id"] != "arn:aws:sts::123456789012:assumed-role/r/s" {
		t.Errorf("resource %v", res)
	}
	if types := fd["Types"].([]any); len(types) == 0 || types[0] != "TTPs/Discovery" {
		t.Errorf("types %v", types)
	}
	if _, err := Parse("securityhub:?region=eu-west-1"); err == nil {
		t.Error("no account accepted")
	}
}
