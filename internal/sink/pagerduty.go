package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// FormatPagerDuty is the PagerDuty Events API v2 body (sink kind pagerduty).
const FormatPagerDuty = "pagerduty"

// PagerDutyURL is PagerDuty's Events API v2 endpoint.
const PagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// parsePagerDuty makes the pagerduty: sink: the webhook sink's delivery
// (retries with backoff, Retry-After, 429 and 5xx retried, 400 and other
// 4xx permanent) with PagerDuty's body. The target is empty (PagerDutyURL)
// or another endpoint (an EU account's events.eu.pagerduty.com, a test
// server), also given as ?endpoint-url=URL; the routing key comes from the
// environment (routing-key-env=VAR, default PAGERDUTY_ROUTING_KEY), never
// the command line.
func parsePagerDuty(target string) (Sink, error) {
	raw, query, _ := strings.Cut(target, "?")
	q := &url.URL{RawQuery: query}
	o := takeOptions(q, "routing-key-env", "endpoint-url", "attempts", "timeout")
	if q.RawQuery != "" {
		return nil, unknownOptions("pagerduty", q)
	}
	if ep, ok := o["endpoint-url"]; ok {
		if raw != "" {
			return nil, fmt.Errorf("sink pagerduty: give the endpoint once, as pagerduty:URL or ?endpoint-url=URL")
		}
		raw = ep
	}
	if raw == "" {
		raw = PagerDutyURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("sink pagerduty: invalid endpoint URL")
	}
	env := o["routing-key-env"]
	if env == "" {
		env = "PAGERDUTY_ROUTING_KEY"
	}
	key, err := envSecret("pagerduty", "routing-key-env", env)
	if err != nil {
		return nil, err
	}
	opts := WebhookOptions{URL: u.String(), Format: FormatPagerDuty, RoutingKey: key}
	if v, ok := o["attempts"]; ok {
		if opts.MaxAttempts, err = strconv.Atoi(v); err != nil || opts.MaxAttempts < 1 {
			return nil, fmt.Errorf("sink pagerduty: attempts=%q: want a positive integer", v)
		}
	}
	if v, ok := o["timeout"]; ok {
		if opts.Timeout, err = time.ParseDuration(v); err != nil || opts.Timeout <= 0 {
			return nil, fmt.Errorf("sink pagerduty: timeout=%q: want a duration like 10s", v)
		}
	}
	s, err := NewWebhook(opts)
	if err != nil {
		return nil, fmt.Errorf("sink pagerduty: %v", strings.TrimPrefix(err.Error(), "sink webhook: "))
	}
	return s, nil
}

// pdSeverity maps Elastic's severities to PagerDuty's (critical, error,
// warning, info).
var pdSeverity = map[string]string{"low": "info", "medium": "warning", "high": "error", "critical": "critical"}

// PagerDuty Events API v2 limits: the whole event (512 KB), dedup_key
// (255 characters), summary (1024), source, component, group and class.
const (
	pdMaxEvent   = 512 * 1024
	pdMaxDedup   = 255
	pdMaxSummary = 1024
	pdMaxField   = 255
)

// pagerDutyEvent is the trigger event of one alert version.
//
// dedup_key is the alert id, and every version is sent as a "trigger": a
// later version (an update after late events) is a trigger with the same
// dedup_key, which PagerDuty merges into the alert already open (it adds
// to its log and pages no one again) instead of opening a second incident.
// Once the incident is resolved, a later version opens a new one: the
// alert changed after someone closed it, which deserves a look. trailql
// never sends "resolve" (an alert does not end by itself) nor
// "acknowledge" (that is the responder's).
//
// Everything in the event but the routing key comes from the alert
// document, which is log data: PagerDuty shows it as text, and every
// field is cut to its limit. custom_details carry the alert id, version
// and revision, the rule id, the reason, the query's Esql.* columns and
// the evidence (trailql.evidence.*) when the document has them; if the
// event would pass PagerDuty's 512 KB, the largest of those columns are
// left out (listed in trailql.omitted).
func pagerDutyEvent(d state.Delivery, routingKey string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(d.Doc, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("alert document is not a JSON object")
	}
	name := text(doc["kibana.alert.rule.name"])
	if name == "" {
		name = "trailql alert"
	}
	summary := name
	if who := listText1(pick(doc, identityKeys, "user_identity_arn", "user_name")); who != "" {
		summary += ": " + who
	}
	sev := pdSeverity[text(doc["kibana.alert.severity"])]
	if sev == "" {
		sev = "warning"
	}
	source := listText1(pick(doc, accountKeys, "account_id"))
	if source == "" {
		source = "trailql"
	}
	details := map[string]any{"alert_id": d.AlertID, "version": d.Version, "revision": d.Revision,
		"rule_id": doc["kibana.alert.rule.rule_id"], "reason": doc["kibana.alert.reason"]}
	for k, v := range doc {
		if strings.HasPrefix(k, "Esql.") || strings.HasPrefix(k, "trailql.evidence.") {
			details[k] = v
		}
	}
	dedup := d.AlertID
	if len(dedup) > pdMaxDedup {
		sum := sha256.Sum256([]byte(dedup))
		dedup = hex.EncodeToString(sum[:])
	}
	payload := map[string]any{
		"summary":        truncateRunes(summary, pdMaxSummary),
		"source":         truncateRunes(source, pdMaxField),
		"severity":       sev,
		"component":      "aws-cloudtrail",
		"class":          truncateRunes(name, pdMaxField),
		"custom_details": details,
	}
	if rid := text(doc["kibana.alert.rule.rule_id"]); rid != "" {
		payload["group"] = truncateRunes(rid, pdMaxField)
	}
	if ts, ok := doc["@timestamp"].(string); ok {
		if _, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			payload["timestamp"] = ts
		}
	}
	event := map[string]any{
		"routing_key":  routingKey,
		"event_action": "trigger",
		"dedup_key":    dedup,
		"payload":      payload,
		"client":       "trailql",
	}
	body, err := json.Marshal(event)
	if err != nil || len(body) <= pdMaxEvent {
		return body, err
	}
	// Too big: leave out the largest columns until it fits.
	type sized struct {
		key  string
		size int
	}
	var cols []sized
	for k, v := range details {
		if strings.HasPrefix(k, "Esql.") || strings.HasPrefix(k, "trailql.evidence.") {
			b, _ := json.Marshal(v)
			cols = append(cols, sized{k, len(b)})
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if cols[i].size != cols[j].size {
			return cols[i].size > cols[j].size
		}
		return cols[i].key < cols[j].key
	})
	var omitted []string
	for _, c := range cols {
		delete(details, c.key)
		omitted = append(omitted, c.key)
		details["trailql.omitted"] = omitted
		if body, err = json.Marshal(event); err != nil || len(body) <= pdMaxEvent {
			return body, err
		}
	}
	return nil, fmt.Errorf("PagerDuty event of %d bytes exceeds 512 KB", len(body))
}

// Where the sinks look for an alert's identity and account: the row's
// columns first, as the seed rule and its peers name them.
var (
	identityKeys = []string{"aws.cloudtrail.user_identity.arn", "Esql.aws_cloudtrail_user_identity_arn_values", "user.name", "Esql.user_name_values", "aws.cloudtrail.user_identity.access_key_id"}
	accountKeys  = []string{"cloud.account.id", "Esql.cloud_account_id_values"}
)

// listText1 is the first value of a scalar or multi-value, as text, with
// "+N more" when there are others.
func listText1(v any) string {
	vs, ok := v.([]any)
	if !ok {
		return text(v)
	}
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return text(vs[0])
	}
	return fmt.Sprintf("%s (+%d more)", text(vs[0]), len(vs)-1)
}

// truncateRunes keeps at most n runes of s.
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
