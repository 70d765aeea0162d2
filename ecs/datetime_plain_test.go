package ecs

import (
	"testing"
	"time"
)

// slowISO8601 is parseISO8601 without the plainUTC fast path.
func slowISO8601(s string) (time.Time, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}

// plainUTC accepts what the layouts accept in its form, with the same time,
// and leaves the rest to them.
func TestPlainUTCMatchesParse(t *testing.T) {
	for _, s := range []string{
		"2026-11-02T08:00:07Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2000-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-31T23:59:59Z", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-1-01T00:00:00Z ",
		"2026-01-01 00:00:00Z", "2026-01-01T00:00:00z", "+026-01-01T00:00:00Z", "2026-01-01T0a:00:00Z",
		"2026-11-02T08:00:07.123Z",
	} {
		fast, fok := plainUTC(s)
		slow, sok := slowISO8601(s)
		if fok && (!sok || !fast.Equal(slow)) {
			t.Errorf("%q: plainUTC %v %v, time.Parse %v %v", s, fast, fok, slow, sok)
		}
		if got, ok := parseISO8601(s); ok != sok || !got.Equal(slow) {
			t.Errorf("%q: parseISO8601 %v %v, time.Parse %v %v", s, got, ok, slow, sok)
		}
		if len(s) == 20 && sok && s[19] == 'Z' && !fok {
			t.Errorf("%q: plainUTC leaves a plain date to the layouts", s)
		}
	}
}

func FuzzPlainUTC(f *testing.F) {
	f.Add("2026-11-02T08:00:07Z")
	f.Add("2024-02-29T23:59:59Z")
	f.Fuzz(func(t *testing.T, s string) {
		fast, fok := plainUTC(s)
		slow, sok := slowISO8601(s)
		if fok && (!sok || !fast.Equal(slow)) {
			t.Errorf("%q: plainUTC %v, time.Parse %v %v", s, fast, slow, sok)
		}
		if fok != plainBytes(s) {
			t.Errorf("%q: string and []byte forms disagree", s)
		}
	})
}

func plainBytes(s string) bool { _, ok := plainUTC([]byte(s)); return ok }
