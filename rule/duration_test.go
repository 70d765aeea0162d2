package rule

import (
	"testing"
	"time"
)

// TestParseLookback: Elasticsearch date math "now-<n><unit>" as used by
// rule.from (docs/esql-semantics.md §B1).
func TestParseLookback(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"now-6m", 6 * time.Minute, false},
		{"now-7d", 7 * 24 * time.Hour, false},
		{"now-24h", 24 * time.Hour, false},
		{"now-24H", 24 * time.Hour, false},
		{"now-2w", 14 * 24 * time.Hour, false},
		{"now-90s", 90 * time.Second, false},
		{"now", 0, false},
		{"now-1M", 0, true}, // calendar month: no fixed length
		{"now-1y", 0, true},
		{"now-1d/d", 0, true},
		{"now+5m", 0, true},
		{"6m", 0, true},
		{"now-m", 0, true},
		{"now-", 0, true},
		{"now--5m", 0, true},
		{"now-99999999999999d", 0, true},
	}
	for _, c := range cases {
		got, err := ParseLookback(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseLookback(%q) = %v, %v; want %v, bad=%v", c.in, got, err, c.want, c.bad)
		}
	}
}

// TestParseInterval: Kibana schedule intervals <n><s|m|h|d>.
func TestParseInterval(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"5m", 5 * time.Minute, false},
		{"1h", time.Hour, false},
		{"60m", time.Hour, false},
		{"30s", 30 * time.Second, false},
		{"1d", 24 * time.Hour, false},
		{"0m", 0, true},
		{"5", 0, true},
		{"m", 0, true},
		{"5 m", 0, true},
		{"-5m", 0, true},
		{"1.5h", 0, true},
		{"5x", 0, true},
	}
	for _, c := range cases {
		got, err := ParseInterval(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v, bad=%v", c.in, got, err, c.want, c.bad)
		}
	}
	r := Seed()
	if d, err := r.IntervalDuration(); err != nil || d != 5*time.Minute {
		t.Errorf("seed interval = %v, %v", d, err)
	}
	if d, err := r.Lookback(); err != nil || d != 6*time.Minute {
		t.Errorf("seed lookback = %v, %v", d, err)
	}
}

// TestSuppressionDuration: alert_suppression.duration units s, m, h
// (docs/esql-semantics.md §B5).
func TestSuppressionDuration(t *testing.T) {
	cases := []struct {
		in   SuppressionDuration
		want time.Duration
		bad  bool
	}{
		{SuppressionDuration{6, "h"}, 6 * time.Hour, false},
		{SuppressionDuration{15, "m"}, 15 * time.Minute, false},
		{SuppressionDuration{35, "s"}, 35 * time.Second, false},
		{SuppressionDuration{1, "d"}, 0, true},
		{SuppressionDuration{0, "h"}, 0, true},
	}
	for _, c := range cases {
		got, err := c.in.Duration()
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%+v.Duration() = %v, %v; want %v, bad=%v", c.in, got, err, c.want, c.bad)
		}
	}
}
