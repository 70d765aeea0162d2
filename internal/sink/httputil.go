package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// redactURL is how a URL appears in sink names, logs and stored errors:
// scheme and host only, plus a short hash of the whole URL so two targets
// on one host stay distinct. Webhook URLs routinely carry their secret in
// the path (Slack's hooks.slack.com/services/T…/B…/token) or the query.
func redactURL(u *url.URL) string {
	sum := sha256.Sum256([]byte(u.String()))
	return u.Scheme + "://" + u.Host + "/…#" + hex.EncodeToString(sum[:4])
}

// scrubError rewrites the URL inside a *url.Error (what http.Client.Do
// returns) to its redacted form, so no secret reaches logs or the state
// database.
func scrubError(err error, shown string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: shown, Err: ue.Err}
	}
	return err
}

// retryable reports HTTP statuses worth retrying: 408 Request Timeout,
// 429 Too Many Requests and every 5xx (RFC 9110 §15.6: server errors,
// often transient). Other 4xx are the request's fault and final; 3xx are
// not followed for a POST and are a misconfiguration.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// parseRetryAfter reads a Retry-After header (RFC 9110 §10.2.3): either
// delay-seconds or an HTTP-date. Invalid or past values give 0, false.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > 86400 {
			secs = 86400
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// bodySnippet reads at most 256 bytes of a response body for an error
// message, printable characters only (the receiver's text is untrusted),
// and drains the rest so the connection can be reused.
func bodySnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 256))
	io.Copy(io.Discard, io.LimitReader(r, 1<<20))
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(b))
	return strings.TrimSpace(s)
}

// sleep waits d or until ctx is done.
func sleep(ctx interface {
	Done() <-chan struct{}
	Err() error
}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
