package sink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/trailql/trailql/internal/state"
)

// openSearch writes alerts to OpenSearch with the _bulk protocol the
// Elasticsearch sink uses (bulk.go: the same documents, ids and per-item
// outcomes). The official Elasticsearch client refuses to talk to
// OpenSearch (it checks the X-Elastic-Product header), so requests are
// plain HTTP, signed with SigV4 for Amazon OpenSearch Service (?aws-region=R
// or ?sigv4=1 with the region of the AWS configuration; service es, or aoss
// for OpenSearch Serverless; credentials from the AWS default chain) or
// with basic auth from OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD (or
// ?username-env=, ?password-env=). A request answered 429 or 5xx, or lost
// on the network, is signed and sent again with backoff, up to 3 times in
// one Send (Retry-After honoured up to a minute); then the outbox retries.
type openSearch struct {
	url     string // the node, without a trailing slash
	name    string
	bulk    *bulkWriter
	client  *http.Client
	backoff Backoff
	tries   int
	// sign signs a request (SigV4) or sets basic auth; nil sends it as is.
	sign func(ctx context.Context, req *http.Request, body []byte) error
}

// parseOpenSearch reads opensearch:URL[?index=NAME&aws-region=R&sigv4=1&aws-service=es|aoss&username-env=VAR&password-env=VAR&ca-cert=PATH].
func parseOpenSearch(target string) (Sink, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sink opensearch: need an http(s) URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("sink opensearch: credentials in the URL are not allowed; set OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
	}
	o := takeOptions(u, "index", "aws-region", "sigv4", "aws-service", "username-env", "password-env", "ca-cert")
	if u.RawQuery != "" {
		return nil, unknownOptions("opensearch", u)
	}
	index := o["index"]
	if index == "" {
		index = DefaultIndex
	}
	if err := validIndex(index); err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if p, ok := o["ca-cert"]; ok {
		pem, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sink opensearch: ca-cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sink opensearch: ca-cert %s: no PEM certificate", p)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	s := &openSearch{url: strings.TrimSuffix(u.String(), "/"), bulk: &bulkWriter{index: index},
		client: &http.Client{Timeout: 30 * time.Second, Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		backoff: Backoff{Base: 500 * time.Millisecond, Max: 10 * time.Second}, tries: 3}
	s.name = "opensearch:" + u.Scheme + "://" + u.Host + "/" + index
	sigv4 := o["aws-region"] != ""
	switch v, ok := o["sigv4"]; {
	case !ok || v == "0" || v == "false":
	case v == "1" || v == "true":
		sigv4 = true
	default:
		return nil, fmt.Errorf("sink opensearch: sigv4=%q: want 1 or 0", v)
	}
	if _, ok := o["aws-service"]; ok && !sigv4 {
		return nil, fmt.Errorf("sink opensearch: aws-service goes with aws-region= or sigv4=1")
	}
	switch {
	case sigv4:
		service := o["aws-service"]
		if service == "" {
			service = "es"
		}
		if service != "es" && service != "aoss" {
			return nil, fmt.Errorf("sink opensearch: aws-service %q: want es or aoss", service)
		}
		var lo []func(*config.LoadOptions) error
		if r := o["aws-region"]; r != "" {
			lo = append(lo, config.WithRegion(r))
		}
		cfg, err := config.LoadDefaultConfig(context.Background(), lo...)
		if err != nil {
			return nil, fmt.Errorf("sink opensearch: AWS configuration: %w", err)
		}
		region := cfg.Region
		if region == "" {
			return nil, fmt.Errorf("sink opensearch: sigv4 needs a region: add ?aws-region=R or set AWS_REGION")
		}
		signer := v4.NewSigner()
		s.sign = func(ctx context.Context, req *http.Request, body []byte) error {
			creds, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				return fmt.Errorf("AWS credentials: %w", err)
			}
			sum := sha256.Sum256(body)
			hash := hex.EncodeToString(sum[:])
			req.Header.Set("X-Amz-Content-Sha256", hash) // OpenSearch Serverless requires it
			return signer.SignHTTP(ctx, creds, req, hash, service, region, time.Now())
		}
	default:
		userEnv, passEnv := o["username-env"], o["password-env"]
		if userEnv == "" {
			userEnv = "OPENSEARCH_USERNAME"
		}
		if passEnv == "" {
			passEnv = "OPENSEARCH_PASSWORD"
		}
		if _, explicit := o["username-env"]; explicit || os.Getenv(userEnv) != "" {
			user, err := envSecret("opensearch", "username-env", userEnv)
			if err != nil {
				return nil, err
			}
			pass, err := envSecret("opensearch", "password-env", passEnv)
			if err != nil {
				return nil, err
			}
			s.sign = func(_ context.Context, req *http.Request, _ []byte) error {
				req.SetBasicAuth(user, pass)
				return nil
			}
		}
	}
	return s, nil
}

// Name is "opensearch:" with the node's scheme and host and the index.
func (s *openSearch) Name() string { return s.name }

// Close closes idle connections.
func (s *openSearch) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// Send writes the deliveries in one _bulk request (bulk.go), retrying a
// request that failed as a whole and may succeed later.
func (s *openSearch) Send(ctx context.Context, ds []state.Delivery) error {
	body := s.bulk.body(ds)
	for attempt := 0; ; attempt++ {
		status, header, respBody, err := s.post(ctx, body)
		last := attempt+1 >= s.tries || ctx.Err() != nil
		switch {
		case err != nil && (last || IsPermanent(err)):
			return err
		case err != nil:
		case !retryable(status) || last:
			return s.bulk.outcome(s.name, ds, status, header, bytes.NewReader(respBody))
		}
		wait := s.backoff.Delay(attempt)
		if err == nil {
			if ra, ok := parseRetryAfter(header.Get("Retry-After"), time.Now()); ok {
				if ra > time.Minute {
					return s.bulk.outcome(s.name, ds, status, header, bytes.NewReader(respBody))
				}
				wait = ra
			}
		}
		if sleep(ctx, wait) != nil {
			return ctx.Err()
		}
	}
}

// post makes one signed _bulk request and reads the answer (at most 64 MiB).
func (s *openSearch) post(ctx context.Context, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/_bulk", bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, Permanent(fmt.Errorf("%s: %w", s.name, err))
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "trailql")
	if s.sign != nil {
		if err := s.sign(ctx, req, body); err != nil {
			return 0, nil, nil, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: bulk: %w", s.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: bulk response: %w", s.name, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}
