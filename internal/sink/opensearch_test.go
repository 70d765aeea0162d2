package sink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/trailql/trailql/internal/state"
)

// sigv4Header is the shape of a SigV4 Authorization header.
var sigv4Header = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// checkSigV4 verifies a request as AWS would with the test credentials:
// the Authorization header's shape, X-Amz-Date, X-Amz-Content-Sha256 the
// body's hash, then the signature itself, recomputed over the signed
// headers of the request as received.
func checkSigV4(r *http.Request, body []byte, region, service, token string) error {
	m := sigv4Header.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("Authorization %q is not SigV4", r.Header.Get("Authorization"))
	}
	if m[1] != "AKIDTEST" || m[3] != region || m[4] != service {
		return fmt.Errorf("credential scope %s/%s/%s/%s", m[1], m[2], m[3], m[4])
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != m[2] || time.Since(at) > time.Minute {
		return fmt.Errorf("X-Amz-Date %q", r.Header.Get("X-Amz-Date"))
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if r.Header.Get("X-Amz-Content-Sha256") != hash {
		return fmt.Errorf("X-Amz-Content-Sha256 is not the body's hash")
	}
	if r.Header.Get("X-Amz-Security-Token") != token {
		return fmt.Errorf("X-Amz-Security-Token %q, want %q", r.Header.Get("X-Amz-Security-Token"), token)
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" && h != "content-length" {
			again.Header.Set(h, r.Header.Get(h))
		}
	}
	again.Header.Del("Authorization")
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret-test", SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hash, service, region, at); err != nil {
		return err
	}
	if again.Header.Get("Authorization") != r.Header.Get("Authorization") {
		return fmt.Errorf("signature does not verify:\n got %s\nwant %s", r.Header.Get("Authorization"), again.Header.Get("Authorization"))
	}
	return nil
}

// opensearch: writes the same _bulk documents as elasticsearch: over plain
// HTTP: signed with SigV4 for Amazon OpenSearch Service (es) or
// Serverless (aoss), the signature verified as AWS does; with basic auth;
// or unauthenticated.
func TestOpenSearch(t *testing.T) {
	for _, tc := range []struct {
		name, opts, region, token string
		check                     func(r *http.Request, body []byte) error
	}{
		{name: "sigv4 es", opts: "?aws-region=eu-west-1", check: func(r *http.Request, body []byte) error {
			return checkSigV4(r, body, "eu-west-1", "es", "")
		}},
		{name: "sigv4 aoss with a session token", opts: "?aws-region=us-east-2&aws-service=aoss", token: "SESSIONTOKEN", check: func(r *http.Request, body []byte) error {
			return checkSigV4(r, body, "us-east-2", "aoss", "SESSIONTOKEN")
		}},
		{name: "sigv4=1 takes AWS_REGION", opts: "?sigv4=1", region: "ap-southeast-2", check: func(r *http.Request, body []byte) error {
			return checkSigV4(r, body, "ap-southeast-2", "es", "")
		}},
		{name: "basic auth", check: func(r *http.Request, _ []byte) error {
			if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "pw" {
				return fmt.Errorf("no basic auth")
			}
			return nil
		}},
		{name: "basic auth from other variables", opts: "?username-env=TRAILQL_TEST_OS_USER&password-env=TRAILQL_TEST_OS_PASS", check: func(r *http.Request, _ []byte) error {
			if u, p, ok := r.BasicAuth(); !ok || u != "other" || p != "pw2" {
				return fmt.Errorf("no basic auth")
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
			t.Setenv("AWS_SESSION_TOKEN", tc.token)
			t.Setenv("AWS_REGION", tc.region)
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
			t.Setenv("OPENSEARCH_USERNAME", "admin")
			t.Setenv("OPENSEARCH_PASSWORD", "pw")
			t.Setenv("TRAILQL_TEST_OS_USER", "other")
			t.Setenv("TRAILQL_TEST_OS_PASS", "pw2")
			es := newFakeES(t)
			es.check = tc.check
			s, err := Parse("opensearch:" + es.URL + tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			id, doc := seedAlert(t, "alice", 6)
			ds := []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}
			if err := s.Send(context.Background(), ds); err != nil {
				t.Fatal(err)
			}
			ds[0].Version, ds[0].Revision = "v2", 2
			if err := s.Send(context.Background(), ds); err != nil {
				t.Fatal(err)
			}
			if es.doc(t, DefaultIndex, id) == nil || strings.Join(es.actions, ",") != "create "+id+",index "+id {
				t.Errorf("actions %v", es.actions)
			}
			for _, leak := range []string{"secret-test", "pw"} {
				if strings.Contains(s.Name(), leak) {
					t.Errorf("name %q", s.Name())
				}
			}
		})
	}
}

// A _bulk answered 502 after OpenSearch did the work is sent again in the
// same Send (freshly signed), and its creates' 409s count as delivered.
func TestOpenSearchRetries(t *testing.T) {
	t.Setenv("OPENSEARCH_USERNAME", "")
	es := newFakeES(t)
	es.loseFirst = 2
	s, err := Parse("opensearch:" + es.URL)
	if err != nil {
		t.Fatal(err)
	}
	s.(*openSearch).backoff = Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond}
	id, doc := seedAlert(t, "alice", 6)
	if err := s.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}}); err != nil {
		t.Fatal(err)
	}
	if es.bulks != 3 || len(es.docs[DefaultIndex]) != 1 {
		t.Errorf("%d bulk requests, %d documents", es.bulks, len(es.docs[DefaultIndex]))
	}
	es.loseFirst = 10
	err = s.Send(context.Background(), []state.Delivery{{AlertID: id, Version: "v2", Revision: 2, Doc: doc}})
	if err == nil || IsPermanent(err) || es.bulks != 6 {
		t.Errorf("after 3 lost answers: %v (%d requests); want a retryable error after 3 tries", err, es.bulks)
	}
}

func TestOpenSearchParse(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("OPENSEARCH_USERNAME", "")
	pem := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(pem, []byte("not a certificate"), 0o600)
	for _, tc := range []struct{ spec, errHas string }{
		{"opensearch:https://search.example:9200", ""},
		{"opensearch:https://search.example:9200?index=sec", ""},
		{"opensearch:https://admin:pw@search.example:9200", "credentials in the URL"},
		{"opensearch:search.example:9200", "http(s) URL"},
		{"opensearch:https://search.example?sigv4=1", "region"},
		{"opensearch:https://search.example?sigv4=maybe", "sigv4"},
		{"opensearch:https://search.example?aws-region=eu-west-1&aws-service=s3", "aws-service"},
		{"opensearch:https://search.example?aws-service=aoss", "aws-service goes with"},
		{"opensearch:https://search.example?password=pw", `unknown options "password"`},
		{"opensearch:https://search.example?ca-cert=" + pem, "no PEM"},
		{"opensearch:https://search.example?username-env=TRAILQL_TEST_UNSET", "TRAILQL_TEST_UNSET"},
	} {
		_, err := Parse(tc.spec)
		if (tc.errHas == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("Parse(%q): %v, want %q", tc.spec, err, tc.errHas)
		}
		if err != nil && (strings.Contains(err.Error(), "pw@") || strings.Contains(err.Error(), "=pw")) {
			t.Errorf("Parse(%q) error quotes the password: %v", tc.spec, err)
		}
	}
}
