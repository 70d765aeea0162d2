package sink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
// plain HTTP, signed with SigV4 for Amazon OpenSearch Service (?aws-region=,
// service es, or aoss for OpenSearch Serverless; credentials from the AWS
// default chain) or with basic auth from OPENSEARCH_USERNAME and
// OPENSEARCH_PASSWORD (or ?username-env=, ?password-env=).
type openSearch struct {
	url    string // the node, without a trailing slash
	name   string
	bulk   *bulkWriter
	client *http.Client
	// sign signs a request (SigV4) or sets basic auth; nil sends it as is.
	sign func(ctx context.Context, req *http.Request, body []byte) error
}

// parseOpenSearch reads opensearch:URL[?index=NAME&aws-region=R&aws-service=es|aoss&username-env=VAR&password-env=VAR].
func parseOpenSearch(target string) (Sink, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sink opensearch: need an http(s) URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("sink opensearch: credentials in the URL are not allowed; set OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
	}
	o := takeOptions(u, "index", "aws-region", "aws-service", "username-env", "password-env")
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
	s := &openSearch{url: strings.TrimSuffix(u.String(), "/"), bulk: &bulkWriter{index: index},
		client: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.name = "opensearch:" + u.Scheme + "://" + u.Host + "/" + index
	switch region := o["aws-region"]; {
	case region != "":
		service := o["aws-service"]
		if service == "" {
			service = "es"
		}
		if service != "es" && service != "aoss" {
			return nil, fmt.Errorf("sink opensearch: aws-service %q: want es or aoss", service)
		}
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
		if err != nil {
			return nil, fmt.Errorf("sink opensearch: AWS configuration: %w", err)
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

func (s *openSearch) Name() string { return s.name }
func (s *openSearch) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// Send writes the deliveries in one _bulk request (bulk.go).
func (s *openSearch) Send(ctx context.Context, ds []state.Delivery) error {
	body := s.bulk.body(ds)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/_bulk", bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("%s: %w", s.name, err))
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "trailql")
	if s.sign != nil {
		if err := s.sign(ctx, req, body); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: bulk: %w", s.name, err)
	}
	defer resp.Body.Close()
	return s.bulk.outcome(s.name, ds, resp.StatusCode, resp.Header, resp.Body)
}
