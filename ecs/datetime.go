package ecs

import (
	"strings"
	"time"
)

// The ingest `date` processor with format ISO8601 (Elasticsearch's
// strict-ish "iso8601" java-time parser) accepts a calendar date with optional
// time, optional fraction (dot or comma) and an optional zone (Z, ±HH, ±HHMM,
// ±HH:MM); without a zone the value is UTC. The result is stored at millisecond
// precision, the sub-millisecond digits dropped (docs/cloudtrail-ecs-mapping.md §2 step 5).
var isoLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"2006-01-02T15Z07:00",
	"2006-01-02T15",
	"2006-01-02",
}

// parseISO8601 parses s like the date processor's ISO8601 format.
func parseISO8601(s string) (time.Time, bool) {
	if len(s) < 10 || len(s) > 64 {
		return time.Time{}, false
	}
	if strings.IndexByte(s, ',') >= 0 {
		s = strings.Replace(s, ",", ".", 1)
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}

// parseCreationDate parses sessionContext.attributes.creationDate with the
// formats the pipeline lists: ISO8601, basic_date_time_no_millis
// (20131102T010628Z) and basic_date_time (20131102T010628.123Z).
func parseCreationDate(s string) (time.Time, bool) {
	if t, ok := parseISO8601(s); ok {
		return t, true
	}
	for _, l := range []string{"20060102T150405Z07:00", "20060102T150405Z0700", "20060102T150405.000Z07:00", "20060102T150405.000Z0700"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}

// formatDate renders a date the way the date processor writes its target field
// (yyyy-MM-dd'T'HH:mm:ss.SSSXXX in UTC), used for digest dates kept inside the
// flattened digest object.
func formatDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
