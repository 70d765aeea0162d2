package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trailql/trailql/internal/state"
)

// fakePagerDuty speaks the Events API v2 enqueue endpoint: it answers each
// request with the next status of its script (then 202, as PagerDuty
// accepts an event), echoing the request body in error answers as a
// careless receiver might, and records every event.
type fakePagerDuty struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	events []pdEvent
}

// pdEvent is the part of an Events API v2 event the tests check.
type pdEvent struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	DedupKey    string `json:"dedup_key"`
	Client      string `json:"client"`
	Payload     struct {
		Summary, Source, Severity, Timestamp, Component, Group, Class string
		CustomDetails                                                 map[string]any `json:"custom_details"`
	}
	size int
}

func newFakePagerDuty(t *testing.T, script ...int) *fakePagerDuty {
	f := &fakePagerDuty{script: script}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev pdEvent
		if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &ev) != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		ev.size = len(body)
		f.mu.Lock()
		status := http.StatusAccepted
		if n := len(f.events); n < len(f.script) {
			status = f.script[n]
		}
		f.events = append(f.events, ev)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusAccepted {
			json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
			return
		}
		fmt.Fprintf(w, `{"status":"invalid event","message":"Event object is invalid","errors":[%q]}`, string(body))
	}))
	t.Cleanup(f.Close)
	return f
}

// pdSink is a pagerduty: sink on f that retries at once.
func pdSink(t *testing.T, f *fakePagerDuty, opts string) Sink {
	t.Helper()
	s, err := Parse("pagerduty:?endpoint-url=" + f.URL + "/v2/enqueue&routing-key-env=TRAILQL_TEST_PD_KEY" + opts)
	if err != nil {
		t.Fatal(err)
	}
	s.(*webhook).opts.Backoff = Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond}
	t.Cleanup(func() { s.Close() })
	return s
}

const testPDKey = "R0UTINGKEY0123456789abcdef012345"

// The pagerduty: sink's delivery: 202 is accepted; 429 and 5xx are retried
// with backoff within the Send, then left to the outbox; 400 (and other
// 4xx) is permanent. The routing key never shows in the sink's name nor in
// an error, even when PagerDuty's answer quotes the request.
func TestPagerDutyDelivery(t *testing.T) {
	t.Setenv("TRAILQL_TEST_PD_KEY", testPDKey)
	id, doc := seedAlert(t, "arn:aws:iam::123456789012:user/mallory", 7)
	for _, tc := range []struct {
		name      string
		script    []int
		requests  int
		ok        bool
		permanent bool
	}{
		{"accepted", nil, 1, true, false},
		{"429 then accepted", []int{429}, 2, true, false},
		{"5xx then accepted", []int{500, 502, 503}, 4, true, false},
		{"400 is permanent", []int{400}, 1, false, true},
		{"403 is permanent", []int{403}, 1, false, true},
		{"429 throughout is retried later", []int{429, 429, 429, 429}, 4, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakePagerDuty(t, tc.script...)
			s := pdSink(t, f, "")
			err := s.Send(context.Background(), deliveries(t, id, doc))
			if len(f.events) != tc.requests {
				t.Errorf("%d requests, want %d", len(f.events), tc.requests)
			}
			if tc.ok != (err == nil) || tc.permanent != IsPermanent(batchErr(err)) {
				t.Errorf("Send: %v; want ok %v, permanent %v", err, tc.ok, tc.permanent)
			}
			for _, leak := range []string{s.Name(), fmt.Sprint(err)} {
				if strings.Contains(leak, testPDKey) {
					t.Errorf("routing key leaked: %s", leak)
				}
			}
			if !strings.HasPrefix(s.Name(), "pagerduty:http://127.0.0.1") {
				t.Errorf("name %q", s.Name())
			}
		})
	}
}

// The event: a trigger with dedup_key = alert id (a later version is
// another trigger with the same key, which PagerDuty merges), severity
// mapped from Elastic's, summary the rule and identity (cut to 1024),
// source the account, the Esql.* columns and the evidence, when there is
// some, in custom_details; an event over 512 KB sheds its largest columns.
func TestPagerDutyEvent(t *testing.T) {
	t.Setenv("TRAILQL_TEST_PD_KEY", testPDKey)
	long := "arn:aws:iam::123456789012:user/" + strings.Repeat("x", 2000)
	for _, tc := range []struct {
		name     string
		severity string // kibana.alert.severity; "" leaves the seed rule's
		user     string
		revision int
		evidence bool
		huge     bool
		check    func(t *testing.T, id string, ev pdEvent)
	}{
		{name: "low is info", user: "arn:aws:iam::123456789012:user/mallory", check: func(t *testing.T, id string, ev pdEvent) {
			if ev.Payload.Severity != "info" || ev.Payload.Source != "123456789012" || ev.Payload.Component != "aws-cloudtrail" ||
				ev.Payload.Summary != "AWS Discovery API Calls via CLI from a Single Resource: arn:aws:iam::123456789012:user/mallory" {
				t.Errorf("payload %+v", ev.Payload)
			}
			if ev.Payload.CustomDetails["Esql.event_action_count_distinct"] != 6.0 || ev.Payload.CustomDetails["alert_id"] != id {
				t.Errorf("custom_details %v", ev.Payload.CustomDetails)
			}
			if _, ok := ev.Payload.CustomDetails["trailql.evidence.event_ids"]; ok {
				t.Errorf("evidence where the alert has none: %v", ev.Payload.CustomDetails)
			}
			if _, err := time.Parse(time.RFC3339, ev.Payload.Timestamp); err != nil {
				t.Errorf("timestamp %q", ev.Payload.Timestamp)
			}
		}},
		{name: "medium is warning", severity: "medium", check: wantPDSeverity("warning")},
		{name: "high is error", severity: "high", check: wantPDSeverity("error")},
		{name: "critical is critical", severity: "critical", check: wantPDSeverity("critical")},
		{name: "unknown is warning", severity: "severe", check: wantPDSeverity("warning")},
		{name: "update is a trigger with the same dedup_key", revision: 2, check: func(t *testing.T, id string, ev pdEvent) {
			if ev.EventAction != "trigger" || ev.DedupKey != id || ev.Payload.CustomDetails["revision"] != 2.0 {
				t.Errorf("event %+v", ev)
			}
		}},
		{name: "evidence", evidence: true, check: func(t *testing.T, id string, ev pdEvent) {
			if fmt.Sprint(ev.Payload.CustomDetails["trailql.evidence.event_ids"]) != "[e-1 e-2]" || ev.Payload.CustomDetails["trailql.evidence.event_count"] != 2.0 {
				t.Errorf("custom_details %v", ev.Payload.CustomDetails)
			}
		}},
		{name: "summary cut to 1024", user: long, check: func(t *testing.T, id string, ev pdEvent) {
			if n := utf8.RuneCountInString(ev.Payload.Summary); n != 1024 || !strings.HasSuffix(ev.Payload.Summary, "…") {
				t.Errorf("summary of %d characters", n)
			}
		}},
		{name: "over 512 KB", huge: true, check: func(t *testing.T, id string, ev pdEvent) {
			if ev.size > 512*1024 || fmt.Sprint(ev.Payload.CustomDetails["trailql.omitted"]) != "[Esql.event_action_values]" ||
				ev.Payload.CustomDetails["Esql.event_action_count_distinct"] == nil {
				t.Errorf("%d bytes, custom_details omitted %v", ev.size, ev.Payload.CustomDetails["trailql.omitted"])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := tc.user
			if user == "" {
				user = "alice"
			}
			id, doc := seedAlert(t, user, 6)
			var m map[string]any
			json.Unmarshal(doc, &m)
			if tc.severity != "" {
				m["kibana.alert.severity"] = tc.severity
			}
			if tc.evidence {
				m["trailql.evidence.event_ids"], m["trailql.evidence.event_count"] = []string{"e-1", "e-2"}, 2
			}
			if tc.huge {
				var vs []string
				for i := 0; i < 40000; i++ {
					vs = append(vs, fmt.Sprintf("Action%010d", i))
				}
				m["Esql.event_action_values"] = vs
			}
			doc, _ = json.Marshal(m)
			f := newFakePagerDuty(t)
			s := pdSink(t, f, "")
			d := state.Delivery{AlertID: id, Version: "v", Revision: max(tc.revision, 1), Doc: doc}
			if err := s.Send(context.Background(), []state.Delivery{d}); err != nil {
				t.Fatal(err)
			}
			ev := f.events[0]
			if ev.RoutingKey != testPDKey || ev.EventAction != "trigger" || ev.DedupKey != id || ev.Client != "trailql" {
				t.Errorf("event %+v", ev)
			}
			tc.check(t, id, ev)
		})
	}
}

func wantPDSeverity(want string) func(t *testing.T, id string, ev pdEvent) {
	return func(t *testing.T, id string, ev pdEvent) {
		if ev.Payload.Severity != want {
			t.Errorf("severity %q, want %q", ev.Payload.Severity, want)
		}
	}
}

// pagerduty: options: the endpoint as the target or ?endpoint-url=, the
// routing key only from the environment.
func TestPagerDutyParse(t *testing.T) {
	t.Setenv("TRAILQL_TEST_PD_KEY", testPDKey)
	t.Setenv("PAGERDUTY_ROUTING_KEY", "")
	for _, tc := range []struct {
		spec, name, errHas string
	}{
		{spec: "pagerduty:?routing-key-env=TRAILQL_TEST_PD_KEY", name: "pagerduty:https://events.pagerduty.com/"},
		{spec: "pagerduty:https://events.eu.pagerduty.com/v2/enqueue?routing-key-env=TRAILQL_TEST_PD_KEY", name: "pagerduty:https://events.eu.pagerduty.com/"},
		{spec: "pagerduty:?endpoint-url=http://127.0.0.1:1/v2/enqueue&routing-key-env=TRAILQL_TEST_PD_KEY", name: "pagerduty:http://127.0.0.1:1/"},
		{spec: "pagerduty:", errHas: "PAGERDUTY_ROUTING_KEY"},
		{spec: "pagerduty:?routing-key-env=TRAILQL_TEST_UNSET", errHas: "TRAILQL_TEST_UNSET"},
		{spec: "pagerduty:?routing-key=" + testPDKey, errHas: "unknown options"},
		{spec: "pagerduty:https://a.example/x?endpoint-url=https://b.example/x&routing-key-env=TRAILQL_TEST_PD_KEY", errHas: "once"},
		{spec: "pagerduty:ftp://a.example/x?routing-key-env=TRAILQL_TEST_PD_KEY", errHas: "http(s) URL"},
		{spec: "pagerduty:?routing-key-env=TRAILQL_TEST_PD_KEY&attempts=0", errHas: "attempts"},
	} {
		s, err := Parse(tc.spec)
		switch {
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("Parse(%q) err = %v, want it to mention %q", tc.spec, err, tc.errHas)
		case tc.errHas == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.spec, err)
		case tc.errHas == "" && !strings.HasPrefix(s.Name(), tc.name):
			t.Errorf("Parse(%q).Name() = %q, want prefix %q", tc.spec, s.Name(), tc.name)
		}
		if err != nil && strings.Contains(err.Error(), testPDKey) {
			t.Errorf("Parse(%q) error leaks the key: %v", tc.spec, err)
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
