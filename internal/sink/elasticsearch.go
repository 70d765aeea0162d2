package sink

import (
	"bytes"
	"context"
	"encoding/json"
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
}

type esSink struct {
	client *elasticsearch.Client
	index  string
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
	return &esSink{client: client, index: opts.Index, name: name}, nil
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

func (s *esSink) Name() string { return s.name }
func (s *esSink) Close() error { return nil }

// bulkItem is one entry of a _bulk response's items: an object with one
// key, the action ("create", "index").
type bulkItem map[string]struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// Send writes the deliveries in one _bulk request and maps the per-item
// results back (the items array is in request order, per the Bulk API
// docs). Item outcomes: 2xx delivered; 409 on a create means the document
// exists (an earlier attempt landed), delivered; 429 and 5xx retried;
// other errors (a mapping conflict) are permanent for that alert.
func (s *esSink) Send(ctx context.Context, ds []state.Delivery) error {
	var body bytes.Buffer
	for _, d := range ds {
		action := "create"
		if d.Update() {
			action = "index"
		}
		meta, _ := json.Marshal(map[string]map[string]string{action: {"_index": s.index, "_id": d.AlertID}})
		body.Write(meta)
		body.WriteByte('\n')
		body.Write(appendLine(nil, d.Doc))
	}
	// The Bulk API docs ask for Content-Type application/x-ndjson; the
	// client's default is application/json.
	res, err := s.client.Bulk(bytes.NewReader(body.Bytes()), s.client.Bulk.WithContext(ctx),
		s.client.Bulk.WithHeader(map[string]string{"Content-Type": "application/x-ndjson"}))
	if err != nil {
		return fmt.Errorf("%s: bulk: %w", s.name, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		err := fmt.Errorf("%s: bulk: HTTP %d: %s", s.name, res.StatusCode, bodySnippet(res.Body))
		if retryable(res.StatusCode) {
			if ra, ok := parseRetryAfter(res.Header.Get("Retry-After"), time.Now()); ok {
				return retryAfterError{err, ra}
			}
			return err
		}
		return Permanent(err)
	}
	var br struct {
		Errors bool       `json:"errors"`
		Items  []bulkItem `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil {
		return fmt.Errorf("%s: bulk response: %w", s.name, err)
	}
	if len(br.Items) != len(ds) {
		return fmt.Errorf("%s: bulk response has %d items for %d actions", s.name, len(br.Items), len(ds))
	}
	if !br.Errors {
		return nil
	}
	be := &BatchError{Errs: make([]error, len(ds))}
	for i, item := range br.Items {
		for action, r := range item {
			if r.Status >= 200 && r.Status < 300 {
				continue
			}
			if r.Status == http.StatusConflict && action == "create" {
				continue // already there: a retry of a create that landed
			}
			reason := ""
			if r.Error != nil {
				reason = r.Error.Type + ": " + r.Error.Reason
			}
			err := fmt.Errorf("%s: %s %s: HTTP %d: %s", s.name, action, ds[i].AlertID, r.Status, reason)
			if !retryable(r.Status) {
				err = Permanent(err)
			}
			be.Errs[i] = err
		}
	}
	for _, e := range be.Errs {
		if e != nil {
			return be
		}
	}
	return nil
}
