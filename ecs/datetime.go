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
	if t, ok := plainUTC(s); ok {
		return t, true
	}
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

// plainUTC parses the form CloudTrail writes, 2006-01-02T15:04:05Z, as
// the first of isoLayouts would, without time.Parse (it runs for every
// record: ValidEventTime). ok is false for anything else, which the
// layouts then decide (TestPlainUTCMatchesParse, FuzzPlainUTC).
func plainUTC[T string | []byte](s T) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	se, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59 {
		return time.Time{}, false
	}
	if d > daysIn(time.Month(mo), y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC), true
}

// daysIn is the number of days of month m in year y (proleptic Gregorian).
func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
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
