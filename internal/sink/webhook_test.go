package sink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// hookServer is a webhook receiver on loopback that answers with the
// statuses in script (then 200) and records what it got.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	hits   int
	ok     [][]byte      // bodies answered 200
	heads  []http.Header // headers of every request
	times  []time.Time
	extra  func(w http.ResponseWriter, status int)
}

func newHookServer(t *testing.T, script ...int) *hookServer {
	h := &hookServer{script: script}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		status := http.StatusOK
		if h.hits < len(h.script) {
			status = h.script[h.hits]
		}
		h.hits++
		h.heads = append(h.heads, r.Header.Clone())
		h.times = append(h.times, time.Now())
		if status == http.StatusOK {
			h.ok = append(h.ok, body)
		}
		extra := h.extra
		h.mu.Unlock()
		if status == -1 { // the receiver drops the connection: a network error
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		if extra != nil {
			extra(w, status)
		}
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) counts() (hits, ok int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits, len(h.ok)
}

func fastWebhook(t *testing.T, url string, mod func(*WebhookOptions)) Sink {
	t.Helper()
	opts := WebhookOptions{URL: url, Backoff: Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}}
	if mod != nil {
		mod(&opts)
	}
	s, err := NewWebhook(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWebhookRetriesTransientFailures: 503, 503, then 200 is one delivery
// after three attempts, in one Send; the outbox ends empty and the version
// is recorded as sent. A dropped connection is retried the same way.
func TestWebhookRetriesTransientFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []int
	}{
		{"503 twice", []int{503, 503}},
		{"connection dropped then 502", []int{-1, 502}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHookServer(t, tc.script...)
			wh := fastWebhook(t, srv.URL+"/hook", nil)
			st := newStore(t, wh.Name())
			ids := upsert(t, st, 1)
			if err := NewDispatcher(st, []Sink{wh}, fastOpts()).Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			hits, ok := srv.counts()
			if hits != 3 || ok != 1 {
				t.Fatalf("server saw %d requests, %d accepted; want 3 and 1", hits, ok)
			}
			var doc map[string]any
			if err := json.Unmarshal(srv.ok[0], &doc); err != nil || doc["kibana.alert.uuid"] != ids[0] {
				t.Errorf("body is not the alert document: %v %v", err, doc["kibana.alert.uuid"])
			}
			if h := srv.heads[2]; h.Get("X-Trailql-Alert-Id") != ids[0] || h.Get("X-Trailql-Alert-Version") == "" || h.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", h)
			}
			if s := stats(t, st, wh.Name()); s.Pending != 0 || s.Sent != 1 {
				t.Errorf("outbox = %+v, want delivered", s)
			}
		})
	}
}

// TestWebhookGivesUpAfterMaxAttempts: a receiver that stays down ends the
// Send after MaxAttempts; the delivery stays pending with its attempt
// counted, and later ones are not attempted.
func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	srv := newHookServer(t, 503, 503, 503, 503, 503, 503)
	wh := fastWebhook(t, srv.URL, func(o *WebhookOptions) { o.MaxAttempts = 3 })
	st := newStore(t, wh.Name())
	upsert(t, st, 2)
	if err := NewDispatcher(st, []Sink{wh}, fastOpts()).Flush(context.Background()); err == nil {
		t.Fatal("Flush reported success with the receiver down")
	}
	if hits, _ := srv.counts(); hits != 3 {
		t.Errorf("requests = %d, want 3 (MaxAttempts, then the rest not attempted)", hits)
	}
	ds, _ := st.PendingAt(wh.Name(), 10, time.Now().Add(time.Hour))
	if len(ds) != 2 || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "HTTP 503") || ds[1].Attempts != 0 {
		t.Errorf("pending = %+v", ds)
	}
}

// TestWebhookClientErrorsAreNotRetried: a 400 is the request's fault: one
// request, the delivery parked, the next alert still sent; a restart
// (Run unparks) tries it again.
func TestWebhookClientErrorsAreNotRetried(t *testing.T) {
	srv := newHookServer(t, 400)
	wh := fastWebhook(t, srv.URL, nil)
	st := newStore(t, wh.Name())
	upsert(t, st, 2)
	if err := NewDispatcher(st, []Sink{wh}, fastOpts()).Flush(context.Background()); err == nil || !strings.Contains(err.Error(), "rejected 1 alerts") {
		t.Fatalf("Flush err = %v, want the rejection reported", err)
	}
	if hits, ok := srv.counts(); hits != 2 || ok != 1 {
		t.Fatalf("requests %d, accepted %d; want 2 and 1 (400 not retried)", hits, ok)
	}
	if s := stats(t, st, wh.Name()); s.Parked != 1 || s.Sent != 1 {
		t.Fatalf("outbox = %+v, want 1 parked, 1 sent", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- NewDispatcher(st, []Sink{wh}, fastOpts()).Run(ctx) }()
	eventually(t, "the parked alert to be retried", func() bool { _, ok := srv.counts(); return ok == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestWebhookRespectsRetryAfter: a 429 with Retry-After: 1 is retried
// after at least a second.
func TestWebhookRespectsRetryAfter(t *testing.T) {
	srv := newHookServer(t, 429)
	srv.extra = func(w http.ResponseWriter, status int) {
		if status == 429 {
			w.Header().Set("Retry-After", "1")
		}
	}
	wh := fastWebhook(t, srv.URL, nil)
	st := newStore(t, wh.Name())
	upsert(t, st, 1)
	if err := NewDispatcher(st, []Sink{wh}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(srv.times) != 2 {
		t.Fatalf("requests = %d, want 2", len(srv.times))
	}
	if gap := srv.times[1].Sub(srv.times[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, want >= 1s (Retry-After)", gap)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 11, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"Mon, 04 Nov 2024 10:00:30 GMT", 30 * time.Second, true}, // RFC 9110 §10.2.3 HTTP-date
		{"Mon, 04 Nov 2024 09:00:00 GMT", 0, true},                // in the past: retry now
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestWebhookHMACSignature: with ?hmac-secret-env the body is signed with
// HMAC-SHA256 under the secret from the environment; the receiver's check
// passes, and neither the secret nor the URL's path shows in the name.
func TestWebhookHMACSignature(t *testing.T) {
	const secret = "s3cr3t-for-test"
	t.Setenv("TRAILQL_TEST_HOOK_SECRET", secret)
	srv := newHookServer(t)
	s, err := Parse("webhook:" + srv.URL + "/services/T000/B000/tokenpart?hmac-secret-env=TRAILQL_TEST_HOOK_SECRET")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Name(), "tokenpart") || strings.Contains(s.Name(), secret) || !strings.HasPrefix(s.Name(), "webhook:http://127.0.0.1") {
		t.Errorf("Name() = %q leaks the URL path or secret", s.Name())
	}
	st := newStore(t, s.Name())
	upsert(t, st, 1)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.heads[0].Get(SignatureHeader)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(srv.ok[0])
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("%s = %q, want %q", SignatureHeader, got, want)
	}
	// Unsigned without a secret.
	plain := fastWebhook(t, srv.URL, nil)
	id, doc := seedAlert(t, "arn:aws:iam::123456789012:user/x", 6)
	if err := plain.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}); err != nil {
		t.Fatal(err)
	}
	if h := srv.heads[len(srv.heads)-1].Get(SignatureHeader); h != "" {
		t.Errorf("unsigned webhook sent %s: %q", SignatureHeader, h)
	}
}

// TestWebhookSecretFromMissingEnvIsAnError: the variable must be set, and
// the error names the variable, never a value.
func TestWebhookSecretFromMissingEnvIsAnError(t *testing.T) {
	t.Setenv("TRAILQL_TEST_UNSET", "")
	_, err := Parse("webhook:https://example.com/h?hmac-secret-env=TRAILQL_TEST_UNSET")
	if err == nil || !strings.Contains(err.Error(), "TRAILQL_TEST_UNSET") {
		t.Fatalf("err = %v", err)
	}
}

// TestWebhookSlackFormat: format=slack posts a Block Kit message: "text",
// a short summary with the rule, severity, identity, window, count and
// actions (the notification and fallback), and "blocks" laying out the same
// with the first evidence events, with log data escaped for mrkdwn
// everywhere so it cannot mention @channel or forge a link.
func TestWebhookSlackFormat(t *testing.T) {
	srv := newHookServer(t)
	s, err := Parse("webhook:" + srv.URL + "?format=slack")
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, s.Name())
	evil := "arn:aws:iam::123456789012:user/<!channel> & <https://evil.example|ok>"
	id, doc := seedAlert(t, evil, 7)
	var m map[string]any
	json.Unmarshal(doc, &m)
	ids := []any{"e-1", "e-<!here>", "e-3", "e-4", "e-5", "e-6", "e-7"}
	m["trailql.evidence.event_ids"], m["trailql.evidence.event_count"] = ids, 9
	doc, _ = json.Marshal(m)
	st.Upsert(id, doc)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var payload struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(srv.ok[0], &payload); err != nil {
		t.Fatal(err)
	}
	text := payload.Text
	if text == "" || len(payload.Blocks) < 4 {
		t.Fatalf("payload = %s, want text and blocks", srv.ok[0])
	}
	types := []string{}
	for _, b := range payload.Blocks {
		types = append(types, fmt.Sprint(b["type"]))
	}
	if strings.Join(types, " ") != "header section section section context" {
		t.Errorf("block types %v", types)
	}
	if h := payload.Blocks[0]["text"].(map[string]any); h["type"] != "plain_text" || h["text"] != "AWS Discovery API Calls via CLI from a Single Resource" {
		t.Errorf("header %v", h)
	}
	var bb strings.Builder
	enc := json.NewEncoder(&bb)
	enc.SetEscapeHTML(false)
	enc.Encode(payload.Blocks)
	blocks := bb.String()
	for _, want := range []string{"*Identity*\\n`arn:aws:iam::123456789012:user/&lt;!channel&gt;", "*Events behind the alert* (9):", "• `e-1`", "• `e-&lt;!here&gt;`", "… and 4 more", "alert `" + id + "`"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %q:\n%s", want, blocks)
		}
	}
	if strings.Contains(string(srv.ok[0]), "<!") || strings.Contains(string(srv.ok[0]), `\u003c!`) {
		t.Errorf("unescaped control sequence in %s", srv.ok[0])
	}
	for _, want := range []string{
		"*AWS Discovery API Calls via CLI from a Single Resource*",
		"severity low",
		"*Identity:* `arn:aws:iam::123456789012:user/&lt;!channel&gt; &amp; &lt;https://evil.example|ok&gt;`",
		"*Source:* `203.0.113.7`",
		"*Window:* 2024-11-04T10:00:10.000Z",
		"*Count:* 7 (Esql.event_action_count_distinct)",
		"*Actions:* `DescribeInstances`, `GetCallerIdentity`",
		"*Account:* `123456789012`",
		"Alert `" + id[:12] + "`",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("slack text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "<!channel>") || strings.Contains(text, "<https://evil") {
		t.Errorf("unescaped control sequence in:\n%s", text)
	}
}

func TestSlackEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain *bold* _x_":      "plain *bold* _x_", // only &, <, > are control characters
		"a & b":                 "a &amp; b",
		"<!here> <@U123>":       "&lt;!here&gt; &lt;@U123&gt;",
		"&amp; already escaped": "&amp;amp; already escaped",
	} {
		if got := slackEscape(in); got != want {
			t.Errorf("slackEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

// format=ocsf posts each alert as an OCSF Detection Finding.
func TestWebhookOCSFFormat(t *testing.T) {
	srv := newHookServer(t)
	s, err := Parse("webhook:" + srv.URL + "?format=ocsf")
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, s.Name())
	id, doc := seedAlert(t, "alice", 6)
	st.Upsert(id, doc)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Class int                  `json:"class_uid"`
		Info  struct{ UID string } `json:"finding_info"`
	}
	if err := json.Unmarshal(srv.ok[0], &f); err != nil || f.Class != 2004 || f.Info.UID != id {
		t.Errorf("payload %s: %+v, %v", srv.ok[0], f, err)
	}
}
