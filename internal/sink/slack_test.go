package sink

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trailql/trailql/internal/state"
)

// slackTexts returns every text of a Block Kit message's blocks, by where
// it sits, after checking Slack's limits: at most 50 blocks, a header's
// plain text of at most 150 characters, section texts of at most 3000, at
// most 10 fields of at most 2000, context elements of at most 3000.
func slackTexts(t *testing.T, blocks []map[string]any) map[string]string {
	t.Helper()
	if len(blocks) > 50 {
		t.Errorf("%d blocks", len(blocks))
	}
	out := map[string]string{}
	add := func(where string, v any, limit int) {
		m, _ := v.(map[string]any)
		s, _ := m["text"].(string)
		if s == "" {
			t.Errorf("%s: empty text object %v", where, v)
		}
		if n := utf8.RuneCountInString(s); n > limit {
			t.Errorf("%s: %d characters, over %d", where, n, limit)
		}
		out[where] = s
	}
	for i, b := range blocks {
		switch b["type"] {
		case "header":
			add(fmt.Sprintf("%d header", i), b["text"], 150)
		case "section":
			if b["text"] != nil {
				add(fmt.Sprintf("%d section", i), b["text"], 3000)
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > 10 {
				t.Errorf("block %d: %d fields", i, len(fields))
			}
			for j, f := range fields {
				add(fmt.Sprintf("%d field %d", i, j), f, 2000)
			}
		case "context":
			for j, e := range b["elements"].([]any) {
				add(fmt.Sprintf("%d context %d", i, j), e, 3000)
			}
		default:
			t.Errorf("block %d: type %v", i, b["type"])
		}
	}
	return out
}

// bareControl finds what Slack would read as markup in escaped text: a '<'
// or '>' left as is, or an '&' that starts none of the three escapes.
var bareControl = regexp.MustCompile(`[<>]|&(?:[^agl]|a[^m]|am[^p]|amp[^;]|l[^t]|lt[^;]|g[^t]|gt[^;])`)

// The Slack message in Block Kit: a header, the facts as fields, the first
// evidence events, a context with the rule and alert ids; the fallback text
// kept; every log value escaped wherever it lands; Slack's limits kept
// with values of any size; the evidence fields optional.
func TestSlackBlocks(t *testing.T) {
	hostile := "<!channel> & <https://evil.example|click> `x`"
	for _, tc := range []struct {
		name   string
		mod    func(m map[string]any)
		rev    int
		want   []string // in some text of the blocks
		wantRe []string // matching some text of the blocks (multi-line mode)
		absent []string // in none
		kinds  string   // the blocks' types
	}{
		{name: "no evidence fields", mod: func(m map[string]any) {},
			kinds: "header section section context", absent: []string{"Events behind"}},
		{name: "evidence ids and count", mod: func(m map[string]any) {
			m["trailql.evidence.event_ids"], m["trailql.evidence.event_count"] = []string{"e-1", "e-2", "e-3", "e-4", "e-5", "e-6"}, 120
		}, kinds: "header section section section context", want: []string{"*Events behind the alert* (120):", "• `e-5`", "… and 115 more"}, absent: []string{"e-6"}},
		{name: "count only", mod: func(m map[string]any) { m["trailql.evidence.event_count"] = 42 },
			kinds: "header section section section context", want: []string{"*Events behind the alert* (42)"}, absent: []string{"more"}},
		{name: "a lone id", mod: func(m map[string]any) { m["trailql.evidence.event_ids"] = "e-only" },
			want: []string{"(1):\n• `e-only`"}, absent: []string{"more"}},
		{name: "first and last seen", mod: func(m map[string]any) {
			m["Esql.timestamp_min"], m["Esql.timestamp_max"] = "2024-11-04T10:00:11.000Z", "2024-11-04T10:00:19.000Z"
		}, want: []string{"*Window*\n2024-11-04T10:00:11.000Z → 2024-11-04T10:00:19.000Z"}},
		{name: "update", rev: 3, want: []string{"(updated)", "revision 3"}},
		{name: "hostile values everywhere", mod: func(m map[string]any) {
			for _, k := range []string{"kibana.alert.rule.name", "kibana.alert.reason", "kibana.alert.rule.rule_id", "kibana.alert.severity",
				"Esql.source_ip_values", "Esql.cloud_account_id_values", "Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"} {
				m[k] = hostile
			}
			m["Esql.event_action_values"] = []string{hostile, hostile}
			m["trailql.evidence.event_ids"] = []string{hostile}
		}, want: []string{"&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;", "`&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; 'x'`"}},
		{name: "huge values", mod: func(m map[string]any) {
			big := strings.Repeat("&<>", 1200)
			var many []string
			for i := 0; i < 100; i++ {
				many = append(many, fmt.Sprintf("%s-%d", big, i))
			}
			for _, k := range []string{"kibana.alert.rule.name", "kibana.alert.reason", "kibana.alert.rule.rule_id", "aws.cloudtrail.user_identity.arn"} {
				m[k] = big
			}
			m["Esql.event_action_values"], m["Esql.source_ip_values"], m["trailql.evidence.event_ids"] = many, many, many
		}, wantRe: []string{"…`, … \\(\\+9\\d more\\)", `\n… and 9\d more$`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, doc := seedAlert(t, "arn:aws:iam::123456789012:user/alice", 7)
			var m map[string]any
			json.Unmarshal(doc, &m)
			if tc.mod != nil {
				tc.mod(m)
			}
			doc, _ = json.Marshal(m)
			body, err := slackPayload(state.Delivery{AlertID: id, Version: "v", Revision: max(tc.rev, 1), Doc: doc})
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Text   string           `json:"text"`
				Blocks []map[string]any `json:"blocks"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			texts := slackTexts(t, p.Blocks)
			if p.Text == "" || len(p.Text) > 40000 {
				t.Errorf("fallback text of %d bytes", len(p.Text))
			}
			texts["fallback"] = p.Text
			var kinds []string
			for _, b := range p.Blocks {
				kinds = append(kinds, fmt.Sprint(b["type"]))
			}
			if tc.kinds != "" && strings.Join(kinds, " ") != tc.kinds {
				t.Errorf("blocks %v, want %s", kinds, tc.kinds)
			}
			all := ""
			for where, s := range texts {
				if loc := bareControl.FindStringIndex(s); loc != nil {
					t.Errorf("%s: unescaped %q in %q", where, s[loc[0]:loc[1]], s[max(0, loc[0]-20):min(len(s), loc[1]+20)])
				}
				all += s + "\n"
			}
			if !strings.Contains(texts["0 header"], "AWS Discovery") && tc.name != "hostile values everywhere" && tc.name != "huge values" {
				t.Errorf("header %q", texts["0 header"])
			}
			if !strings.Contains(all, "alert `"+id+"`") {
				t.Errorf("no full alert id in the context")
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in\n%s", w, all)
				}
			}
			for _, w := range tc.wantRe {
				if !regexp.MustCompile("(?m)" + w).MatchString(all) {
					t.Errorf("nothing matches %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(all, a) {
					t.Errorf("%q in\n%s", a, all)
				}
			}
		})
	}
}
