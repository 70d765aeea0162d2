package sink

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/trailql/trailql/internal/state"
)

// FormatPagerDuty is the PagerDuty Events API v2 body (sink kind pagerduty).
const FormatPagerDuty = "pagerduty"

// PagerDutyURL is PagerDuty's Events API v2 endpoint.
const PagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// parsePagerDuty makes the pagerduty: sink: the webhook sink's delivery
// (retries, Retry-After, 4xx permanent) with PagerDuty's body. The target
// is empty (PagerDutyURL) or another endpoint (an EU account's, a test
// server); the routing key comes from the environment
// (routing-key-env=VAR, default PAGERDUTY_ROUTING_KEY), never the command
// line.
func parsePagerDuty(target string) (Sink, error) {
	raw, query, _ := strings.Cut(target, "?")
	if raw == "" {
		raw = PagerDutyURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("sink pagerduty: invalid URL")
	}
	u.RawQuery = query
	o := takeOptions(u, "routing-key-env", "attempts", "timeout")
	if u.RawQuery != "" {
		return nil, fmt.Errorf("sink pagerduty: unknown options %q", u.RawQuery)
	}
	env := o["routing-key-env"]
	if env == "" {
		env = "PAGERDUTY_ROUTING_KEY"
	}
	key, err := envSecret("pagerduty", "routing-key-env", env)
	if err != nil {
		return nil, err
	}
	return NewWebhook(WebhookOptions{URL: u.String(), Format: FormatPagerDuty, RoutingKey: key})
}

// pdSeverity maps Elastic's severities to PagerDuty's (critical, error,
// warning, info).
var pdSeverity = map[string]string{"low": "info", "medium": "warning", "high": "error", "critical": "critical"}

// pagerDutyEvent is a trigger event for one alert version: dedup_key is the
// alert id, so that every version (an update after late events) lands on
// the one incident, which PagerDuty keeps open and updates instead of
// paging again.
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
	if who := text(pick(doc, []string{"aws.cloudtrail.user_identity.arn", "Esql.aws_cloudtrail_user_identity_arn_values", "user.name", "aws.cloudtrail.user_identity.access_key_id"}, "user_identity_arn", "user_name")); who != "" {
		summary += ": " + who
	}
	sev := pdSeverity[text(doc["kibana.alert.severity"])]
	if sev == "" {
		sev = "warning"
	}
	source := text(pick(doc, []string{"cloud.account.id", "Esql.cloud_account_id_values"}, "account_id"))
	if source == "" {
		source = "trailql"
	}
	details := map[string]any{"alert_id": d.AlertID, "version": d.Version, "rule_id": doc["kibana.alert.rule.rule_id"],
		"reason": doc["kibana.alert.reason"]}
	for k, v := range doc {
		if strings.HasPrefix(k, "Esql.") || strings.HasPrefix(k, "trailql.evidence.") {
			details[k] = v
		}
	}
	payload := map[string]any{
		"summary":        truncateRunes(summary, 1024),
		"source":         truncateRunes(source, 255),
		"severity":       sev,
		"component":      "aws-cloudtrail",
		"class":          truncateRunes(name, 255),
		"custom_details": details,
	}
	if ts, ok := doc["@timestamp"].(string); ok {
		payload["timestamp"] = ts
	}
	return json.Marshal(map[string]any{
		"routing_key":  routingKey,
		"event_action": "trigger",
		"dedup_key":    d.AlertID,
		"payload":      payload,
		"client":       "trailql",
	})
}

// truncateRunes keeps at most n runes of s.
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
