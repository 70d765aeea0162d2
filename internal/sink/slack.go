package sink

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trailql/trailql/internal/state"
)

// slackPayload renders a delivery as a Slack incoming-webhook message:
// "text", a short summary a person can act on (rule, severity, identity,
// source, time window, count, actions, account), which Slack shows in
// notifications and where blocks cannot be shown, and "blocks", the same
// laid out in Block Kit (slackBlocks). Every value from the alert is
// escaped for mrkdwn and cut so that the message keeps Slack's limits
// whatever the size of the logs' values.
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
	fmt.Fprintf(&b, ":rotating_light: *%s*", fitValue(name, 300, false))
	if sev := text(doc["kibana.alert.severity"]); sev != "" {
		fmt.Fprintf(&b, " — severity %s", fitValue(sev, 50, false))
	}
	if rs := text(doc["kibana.alert.risk_score"]); rs != "" {
		fmt.Fprintf(&b, ", risk %s", fitValue(rs, 50, false))
	}
	if d.Update() {
		b.WriteString(" (updated)")
	}
	line := func(label string, v any, code bool) {
		if s := listText(v, code, slackMaxLine); s != "" {
			fmt.Fprintf(&b, "\n*%s:* %s", label, s)
		}
	}
	line("Identity", pick(doc, identityKeys, "user_identity_arn", "user_name"), true)
	line("Source", pick(doc, sourceIPKeys, "source_ip"), true)
	line("Window", windowText(doc), false)
	if k, v := countKey(doc); k != "" {
		fmt.Fprintf(&b, "\n*Count:* %s (%s)", listText(v, false, 100), fitValue(k, 200, false))
	}
	line("Actions", pick(doc, actionKeys, "event_action"), true)
	line("Account", pick(doc, accountKeys, "account_id"), true)
	id := d.AlertID
	if len(id) > 12 {
		id = id[:12]
	}
	fmt.Fprintf(&b, "\nAlert `%s` · %s", codeText(id), fitValue(text(doc["kibana.alert.reason"]), 1000, false))
	return json.Marshal(map[string]any{"text": b.String(), "blocks": slackBlocks(d, doc, name)})
}

// Where the Slack message finds source addresses and actions.
var (
	sourceIPKeys = []string{"source.ip", "Esql.source_ip_values"}
	actionKeys   = []string{"event.action", "Esql.event_action_values"}
)

// Slack's Block Kit limits (api.slack.com/reference/block-kit/blocks),
// and the room given to one line of the fallback text.
const (
	slackMaxBlocks      = 50
	slackMaxSectionText = 3000
	slackMaxHeader      = 150
	slackMaxFields      = 10
	slackMaxField       = 2000
	slackMaxEvidence    = 5 // evidence event ids listed
	slackMaxLine        = 600
)

// slackBlocks lays the alert out in Block Kit: a header with the rule, the
// reason, the facts as section fields (severity, identity, source IPs,
// window, count, account, actions), the first events behind it (evidence),
// and a context line with the alert and rule ids. Every value from the
// alert is escaped, the header's plain text included, and cut to Slack's
// limits (150 characters of header, 10 fields of 2000, 3000 per section
// text, 50 blocks) without breaking an escape or an inline code span.
func slackBlocks(d state.Delivery, doc map[string]any, name string) []any {
	suffix := ""
	if d.Update() {
		suffix = " (updated)"
	}
	header := fitValue(name, slackMaxHeader-len(suffix), false) + suffix
	var fields []any
	field := func(label string, v any, code bool) {
		head := fmt.Sprintf("*%s*\n", label)
		if s := listText(v, code, slackMaxField-utf8.RuneCountInString(head)); s != "" && len(fields) < slackMaxFields {
			fields = append(fields, mrkdwn(head+s))
		}
	}
	field("Severity", pick(doc, []string{"kibana.alert.severity"}), false)
	field("Identity", pick(doc, identityKeys, "user_identity_arn", "user_name"), true)
	field("Source IPs", pick(doc, sourceIPKeys, "source_ip"), true)
	field("Window", windowText(doc), false)
	if k, v := countKey(doc); k != "" {
		field("Count ("+fitValue(k, 200, false)+")", v, false)
	}
	field("Account", pick(doc, accountKeys, "account_id"), true)
	field("Actions", pick(doc, actionKeys, "event_action"), true)
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": header, "emoji": false}},
	}
	if reason := text(doc["kibana.alert.reason"]); reason != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(fitValue(reason, slackMaxSectionText, false))})
	}
	if len(fields) > 0 {
		blocks = append(blocks, map[string]any{"type": "section", "fields": fields})
	}
	if ev := evidenceText(doc, slackMaxSectionText); ev != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(ev)})
	}
	ctx := fmt.Sprintf("alert `%s` · rule `%s`", fitValue(d.AlertID, 200, true), fitValue(text(doc["kibana.alert.rule.rule_id"]), 200, true))
	if d.Revision > 1 {
		ctx += fmt.Sprintf(" · revision %d", d.Revision)
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []any{mrkdwn(ctx)}})
	if len(blocks) > slackMaxBlocks {
		blocks = blocks[:slackMaxBlocks]
	}
	return blocks
}

// evidenceText lists the first events behind the alert
// (trailql.evidence.event_ids, a JSON array of event ids) and how many
// there are in all (trailql.evidence.event_count), within budget
// characters; "" when the document has neither.
func evidenceText(doc map[string]any, budget int) string {
	var ids []any
	switch v := doc["trailql.evidence.event_ids"].(type) {
	case []any:
		ids = v
	case string:
		ids = []any{v}
	}
	total := len(ids)
	if n, ok := doc["trailql.evidence.event_count"].(float64); ok && int(n) > total {
		total = int(n)
	}
	if total == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Events behind the alert* (%d)", total)
	if len(ids) > 0 {
		b.WriteString(":")
	}
	used := utf8.RuneCountInString(b.String())
	const moreRoom = 30 // "\n… and N more"
	shown := 0
	for _, id := range ids {
		if shown == slackMaxEvidence {
			break
		}
		item := "\n• `" + fitValue(text(id), slackMaxValue, true) + "`"
		n := utf8.RuneCountInString(item)
		if used+n+moreRoom > budget {
			break
		}
		b.WriteString(item)
		used += n
		shown++
	}
	if total > shown && shown > 0 {
		fmt.Fprintf(&b, "\n… and %d more", total-shown)
	}
	return b.String()
}

// codeText escapes s for an inline code span: Slack's three control
// characters, and backticks turned to quotes so the span cannot be closed.
func codeText(s string) string {
	return strings.ReplaceAll(slackEscape(s), "`", "'")
}

// windowText is the time the alert covers: first → last event when the
// row has both (MIN and MAX of @timestamp), else its window or event time.
func windowText(doc map[string]any) any {
	first, last := observed(doc)
	switch {
	case first == "":
		return nil
	case last != "" && last != first:
		return first + " → " + last
	}
	return first
}

// observed returns the times of the first and last events behind an
// alert, as far as its row tells: the MIN and MAX of @timestamp the rules
// compute (Esql.timestamp_min/max, Esql.first_seen/last_seen); the event's
// time, as both, for the alert of one event; else the window's start
// (DATE_TRUNC), as first only.
func observed(doc map[string]any) (first, last string) {
	get := func(keys ...string) string {
		for _, k := range keys {
			if s := listText1(doc[k]); s != "" {
				return s
			}
		}
		return ""
	}
	first = get("Esql.timestamp_min", "Esql.first_seen")
	last = get("Esql.timestamp_max", "Esql.last_seen")
	switch {
	case first != "":
	case get("kibana.alert.original_time") != "":
		// The alert of one event (a rule without STATS).
		first = get("kibana.alert.original_time")
		if last == "" {
			last = first
		}
	default:
		first = get("Esql.time_window_date_trunc", "Esql.time_bucket")
	}
	return first, last
}

// mrkdwn is a Block Kit text object in Slack's markup.
func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

// fitValue renders the log value s for Slack: escaped (slackEscape), for
// an inline code span when code is set (codeText), in at most budget
// characters. What does not fit is cut from the raw value, before
// escaping, and marked "…", so that no escape is ever cut in two.
func fitValue(s string, budget int, code bool) string {
	render := codeText
	if !code {
		render = slackEscape
	}
	r := []rune(s)
	n := len(r)
	for {
		v := render(s)
		if n < len(r) {
			v = render(string(r[:n])) + "…"
		}
		excess := utf8.RuneCountInString(v) - budget
		if excess <= 0 || n == 0 {
			return v
		}
		// Each rune left out shortens the escaped text by at least one.
		n = max(0, min(n, len(r)-1)-excess)
	}
}

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

// listText renders a scalar or a multi-value, escaped, each value as
// inline code when code is set, in at most budget characters: each value
// cut to slackMaxValue characters, at most slackMaxItems of them, and
// "… (+N more)" for those left out.
func listText(v any, code bool, budget int) string {
	var items []any
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		items = x
	default:
		items = []any{x}
	}
	const moreRoom = 20 // ", … (+N more)"
	var b strings.Builder
	used := 0
	for i, it := range items {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		room := budget - used - len(sep)
		if i < len(items)-1 {
			room -= moreRoom
		}
		wrap := 0
		if code {
			wrap = 2
		}
		if i == slackMaxItems || (i > 0 && room < 40) || room-wrap < 1 {
			fmt.Fprintf(&b, "%s… (+%d more)", sep, len(items)-i)
			break
		}
		raw := text(it)
		if r := []rune(raw); len(r) > slackMaxValue {
			raw = string(r[:slackMaxValue]) + "…"
		}
		s := fitValue(raw, room-wrap, code)
		if i > 0 && s == "…" && raw != "…" {
			fmt.Fprintf(&b, "%s… (+%d more)", sep, len(items)-i)
			break
		}
		if code {
			s = "`" + s + "`"
		}
		b.WriteString(sep + s)
		used += len(sep) + utf8.RuneCountInString(s)
	}
	return b.String()
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
