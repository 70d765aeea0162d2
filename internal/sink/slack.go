package sink

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/trailql/trailql/internal/state"
)

// slackPayload renders a delivery as a Slack incoming-webhook message,
// {"text": "..."}: a short summary a person can act on (rule, severity,
// identity, source, time window, count, actions, account), not the whole
// document. Every value from the alert is escaped for mrkdwn.
func slackPayload(d state.Delivery) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(d.Doc, &doc); err != nil {
		return nil, fmt.Errorf("alert document: %w", err)
	}
	if doc == nil {
		return nil, fmt.Errorf("alert document is not an object")
	}
	var b strings.Builder
	name := text(doc["kibana.alert.rule.name"])
	if name == "" {
		name = "trailql alert"
	}
	fmt.Fprintf(&b, ":rotating_light: *%s*", slackEscape(name))
	if sev := text(doc["kibana.alert.severity"]); sev != "" {
		fmt.Fprintf(&b, " — severity %s", slackEscape(sev))
	}
	if rs := text(doc["kibana.alert.risk_score"]); rs != "" {
		fmt.Fprintf(&b, ", risk %s", slackEscape(rs))
	}
	if d.Update() {
		b.WriteString(" (updated)")
	}
	line := func(label string, v any, code bool) {
		if s := listText(v, code); s != "" {
			fmt.Fprintf(&b, "\n*%s:* %s", label, s)
		}
	}
	line("Identity", pick(doc, []string{"aws.cloudtrail.user_identity.arn", "Esql.aws_cloudtrail_user_identity_arn_values", "user.name", "Esql.user_name_values", "aws.cloudtrail.user_identity.access_key_id"}, "user_identity_arn", "user_name"), true)
	line("Source", pick(doc, []string{"source.ip", "Esql.source_ip_values"}, "source_ip"), true)
	line("Window", pick(doc, []string{"Esql.time_window_date_trunc", "kibana.alert.original_time"}, "time_window"), false)
	if k, v := countKey(doc); k != "" {
		fmt.Fprintf(&b, "\n*Count:* %s (%s)", listText(v, false), slackEscape(k))
	}
	line("Actions", pick(doc, []string{"event.action", "Esql.event_action_values"}, "event_action"), true)
	line("Account", pick(doc, []string{"cloud.account.id", "Esql.cloud_account_id_values"}, "account_id"), true)
	id := d.AlertID
	if len(id) > 12 {
		id = id[:12]
	}
	fmt.Fprintf(&b, "\nAlert `%s` · %s", slackEscape(id), slackEscape(text(doc["kibana.alert.reason"])))
	return json.Marshal(map[string]any{"text": b.String(), "blocks": slackBlocks(d, doc, name)})
}

// Slack's Block Kit limits (api.slack.com/reference/block-kit/blocks).
const (
	slackMaxBlocks      = 50
	slackMaxSectionText = 3000
	slackMaxHeader      = 150
	slackMaxFields      = 10
	slackMaxEvidence    = 5 // evidence event ids listed
)

// slackBlocks lays the alert out in Block Kit: a header with the rule, the
// facts as section fields, the first events behind it (evidence), and a
// context line with the rule and alert ids. Text is escaped as in the
// fallback text and cut to Slack's limits; header text is plain_text,
// which Slack does not parse.
func slackBlocks(d state.Delivery, doc map[string]any, name string) []any {
	header := name
	if d.Update() {
		header += " (updated)"
	}
	var fields []any
	field := func(label string, v any, code bool) {
		if s := listText(v, code); s != "" && len(fields) < slackMaxFields {
			fields = append(fields, mrkdwn(truncateRunes(fmt.Sprintf("*%s*\n%s", label, s), 2000)))
		}
	}
	field("Severity", pick(doc, []string{"kibana.alert.severity"}), false)
	field("Identity", pick(doc, []string{"aws.cloudtrail.user_identity.arn", "Esql.aws_cloudtrail_user_identity_arn_values", "user.name", "Esql.user_name_values", "aws.cloudtrail.user_identity.access_key_id"}, "user_identity_arn", "user_name"), true)
	field("Source IPs", pick(doc, []string{"source.ip", "Esql.source_ip_values"}, "source_ip"), true)
	field("Window", pick(doc, []string{"Esql.time_window_date_trunc", "kibana.alert.original_time"}, "time_window"), false)
	if k, v := countKey(doc); k != "" {
		field("Count ("+slackEscape(k)+")", v, false)
	}
	field("Account", pick(doc, []string{"cloud.account.id", "Esql.cloud_account_id_values"}, "account_id"), true)
	field("Actions", pick(doc, []string{"event.action", "Esql.event_action_values"}, "event_action"), true)
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncateRunes(header, slackMaxHeader), "emoji": true}},
	}
	if reason := text(doc["kibana.alert.reason"]); reason != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(truncateRunes(slackEscape(reason), slackMaxSectionText))})
	}
	if len(fields) > 0 {
		blocks = append(blocks, map[string]any{"type": "section", "fields": fields})
	}
	if ev := evidenceText(doc); ev != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(truncateRunes(ev, slackMaxSectionText))})
	}
	id := d.AlertID
	if len(id) > 12 {
		id = id[:12]
	}
	ctx := fmt.Sprintf("rule `%s` · alert `%s`", slackEscape(text(doc["kibana.alert.rule.rule_id"])), slackEscape(id))
	blocks = append(blocks, map[string]any{"type": "context", "elements": []any{mrkdwn(truncateRunes(ctx, slackMaxSectionText))}})
	if len(blocks) > slackMaxBlocks {
		blocks = blocks[:slackMaxBlocks]
	}
	return blocks
}

// evidenceText lists the first events behind the alert
// (trailql.evidence.event_ids) and how many there are in all.
func evidenceText(doc map[string]any) string {
	ids, _ := doc["trailql.evidence.event_ids"].([]any)
	if len(ids) == 0 {
		return ""
	}
	total := len(ids)
	if n, ok := doc["trailql.evidence.event_count"].(float64); ok && int(n) > total {
		total = int(n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Events behind the alert* (%d):", total)
	for i, id := range ids {
		if i == slackMaxEvidence {
			fmt.Fprintf(&b, "\n… and %d more", total-i)
			break
		}
		fmt.Fprintf(&b, "\n• `%s`", strings.ReplaceAll(slackEscape(text(id)), "`", "'"))
	}
	return b.String()
}

// mrkdwn is a Block Kit text object in Slack's markup.
func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

// slackEscape escapes the three characters Slack reserves for control
// sequences (links, user and channel mentions, <!here>), as Slack asks:
// "&" → "&amp;", "<" → "&lt;", ">" → "&gt;", and nothing else
// (https://api.slack.com/reference/surfaces/formatting#escaping). Log data
// is attacker-controlled: unescaped, a user name like "<!channel>" would
// page a whole channel, and "<https://evil|ListBuckets>" would hide a link.
func slackEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// pick returns the first of keys present in doc, else the value of the
// first key (in sorted order) containing one of the fallback substrings.
func pick(doc map[string]any, keys []string, fallback ...string) any {
	for _, k := range keys {
		if v, ok := doc[k]; ok && v != nil {
			return v
		}
	}
	for _, f := range fallback {
		if k, v := pickKey(doc, f); k != "" {
			return v
		}
	}
	return nil
}

// pickKey returns the alphabetically first non-kibana key containing sub.
func pickKey(doc map[string]any, sub string) (string, any) {
	best := ""
	for k := range doc {
		if strings.HasPrefix(k, "kibana.") || !strings.Contains(k, sub) {
			continue
		}
		if best == "" || k < best {
			best = k
		}
	}
	if best == "" {
		return "", nil
	}
	return best, doc[best]
}

// countKey returns the alphabetically first row column with a "count"
// word in its name (Esql.event_action_count_distinct, count): the
// aggregate a threshold rule compares. Words are split at '.' and '_',
// so cloud.account.id is not a count.
func countKey(doc map[string]any) (string, any) {
	best := ""
	for k := range doc {
		if strings.HasPrefix(k, "kibana.") {
			continue
		}
		for _, w := range strings.FieldsFunc(k, func(r rune) bool { return r == '.' || r == '_' }) {
			if strings.EqualFold(w, "count") && (best == "" || k < best) {
				best = k
			}
		}
	}
	if best == "" {
		return "", nil
	}
	return best, doc[best]
}

const (
	slackMaxItems = 10  // values listed before "+N more"
	slackMaxValue = 200 // characters kept of one value
)

// listText renders a scalar or a multi-value, escaped, as inline code
// when code is set (backticks in values become quotes so they cannot
// close the span).
func listText(v any, code bool) string {
	var items []any
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		items = x
	default:
		items = []any{x}
	}
	var parts []string
	for i, it := range items {
		if i == slackMaxItems {
			parts = append(parts, fmt.Sprintf("… (+%d more)", len(items)-i))
			break
		}
		s := text(it)
		if r := []rune(s); len(r) > slackMaxValue {
			s = string(r[:slackMaxValue]) + "…"
		}
		s = slackEscape(s)
		if code {
			s = "`" + strings.ReplaceAll(s, "`", "'") + "`"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// text renders a JSON value as plain text, one line.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.Join(strings.Fields(x), " ")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return fmt.Sprint(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
