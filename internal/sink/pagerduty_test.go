package sink

import (
	"errors"

	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"github.com/trailql/trailql/internal/state"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The pagerduty: sink sends Events API v2 triggers: dedup_key the alert id
// (a later version of the alert joins the same incident), severity mapped
// from Elastic's, the evidence in custom_details; 202 is accepted, 400 is
// permanent, 429 is retried.
func TestPagerDuty(t *testing.T) {
	t.Setenv("TRAILQL_TEST_PD_KEY", "R0UTINGKEY0123456789abcdef012345")
	srv := newHookServer(t, http.StatusTooManyRequests)
	srv.extra = func(w http.ResponseWriter, status int) {
		if status == http.StatusOK {
			w.WriteHeader(http.StatusAccepted)
		}
	}
	s, err := Parse("pagerduty:" + srv.URL + "/v2/enqueue?routing-key-env=TRAILQL_TEST_PD_KEY")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Name(), "R0UTING") || !strings.HasPrefix(s.Name(), "pagerduty:") {
		t.Errorf("name %q", s.Name())
	}
	st := newStore(t, s.Name())
	id, doc := seedAlert(t, "arn:aws:iam::123456789012:user/mallory", 7)
	st.Upsert(id, doc)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if srv.hits != 2 || len(srv.ok) != 1 {
		t.Fatalf("%d requests, %d accepted; want a 429 retried", srv.hits, len(srv.ok))
	}
	var ev struct {
		RoutingKey  string `json:"routing_key"`
		EventAction string `json:"event_action"`
		DedupKey    string `json:"dedup_key"`
		Payload     struct {
			Summary, Source, Severity string
			CustomDetails             map[string]any `json:"custom_details"`
		}
	}
	if err := json.Unmarshal(srv.ok[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.RoutingKey != "R0UTINGKEY0123456789abcdef012345" || ev.EventAction != "trigger" || ev.DedupKey != id {
		t.Errorf("event %+v", ev)
	}
	if ev.Payload.Severity != "info" || ev.Payload.Source != "123456789012" ||
		ev.Payload.Summary != "AWS Discovery API Calls via CLI from a Single Resource: arn:aws:iam::123456789012:user/mallory" {
		t.Errorf("payload %+v", ev.Payload)
	}
	if ev.Payload.CustomDetails["Esql.event_action_count_distinct"] != 7.0 || ev.Payload.CustomDetails["alert_id"] != id {
		t.Errorf("custom_details %v", ev.Payload.CustomDetails)
	}

	// 400: PagerDuty refused the event; retrying cannot help.
	bad := newHookServer(t, http.StatusBadRequest)
	s2, _ := Parse("pagerduty:" + bad.URL + "?routing-key-env=TRAILQL_TEST_PD_KEY")
	err = s2.Send(context.Background(), deliveries(t, id, doc))
	if !IsPermanent(batchErr(err)) {
		t.Errorf("400: %v, want permanent", err)
	}
	if _, err := Parse("pagerduty:?routing-key-env=TRAILQL_TEST_UNSET"); err == nil {
		t.Error("an unset routing key was accepted")
	}
}

// Standard Webhooks: each attempt carries webhook-id (the same on retries),
// webhook-timestamp and webhook-signature, which a receiver verifies as the
// spec says: HMAC-SHA256 over id.timestamp.body with the whsec_ key.
func TestStandardWebhooks(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	t.Setenv("TRAILQL_TEST_WHSEC", "whsec_"+base64.StdEncoding.EncodeToString(key))
	srv := newHookServer(t, http.StatusServiceUnavailable)
	s, err := Parse("webhook:" + srv.URL + "?standard-webhooks-secret-env=TRAILQL_TEST_WHSEC")
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, s.Name())
	id, doc := seedAlert(t, "alice", 6)
	st.Upsert(id, doc)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(srv.heads) != 2 || len(srv.ok) != 1 {
		t.Fatalf("%d requests, %d accepted", len(srv.heads), len(srv.ok))
	}
	if srv.heads[0].Get("webhook-id") != srv.heads[1].Get("webhook-id") || !strings.Contains(srv.heads[1].Get("webhook-id"), id) {
		t.Errorf("webhook-id %q then %q: want the same, naming the alert", srv.heads[0].Get("webhook-id"), srv.heads[1].Get("webhook-id"))
	}
	h := srv.heads[1]
	ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)) > time.Minute {
		t.Errorf("webhook-timestamp %q", h.Get("webhook-timestamp"))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	mac.Write(srv.ok[0])
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	found := false
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		found = found || hmac.Equal([]byte(sig), []byte(want))
	}
	if !found {
		t.Errorf("webhook-signature %q does not verify (want %q)", h.Get("webhook-signature"), want)
	}
	for _, bad := range []string{"whsec_!!", "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		t.Setenv("TRAILQL_TEST_WHSEC", bad)
		if _, err := Parse("webhook:" + srv.URL + "?standard-webhooks-secret-env=TRAILQL_TEST_WHSEC"); err == nil {
			t.Errorf("secret %q accepted", bad)
		}
	}
}

// deliveries is one first delivery of the alert.
func deliveries(t *testing.T, id string, doc []byte) []state.Delivery {
	t.Helper()
	return []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}
}

// batchErr is the error of a one-delivery Send's delivery.
func batchErr(err error) error {
	var be *BatchError
	if errors.As(err, &be) && len(be.Errs) == 1 {
		return be.Errs[0]
	}
	return err
}
