package esql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/esql/parser"
)

const msPerDay = 86400000

// timeSpanValue converts a time-span literal (`10 seconds`, `1 week`) to a
// time_duration or date_period as EsqlDataTypeConverter.parseTemporalAmount
// does (docs/esql-semantics.md §A1): sub-day units give a Duration, day and
// longer a Period (a week is 7 days, a quarter 3 months).
func timeSpanValue(ts parser.TimeSpan) (Value, error) {
	n := ts.N
	dur := func(unit int64) (Value, error) {
		if n > math.MaxInt64/unit || n < math.MinInt64/unit {
			return Value{}, fmt.Errorf("time span [%d %s] out of range", ts.N, ts.Unit)
		}
		return Value{t: TimeDuration, n: uint64(n * unit)}, nil
	}
	per := func(y, m, d int64) (Value, error) {
		if y*n > math.MaxInt16 || m*n > math.MaxInt16 || d*n > math.MaxInt32 || n < math.MinInt16 {
			return Value{}, fmt.Errorf("time span [%d %s] out of range", ts.N, ts.Unit)
		}
		return Period(int(y*n), int(m*n), int(d*n)), nil
	}
	switch strings.ToLower(ts.Unit) {
	case "millisecond", "milliseconds", "ms":
		return dur(1)
	case "second", "seconds", "sec", "s":
		return dur(1000)
	case "minute", "minutes", "min":
		return dur(60 * 1000)
	case "hour", "hours", "h":
		return dur(3600 * 1000)
	case "day", "days", "d":
		return per(0, 0, 1)
	case "week", "weeks", "w":
		return per(0, 0, 7)
	case "month", "months", "mo":
		return per(0, 1, 0)
	case "quarter", "quarters", "q":
		return per(0, 3, 0)
	case "year", "years", "yr", "y":
		return per(1, 0, 0)
	}
	return Value{}, fmt.Errorf("Unexpected time interval qualifier: '%s'", ts.Unit)
}

// parseTimeSpanString parses "1 month" / "10 seconds", the string form
// DATE_TRUNC also accepts for its interval.
func parseTimeSpanString(s string) (Value, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || i == 0 {
		return Value{}, fmt.Errorf("Cannot convert string [%s] to [DATE_PERIOD or TIME_DURATION]", s)
	}
	return timeSpanValue(parser.TimeSpan{N: n, Unit: strings.TrimSpace(s[i:])})
}

// truncFunc returns DATE_TRUNC's rounding for an interval
// (docs/esql-semantics.md §A4), working on epoch milliseconds in UTC.
func truncFunc(iv Value) (func(ms int64) int64, error) {
	if iv.t == TimeDuration {
		d := int64(iv.n)
		if d <= 0 {
			return nil, fmt.Errorf("Zero or negative time interval is not supported")
		}
		// Fixed intervals are epoch-aligned floors (TimeIntervalRounding in UTC).
		return func(ms int64) int64 { return floorDiv(ms, d) * d }, nil
	}
	y, m, d := iv.period()
	if y < 0 || m < 0 || d < 0 || (y == 0 && m == 0 && d == 0) {
		return nil, fmt.Errorf("Zero or negative time interval is not supported")
	}
	units := 0
	for _, u := range []int{y, m, d} {
		if u != 0 {
			units++
		}
	}
	if units != 1 {
		return nil, fmt.Errorf("Time interval with multiple periods is not supported")
	}
	switch {
	case d == 1:
		return func(ms int64) int64 { return floorDiv(ms, msPerDay) * msPerDay }, nil
	case d == 7:
		// ISO weeks start on Monday; 1970-01-01 was a Thursday.
		return func(ms int64) int64 {
			day := floorDiv(ms, msPerDay)
			return (day - floorMod(day+3, 7)) * msPerDay
		}, nil
	case d > 1:
		iv := int64(d) * msPerDay
		return func(ms int64) int64 { return floorDiv(ms, iv) * iv }, nil
	case m > 0:
		// Months (and quarters) count from 0001-01 (date_trunc.csv-spec
		// evalDateTruncMonthInArbitraryIntervals).
		n := int64(m)
		return func(ms int64) int64 {
			t := time.UnixMilli(ms).UTC()
			idx := int64(t.Year()-1)*12 + int64(t.Month()-1)
			idx = floorDiv(idx, n) * n
			yr, mo := floorDiv(idx, 12)+1, floorMod(idx, 12)+1
			return time.Date(int(yr), time.Month(mo), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		}, nil
	default:
		// Years count from year 1 (evalDateTruncYearInArbitraryIntervals).
		n := int64(y)
		return func(ms int64) int64 {
			t := time.UnixMilli(ms).UTC()
			yr := floorDiv(int64(t.Year())-1, n)*n + 1
			return time.Date(int(yr), 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		}, nil
	}
}

func init() {
	register("date_trunc", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		iv, date := a[0], a[1]
		if date.konst && isString(date.typ) && date.val.t != Null {
			// A string constant date is cast implicitly (date_trunc.csv-spec evalDateTruncYearInString).
			if date = c.castConst(date, Datetime); date == nil {
				return badExpr(n)
			}
			a = []*cexpr{iv, date}
		}
		if !c.want(n, a, 1, "date_nanos or datetime", isDateT) {
			return badExpr(n)
		}
		if iv.konst && isString(iv.typ) && iv.val.t != Null {
			v, err := parseTimeSpanString(iv.val.s)
			if err != nil {
				c.errorf(iv.node.Pos(), "%s", err)
				return badExpr(n)
			}
			iv = constExpr(iv.node, v, v.t)
		}
		if !isSpan(iv.typ) && iv.typ != Null {
			c.argTypeError(n, 0, iv, "dateperiod or timeduration")
			return badExpr(n)
		}
		t := date.typ
		if t == Null {
			t = Datetime
		}
		if !iv.konst {
			c.errorf(iv.node.Pos(), "first argument of [%s] must be a constant, received [%s]", c.text(n), c.text(iv.node))
			return badExpr(n)
		}
		if iv.val.t == Null {
			return constExpr(n, Value{}, t)
		}
		trunc, err := truncFunc(iv.val)
		if err != nil {
			c.errorf(iv.node.Pos(), "%s", err)
			return badExpr(n)
		}
		return c.res1(n, t, date, func(x Value) (Value, *evalError) {
			if x.t == DateNanos {
				ns := int64(x.n)
				ms := floorDiv(ns, 1e6)
				return DateNanosOf(trunc(ms) * 1e6), nil
			}
			return DatetimeValue(trunc(int64(x.n))), nil
		})
	})
	register("now", 0, 0, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		// Not a constant: NOW() is bound per execution (ExecOptions.Now),
		// so that a rule compiled once can run at each scheduled time.
		return &cexpr{typ: Datetime, node: n, fn: func(e *env, _ []Value) Value { return e.now }}
	})
	register("date_diff", 3, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "date_nanos or datetime", isDateT) || !c.want(n, a, 2, "date_nanos or datetime", isDateT) {
			return badExpr(n)
		}
		if a[0].konst && a[0].val.t != Null {
			if _, ok := diffUnit(a[0].val.s); !ok {
				c.errorf(a[0].node.Pos(), "Received value [%s] is not valid date unit; %s", a[0].val.s, validDiffUnits)
				return badExpr(n)
			}
		}
		return c.resultOf(n, Integer, a, func(v []Value) (Value, *evalError) {
			u, ok := diffUnit(v[0].s)
			if !ok {
				return Value{}, illegalArg("Received value [%s] is not valid date unit; %s", v[0].s, validDiffUnits)
			}
			r := dateDiff(u, v[1].AsTime(), v[2].AsTime())
			if r > math.MaxInt32 || r < math.MinInt32 {
				return Value{}, &evalError{"org.elasticsearch.xpack.esql.core.InvalidArgumentException", fmt.Sprintf("[%d] out of [integer] range", r)}
			}
			return Int(int32(r)), nil
		})
	})
	register("date_format", 1, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		date := a[len(a)-1]
		if !c.want(n, a, len(a)-1, "date_nanos or datetime", isDateT) {
			return badExpr(n)
		}
		layout := dateLayout
		if len(a) == 2 {
			if !a[0].konst || !isString(a[0].typ) {
				c.argTypeError(n, 0, a[0], "string constant")
				return badExpr(n)
			}
			l, err := javaDateLayout(a[0].val.s)
			if err != nil {
				c.errorf(a[0].node.Pos(), "%s", err)
				return badExpr(n)
			}
			layout = l
		}
		return c.res1(n, Keyword, date, func(x Value) (Value, *evalError) {
			return KeywordValue(x.AsTime().Format(layout)), nil
		})
	})
	// DATE_EXTRACT(part, date) for the common ChronoField names.
	register("date_extract", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "date_nanos or datetime", isDateT) {
			return badExpr(n)
		}
		return c.res2(n, Long, a[0], a[1], func(p, d Value) (Value, *evalError) {
			t := d.AsTime()
			var v int64
			switch strings.ToUpper(p.s) {
			case "YEAR":
				v = int64(t.Year())
			case "MONTH_OF_YEAR":
				v = int64(t.Month())
			case "DAY_OF_MONTH":
				v = int64(t.Day())
			case "DAY_OF_YEAR":
				v = int64(t.YearDay())
			case "DAY_OF_WEEK":
				v = int64((int(t.Weekday())+6)%7 + 1) // ISO: Monday = 1
			case "HOUR_OF_DAY":
				v = int64(t.Hour())
			case "MINUTE_OF_HOUR":
				v = int64(t.Minute())
			case "SECOND_OF_MINUTE":
				v = int64(t.Second())
			case "MILLI_OF_SECOND":
				v = int64(t.Nanosecond() / int(time.Millisecond))
			case "EPOCH_DAY":
				v = floorDiv(t.UnixMilli(), msPerDay)
			case "ALIGNED_WEEK_OF_YEAR":
				v = int64((t.YearDay()-1)/7 + 1)
			default:
				return Value{}, illegalArg("No enum constant java.time.temporal.ChronoField.%s", strings.ToUpper(p.s))
			}
			return LongValue(v), nil
		})
	})
}

type diffKind int

const (
	diffYear diffKind = iota
	diffQuarter
	diffMonth
	diffWeek
	diffDay
	diffHour
	diffMinute
	diffSecond
	diffMilli
	diffMicro
	diffNano
)

const validDiffUnits = "valid units are [year, years, yy, yyyy, quarter, quarters, qq, q, month, months, mm, m, dayofyear, dy, y, day, days, dd, d, week, weeks, wk, ww, weekday, weekdays, dw, hour, hours, hh, minute, minutes, mi, n, second, seconds, ss, s, millisecond, milliseconds, ms, microsecond, microseconds, mcs, nanosecond, nanoseconds, ns]"

// diffUnit resolves DATE_DIFF's unit names (DateDiff.Part), case-insensitively.
func diffUnit(s string) (diffKind, bool) {
	switch strings.ToLower(s) {
	case "year", "years", "yy", "yyyy":
		return diffYear, true
	case "quarter", "quarters", "qq", "q":
		return diffQuarter, true
	case "month", "months", "mm", "m":
		return diffMonth, true
	case "dayofyear", "dy", "y", "day", "days", "dd", "d", "weekday", "weekdays", "dw":
		return diffDay, true
	case "week", "weeks", "wk", "ww":
		return diffWeek, true
	case "hour", "hours", "hh":
		return diffHour, true
	case "minute", "minutes", "mi", "n":
		return diffMinute, true
	case "second", "seconds", "ss", "s":
		return diffSecond, true
	case "millisecond", "milliseconds", "ms":
		return diffMilli, true
	case "microsecond", "microseconds", "mcs":
		return diffMicro, true
	case "nanosecond", "nanoseconds", "ns":
		return diffNano, true
	}
	return 0, false
}

// dateDiff is java.time's ChronoUnit.between in UTC: whole units from a to
// b, truncated toward zero; months and years are calendar-aware.
func dateDiff(u diffKind, a, b time.Time) int64 {
	d := b.Sub(a)
	switch u {
	case diffNano:
		return b.UnixNano() - a.UnixNano()
	case diffMicro:
		return int64(d / time.Microsecond)
	case diffMilli:
		return b.UnixMilli() - a.UnixMilli()
	case diffSecond:
		return int64(d / time.Second)
	case diffMinute:
		return int64(d / time.Minute)
	case diffHour:
		return int64(d / time.Hour)
	case diffDay:
		return int64(d / (24 * time.Hour))
	case diffWeek:
		return int64(d / (7 * 24 * time.Hour))
	}
	months := int64(b.Year()-a.Year())*12 + int64(b.Month()-a.Month())
	// A partial month does not count.
	rest := func(t time.Time) int64 {
		return int64(t.Day())*int64(24*time.Hour) + int64(t.Sub(t.Truncate(24*time.Hour)))
	}
	if months > 0 && rest(b) < rest(a) {
		months--
	} else if months < 0 && rest(b) > rest(a) {
		months++
	}
	switch u {
	case diffQuarter:
		return months / 3
	case diffYear:
		return months / 12
	}
	return months
}

// javaDateLayout converts the common DateTimeFormatter pattern letters to
// a Go layout.
func javaDateLayout(p string) (string, error) {
	repl := []struct{ java, goL string }{
		{"yyyy", "2006"}, {"uuuu", "2006"}, {"yy", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"},
		{"dd", "02"}, {"EEEE", "Monday"}, {"EEE", "Mon"}, {"HH", "15"}, {"hh", "03"}, {"mm", "04"}, {"ss", "05"},
		{"SSSSSSSSS", "000000000"}, {"SSSSSS", "000000"}, {"SSS", "000"}, {"a", "PM"}, {"XXX", "Z07:00"}, {"Z", "-0700"},
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		if p[i] == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return "", fmt.Errorf("invalid date format [%s]", p)
			}
			b.WriteString(p[i+1 : i+1+j])
			i += j + 2
			continue
		}
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(p[i:], r.java) {
				b.WriteString(r.goL)
				i += len(r.java)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		ch := p[i]
		if (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') {
			return "", fmt.Errorf("unsupported date format letter [%c] in [%s]", ch, p)
		}
		b.WriteByte(ch)
		i++
	}
	return b.String(), nil
}
