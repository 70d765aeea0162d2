package alert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// TestNDJSONWriter: one JSON object per line, each alert flushed at once,
// keys in document order.
func TestNDJSONWriter(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 1<<20) // would hold everything without the per-alert flush
	w := NewNDJSONWriter(bw)
	rows := [][]any{seedRow(), with(seedCols, seedRow(), "aws.cloudtrail.user_identity.arn", "arn:aws:iam::1:user/line\nbreak")}
	for i, row := range rows {
		if err := w.Write(Build(rule.Seed(), seedCols, row, seedGroupBy, alertTime)); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(out.String(), "\n"); n != i+1 {
			t.Fatalf("after %d alerts the output has %d lines: not flushed per alert", i+1, n)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(seedAlert()); !errors.Is(err, errClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if !strings.HasPrefix(l, `{"@timestamp":"2024-11-04T10:06:00.123Z","Esql.event_action_count_distinct":6,`) {
			t.Errorf("line %d does not start in document order: %.80s", i+1, l)
		}
		if !strings.HasSuffix(l, `"event.kind":"signal"}`) {
			t.Errorf("line %d does not end with event.kind", i+1)
		}
	}
	if !strings.Contains(lines[1], `user/line\nbreak`) {
		t.Error("newline in a value not escaped")
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportErrors(t *testing.T) {
	if err := NewNDJSONWriter(errWriter{}).Write(seedAlert()); err == nil {
		t.Error("NDJSON: write error lost")
	}
	tw := NewTableWriter(errWriter{})
	tw.Write(seedAlert())
	if err := tw.Close(); err == nil {
		t.Error("table: write error lost")
	}
}

// tableAlerts: three seed alerts (two identities in one window, one in the
// next, one with hostile characters and a long value) and two alerts of a
// non-aggregating rule.
func tableAlerts() []*Alert {
	seed := rule.Seed()
	r1 := with(seedCols, seedRow(), "Esql.time_window_date_trunc", "2024-11-04T10:00:20.000Z")
	r2 := with(seedCols, seedRow(), "aws.cloudtrail.user_identity.arn", "arn:aws:iam::123456789012:user/\x1b]0;pwned\x07mallory\u202e")
	r2 = with(seedCols, r2, "Esql.event_action_count_distinct", int64(14))
	r2 = with(seedCols, r2, "Esql.event_action_values", []any{"DescribeInstances", "DescribeVolumes", "DescribeSnapshots", "GetBucketPolicy", "ListAccessKeys", "ListAttachedUserPolicies"})
	r2 = with(seedCols, r2, "Esql.source_as_organization_name_values", "Example\u009b2J ISP")

	login := &rule.Rule{RuleID: "login-1", Name: "Console login without MFA", Severity: "medium", RiskScore: 47,
		InvestigationFields: []string{"user.name", "source.ip", "Esql.attempts_count"}}
	lcols := []string{"@timestamp", "_id", "event.action", "user.name", "source.ip", "Esql.attempts_count", "cloud.region"}
	return []*Alert{
		Build(seed, seedCols, seedRow(), seedGroupBy, alertTime),
		Build(login, lcols, []any{"2024-11-04T09:59:00.000Z", "d2", "ConsoleLogin", "bob", "198.51.100.2", int64(1), "eu-west-1"}, nil, alertTime),
		Build(seed, seedCols, r2, seedGroupBy, alertTime),
		Build(seed, seedCols, r1, seedGroupBy, alertTime),
		Build(login, lcols, []any{"2024-11-04T09:58:00.500Z", "d1", "ConsoleLogin", "alice", "198.51.100.1", int64(3), "eu-west-1"}, nil, alertTime),
	}
}

// TestTableWriterGolden pins the terminal table (NewTableWriter's
// column rules) for the seed rule and a non-aggregating rule.
func TestTableWriterGolden(t *testing.T) {
	var out bytes.Buffer
	w := NewTableWriter(&out)
	for _, a := range tableAlerts() {
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if out.Len() != 0 {
		t.Error("table printed before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden.txt", out.Bytes())

	text := out.String()
	for _, r := range text {
		if r == 0x1b || r == 0x07 || r == 0x9b || r == 0x202e {
			t.Errorf("control character %U reached the table", r)
		}
	}
	lines := strings.Split(text, "\n")
	if lines[0] != "AWS Discovery API Calls via CLI from a Single Resource (severity low, 3 alerts)" {
		t.Errorf("heading %q", lines[0])
	}
	if f := strings.Fields(lines[1]); len(f) < 4 || f[0] != "time_window" || f[1] != "aws.cloudtrail.user_identity.arn" || f[2] != "event_action_distinct" || f[3] != "event_action" {
		t.Errorf("seed columns %v, want window, identity, distinct count, actions first", f)
	}
	if !strings.HasPrefix(lines[2], "2024-11-04 10:00:10Z  arn:aws:iam::123456789012:user/\\x1b]0;pwned\\x07mallory\\u202e") {
		t.Errorf("first row %q", lines[2])
	}
	for _, l := range lines {
		if n := len([]rune(l)); strings.Contains(l, "…") && n < 60 {
			t.Errorf("ellipsis in a short line %q", l)
		}
	}
	if !strings.Contains(text, "Console login without MFA (severity medium, 2 alerts)\ntime                      attempts_count  user.name  source.ip\n2024-11-04 09:58:00.500Z  3               alice      198.51.100.1\n") {
		t.Errorf("non-aggregating table wrong:\n%s", text)
	}
}

// TestTableHelpers pins header shortening, date rendering, truncation and
// sanitising.
func TestTableHelpers(t *testing.T) {
	headers := map[string]string{
		"Esql.event_action_values":         "event_action",
		"Esql.event_action_count_distinct": "event_action_distinct",
		"Esql.time_window_date_trunc":      "time_window",
		"Esql.attempts_count":              "attempts_count",
		"aws.cloudtrail.user_identity.arn": "aws.cloudtrail.user_identity.arn",
		"Esql._values":                     "Esql._values",
	}
	for in, want := range headers {
		if got := shortHeader(in); got != want {
			t.Errorf("shortHeader(%q) = %q, want %q", in, got, want)
		}
	}
	cols := []column{{key: "Esql.a_values"}, {key: "Esql.a_date_trunc"}, {key: "Esql.b_values"}}
	setHeaders(cols)
	if cols[0].header != "Esql.a_values" || cols[1].header != "Esql.a_date_trunc" || cols[2].header != "b" {
		t.Errorf("collision handling: %+v", cols)
	}
	dates := map[string]string{
		"2024-11-04T10:00:10.000Z":       "2024-11-04 10:00:10Z",
		"2024-11-04T10:00:10.120Z":       "2024-11-04 10:00:10.120Z",
		"2024-11-04T10:00:10.000000000Z": "2024-11-04 10:00:10Z",
		"2024-11-04T10:00:10Z":           "2024-11-04 10:00:10Z",
		"2024-11-04T10:00:10.x00Z":       "2024-11-04T10:00:10.x00Z",
		"not a date at all, really Z":    "not a date at all, really Z",
		"2024-11-04T10:00:10+01:00":      "2024-11-04T10:00:10+01:00",
	}
	for in, want := range dates {
		if got := shortDate(in); got != want {
			t.Errorf("shortDate(%q) = %q, want %q", in, got, want)
		}
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("äöü", 3); got != "äöü" {
		t.Errorf("truncate multibyte = %q", got)
	}
	cells := map[string]any{
		"a\x1b[2Jb":         `a\x1b[2Jb`,
		"tab\tnl\ncr\r":     `tab\tnl\ncr\r`,
		"c1\u0085\u009b":    `c1\u0085\u009b`,
		"bidi\u2066x\u202e": `bidi\u2066x\u202e`,
		"bad\xffutf8":       "bad\uFFFDutf8",
		"del\x7f":           `del\x7f`,
		"plain Zürich ☃":    "plain Zürich ☃",
	}
	for in, want := range cells {
		if got := formatCell(in); got != want {
			t.Errorf("formatCell(%q) = %q, want %q", in, got, want)
		}
	}
	misc := []struct {
		in   any
		want string
	}{
		{[]any{"a", int64(2), 2.5, true, nil}, "a, 2, 2.5, true, "},
		{map[string]any{"k": "\x1b"}, `{"k":"\u001b"}`},
		{float64(1e21), "1e+21"},
		{int64(-3), "-3"},
	}
	for _, m := range misc {
		if got := formatCell(m.in); got != m.want {
			t.Errorf("formatCell(%#v) = %q, want %q", m.in, got, m.want)
		}
	}
	var empty bytes.Buffer
	w := NewTableWriter(&empty)
	if err := w.Close(); err != nil || empty.String() != "No alerts.\n" {
		t.Errorf("empty table: %q, %v; want a \"No alerts.\" line for the person reading", empty.String(), err)
	}
	_ = time.Now
}
