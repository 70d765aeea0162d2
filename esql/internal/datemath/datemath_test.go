package datemath

import (
	"testing"
	"time"
)

// TestDateInterval: a partial date covers its whole period; date math
// moves and rounds it (DateFieldType.rangeQuery, JavaDateMathParser).
func TestDateInterval(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 34, 56, 789_000_000, time.UTC)
	dc := Context{Now: now, Loc: time.UTC}
	tests := []struct{ in, lo, hi string }{
		{"2024", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"2024-05", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z"},
		{"2024-05-01", "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"},
		{"2024-05-01T10", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"},
		{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z"},
		{"2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z", "2024-05-01T08:00:01Z"},
		{"2024-05-01T10:00:00.5", "2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00.500000001Z"},
		{"1714557600000", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.001Z"},
		{"now", "2024-05-01T12:34:56.789Z", "2024-05-01T12:34:56.789000001Z"},
		{"now-1d/d", "2024-04-30T00:00:00Z", "2024-05-01T00:00:00Z"},
		{"now/M", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z"},
		{"2024-05-01||+1M/d", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"},
	}
	for _, tt := range tests {
		lo, hi, err := dc.Interval(tt.in)
		if err != nil {
			t.Errorf("interval(%q): %v", tt.in, err)
			continue
		}
		if got := lo.Format(time.RFC3339Nano); got != tt.lo {
			t.Errorf("interval(%q) starts %s, want %s", tt.in, got, tt.lo)
		}
		if got := hi.Format(time.RFC3339Nano); got != tt.hi {
			t.Errorf("interval(%q) ends %s, want %s", tt.in, got, tt.hi)
		}
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err == nil {
		lo, _, _ := Context{Now: now, Loc: paris}.Interval("2024-05-01")
		if lo.Format(time.RFC3339) != "2024-04-30T22:00:00Z" {
			t.Errorf("time_zone Europe/Paris: day starts %s", lo)
		}
	}
	for _, bad := range []string{"2024-13-01", "yesterday", "2024-02-30", "now+1x"} {
		if _, _, err := dc.Interval(bad); err == nil {
			t.Errorf("interval(%q) accepted", bad)
		}
	}
}
