package esql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trailql/trailql/esql/internal/sloppymath"
	"github.com/trailql/trailql/esql/parser"
)

// geo_point values hold the WKT text Elasticsearch renders for them in
// Value.s: "POINT (lon lat)", or "POINT Z (lon lat z)" for a point parsed
// with an altitude, each coordinate as Java's Double.toString writes it
// ("POINT (1.0 2.0)"). ES|QL's text, CSV and JSON outputs all show that
// text (the JSON response has it as a string): the block holds WKB and
// SpatialCoordinateTypes.wkbToWkt turns it into WellKnownText.fromWKB's
// form. Keeping the text makes equality, VALUES and grouping compare the
// points exactly, as Elasticsearch compares their WKB bytes.

// geoPointValue makes a geo_point from longitude and latitude.
func geoPointValue(lon, lat float64) Value {
	return Value{t: GeoPoint, s: "POINT (" + formatDouble(lon) + " " + formatDouble(lat) + ")"}
}

// geoPointValueZ makes a geo_point that keeps an altitude.
func geoPointValueZ(lon, lat, z float64) Value {
	return Value{t: GeoPoint, s: "POINT Z (" + formatDouble(lon) + " " + formatDouble(lat) + " " + formatDouble(z) + ")"}
}

// geoCoords reads the longitude and latitude back from a geo_point value.
func geoCoords(v Value) (lon, lat float64) {
	s := v.s
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(s, ")")
	x, rest, _ := strings.Cut(s, " ")
	y, _, _ := strings.Cut(rest, " ")
	lon, _ = strconv.ParseFloat(x, 64)
	lat, _ = strconv.ParseFloat(y, 64)
	return lon, lat
}

// Lucene's GeoEncodingUtils quantizes a geo_point into two 32-bit integers
// (about 1e-7 degrees) for its index and doc values. The scales are
// variables so that they are computed in float64 as Java computes them.
var (
	two32     = float64(1 << 32)
	latDecode = 1 / (two32 / 180)
	lonDecode = 1 / (two32 / 360)
)

// encodeLatitude is GeoEncodingUtils.encodeLatitude (rounding down).
func encodeLatitude(lat float64) int32 {
	if lat == 90 {
		lat = math.Nextafter(90, 0) // 90 itself would overflow
	}
	return int32(math.Floor(lat / latDecode))
}

// encodeLongitude is GeoEncodingUtils.encodeLongitude (rounding down).
func encodeLongitude(lon float64) int32 {
	if lon == 180 {
		lon = math.Nextafter(180, 0)
	}
	return int32(math.Floor(lon / lonDecode))
}

// quantizeLat is Elasticsearch's GeoUtils.quantizeLat: the latitude a
// geo_point field stores and gives back from doc values.
func quantizeLat(lat float64) float64 { return float64(encodeLatitude(lat)) * latDecode }

// quantizeLon is GeoUtils.quantizeLon.
func quantizeLon(lon float64) float64 { return float64(encodeLongitude(lon)) * lonDecode }

// geoDistance is ST_DISTANCE for two geo_points:
// StDistance.GeoDistanceCalculator quantizes both points (so a point read
// from an index and the same point from TO_GEOPOINT are 0 m apart) and
// measures with Lucene's SloppyMath.haversinMeters.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	return sloppymath.HaversinMeters(quantizeLat(lat1), quantizeLon(lon1), quantizeLat(lat2), quantizeLon(lon2))
}

func init() {
	// TO_GEOPOINT(string): the WKT point; a string that does not parse, or
	// a point out of range, warns and is null (ToGeoPoint.fromKeyword ->
	// SpatialCoordinateTypes.GEO.wktToWkb). Each value of a multi-value
	// converts on its own, as for the other TO_ functions. The coordinates
	// are kept as written: only geo_point fields read from an index are
	// quantized.
	register("to_geopoint", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if a[0].typ == GeoPoint {
			y := *a[0]
			y.node = n
			return &y
		}
		if !c.want(n, a, 0, "geo_point, keyword or text", isStringT) {
			return badExpr(n)
		}
		site := c.newSite(n)
		return c.finish(n, GeoPoint, eachValue(site, a[0].fn, func(v Value) (Value, *evalError) {
			return parseGeoPointWKT(v.s)
		}), true, a...)
	})
	isGeo := func(t DataType) bool { return t == GeoPoint }
	// ST_X / ST_Y: the longitude / latitude of a point, as a double. They
	// are conversion functions in Elasticsearch (StX.fromWellKnownBinary is
	// a @ConvertEvaluator), so a multi-valued point gives a multi-value.
	coord := func(name string, lat bool) {
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "geo_point or cartesian_point", isGeo) {
				return badExpr(n)
			}
			site := c.newSite(n)
			return c.finish(n, Double, eachValue(site, a[0].fn, func(v Value) (Value, *evalError) {
				x, y := geoCoords(v)
				if lat {
					return DoubleValue(y), nil
				}
				return DoubleValue(x), nil
			}), false, a...)
		})
	}
	coord("st_x", false)
	coord("st_y", true)
	// ST_DISTANCE(a, b): meters along the great circle (geoDistance). With
	// multi-valued points it is the smallest distance between any two of
	// their values, without a warning (StDistance.distanceSourceAndSource).
	register("st_distance", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "geo_point or cartesian_point", isGeo) || !c.want(n, a, 1, "geo_point or cartesian_point", isGeo) {
			return badExpr(n)
		}
		f, g := a[0].fn, a[1].fn
		return c.finish(n, Double, func(e *env, row []Value) Value {
			x, y := f(e, row), g(e, row)
			if x.t == Null || y.t == Null {
				return Value{}
			}
			best := math.MaxFloat64
			for _, p := range x.values() {
				lon1, lat1 := geoCoords(p)
				for _, q := range y.values() {
					lon2, lat2 := geoCoords(q)
					if d := geoDistance(lon1, lat1, lon2, lat2); d < best {
						best = d
					}
				}
			}
			return DoubleValue(best)
		}, false, a...)
	})
}

// wktError is SpatialCoordinateTypes.wktToWkb's failure: the parser's or
// validator's message after "Failed to parse WKT: ".
func wktError(format string, args ...any) *evalError {
	return illegalArg("Failed to parse WKT: "+format, args...)
}

// parseGeoPointWKT parses a point as WellKnownText.fromWKT does and checks
// it with GeographyValidator (ignore_z_value true). Like Elasticsearch it
// ignores what follows the point ("POINT (1 2) x" is a point). Other
// geometry types, which Elasticsearch would accept into a geo_point, and
// "POINT EMPTY" are reported as failures here.
func parseGeoPointWKT(s string) (Value, *evalError) {
	l := &wktLexer{s: s}
	word, err := l.nextWord()
	if err != nil {
		return Value{}, err
	}
	kind := strings.ToLower(word)
	zm := l.zOrMNext()
	switch kind {
	case "point":
	case "multipoint", "linestring", "multilinestring", "polygon", "multipolygon", "bbox", "geometrycollection", "circle":
		return Value{}, wktError("only points are supported in geo_point values, found [%s]", word)
	default:
		return Value{}, wktError("Unknown geometry type: %s", kind)
	}
	open, err := l.nextWord()
	if err != nil {
		return Value{}, err
	}
	if open == "EMPTY" {
		if zm {
			return Value{}, wktError("When specifying 'Z' or 'M', coordinates must include three values. Only two coordinates were provided")
		}
		return Value{}, wktError("POINT EMPTY is not supported in geo_point values")
	}
	if open != "(" {
		return Value{}, wktError("expected EMPTY or ( but found: %s", l.tokenString())
	}
	lon, err := l.nextNumber()
	if err != nil {
		return Value{}, err
	}
	lat, err := l.nextNumber()
	if err != nil {
		return Value{}, err
	}
	z, hasZ := math.NaN(), false
	if l.numberNext() {
		if z, err = l.nextNumber(); err != nil {
			return Value{}, err
		}
		hasZ = !math.IsNaN(z)
	}
	closer, err := l.nextWord()
	if err != nil {
		return Value{}, err
	}
	if closer != ")" {
		return Value{}, wktError("expected ) but found: %s", l.tokenString())
	}
	if zm && !hasZ {
		return Value{}, wktError("When specifying 'Z' or 'M', coordinates must include three values. Only two coordinates were provided")
	}
	if err := checkLatLon(lat, lon); err != nil {
		return Value{}, wktError("%s", err)
	}
	if hasZ {
		return geoPointValueZ(lon, lat, z), nil
	}
	return geoPointValue(lon, lat), nil
}

// checkLatLon is GeographyValidator's range check, latitude first.
func checkLatLon(lat, lon float64) error {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return fmt.Errorf("invalid latitude %s; must be between -90.0 and 90.0", formatJavaDouble(lat))
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return fmt.Errorf("invalid longitude %s; must be between -180.0 and 180.0", formatJavaDouble(lon))
	}
	return nil
}

// formatJavaDouble is Double.toString, NaN and infinities included.
func formatJavaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return formatDouble(f)
}

// wktLexer is java.io.StreamTokenizer as WellKnownText configures it:
// words are runs of letters, digits, '-', '+', '.' and characters from
// U+00A0 up; space, tab, CR and LF separate; '#' comments to the end of
// the line; any other character is a token by itself.
type wktLexer struct {
	s      string
	i      int
	ttype  int // wktEOF, wktWord or the character
	sval   string
	pushed bool
}

const (
	wktEOF  = -1
	wktWord = -3
)

func wktWordChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '-' || r == '+' || r == '.' || r >= 160
}

// next reads the next token.
func (l *wktLexer) next() int {
	if l.pushed {
		l.pushed = false
		return l.ttype
	}
	for l.i < len(l.s) {
		r, size := utf8.DecodeRuneInString(l.s[l.i:])
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			l.i += size
		case r == '#':
			for l.i < len(l.s) && l.s[l.i] != '\n' && l.s[l.i] != '\r' {
				l.i++
			}
		case wktWordChar(r):
			start := l.i
			for l.i < len(l.s) {
				r, size := utf8.DecodeRuneInString(l.s[l.i:])
				if !wktWordChar(r) {
					break
				}
				l.i += size
			}
			l.ttype, l.sval = wktWord, l.s[start:l.i]
			return l.ttype
		default:
			l.i += size
			l.ttype = int(r)
			return l.ttype
		}
	}
	l.ttype = wktEOF
	return l.ttype
}

// tokenString names the current token in messages.
func (l *wktLexer) tokenString() string {
	switch l.ttype {
	case wktWord:
		return l.sval
	case wktEOF:
		return "END-OF-STREAM"
	}
	return "'" + string(rune(l.ttype)) + "'"
}

// nextWord is WellKnownText.nextWord: a word ("EMPTY" in any case is
// "EMPTY"), or one of "(", ")" and ",".
func (l *wktLexer) nextWord() (string, *evalError) {
	switch l.next() {
	case wktWord:
		if strings.EqualFold(l.sval, "EMPTY") {
			return "EMPTY", nil
		}
		return l.sval, nil
	case '(':
		return "(", nil
	case ')':
		return ")", nil
	case ',':
		return ",", nil
	}
	return "", wktError("expected word but found: %s", l.tokenString())
}

// zOrMNext is WellKnownText.isZOrMNext: it consumes a "Z" or "M" (upper
// case only); any other word is pushed back, and a token that is not a
// word is consumed without a trace, as in Elasticsearch.
func (l *wktLexer) zOrMNext() bool {
	w, err := l.nextWord()
	if err != nil {
		return false
	}
	if w == "Z" || w == "M" {
		return true
	}
	l.pushed = true
	return false
}

// numberNext reports whether the next token is a word, without taking it.
func (l *wktLexer) numberNext() bool {
	t := l.next()
	l.pushed = true
	return t == wktWord
}

// nextNumber reads a coordinate with Double.parseDouble.
func (l *wktLexer) nextNumber() (float64, *evalError) {
	if l.next() != wktWord {
		return 0, wktError("expected number but found: %s", l.tokenString())
	}
	if strings.EqualFold(l.sval, "NaN") {
		return math.NaN(), nil
	}
	f, ok := parseJavaDouble(l.sval)
	if !ok {
		return 0, wktError("invalid number found: %s", l.sval)
	}
	return f, nil
}

// parseJavaDouble accepts what Double.parseDouble accepts from a WKT word:
// an optional sign, then NaN, Infinity, a decimal with optional exponent,
// or a hexadecimal float with a binary exponent, optionally followed by a
// type suffix (f, F, d or D).
func parseJavaDouble(s string) (float64, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(s); n > 0 && strings.IndexByte("fFdD", s[n-1]) >= 0 {
		s, body = s[:n-1], body[:len(body)-1]
	}
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		if !strings.ContainsAny(body, "pP") || strings.Contains(body, "_") {
			return 0, false
		}
	} else {
		// Digits, at most one point, at least one digit, then an optional
		// exponent; strconv alone would also take "inf" and underscores.
		digits, i := 0, 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i, digits = i+1, digits+1
		}
		if i < len(body) && body[i] == '.' {
			i++
			for i < len(body) && body[i] >= '0' && body[i] <= '9' {
				i, digits = i+1, digits+1
			}
		}
		if digits == 0 {
			return 0, false
		}
		if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
			i++
			if i < len(body) && (body[i] == '+' || body[i] == '-') {
				i++
			}
			exp := i
			for i < len(body) && body[i] >= '0' && body[i] <= '9' {
				i++
			}
			if i == exp {
				return 0, false
			}
		}
		if i != len(body) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// geoFromGo converts a document's geo_point value, in the forms
// Elasticsearch's geo_point field accepts and trailql's mapper produces:
// an object {"lat": .., "lon": ..} (what the geoip processor writes into
// source.geo.location), a "lat,lon" string, an array [lon, lat], a WKT
// string, or an array of points.
//
// The point is read back as the index gives it: quantized by Lucene's
// encoding. Since 9.0 the logs-*-* data streams, integrations included,
// use logsdb index mode (docs: "Logs data streams"), whose synthetic
// _source, and ES|QL reading geo_point from doc values there (Elasticsearch
// #136147), give the quantized point: 51.5142 reads as 51.514199981465936.
// An index with a stored _source would show the coordinates as written.
// A WKT string is taken as exact instead: it is how ES|QL renders a
// geo_point, which is how trailql saves rows (watch state), so it must come
// back unchanged. Multi-valued points come in doc-values order.
func geoFromGo(x any) (Value, error) {
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case Value:
		return x, nil
	case string:
		if !strings.ContainsRune(x, ',') || strings.ContainsRune(x, '(') {
			v, err := parseGeoPointWKT(x)
			if err != nil {
				return Value{}, fmt.Errorf("failed to parse geo_point [%s]: %s", x, err.msg)
			}
			return v, nil
		}
		a, b, _ := strings.Cut(x, ",")
		b, _, _ = strings.Cut(b, ",") // a third value is an ignored altitude
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if err1 != nil || err2 != nil {
			return Value{}, fmt.Errorf("failed to parse geo_point [%s]", x)
		}
		return indexedGeoPoint(lat, lon)
	case map[string]any:
		lat, ok1 := geoNumber(x["lat"])
		lon, ok2 := geoNumber(x["lon"])
		if !ok1 || !ok2 {
			return Value{}, fmt.Errorf("geo_point object needs lat and lon, got %v", x)
		}
		return indexedGeoPoint(lat, lon)
	case []string:
		vs := make([]any, len(x))
		for i, s := range x {
			vs[i] = s
		}
		return geoFromGo(vs)
	case []any:
		if len(x) >= 2 && len(x) <= 3 {
			if lon, ok := geoNumber(x[0]); ok {
				lat, ok := geoNumber(x[1])
				if !ok {
					return Value{}, fmt.Errorf("geo_point array needs numbers, got %v", x)
				}
				return indexedGeoPoint(lat, lon)
			}
		}
		var vs []Value
		for _, e := range x {
			v, err := geoFromGo(e)
			if err != nil {
				return Value{}, err
			}
			vs = v.appendValues(vs)
		}
		if len(vs) > 1 {
			sortGeoDocValues(vs)
		}
		return multiOf(vs), nil
	}
	return Value{}, fmt.Errorf("cannot convert %T value [%v] to [geo_point]", x, x)
}

// geoNumber reads a coordinate given as a number or a numeric string.
func geoNumber(x any) (float64, bool) {
	switch x := x.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// indexedGeoPoint is a point as a geo_point field indexes it (range
// checked, a malformed point is not indexed) and doc values return it.
func indexedGeoPoint(lat, lon float64) (Value, error) {
	if err := checkLatLon(lat, lon); err != nil {
		return Value{}, err
	}
	return geoPointValue(quantizeLon(lon), quantizeLat(lat)), nil
}

// sortGeoDocValues orders points as SortedNumeric doc values hold them: by
// the signed long latitude<<32 | longitude of their encoding.
func sortGeoDocValues(vs []Value) {
	key := func(v Value) int64 {
		lon, lat := geoCoords(v)
		return int64(encodeLatitude(lat))<<32 | int64(uint32(encodeLongitude(lon)))
	}
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && key(vs[j-1]) > key(vs[j]); j-- {
			vs[j-1], vs[j] = vs[j], vs[j-1]
		}
	}
}
