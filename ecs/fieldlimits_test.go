package ecs

import (
	"strings"
	"testing"
)

// TestIgnoreAbove pins the limits of a logs-aws.cloudtrail-* index (see
// fieldlimits.go for the sources): 8191 for the two rendered strings the
// integration limits, Fleet's 1024 for other declared keyword fields, none for
// non-keyword types, ecs@mappings' rules for undeclared fields.
func TestIgnoreAbove(t *testing.T) {
	tests := []struct {
		field string
		want  int
	}{
		{"aws.cloudtrail.request_parameters", 8191},
		{"aws.cloudtrail.response_elements", 8191},
		{"aws.cloudtrail.additional_eventdata", 1024},
		{"aws.cloudtrail.service_event_details", 1024},
		{"aws.cloudtrail.error_message", 1024},
		{"user_agent.original", 1024},
		{"source.as.organization.name", 1024},
		{"source.geo.city_name", 1024},
		{"related.user", 1024},
		{"event.original", 0},
		{"cloud.service.name", 0}, // dynamic *.name
		{"service.name", 0},
		{"event.module", 0}, // constant_keyword
		{"@timestamp", 0},
		{"source.ip", 0},
		{"source.as.number", 0},
		{"source.geo.location", 0},
		{"aws.cloudtrail.read_only", 0},
		{"aws.cloudtrail.flattened.request_parameters", 0},
		// Undeclared fields: ecs@mappings.
		{"aws.cloudtrail.some_new_key", 1024},
		{"foo.name", 0},
		{"foo.command_line", 0},
		{"message", 0},
		{"url.full", 0},
		{"foo.named", 1024},
	}
	for _, tc := range tests {
		if got := IgnoreAbove(tc.field); got != tc.want {
			t.Errorf("IgnoreAbove(%q) = %d, want %d", tc.field, got, tc.want)
		}
	}
	// Every keyword field the mapping knows has some decision, and the
	// limits are only the ones Elasticsearch uses here.
	for f := range FieldTypes() {
		if n := IgnoreAbove(f); n != 0 && n != 1024 && n != 8191 {
			t.Errorf("%s: unexpected limit %d", f, n)
		}
	}
}

// TestExceedsIgnoreAbove: a value is dropped when its Java length (UTF-16
// units) is greater than the limit; equal is kept.
func TestExceedsIgnoreAbove(t *testing.T) {
	const f = "aws.cloudtrail.request_parameters"
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"short", "{}", false},
		{"exactly 8191", strings.Repeat("a", 8191), false},
		{"8192", strings.Repeat("a", 8192), true},
		// 3 bytes but 1 UTF-16 unit each: 8191 units in 24573 bytes is kept.
		{"8191 BMP runes", strings.Repeat("é", 8191), false},
		// A supplementary rune is 2 units: 4096 of them are 8192 units.
		{"4096 astral runes", strings.Repeat("😀", 4096), true},
		{"4095 astral runes + 1", strings.Repeat("😀", 4095) + "a", false},
	}
	for _, tc := range tests {
		if got := ExceedsIgnoreAbove(f, tc.s); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if ExceedsIgnoreAbove("service.name", strings.Repeat("a", 100000)) {
		t.Error("a field without a limit never exceeds it")
	}
	if !ExceedsIgnoreAbove("user_agent.original", strings.Repeat("a", 1025)) {
		t.Error("user_agent.original longer than 1024 should exceed")
	}
}
