package csvspec

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/esql"
)

// actualType maps an esql.DataType to the canonical csv-spec type name.
func actualType(t esql.DataType) string {
	if t == typeDatetime {
		return "datetime"
	}
	return t.String()
}

// typesMatch reports whether an actual column type satisfies the expected
// one. CsvAssert.assertMetadata accepts an integer column where long is
// expected; everything else must be equal.
func typesMatch(expected string, actual esql.DataType) bool {
	a := actualType(actual)
	return a == expected || (expected == "long" && a == "integer")
}

// cellMatches reports whether actual equals the expected cell of a column of
// type typ (CsvAssert.assertData: Objects.equals after converting the
// expected text with the column type). Multi-value order matters. An error
// means the expected text cannot be read as typ.
func cellMatches(typ string, exp Cell, actual esql.Value) (bool, error) {
	if exp.Null || typ == "null" { // Type.NULL converts every text to null
		return actual.IsNull(), nil
	}
	if actual.IsNull() {
		return false, nil
	}
	n := actual.Count()
	if exp.Multi != (n > 1) || (exp.Multi && n != len(exp.Values)) {
		return false, nil
	}
	for i, e := range exp.Values {
		ok, err := scalarMatches(typ, e, actual.Index(i))
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// scalarMatches compares one expected text with one actual scalar value.
func scalarMatches(typ, exp string, actual esql.Value) (bool, error) {
	a := actual.JSON()
	switch typ {
	case "integer", "long":
		bits := 64
		if typ == "integer" {
			bits = 32
		}
		e, err := strconv.ParseInt(exp, 10, bits)
		if err != nil {
			return false, fmt.Errorf("bad %s %q", typ, exp)
		}
		ai, ok := a.(int64)
		return ok && ai == e, nil
	case "unsigned_long":
		e, ok := new(big.Int).SetString(exp, 10)
		if !ok || e.Sign() < 0 || e.BitLen() > 64 {
			return false, fmt.Errorf("bad unsigned_long %q", exp)
		}
		switch x := a.(type) {
		case int64:
			return e.IsInt64() && e.Int64() == x, nil
		case uint64:
			return e.IsUint64() && e.Uint64() == x, nil
		}
		return false, nil
	case "double", "float", "half_float", "scaled_float":
		e, err := parseJavaDouble(exp)
		if err != nil {
			return false, fmt.Errorf("bad double %q", exp)
		}
		af, ok := a.(float64)
		return ok && doublesMatch(e, af), nil
	case "boolean":
		// org.elasticsearch.core.Booleans.parseBoolean: only "true"/"false".
		var e bool
		switch exp {
		case "true":
			e = true
		case "false":
		default:
			return false, fmt.Errorf("bad boolean %q", exp)
		}
		ab, ok := a.(bool)
		return ok && ab == e, nil
	case "datetime", "date_nanos":
		e, err := parseDate(exp)
		if err != nil {
			return false, fmt.Errorf("bad %s %q", typ, exp)
		}
		as, ok := a.(string)
		if !ok {
			return false, nil
		}
		at, err := parseDate(as)
		if err != nil {
			return false, nil
		}
		if typ == "datetime" {
			return e.UnixMilli() == at.UnixMilli(), nil
		}
		return e.Equal(at), nil
	case "ip":
		// The expected text is parsed to the 16-byte form and rendered back
		// (CsvAssert: DocValueFormat.IP.format), so IPv4-mapped IPv6 equals IPv4.
		e, err := netip.ParseAddr(exp)
		if err != nil {
			return false, fmt.Errorf("bad ip %q", exp)
		}
		as, ok := a.(string)
		if !ok {
			return false, nil
		}
		ap, err := netip.ParseAddr(as)
		return err == nil && ap.As16() == e.As16(), nil
	case "keyword", "text", "semantic_text":
		as, ok := a.(string)
		// EsqlSpecTestCase.valueMapper turns a literal `\n` into a newline on
		// both sides before comparing strings.
		return ok && unescapeNewlines(as) == unescapeNewlines(exp), nil
	}
	// version, geo types, time_duration, date_period: compare the rendering.
	as, ok := a.(string)
	if !ok {
		as = actual.String()
	}
	return as == exp, nil
}

func unescapeNewlines(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }

// parseJavaDouble parses like Double.parseDouble for the forms csv-spec
// files use (decimal, exponent, NaN, Infinity), also accepting a trailing
// 'd'/'f' suffix as Java does.
func parseJavaDouble(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	if n := len(s); n > 1 && strings.ContainsRune("dDfF", rune(s[n-1])) {
		s = s[:n-1]
	}
	return strconv.ParseFloat(s, 64)
}

// doublesMatch compares doubles. CsvTests compares exactly; the REST harness
// (EsqlSpecTestCase.valueMapper with enableRoundingDoubleValuesOnAsserting)
// rounds both sides to 7 significant digits first, because summation order
// differs between nodes. trailql's aggregations may sum in another order
// than Elasticsearch, so the same rounding is accepted here, plus a 1e-9
// relative tolerance for values that straddle a rounding boundary.
func doublesMatch(e, a float64) bool {
	if e == a || (math.IsNaN(e) && math.IsNaN(a)) {
		return true
	}
	if math.IsNaN(e) || math.IsNaN(a) || math.IsInf(e, 0) || math.IsInf(a, 0) {
		return false
	}
	if strconv.FormatFloat(e, 'e', 6, 64) == strconv.FormatFloat(a, 'e', 6, 64) {
		return true
	}
	return math.Abs(e-a) <= 1e-9*math.Max(math.Abs(e), math.Abs(a))
}

// dateLayouts are the forms of strict_date_optional_time (the
// UTC_DATE_TIME_FORMATTER CsvTestUtils parses datetime cells with). Go's
// parser accepts fractional seconds after the seconds field in any layout.
var dateLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15",
	"2006-01-02Z07:00",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseDate parses a strict_date_optional_time text; no zone means UTC. A
// year outside 0000-9999 is written with a sign ("-0006-01-01T00:00:00.000Z",
// as DATE_TRUNC results in date_trunc.csv-spec), which Go's layouts do not
// read, so the year is split off first.
func parseDate(s string) (time.Time, error) {
	year, rest, signed := splitSignedYear(s)
	if signed {
		t, err := parseDate("2000" + rest) // a leap year, so any valid month-day parses
		if err != nil {
			return time.Time{}, err
		}
		return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// splitSignedYear splits "+12345-01-01..." or "-0006-01-01..." into the year
// and the rest ("-01-01...").
func splitSignedYear(s string) (int, string, bool) {
	if len(s) < 2 || (s[0] != '-' && s[0] != '+') {
		return 0, "", false
	}
	end := 1
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 1 {
		return 0, "", false
	}
	y, err := strconv.Atoi(s[1:end])
	if err != nil {
		return 0, "", false
	}
	if s[0] == '-' {
		y = -y
	}
	return y, s[end:], true
}

// formatCell renders an expected cell for failure messages.
func formatCell(c Cell) string {
	switch {
	case c.Null:
		return "null"
	case c.Multi:
		return "[" + strings.Join(c.Values, ", ") + "]"
	}
	return c.Values[0]
}
