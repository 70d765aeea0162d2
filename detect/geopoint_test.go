package detect

import (
	"testing"

	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

// source.geo.location, filled by the GeoIP City lookup as Elastic's geoip
// processor fills it ({"lat", "lon"}), is a geo_point column: it can be
// kept, measured with ST_DISTANCE and read with ST_X/ST_Y. It reads back
// quantized, as ES|QL reads geo_point doc values of logsdb indices.
func TestQueryGeoPointFromGeoIP(t *testing.T) {
	g, err := ecs.OpenGeoIP("../testdata/geoip/GeoLite2-City-Test.mmdb", "../testdata/geoip/GeoLite2-ASN-Test.mmdb")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	prog, err := CompileQuery(`FROM logs-aws.cloudtrail-*
| EVAL d = ST_DISTANCE(source.geo.location, TO_GEOPOINT("POINT(0 0)")), lat = ST_Y(source.geo.location)
| KEEP source.ip, source.geo.location, d, lat`, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]esql.Value
	q := NewQuery(prog, Options{GeoIP: g}, func(row []esql.Value) error {
		rows = append(rows, esql.CloneRow(row))
		return nil
	})
	for _, ip := range []string{"81.2.69.144", "10.0.0.1"} {
		rec := `{"eventVersion":"1.08","eventTime":"2026-11-02T08:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"` + ip + `","userAgent":"aws-cli/2.13.0","eventID":"e-` + ip + `","eventType":"AwsApiCall"}`
		if err := q.Process([]byte(rec)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	// London in the test database: lat 51.5142, lon -0.0931. The distance
	// is Lucene's SloppyMath.haversinMeters over the quantized points, as
	// computed on a JVM.
	want := [][]string{
		{"81.2.69.144", "POINT (-0.0931000616401434 51.514199981465936)", "5728132.261168578", "51.514199981465936"},
		{"10.0.0.1", "null", "null", "null"},
	}
	for i, row := range rows {
		for j, v := range row {
			if v.String() != want[i][j] {
				t.Errorf("row %d column %d = %s, want %s", i, j, v, want[i][j])
			}
		}
	}
	if got := rows[0][1].JSON(); got != "POINT (-0.0931000616401434 51.514199981465936)" {
		t.Errorf("JSON of the point = %#v, want its WKT text", got)
	}
	if got := prog.Columns()[1].Type; got != esql.GeoPoint {
		t.Errorf("source.geo.location column type %s, want geo_point", got)
	}
}
