package ruletest

import (
	"strings"
	"testing"

	"github.com/trailql/trailql/ecs"
)

// The databases built from a case's geoip lines make the real enrichment
// (ecs.GeoIP, Elastic's geoip processor semantics) produce exactly the
// fields the lines state, so the GeoIP fixtures are ready for the day detect
// passes a GeoIP to its mapper.
func TestGeoIPDatabasesFeedTheMapper(t *testing.T) {
	s, err := Parse("x.test", []byte(`rule bundled:seed
geoip 203.0.113.9 as.organization.name="Hetzner Online GmbH" as.number=24940 geo.country_iso_code="DE" geo.city_name="Falkenstein" geo.region_iso_code="DE-SN" geo.region_name="Saxony"
geoip 2001:db8::7 geo.country_iso_code="JP" geo.location={"lat": 35.68, "lon": 139.75}
expect no alerts
`))
	if err != nil {
		t.Fatal(err)
	}
	city, asn, err := writeGeoIPDatabases(t.TempDir(), s.Cases[0].GeoIP)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ecs.OpenGeoIP(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	m := ecs.NewMapper(ecs.Options{GeoIP: g})
	for _, tc := range []struct {
		ip   string
		want map[string]any
	}{
		{"203.0.113.9", map[string]any{"source.as.organization.name": "Hetzner Online GmbH", "source.as.number": int64(24940),
			"source.geo.country_iso_code": "DE", "source.geo.city_name": "Falkenstein", "source.geo.region_iso_code": "DE-SN", "source.geo.region_name": "Saxony"}},
		{"2001:db8::7", map[string]any{"source.geo.country_iso_code": "JP"}},
		{"198.51.100.1", map[string]any{"source.geo.country_iso_code": nil, "source.as.organization.name": nil}},
	} {
		ev, err := m.Map([]byte(`{"eventTime":"2026-11-02T08:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","sourceIPAddress":"` + tc.ip + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range tc.want {
			got, ok := ev[k]
			if want == nil {
				if ok {
					t.Errorf("%s: %s = %v, want absent", tc.ip, k, got)
				}
				continue
			}
			if got != want {
				t.Errorf("%s: %s = %#v, want %#v", tc.ip, k, got, want)
			}
		}
	}
}

func TestGeoIPLineErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"geoip 1.2.3.4 geo.planet=\"Mars\"\n", "x.test:1: geoip: unknown field \"geo.planet\""},
		{"geoip 1.2.3.4\n", "x.test:1: geoip: want IP followed by field=JSON pairs"},
		{"geoip 1.2.3.4 as.number=\n", "x.test:1: geoip: as.number"},
	} {
		if _, err := Parse("x.test", []byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
	if _, _, err := writeGeoIPDatabases(t.TempDir(), map[string]map[string]any{"1.2.3.4": {"as.organization.name": true}}); err == nil {
		t.Error("a non-string organization was accepted")
	}
}
