package esql

import (
	"math"
	"strconv"
	"strings"

	"github.com/trailql/trailql/esql/parser"
	"github.com/valyala/fastjson"
)

// Functions used by the rule corpus that the core function files lack.

func init() {
	// MV_INTERSECTION(field1, field2): the values that appear in both
	// fields; null when either is null or none match. Per the ES|QL docs
	// (functions-operators/mv-functions/mv_intersection) both arguments
	// have the same type, text/keyword mixes give keyword, and
	// [true, false, false, false] with [false] gives the single false, so
	// the result is de-duplicated; it keeps field1's order.
	register("mv_intersection", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		t := a[0].typ
		switch {
		case isString(a[0].typ) && isString(a[1].typ):
			t = Keyword
		case a[0].typ == Null:
			t = a[1].typ
		case a[1].typ == Null || a[0].typ == a[1].typ:
		default:
			c.argTypeError(n, 1, a[1], a[0].typ.String())
			return badExpr(n)
		}
		if isString(t) {
			t = Keyword
		}
		f, g := a[0].fn, a[1].fn
		return c.finish(n, t, func(e *env, row []Value) Value {
			x, y := f(e, row), g(e, row)
			if x.t == Null || y.t == Null {
				return Value{}
			}
			var out []Value
			var buf []byte
			var seen map[string]bool
			for _, v := range x.values() {
				found := false
				for _, w := range y.values() {
					if eq, _ := equalScalar(v, w); eq {
						found = true
						break
					}
				}
				if !found {
					continue
				}
				buf = appendKey(buf[:0], v)
				if seen == nil {
					seen = map[string]bool{}
				}
				if seen[string(buf)] {
					continue
				}
				seen[string(buf)] = true
				if isString(v.t) {
					v = KeywordValue(v.s)
				}
				out = append(out, v)
			}
			return multiOf(out)
		}, false, a...)
	})
}

// geo_point values hold their WKT text "POINT (lon lat)" in Value.s, which
// is also how ES|QL's JSON response renders a geo_point.

// earthMeanRadius is Elasticsearch's GeoUtils.EARTH_MEAN_RADIUS in meters,
// the radius of its haversine distance for geo_point.
const earthMeanRadius = 6371008.7714

// geoPointValue makes a geo_point from longitude and latitude.
func geoPointValue(lon, lat float64) Value {
	return Value{t: GeoPoint, s: "POINT (" + formatDouble(lon) + " " + formatDouble(lat) + ")"}
}

// parseWKTPoint parses "POINT (lon lat)" (case-insensitive, optional space
// before the parenthesis), checking the latitude and longitude ranges.
func parseWKTPoint(s string) (lon, lat float64, err *evalError) {
	bad := func(msg string) (float64, float64, *evalError) {
		return 0, 0, illegalArg("Failed to parse WKT: %s", msg)
	}
	t := strings.TrimSpace(s)
	if len(t) < 5 || !strings.EqualFold(t[:5], "POINT") {
		return bad("expected word 'POINT' but found: " + s)
	}
	t = strings.TrimSpace(t[5:])
	if len(t) < 2 || t[0] != '(' || t[len(t)-1] != ')' {
		return bad("expected '(' and ')' around the coordinates")
	}
	f := strings.Fields(t[1 : len(t)-1])
	if len(f) != 2 {
		return bad("expected two coordinates")
	}
	x, e1 := strconv.ParseFloat(f[0], 64)
	y, e2 := strconv.ParseFloat(f[1], 64)
	if e1 != nil || e2 != nil || math.IsNaN(x) || math.IsNaN(y) {
		return bad("expected number but found: " + t)
	}
	if y < -90 || y > 90 {
		return 0, 0, illegalArg("invalid latitude %s; must be between -90.0 and 90.0", formatDouble(y))
	}
	if x < -180 || x > 180 {
		return 0, 0, illegalArg("invalid longitude %s; must be between -180.0 and 180.0", formatDouble(x))
	}
	return x, y, nil
}

func init() {
	// TO_GEOPOINT(string): a WKT point; an unparseable value warns and is
	// null (AbstractConvertFunction, like the other TO_ functions).
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
			lon, lat, err := parseWKTPoint(v.s)
			if err != nil {
				return Value{}, err
			}
			return geoPointValue(lon, lat), nil
		}), true, a...)
	})
	isGeo := func(t DataType) bool { return t == GeoPoint }
	coord := func(name string, pickLat bool) {
		// ST_X / ST_Y: the longitude / latitude of a point, as a double.
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "cartesian_point or geo_point", isGeo) {
				return badExpr(n)
			}
			return c.res1(n, Double, a[0], func(v Value) (Value, *evalError) {
				lon, lat, err := parseWKTPoint(v.s)
				if err != nil {
					return Value{}, err
				}
				if pickLat {
					return DoubleValue(lat), nil
				}
				return DoubleValue(lon), nil
			})
		})
	}
	coord("st_x", false)
	coord("st_y", true)
	// ST_DISTANCE(a, b): for geo_point the haversine distance in meters on
	// a sphere of Elasticsearch's mean Earth radius (ES|QL docs
	// spatial-functions/st_distance: "computed using the haversine formula").
	register("st_distance", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "geo_point or cartesian_point", isGeo) || !c.want(n, a, 1, "geo_point", isGeo) {
			return badExpr(n)
		}
		return c.res2(n, Double, a[0], a[1], func(x, y Value) (Value, *evalError) {
			lon1, lat1, err := parseWKTPoint(x.s)
			if err != nil {
				return Value{}, err
			}
			lon2, lat2, err := parseWKTPoint(y.s)
			if err != nil {
				return Value{}, err
			}
			return DoubleValue(haversineMeters(lat1, lon1, lat2, lon2)), nil
		})
	})
}

// haversineMeters is the great-circle distance between two points.
func haversineMeters(lat1, lon1, lat2, lon2 float64) float64 {
	r := math.Pi / 180
	dLat := (lat2 - lat1) * r
	dLon := (lon2 - lon1) * r
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*r)*math.Cos(lat2*r)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthMeanRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// parseJSONPath splits a path "a.b", "a[0].b", "$.a", "$['a']" or "$" into
// object keys and array indexes (as decimal strings, fastjson's Get form).
// The syntax follows the brief's JSONPath subset; the Elasticsearch
// reference page for JSON_EXTRACT could not be consulted, so this is the
// common JSONPath dot/bracket notation.
func parseJSONPath(p string) ([]string, bool) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "$") {
		p = p[1:]
		if strings.HasPrefix(p, ".") {
			p = p[1:]
		}
	}
	var keys []string
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
			if p == "" || p[0] == '.' || p[0] == '[' {
				return nil, false
			}
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			in := strings.TrimSpace(p[1:end])
			if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
				keys = append(keys, in[1:len(in)-1])
			} else if i, err := strconv.Atoi(in); err == nil && i >= 0 {
				keys = append(keys, strconv.Itoa(i))
			} else {
				return nil, false
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			keys = append(keys, p[:end])
			p = p[end:]
		}
	}
	return keys, true
}

// jsonParsers lets executions of one program run JSON_EXTRACT concurrently.
var jsonParsers fastjson.ParserPool

func init() {
	// JSON_EXTRACT(string, path): the value at path as keyword; strings
	// unquoted, numbers and booleans as their JSON text, objects and
	// arrays as compact JSON text in document order, JSON null as null.
	// Invalid JSON, an invalid path or a missing path warn and give null.
	register("json_extract", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Keyword, a[0], a[1], func(x, y Value) (Value, *evalError) {
			keys, ok := parseJSONPath(y.s)
			if !ok {
				return Value{}, illegalArg("invalid JSON path [%s]", y.s)
			}
			p := jsonParsers.Get()
			defer jsonParsers.Put(p)
			doc, err := p.Parse(x.s)
			if err != nil {
				return Value{}, illegalArg("invalid JSON input: %s", err)
			}
			v := doc.Get(keys...)
			if v == nil {
				return Value{}, illegalArg("path [%s] does not exist", y.s)
			}
			switch v.Type() {
			case fastjson.TypeNull:
				return Value{}, nil
			case fastjson.TypeString:
				return KeywordValue(string(v.GetStringBytes())), nil
			}
			return KeywordValue(string(v.MarshalTo(nil))), nil
		})
	})
}
