package esql

import (
	"strings"
	"testing"
)

// geoCase is one expression over geo_points: its value and, when it fails,
// its warning's message.
type geoCase struct {
	expr, want, warning string
}

func checkGeo(t *testing.T, cases []geoCase) {
	t.Helper()
	for _, tc := range cases {
		v, w := evalRow(t, tc.expr)
		if got := v.String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
		if tc.warning == "" {
			if len(w) != 0 {
				t.Errorf("%s: unexpected warnings %q", tc.expr, w)
			}
			continue
		}
		if len(w) != 2 || !strings.HasSuffix(w[1], "java.lang.IllegalArgumentException: "+tc.warning) {
			t.Errorf("%s: warnings %q, want ... %q", tc.expr, w, tc.warning)
		}
	}
}

// TO_GEOPOINT parses WKT as Elasticsearch's WellKnownText.fromWKT does
// (StreamTokenizer words, any case for POINT and EMPTY, '#' comments, what
// follows the point ignored, an altitude kept) and checks the point with
// GeographyValidator; a failure is "Failed to parse WKT: <message>"
// (SpatialCoordinateTypes.wktToWkb). Coordinates are kept as written and
// rendered with Java's Double.toString.
func TestToGeoPointParsesWKTLikeElasticsearch(t *testing.T) {
	checkGeo(t, []geoCase{
		{`TO_GEOPOINT("POINT(42.97109629958868 14.7552534006536)")`, "POINT (42.97109629958868 14.7552534006536)", ""},
		{`TO_GEOPOINT("point (1 2)")`, "POINT (1.0 2.0)", ""},
		{`TO_GEOPOINT(" POINT\t( -1.5E1 +2 ) ")`, "POINT (-15.0 2.0)", ""},
		{`TO_GEOPOINT("POINT (1.0E-5 0.001)")`, "POINT (1.0E-5 0.001)", ""},
		{`TO_GEOPOINT("POINT (1 2) and more")`, "POINT (1.0 2.0)", ""},
		{`TO_GEOPOINT("# a comment\nPOINT (1 2)")`, "POINT (1.0 2.0)", ""},
		{`TO_GEOPOINT("POINT (1 2 3)")`, "POINT Z (1.0 2.0 3.0)", ""},
		{`TO_GEOPOINT("POINT Z (1 2 3)")`, "POINT Z (1.0 2.0 3.0)", ""},
		{`TO_GEOPOINT("POINT (180 -90)")`, "POINT (180.0 -90.0)", ""},
		{`TO_GEOPOINT(null)`, "null", ""},
		{`TO_GEOPOINT("nope")`, "null", "Failed to parse WKT: Unknown geometry type: nope"},
		{`TO_GEOPOINT("")`, "null", "Failed to parse WKT: expected word but found: END-OF-STREAM"},
		{`TO_GEOPOINT("POINT")`, "null", "Failed to parse WKT: expected word but found: END-OF-STREAM"},
		{`TO_GEOPOINT("POINT 1 2")`, "null", "Failed to parse WKT: expected EMPTY or ( but found: 1"},
		{`TO_GEOPOINT("POINT (1)")`, "null", "Failed to parse WKT: expected number but found: ')'"},
		{`TO_GEOPOINT("POINT (a b)")`, "null", "Failed to parse WKT: invalid number found: a"},
		{`TO_GEOPOINT("POINT (1 2")`, "null", "Failed to parse WKT: expected word but found: END-OF-STREAM"},
		{`TO_GEOPOINT("POINT (1 2 3 4)")`, "null", "Failed to parse WKT: expected ) but found: 4"},
		{`TO_GEOPOINT("POINT Z (1 2)")`, "null", "Failed to parse WKT: When specifying 'Z' or 'M', coordinates must include three values. Only two coordinates were provided"},
		{`TO_GEOPOINT("POINT (1 95)")`, "null", "Failed to parse WKT: invalid latitude 95.0; must be between -90.0 and 90.0"},
		{`TO_GEOPOINT("POINT (200 1)")`, "null", "Failed to parse WKT: invalid longitude 200.0; must be between -180.0 and 180.0"},
		{`TO_GEOPOINT("POINT (NaN 1)")`, "null", "Failed to parse WKT: invalid longitude NaN; must be between -180.0 and 180.0"},
	})
	v, w := evalRow(t, `TO_GEOPOINT(["POINT (1 2)", "bad", "POINT (3 4)"])`)
	if v.String() != "[POINT (1.0 2.0), POINT (3.0 4.0)]" || len(w) != 2 {
		t.Errorf("multi-value: %s %q", v, w)
	}
}

// A geo_point renders as WKT in every output, the JSON response included
// (a string), and TO_STRING gives the same text.
func TestGeoPointRendersAsWKT(t *testing.T) {
	p, _ := evalRow(t, `TO_GEOPOINT("POINT (1.5 2.5)")`)
	if p.Type() != GeoPoint || p.JSON() != "POINT (1.5 2.5)" || p.String() != "POINT (1.5 2.5)" {
		t.Errorf("geo_point %s JSON %v text %s", p.Type(), p.JSON(), p)
	}
	checkGeo(t, []geoCase{{`TO_STRING(TO_GEOPOINT("POINT (1 2)"))`, "POINT (1.0 2.0)", ""}})
}

// ST_X and ST_Y are conversion functions (StX.fromWellKnownBinary is a
// @ConvertEvaluator): a multi-valued point gives a multi-value.
func TestStXStYConvertEachValue(t *testing.T) {
	checkGeo(t, []geoCase{
		{`ST_X(TO_GEOPOINT("POINT (-73.5 40.25)"))`, "-73.5", ""},
		{`ST_Y(TO_GEOPOINT("POINT (-73.5 40.25)"))`, "40.25", ""},
		{`ST_X(TO_GEOPOINT("POINT Z (1 2 3)"))`, "1.0", ""},
		{`ST_X(TO_GEOPOINT(["POINT (1 2)", "POINT (3 4)"]))`, "[1.0, 3.0]", ""},
		{`ST_Y(null)`, "null", ""},
	})
	if err := compileErr(`ROW a = ST_X(1)`, nil); !strings.Contains(err, "must be [geo_point or cartesian_point]") {
		t.Errorf("ST_X(1): %q", err)
	}
}

// ST_DISTANCE on geo_points is Lucene's SloppyMath.haversinMeters (mean
// radius 6371008.7714 m, table-based cos and asin) over coordinates
// quantized as GeoUtils.quantizeLat/quantizeLon do. The first case is the
// example of the ES|QL reference page (spatial-functions/st_distance); the
// others were computed with the same algorithm on a JVM.
func TestStDistanceIsSloppyHaversineOverQuantizedPoints(t *testing.T) {
	dist := func(lon1, lat1, lon2, lat2 string) string {
		return `ST_DISTANCE(TO_GEOPOINT("POINT (` + lon1 + " " + lat1 + `)"), TO_GEOPOINT("POINT (` + lon2 + " " + lat2 + `)"))`
	}
	checkGeo(t, []geoCase{
		// CPH airport to Copenhagen: 7339.573896618216 in the docs.
		{`ST_DISTANCE(TO_GEOPOINT("POINT(12.6493508684508 55.6285017221528)"), TO_GEOPOINT("POINT(12.5683 55.6761)"))`, "7339.573896618216", ""},
		// One degree of longitude at the equator: quantizing 1 to
		// 0.99999994 degrees makes it 7 mm shorter than 2*pi*R/360.
		{dist("0", "0", "1", "0"), "111195.07310665186", ""},
		{dist("-0.0931", "51.5142", "0", "0"), "5728132.261168578", ""},
		{dist("-122.3149", "47.2513", "-0.0931", "51.5142"), "7732339.699337212", ""},
		{dist("139.75309", "35.68536", "125.3228", "43.88"), "1529537.768436009", ""},
		{dist("151.2093", "-33.8688", "-0.1278", "51.5074"), "1.6993956858707886E7", ""},
		{dist("0", "0", "180", "0"), "2.0015114352186374E7", ""},
		{dist("0", "90", "0", "-90"), "2.0015114352186374E7", ""},
		{dist("0", "0", "0", "0"), "0.0", ""},
		{`ST_DISTANCE(TO_GEOPOINT("POINT (0 0)"), null)`, "null", ""},
		// Multi-valued points: the smallest distance, without a warning
		// (StDistance.distanceSourceAndSource).
		{`ST_DISTANCE(TO_GEOPOINT(["POINT (0 0)", "POINT (0 1)"]), TO_GEOPOINT("POINT (1 0)"))`, "111195.07310665186", ""},
	})
}

// A document's geo_point (the geoip processor's {"lat", "lon"} object, a
// "lat,lon" string, a [lon, lat] array) reads back quantized, as ES|QL
// reads geo_point doc values in the logsdb indices of logs-*-* data
// streams; a WKT string (a saved output) reads back exactly; a point out of
// range is not indexed.
func TestGeoPointFieldsReadBackQuantized(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{map[string]any{"lat": 51.5142, "lon": -0.0931}, "POINT (-0.0931000616401434 51.514199981465936)"},
		{"51.5142,-0.0931", "POINT (-0.0931000616401434 51.514199981465936)"},
		{[]any{-0.0931, 51.5142}, "POINT (-0.0931000616401434 51.514199981465936)"},
		{"POINT (-0.0931 51.5142)", "POINT (-0.0931 51.5142)"},
		{map[string]any{"lat": 0.0, "lon": 0.0}, "POINT (0.0 0.0)"},
		{[]any{map[string]any{"lat": 10.0, "lon": 1.0}, map[string]any{"lat": -10.0, "lon": 2.0}}, "[POINT (1.9999999646097422 -10.00000003259629), POINT (0.9999999403953552 9.999999990686774)]"},
		{nil, "null"},
	} {
		v, err := FromGo(GeoPoint, tc.in)
		if err != nil || v.String() != tc.want {
			t.Errorf("FromGo(%v) = %s, %v; want %s", tc.in, v, err, tc.want)
		}
	}
	for _, bad := range []any{map[string]any{"lat": 95.0, "lon": 0.0}, "nope", map[string]any{"lat": 1.0}, true} {
		if v, err := FromGo(GeoPoint, bad); err == nil {
			t.Errorf("FromGo(%v) = %s, want an error", bad, v)
		}
	}
}

// geo_point fields work where Elasticsearch allows them: KEEP, IS NULL,
// TO_STRING, == and != (Equals has a geometry evaluator), VALUES (since
// 8.18.1, issue #122413), STATS BY (Aggregate's verification only refuses
// counter types), COUNT; SORT and the ordering comparisons fail with
// Elasticsearch's messages, and COUNT_DISTINCT does not take them
// (issue #124887).
func TestGeoPointColumnsWorkWhereElasticsearchAllowsThem(t *testing.T) {
	cat := Catalog{"loc": GeoPoint, "k": Keyword}
	docs := []doc{
		{"k": "a", "loc": map[string]any{"lat": 51.5142, "lon": -0.0931}},
		{"k": "b", "loc": map[string]any{"lat": 51.5142, "lon": -0.0931}},
		{"k": "c", "loc": map[string]any{"lat": 0.0, "lon": 0.0}},
		{"k": "d"},
	}
	for _, tc := range []struct{ query, want string }{
		{"FROM i | KEEP k, loc", "a | POINT (-0.0931000616401434 51.514199981465936);b | POINT (-0.0931000616401434 51.514199981465936);c | POINT (0.0 0.0);d | null"},
		{"FROM i | WHERE loc IS NULL | KEEP k", "d"},
		{"FROM i | EVAL s = TO_STRING(loc) | WHERE k == \"c\" | KEEP s", "POINT (0.0 0.0)"},
		{"FROM i | WHERE loc == TO_GEOPOINT(\"POINT (0 0)\") | KEEP k", "c"},
		{"FROM i | WHERE loc != TO_GEOPOINT(\"POINT (0 0)\") | KEEP k", "a;b"},
		{"FROM i | STATS v = VALUES(loc) | EVAL n = MV_COUNT(v) | KEEP n", "2"},
		{"FROM i | STATS n = COUNT(*) BY loc | SORT n DESC", "2 | POINT (-0.0931000616401434 51.514199981465936);1 | POINT (0.0 0.0);1 | null"},
		{"FROM i | STATS n = COUNT(loc)", "3"},
		{"FROM i | EVAL x = ROUND(ST_X(loc), 4), y = ROUND(ST_Y(loc), 4) | WHERE k == \"a\" | KEEP x, y", "-0.0931 | 51.5142"},
	} {
		r := run(t, tc.query, cat, docs...)
		if got := strings.Join(r.table(), ";"); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
	for query, want := range map[string]string{
		"FROM i | SORT loc":                     "cannot sort on geo_point",
		"FROM i | WHERE loc < loc":              "first argument of [loc < loc] must be [date_nanos, datetime, double, integer, ip, keyword, long, text, unsigned_long or version], found value [loc] type [geo_point]",
		"FROM i | WHERE loc == \"POINT (0 0)\"": "first argument of [loc == \"POINT (0 0)\"] is [geo_point] so second argument must also be [geo_point] but was [keyword]",
		"FROM i | STATS COUNT_DISTINCT(loc)":    "argument of [COUNT_DISTINCT(loc)]",
	} {
		if err := compileErr(query, cat); !strings.Contains(err, want) {
			t.Errorf("%s: error %q, want %q", query, err, want)
		}
	}
}
