package sink

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trailql/trailql/internal/state"
)

// fakeEventBridge answers PutEvents (AWS JSON 1.1) and keeps the entries;
// entries whose detail holds "reject" are refused.
type fakeEventBridge struct {
	mu      sync.Mutex
	entries []map[string]any
}

func (f *fakeEventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" {
		http.Error(w, "unknown target", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in struct{ Entries []map[string]any }
	json.Unmarshal(body, &in)
	var out struct {
		FailedEntryCount int
		Entries          []map[string]string
	}
	f.mu.Lock()
	for _, e := range in.Entries {
		if strings.Contains(e["Detail"].(string), "reject") {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, map[string]string{"ErrorCode": "InternalFailure", "ErrorMessage": "no"})
			continue
		}
		f.entries = append(f.entries, e)
		out.Entries = append(out.Entries, map[string]string{"EventId": "ev"})
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// eventbridge:BUS puts one event per alert version, ten per call; a refused
// entry fails that delivery only.
func TestEventBridgeSink(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	fake := &fakeEventBridge{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	s, err := Parse("eventbridge:security?region=eu-west-1&endpoint-url=" + srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "eventbridge:security" {
		t.Errorf("name %q", s.Name())
	}
	var ds []state.Delivery
	for i := 0; i < 12; i++ {
		id, doc := seedAlert(t, "user"+string(rune('a'+i)), 6)
		ds = append(ds, state.Delivery{AlertID: id, Version: "v", Revision: 1 + i%2, Doc: doc})
	}
	ds[11].Doc = []byte(`{"reject":true}`)
	err = s.Send(context.Background(), ds)
	var be *BatchError
	if !errors.As(err, &be) || be.Errs[11] == nil || be.Errs[0] != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(fake.entries) != 11 {
		t.Fatalf("%d events put, want 11", len(fake.entries))
	}
	e := fake.entries[1]
	if e["EventBusName"] != "security" || e["Source"] != "trailql" || e["DetailType"] != "trailql alert update" ||
		!strings.Contains(e["Detail"].(string), `"kibana.alert.uuid"`) {
		t.Errorf("event %v", e)
	}
}
