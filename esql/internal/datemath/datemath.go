// Package datemath ports how Elasticsearch reads a date in a query on a
// date field: the strict_date_optional_time||epoch_millis formats, a
// partial date covering its whole period (DateFieldType.rangeQuery), and
// date math such as now-1d/d (JavaDateMathParser).
package datemath

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Context is what a date in a full-text query is read against: NOW()
// for date math and the time zone of dates written without an offset (UTC
// unless KQL's time_zone option says otherwise).
type Context struct {
	Now time.Time
	Loc *time.Location
}

// isoDate is strict_date_optional_time: a date, optionally a time down to
// nanoseconds, optionally an offset.
var isoDate = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$`)
})

// Interval returns the instants [lo, hi) a date in a query denotes, for
// Elasticsearch's date fields (format strict_date_optional_time||epoch_millis).
// A date missing its smaller fields covers all of them: when it bounds a
// range from above it is rounded up to the last instant
// (DateFieldType.rangeQuery parses upper bounds with roundUp), so
// `@timestamp:2024-05-01` is the whole day. Date math (`now-1d/d`,
// `2024-05-01||+1M`) is applied, its `/unit` rounding widening the
// interval to the unit (https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#date-math).
func (dc Context) Interval(s string) (lo, hi time.Time, err error) {
	loc := dc.Loc
	if loc == nil {
		loc = time.UTC
	}
	bad := fmt.Errorf("failed to parse date field [%s] with format [strict_date_optional_time||epoch_millis]", s)
	var math string
	switch {
	case strings.HasPrefix(s, "now"):
		lo = dc.Now.Truncate(time.Millisecond)
		hi = lo.Add(time.Nanosecond)
		math = s[3:]
	case strings.Contains(s, "||"):
		anchor, rest, _ := strings.Cut(s, "||")
		if lo, _, err = parseDateText(anchor, loc); err != nil {
			return lo, hi, bad
		}
		hi = lo.Add(time.Nanosecond)
		math = rest
	default:
		if lo, hi, err = parseDateText(s, loc); err != nil {
			return lo, hi, bad
		}
		return lo, hi, nil
	}
	if lo, hi, err = applyDateMath(lo, hi, math, loc); err != nil {
		return lo, hi, fmt.Errorf("failed to parse date field [%s]: %v", s, err)
	}
	return lo, hi, nil
}

// parseDateText parses an ISO date (interval of its precision) or epoch
// milliseconds (one instant).
func parseDateText(s string, loc *time.Location) (lo, hi time.Time, err error) {
	m := isoDate().FindStringSubmatch(s)
	if m == nil {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return lo, hi, err
		}
		lo = time.UnixMilli(ms).UTC()
		return lo, lo.Add(time.Millisecond), nil
	}
	if m[8] != "" {
		if loc, err = ZoneOf(m[8]); err != nil {
			return lo, hi, err
		}
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	y, mo, d, h, mi, sec := num(1, 0), num(2, 1), num(3, 1), num(4, 0), num(5, 0), num(6, 0)
	if mo < 1 || mo > 12 || d < 1 || d > DaysIn(y, time.Month(mo)) || h > 23 || mi > 59 || sec > 59 {
		return lo, hi, fmt.Errorf("bad date")
	}
	ns := 0
	if f := m[7]; f != "" {
		ns, _ = strconv.Atoi((f + "000000000")[:9])
	}
	lo = time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc)
	switch {
	case m[7] != "":
		hi = lo.Add(time.Nanosecond)
	case m[6] != "":
		hi = lo.Add(time.Second)
	case m[5] != "":
		hi = lo.Add(time.Minute)
	case m[4] != "":
		hi = lo.Add(time.Hour)
	case m[3] != "":
		hi = lo.AddDate(0, 0, 1)
	case m[2] != "":
		hi = lo.AddDate(0, 1, 0)
	default:
		hi = lo.AddDate(1, 0, 0)
	}
	return lo.UTC(), hi.UTC(), nil
}

// ZoneOf parses an offset: Z, +hh, +hhmm or +hh:mm.
func ZoneOf(z string) (*time.Location, error) {
	if z == "Z" {
		return time.UTC, nil
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	bad := fmt.Errorf("invalid offset [%s]", z)
	if len(digits) != 2 && len(digits) != 4 {
		return nil, bad
	}
	h, err := strconv.Atoi(digits[:2])
	if err != nil || h > 18 {
		return nil, bad
	}
	mi := 0
	if len(digits) == 4 {
		if mi, err = strconv.Atoi(digits[2:]); err != nil || mi > 59 {
			return nil, bad
		}
	}
	off := h*3600 + mi*60
	if z[0] == '-' {
		off = -off
	}
	return time.FixedZone(z, off), nil
}

// applyDateMath applies `+N<unit>`, `-N<unit>` and `/<unit>` in order.
func applyDateMath(lo, hi time.Time, math string, loc *time.Location) (time.Time, time.Time, error) {
	for i := 0; i < len(math); {
		op := math[i]
		i++
		if op != '+' && op != '-' && op != '/' {
			return lo, hi, fmt.Errorf("operator not supported for date math [%s]", math)
		}
		n := 1
		if op != '/' {
			j := i
			for j < len(math) && math[j] >= '0' && math[j] <= '9' {
				j++
			}
			if j > i {
				n, _ = strconv.Atoi(math[i:j])
			}
			i = j
		}
		if i >= len(math) {
			return lo, hi, fmt.Errorf("truncated date math [%s]", math)
		}
		unit := math[i]
		i++
		if op == '/' {
			lo = floorDate(lo.In(loc), unit)
			if lo.IsZero() {
				return lo, hi, fmt.Errorf("rounding `/%c` is not supported", unit)
			}
			hi = addDate(lo, unit, 1)
			lo, hi = lo.UTC(), hi.UTC()
			continue
		}
		if op == '-' {
			n = -n
		}
		l, h := addDate(lo.In(loc), unit, n), addDate(hi.In(loc), unit, n)
		if l.IsZero() {
			return lo, hi, fmt.Errorf("unit [%c] not supported for date math [%s]", unit, math)
		}
		lo, hi = l.UTC(), h.UTC()
	}
	return lo, hi, nil
}

func addDate(t time.Time, unit byte, n int) time.Time {
	switch unit {
	case 'y':
		return t.AddDate(n, 0, 0)
	case 'M':
		return t.AddDate(0, n, 0)
	case 'w':
		return t.AddDate(0, 0, 7*n)
	case 'd':
		return t.AddDate(0, 0, n)
	case 'h', 'H':
		return t.Add(time.Duration(n) * time.Hour)
	case 'm':
		return t.Add(time.Duration(n) * time.Minute)
	case 's':
		return t.Add(time.Duration(n) * time.Second)
	}
	return time.Time{}
}

func floorDate(t time.Time, unit byte) time.Time {
	y, mo, d := t.Date()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, t.Location())
	case 'M':
		return time.Date(y, mo, 1, 0, 0, 0, 0, t.Location())
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7 // Monday first
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, t.Location())
	case 'd':
		return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
	case 'h', 'H':
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, t.Location())
	case 'm':
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, t.Location())
	case 's':
		return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, t.Location())
	}
	return time.Time{}
}

// DaysIn is the number of days in month m of year y.
func DaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// UsesNow reports whether a date in a query is anchored on Context.Now
// (date math such as now-1d/d), so that what it denotes changes with the
// time the query runs at.
func UsesNow(s string) bool { return strings.HasPrefix(s, "now") }
