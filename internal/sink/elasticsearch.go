package sink

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/trailql/trailql/internal/state"
)

// DefaultIndex is where the Elasticsearch sink writes alerts unless told
// otherwise. Not a dot-prefixed name like Kibana's .alerts-security.*:
// Elasticsearch reserves those for system and hidden indices and warns on
// creating them, and trailql's documents must not be mistaken for Kibana's.
const DefaultIndex = "trailql-alerts"

// ElasticsearchOptions configure an Elasticsearch sink. Credentials are
// never taken from the --sink value: see Parse for the environment
// variables.
type ElasticsearchOptions struct {
	Addresses []string // node URLs
	Index     string   // DefaultIndex when ""
	APIKey    string   // base64 "id:key", as Kibana and the ES API give it
	Username  string
	Password  string
	CACert    []byte // PEM, for clusters with their own CA
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// MaxRetries of one bulk request on 429, 502, 503, 504 and network
	// errors inside Send (default 3); beyond them the outbox retries.
	MaxRetries int
	// External writes Kibana "external alerts" into the data stream
	// logs-trailql.alert-<Namespace> instead of alert documents into
	// Index (bulk.go).
	External  bool
	Namespace string // "default" when ""
	// NoTemplate leaves the external profile's index template to the
	// cluster's administrators: the sink does not put it (for an API key
	// without the manage_index_templates privilege).
	NoTemplate bool
}

type esSink struct {
	client *elasticsearch.Client
	bulk   *bulkWriter
	name   string
}

// NewElasticsearch makes a sink that writes alerts with the _bulk API,
// with _id = alert id (kibana.alert.uuid): the first version of an alert
// is a "create", so a retried request whose first attempt did land gets a
// 409 and counts as delivered, never as a second document; a later
// version (Delivery.Update) is an "index" that replaces it. Either way an
// alert is one document, whatever the retries.
func NewElasticsearch(opts ElasticsearchOptions) (Sink, error) {
	if len(opts.Addresses) == 0 {
		return nil, fmt.Errorf("sink elasticsearch: need a URL")
	}
	var first *url.URL
	for _, a := range opts.Addresses {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sink elasticsearch: %q is not an http(s) URL", a)
		}
		if u.User != nil {
			return nil, fmt.Errorf("sink elasticsearch: credentials in the URL are not allowed; set ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD")
		}
		if first == nil {
			first = u
		}
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.External {
		opts.Index = "logs-" + ExternalDataset + "-" + opts.Namespace
	}
	if opts.Index == "" {
		opts.Index = DefaultIndex
	}
	if err := validIndex(opts.Index); err != nil {
		return nil, err
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 3
	}
	bo := Backoff{Base: 500 * time.Millisecond, Max: 10 * time.Second}
	client, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:     opts.Addresses,
		APIKey:        opts.APIKey,
		Username:      opts.Username,
		Password:      opts.Password,
		CACert:        opts.CACert,
		Transport:     opts.Transport,
		RetryOnStatus: []int{429, 502, 503, 504},
		MaxRetries:    opts.MaxRetries,
		RetryBackoff:  func(attempt int) time.Duration { return bo.Delay(attempt - 1) },
	})
	if err != nil {
		return nil, fmt.Errorf("sink elasticsearch: %w", err)
	}
	name := "elasticsearch:" + first.Scheme + "://" + first.Host + "/" + opts.Index
	return &esSink{client: client, bulk: &bulkWriter{index: opts.Index, external: opts.External, namespace: opts.Namespace, templated: opts.NoTemplate}, name: name}, nil
}

// validIndex applies Elasticsearch's index name rules (lowercase; not
// starting with -, _ or +; none of \ / * ? " < > | space , #; not . or ..;
// at most 255 bytes), so a typo fails at start, not at the first alert.
func validIndex(s string) error {
	bad := s == "" || s == "." || s == ".." || len(s) > 255 ||
		strings.ContainsAny(s, `\/*?"<>| ,#:`) || strings.ToLower(s) != s ||
		strings.HasPrefix(s, "-") || strings.HasPrefix(s, "_") || strings.HasPrefix(s, "+")
	if bad {
		return fmt.Errorf("sink elasticsearch: invalid index name %q", s)
	}
	return nil
}

// Name is "elasticsearch:" with the first node's scheme and host and the
// index or data stream.
func (s *esSink) Name() string { return s.name }

// Close does nothing: the client keeps no state to release.
func (s *esSink) Close() error { return nil }

// Send writes the deliveries in one _bulk request and maps the per-item
// results back (bulk.go).
func (s *esSink) Send(ctx context.Context, ds []state.Delivery) error {
	if err := s.bulk.ensureTemplate(ctx, s.name, s.putTemplate); err != nil {
		return err
	}
	body := s.bulk.body(ds)
	// The Bulk API docs ask for Content-Type application/x-ndjson; the
	// client's default is application/json.
	res, err := s.client.Bulk(bytes.NewReader(body), s.client.Bulk.WithContext(ctx),
		s.client.Bulk.WithHeader(map[string]string{"Content-Type": "application/x-ndjson"}))
	if err != nil {
		return fmt.Errorf("%s: bulk: %w", s.name, err)
	}
	defer res.Body.Close()
	return s.bulk.outcome(s.name, ds, res.StatusCode, res.Header, res.Body)
}

// putTemplate installs an index template through the client.
func (s *esSink) putTemplate(ctx context.Context, name string, body []byte) (int, string, error) {
	res, err := s.client.Indices.PutIndexTemplate(name, bytes.NewReader(body), s.client.Indices.PutIndexTemplate.WithContext(ctx))
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	return res.StatusCode, bodySnippet(res.Body), nil
}
