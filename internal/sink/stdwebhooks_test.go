package sink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// verifyStdWebhook checks a request as the Standard Webhooks spec tells a
// receiver to ("Verifying signatures"): the timestamp within a tolerance of
// now (replays), then each space-separated signature of the header, the
// "v1" ones compared in constant time with HMAC-SHA256(key,
// "{id}.{timestamp}.{body}") over the raw body; any one match verifies.
func verifyStdWebhook(h http.Header, body []byte, key []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	if strings.Contains(id, ".") {
		return errors.New("webhook-id has a '.'")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not an integer")
	}
	if d := now.Sub(time.Unix(secs, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("webhook-timestamp outside the tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Split(sigs, " ") {
		version, b64, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// Standard Webhooks signing on the webhook sink: every attempt signed, the
// webhook-id the same on retries (an idempotency key naming the alert
// version), a fresh timestamp per attempt; a rotation's two keys each
// verify; X-Trailql-Signature is kept alongside; bad secrets are refused
// without being quoted.
func TestStandardWebhooks(t *testing.T) {
	newKey := []byte("0123456789abcdef0123456789abcdef")
	oldKey := []byte("fedcba9876543210fedcba9876543210")
	other := []byte("not the key, not the key, not it")
	whsec := func(k []byte) string { return "whsec_" + base64.StdEncoding.EncodeToString(k) }
	for _, tc := range []struct {
		name      string
		secret    string // the variable's value
		opts      string // more options
		script    []int
		alertID   string
		verifies  [][]byte // keys that verify every attempt
		refuses   [][]byte // keys that verify none
		signature bool     // X-Trailql-Signature too
	}{
		{name: "one key", secret: whsec(newKey), verifies: [][]byte{newKey}, refuses: [][]byte{other}},
		{name: "retried: same id, each attempt signed", secret: whsec(newKey), script: []int{503, 502}, verifies: [][]byte{newKey}},
		{name: "rotation: new and old keys", secret: whsec(newKey) + " " + whsec(oldKey), verifies: [][]byte{newKey, oldKey}, refuses: [][]byte{other}},
		{name: "without the prefix", secret: base64.StdEncoding.EncodeToString(newKey), verifies: [][]byte{newKey}},
		{name: "with the HMAC header", secret: whsec(newKey), opts: "&hmac-secret-env=TRAILQL_TEST_HMAC", verifies: [][]byte{newKey}, signature: true},
		{name: "an id with dots is hashed", secret: whsec(newKey), alertID: "integrity.digest.2024", verifies: [][]byte{newKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TRAILQL_TEST_WHSEC", tc.secret)
			t.Setenv("TRAILQL_TEST_HMAC", "hmac-secret")
			srv := newHookServer(t, tc.script...)
			s, err := Parse("webhook:" + srv.URL + "?standard-webhooks-secret-env=TRAILQL_TEST_WHSEC" + tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s.(*webhook).opts.Backoff = Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond}
			id, doc := seedAlert(t, "alice", 6)
			if tc.alertID != "" {
				id = tc.alertID
			}
			if err := s.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "0f0f", Revision: 1, Doc: doc}}); err != nil {
				t.Fatal(err)
			}
			if len(srv.heads) != len(tc.script)+1 || len(srv.ok) != 1 {
				t.Fatalf("%d requests, %d accepted", len(srv.heads), len(srv.ok))
			}
			body := srv.ok[0] // every attempt carries the same bytes
			wantID := "trailql_" + id + "_0f0f"
			if tc.alertID != "" {
				wantID = "trailql_" + idSafe(id) + "_0f0f"
				if strings.Contains(wantID, ".") || len(wantID) != len("trailql_")+32+5 {
					t.Errorf("webhook-id %q", wantID)
				}
			}
			for i, h := range srv.heads {
				if h.Get("webhook-id") != wantID {
					t.Errorf("attempt %d: webhook-id %q, want %q", i, h.Get("webhook-id"), wantID)
				}
				if n := len(strings.Fields(h.Get("webhook-signature"))); n != len(strings.Fields(tc.secret)) {
					t.Errorf("attempt %d: %d signatures, want one per key", i, n)
				}
				for _, k := range tc.verifies {
					if err := verifyStdWebhook(h, body, k, time.Now()); err != nil {
						t.Errorf("attempt %d: %v", i, err)
					}
				}
				for _, k := range tc.refuses {
					if verifyStdWebhook(h, body, k, time.Now()) == nil {
						t.Errorf("attempt %d verifies with a wrong key", i)
					}
				}
				if verifyStdWebhook(h, append([]byte(" "), body...), tc.verifies[0], time.Now()) == nil {
					t.Errorf("attempt %d verifies a tampered body", i)
				}
				if verifyStdWebhook(h, body, tc.verifies[0], time.Now().Add(time.Hour)) == nil {
					t.Errorf("attempt %d verifies an hour later (a replay)", i)
				}
				if (h.Get(SignatureHeader) != "") != tc.signature {
					t.Errorf("attempt %d: X-Trailql-Signature %q", i, h.Get(SignatureHeader))
				}
			}
		})
	}

	for _, bad := range []string{"whsec_!!notbase64", whsec([]byte("short")), whsec(make([]byte, 65)), whsec(newKey) + " whsec_@@", "  "} {
		t.Setenv("TRAILQL_TEST_WHSEC", bad)
		_, err := Parse("webhook:http://127.0.0.1:1/?standard-webhooks-secret-env=TRAILQL_TEST_WHSEC")
		if err == nil {
			t.Errorf("secret %q accepted", bad)
		} else if f := strings.Fields(bad); len(f) > 0 && strings.Contains(err.Error(), strings.TrimPrefix(f[0], "whsec_")) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}
