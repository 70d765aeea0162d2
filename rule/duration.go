package rule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fixedUnits are the date-math units with a fixed length. Elasticsearch
// date math also has M (month) and y (year), calendar units with no fixed
// duration; rules use s/m/h/d, so those are rejected rather than guessed.
// (Elasticsearch reference, "Date math": y M w d h H m s.)
var fixedUnits = map[byte]time.Duration{
	's': time.Second,
	'm': time.Minute,
	'h': time.Hour,
	'H': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
}

// ParseLookback turns a rule's `from` date math ("now-6m", "now-7d",
// "now-24h", or "now") into how far before the run time the range starts.
// Rounding ("now-1d/d"), sums and calendar units are errors.
func ParseLookback(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "now")
	if !ok {
		return 0, fmt.Errorf("%q: date math must start with \"now\"", s)
	}
	if rest == "" {
		return 0, nil
	}
	if rest[0] != '-' {
		return 0, fmt.Errorf("%q: expected now-<n><unit>, e.g. now-6m", s)
	}
	d, err := parseAmount(rest[1:])
	if err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	return d, nil
}

// ParseInterval turns a rule schedule interval ("5m", "1h", "60m", "30s",
// "1d") into a duration. Kibana accepts <n><unit> with unit s, m, h or d;
// zero is an error.
func ParseInterval(s string) (time.Duration, error) {
	d, err := parseAmount(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: interval must be positive", s)
	}
	return d, nil
}

// parseAmount parses "<digits><unit>".
func parseAmount(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("expected <number><unit>, e.g. 5m")
	}
	unit := s[len(s)-1]
	u, ok := fixedUnits[unit]
	if !ok {
		return 0, fmt.Errorf("unit %q is not one of s, m, h, d, w", string(unit))
	}
	n, err := strconv.ParseUint(s[:len(s)-1], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("expected <number><unit>, e.g. 5m or 1h")
	}
	d := time.Duration(n) * u
	if d/u != time.Duration(n) {
		return 0, fmt.Errorf("%s is too large", s)
	}
	return d, nil
}

// Lookback is ParseLookback of the rule's From.
func (r *Rule) Lookback() (time.Duration, error) { return ParseLookback(r.From) }

// IntervalDuration is ParseInterval of the rule's Interval.
func (r *Rule) IntervalDuration() (time.Duration, error) { return ParseInterval(r.Interval) }

// Duration converts the suppression window; Kibana's unit is s, m or h.
func (d SuppressionDuration) Duration() (time.Duration, error) {
	var u time.Duration
	switch d.Unit {
	case "s":
		u = time.Second
	case "m":
		u = time.Minute
	case "h":
		u = time.Hour
	default:
		return 0, fmt.Errorf("unit %q is not one of s, m, h", d.Unit)
	}
	if d.Value <= 0 {
		return 0, fmt.Errorf("value %d must be positive", d.Value)
	}
	return time.Duration(d.Value) * u, nil
}
