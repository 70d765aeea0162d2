package sink

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// Webhook payload formats.
const (
	FormatJSON  = "json"  // the alert document as the request body
	FormatSlack = "slack" // {"text": "..."}: Slack incoming webhooks and compatible chat tools
)

// SignatureHeader carries the HMAC-SHA256 of the request body, keyed with
// the webhook secret, as "sha256=<hex>" (the scheme GitHub's webhooks use,
// so receivers have ready-made verifiers).
const SignatureHeader = "X-Trailql-Signature"

// WebhookOptions configure a webhook sink.
type WebhookOptions struct {
	URL    string
	Secret []byte // HMAC key; nil sends unsigned requests
	// StdSecrets, when set, also sign requests as Standard Webhooks do
	// (stdwebhooks.go): the keys decoded from whsec_<base64>, one
	// signature each (more than one during a key rotation).
	StdSecrets [][]byte
	Format     string // FormatJSON (default), FormatSlack, FormatOCSF or FormatPagerDuty
	// RoutingKey is the PagerDuty integration key (FormatPagerDuty).
	RoutingKey string
	// MaxAttempts is how many times one Send tries a delivery before
	// leaving it to the outbox's later retry (default 4).
	MaxAttempts int
	// Backoff spaces those attempts (default 500ms doubling to 30s).
	Backoff Backoff
	// MaxRetryAfter is the longest Retry-After a Send waits for; a
	// longer one ends the Send and the outbox retries after it
	// (default 60s).
	MaxRetryAfter time.Duration
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// Client overrides the HTTP client (tests, proxies). Redirects
	// should not be followed: a POST turned into a GET loses the alert.
	Client *http.Client
}

type webhook struct {
	opts  WebhookOptions
	url   string
	shown string // redacted URL for names and errors
}

// NewWebhook makes a sink that POSTs each alert to opts.URL.
func NewWebhook(opts WebhookOptions) (Sink, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sink webhook: need an http(s) URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("sink webhook: credentials in the URL are not allowed; use ?hmac-secret-env=VAR")
	}
	switch opts.Format {
	case "":
		opts.Format = FormatJSON
	case FormatJSON, FormatSlack, FormatOCSF, FormatPagerDuty:
	default:
		return nil, fmt.Errorf("sink webhook: unknown format %q (want json, slack or ocsf)", opts.Format)
	}
	if opts.Format == FormatPagerDuty && opts.RoutingKey == "" {
		return nil, fmt.Errorf("sink pagerduty: no routing key")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.Backoff.Base <= 0 {
		opts.Backoff = Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second}
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout: opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return &webhook{opts: opts, url: u.String(), shown: redactURL(u)}, nil
}

// Name is "webhook:" or "pagerduty:" with the redacted URL (scheme, host
// and a hash: the URL often holds a token).
func (w *webhook) Name() string {
	if w.opts.Format == FormatPagerDuty {
		return "pagerduty:" + w.shown
	}
	return "webhook:" + w.shown
}

// Close closes idle connections.
func (w *webhook) Close() error {
	w.opts.Client.CloseIdleConnections()
	return nil
}

// Send posts the deliveries one by one, in order. A delivery the receiver
// rejects (4xx other than 408/429) is reported permanent and the next one
// is tried; one that still fails after MaxAttempts ends the Send, leaving
// the rest not attempted: the receiver is down and they will wait.
func (w *webhook) Send(ctx context.Context, ds []state.Delivery) error {
	var be *BatchError
	for i, d := range ds {
		err := w.deliver(ctx, d)
		if err == nil {
			continue
		}
		if be == nil {
			be = &BatchError{Errs: make([]error, len(ds))}
		}
		be.Errs[i] = err
		if !IsPermanent(err) {
			for j := i + 1; j < len(ds); j++ {
				be.Errs[j] = ErrNotAttempted
			}
			break
		}
	}
	if be != nil {
		return be
	}
	return nil
}

// deliver posts one alert, retrying transient failures.
func (w *webhook) deliver(ctx context.Context, d state.Delivery) error {
	body := d.Doc
	var err error
	switch w.opts.Format {
	case FormatSlack:
		body, err = slackPayload(d)
	case FormatOCSF:
		body, err = ocsfFinding(d)
	case FormatPagerDuty:
		body, err = pagerDutyEvent(d, w.opts.RoutingKey)
	}
	if err != nil {
		return Permanent(fmt.Errorf("%s: alert %s: %w", w.Name(), d.AlertID, err))
	}
	var sig string
	if w.opts.Secret != nil {
		mac := hmac.New(sha256.New, w.opts.Secret)
		mac.Write(body)
		sig = "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	for attempt := 0; ; attempt++ {
		retryAfter, err := w.post(ctx, d, body, sig)
		if err == nil || IsPermanent(err) || ctx.Err() != nil {
			return err
		}
		if attempt+1 >= w.opts.MaxAttempts {
			if retryAfter > 0 {
				return retryAfterError{err, retryAfter}
			}
			return err
		}
		wait := w.opts.Backoff.Delay(attempt)
		if retryAfter > 0 {
			if retryAfter > w.opts.MaxRetryAfter {
				return retryAfterError{err, retryAfter}
			}
			wait = retryAfter
		}
		if sleep(ctx, wait) != nil {
			return err
		}
	}
}

// post makes one attempt; it returns the Retry-After the receiver asked
// for, if any.
func (w *webhook) post(ctx context.Context, d state.Delivery, body []byte, sig string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return 0, Permanent(fmt.Errorf("%s: %w", w.Name(), scrubError(err, w.shown)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "trailql")
	// Receivers de-duplicate on these: delivery is at least once.
	req.Header.Set("X-Trailql-Alert-Id", d.AlertID)
	req.Header.Set("X-Trailql-Alert-Version", d.Version)
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	if len(w.opts.StdSecrets) > 0 {
		id := stdWebhookID(d)
		ts, sig := stdWebhookSign(w.opts.StdSecrets, id, time.Now(), body)
		req.Header.Set(StdWebhookIDHeader, id)
		req.Header.Set(StdWebhookTimestampHeader, ts)
		req.Header.Set(StdWebhookSignatureHeader, sig)
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", w.Name(), scrubError(err, w.shown))
	}
	defer resp.Body.Close()
	snippet := bodySnippet(resp.Body)
	if w.opts.RoutingKey != "" {
		// A receiver may echo the request back; the key stays out of logs.
		snippet = strings.ReplaceAll(snippet, w.opts.RoutingKey, "[routing key]")
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	err = fmt.Errorf("%s: HTTP %d: %s", w.Name(), resp.StatusCode, snippet)
	if !retryable(resp.StatusCode) {
		return 0, Permanent(err)
	}
	ra, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return ra, err
}

// errNoSecret is returned when ?hmac-secret-env names an unset variable.
var errNoSecret = errors.New("is not set or empty")
