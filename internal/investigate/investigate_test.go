package investigate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
)

const (
	mallory = "arn:aws:iam::111122223333:user/mallory<i>x</i>"
	bob     = "arn:aws:iam::111122223333:user/bob"
	hostile = `<script>alert(1)</script>"quoted"` + "\x1b[31m"
)

var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// record is a raw CloudTrail record of arn calling source:action at t0+sec.
func record(arn, source, action string, sec int, errCode string) map[string]any {
	r := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDAX", "arn": arn, "accountId": "111122223333", "accessKeyId": "AKIAX"},
		"eventTime":    t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339),
		"eventSource":  source + ".amazonaws.com", "eventName": action, "awsRegion": "us-east-1",
		"sourceIPAddress": "198.51.100.23", "userAgent": hostile,
		"eventID": fmt.Sprintf("%s-%d", action, sec), "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
	}
	if errCode != "" {
		r["errorCode"] = errCode
	}
	return r
}

// corpus writes records as a CloudTrail delivery file and returns its path.
func corpus(t *testing.T, recs ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trail.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hostileCorpus: mallory's burst at 0-5s, a key created 4 minutes later, an
// event 40 minutes before (outside ±30m), and bob in between.
func hostileCorpus(t *testing.T) string {
	return corpus(t,
		record(mallory, "ec2", "DescribeInstances", 0, ""),
		record(mallory, "iam", "ListUsers", 1, "AccessDenied"),
		record(mallory, "sts", "GetCallerIdentity", 2, ""),
		record(mallory, "s3", "ListBuckets", 5, ""),
		record(mallory, "iam", "CreateAccessKey", 245, ""),
		record(mallory, "lambda", "UpdateFunctionCode20150331v2", 300, ""),
		record(mallory, "ec2", "DescribeVpcs", -2400, ""),
		record(bob, "ec2", "DescribeInstances", 3, ""),
	)
}

func collectTest(t *testing.T, path string, q Query) []Event {
	t.Helper()
	m := ecs.NewMapper(ecs.Options{Fields: append(Fields, q.Identity.Fields...)})
	evs, _, err := Collect(context.Background(), &cloudtrail.Reader{}, m, []string{path}, q, func(r cloudtrail.Record, err error) { t.Errorf("record %d: %v", r.Index, err) })
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// The timeline is the identity's events in the range, in time order, the
// alert's and the sensitive ones marked.
func TestInvestigateCollect(t *testing.T) {
	path := hostileCorpus(t)
	q := Query{Identity: ARN(mallory), From: t0.Add(-30 * time.Minute), To: t0.Add(10*time.Second + 30*time.Minute),
		InAlert: map[string]bool{"DescribeInstances-0": true, "ListUsers-1": true, "ListBuckets-5": true}}
	evs := collectTest(t, path, q)
	var got []string
	for _, e := range evs {
		s := e.Action
		if e.InAlert {
			s += " A"
		}
		if e.Sensitive != nil {
			s += " !" + e.Sensitive.Group
		}
		got = append(got, s)
	}
	want := "DescribeInstances A|ListUsers A|GetCallerIdentity !whoami|ListBuckets A|CreateAccessKey !new credentials|UpdateFunctionCode20150331v2 !execution or lateral movement"
	if strings.Join(got, "|") != want {
		t.Errorf("timeline\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if evs[1].ErrorCode != "AccessDenied" || evs[0].UserAgent != hostile || evs[0].ARN != mallory {
		t.Errorf("fields %+v", evs[1])
	}
}

// The HTML report escapes every log value, runs no script, loads nothing,
// and draws one dot per event.
func TestInvestigateHTMLIsSafe(t *testing.T) {
	r := hostileReport(t)
	var b bytes.Buffer
	if err := r.WriteHTML(&b, t0); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, bad := range []string{"<script", "<i>x</i>", "<img", "\x1b", "javascript:", "href=", "url(", "@import"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "mallory&lt;i&gt;x&lt;/i&gt;", `\x1b[31m`, "&lt;img src=x onerror=alert(1)&gt;", `Content-Security-Policy" content="default-src 'none'`} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(html, "<circle"); n != len(r.Events) {
		t.Errorf("%d circles for %d events", n, len(r.Events))
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "r.html"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Text output shows control characters as escapes: a log value cannot
// move the cursor or recolour the terminal.
func TestInvestigateTextIsSanitized(t *testing.T) {
	r := hostileReport(t)
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("an escape byte reached the terminal output")
	}
	for _, want := range []string{`\x1b[31m`, "FOLLOW-ON", "+3m55s", "new credentials", "A   2026-11-02T08:00:00Z  in window  ec2",
		"ACTIVITY per minute", "KEYS     AKIAX (6)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

// Hostile values in every field a report shows, each planted alone: the
// text output holds no control or bidi character and no extra line; the
// HTML output holds no markup of the logs, only their escaped text.
func TestInvestigateHostileValues(t *testing.T) {
	base := Event{Time: t0, ID: "id-1", Action: "ListUsers", Provider: "iam.amazonaws.com", Outcome: "success",
		SourceIP: "198.51.100.23", UserAgent: "aws-cli/2.15.30", Region: "us-east-1", ARN: bob, AccessKey: "AKIAX"}
	values := []struct {
		name, v string
		text    string // what the text output must show
		html    string // what the HTML source must hold
	}{
		{"script", "<script>alert(1)</script>", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"tag in an ARN", "arn:aws:iam::1:user/<i>x</i>", "arn:aws:iam::1:user/<i>x</i>", "arn:aws:iam::1:user/&lt;i&gt;x&lt;/i&gt;"},
		{"quotes", `a"b'c`, `a"b'c`, "a&#34;b&#39;c"},
		{"attribute break", `x" onmouseover="alert(1)`, `x" onmouseover="alert(1)`, "x&#34; onmouseover=&#34;alert(1)"},
		{"ANSI colour", "\x1b[31mred", `\x1b[31mred`, `\x1b[31mred`},
		{"clear screen and title", "\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\x07`, `\x1b[2J\x1b]0;pwned\x07`},
		{"newline", "a\nFAKE LINE", `a\nFAKE LINE`, `a\nFAKE LINE`},
		{"carriage return", "a\rb", `a\rb`, `a\rb`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`, `abc\u202edcba`},
		{"C1 control", "a\u009bb", `a\u009bb`, `a\u009bb`},
		{"ampersand entity", "&lt;b&gt;", "&lt;b&gt;", "&amp;lt;b&amp;gt;"},
	}
	fields := []struct {
		name string
		set  func(*Event, string)
	}{
		{"user agent", func(e *Event, v string) { e.UserAgent = v }},
		{"arn", func(e *Event, v string) { e.ARN = v }},
		{"action", func(e *Event, v string) { e.Action = v }},
		{"source ip", func(e *Event, v string) { e.SourceIP = v }},
		{"region", func(e *Event, v string) { e.Region = v }},
		{"error code", func(e *Event, v string) { e.ErrorCode = v }},
		{"access key", func(e *Event, v string) { e.AccessKey = v }},
		{"as org", func(e *Event, v string) { e.ASOrg = v }},
	}
	for _, f := range fields {
		for _, v := range values {
			t.Run(f.name+"/"+v.name, func(t *testing.T) {
				e := base
				f.set(&e, v.v)
				r := &Report{Rule: "rule", AlertID: "abc", Identity: ARN(e.ARN), WindowStart: t0, WindowEnd: t0.Add(10 * time.Second),
					From: t0.Add(-time.Minute), To: t0.Add(time.Minute), Events: []Event{e}}
				r.Summarize()
				var text, page bytes.Buffer
				if err := r.WriteText(&text); err != nil {
					t.Fatal(err)
				}
				if err := r.WriteHTML(&page, t0); err != nil {
					t.Fatal(err)
				}
				for _, c := range text.String() {
					if (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) {
						t.Errorf("text output holds %U", c)
					}
				}
				if !strings.Contains(text.String(), v.text) {
					t.Errorf("text output lacks %q:\n%s", v.text, text.String())
				}
				if strings.Contains(text.String(), "\nFAKE LINE") {
					t.Error("a value started a line of its own")
				}
				h := page.String()
				if !strings.Contains(h, v.html) {
					t.Errorf("html lacks %q", v.html)
				}
				for _, bad := range []string{"<script", "<i>", `" onmouseover`, "\x1b", "\u202e", "&lt;b&gt;"} {
					if strings.Contains(h, bad) {
						t.Errorf("html holds %q", bad)
					}
				}
			})
		}
	}
}

func hostileReport(t *testing.T) *Report {
	path := hostileCorpus(t)
	r := &Report{Rule: "Test <b>rule</b>", AlertID: "abc", Guide: "## Triage\n<img src=x onerror=alert(1)>", Identity: ARN(mallory),
		WindowStart: t0, WindowEnd: t0.Add(10 * time.Second), From: t0.Add(-30 * time.Minute), To: t0.Add(10*time.Second + 30*time.Minute)}
	r.Events = collectTest(t, path, Query{Identity: r.Identity, From: r.From, To: r.To, InAlert: map[string]bool{"DescribeInstances-0": true}})
	r.Summarize()
	return r
}

// The built-in catalogue parses; Lambda's versioned names match by prefix;
// a bad catalogue is refused.
func TestInvestigateCatalog(t *testing.T) {
	c := DefaultCatalog()
	for _, tc := range []struct{ provider, action, want string }{
		{"iam.amazonaws.com", "CreateAccessKey", "new credentials"},
		{"lambda.amazonaws.com", "AddPermission20150331v2", "execution or lateral movement"},
		{"cloudtrail.amazonaws.com", "StopLogging", "defense evasion"},
		{"ec2.amazonaws.com", "DescribeInstances", ""},
	} {
		got := ""
		if s := c.Match(tc.provider, tc.action); s != nil {
			got = s.Group
		}
		if got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.provider, tc.action, got, tc.want)
		}
	}
	if _, err := ParseCatalog([]byte("- group: x\n  actions: [\"nocolon\"]\n")); err == nil {
		t.Error("an action without provider: was accepted")
	}
}
