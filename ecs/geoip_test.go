package ecs

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// geoKeys are every field the enrichment can set.
var geoKeys = []string{
	"source.geo.continent_name", "source.geo.country_iso_code", "source.geo.country_name",
	"source.geo.region_iso_code", "source.geo.region_name", "source.geo.city_name",
	"source.geo.location", "source.as.number", "source.as.organization.name",
}

// geoOf returns the enrichment fields of ev.
func geoOf(ev Event) map[string]any {
	out := map[string]any{}
	for _, k := range geoKeys {
		if v, ok := ev[k]; ok {
			out[k] = v
		}
	}
	return out
}

func loc(lat, lon float64) map[string]any { return map[string]any{"lat": lat, "lon": lon} }

// TestGeoIPLookup pins what the geoip processors of the aws.cloudtrail
// pipeline add (Elasticsearch MaxmindIpDataLookups.City/Asn with the
// pipeline's properties): English names only, region_iso_code =
// "<country>-<most specific subdivision>", location only with both
// coordinates, as.number a long, nothing for unknown/private addresses.
func TestGeoIPLookup(t *testing.T) {
	g := openTestGeoIP(t)
	tests := []struct {
		name, ip string
		want     map[string]any
	}{
		{"London: city only, no ASN record (as Elastic's golden for 81.2.69.144)", "81.2.69.144", map[string]any{
			"source.geo.continent_name": "Europe", "source.geo.country_iso_code": "GB", "source.geo.country_name": "United Kingdom",
			"source.geo.region_iso_code": "GB-ENG", "source.geo.region_name": "England", "source.geo.city_name": "London",
			"source.geo.location": loc(51.5142, -0.0931)}},
		{"Linköping: city and ASN with organization", "89.160.20.156", map[string]any{
			"source.geo.continent_name": "Europe", "source.geo.country_iso_code": "SE", "source.geo.country_name": "Sweden",
			"source.geo.region_iso_code": "SE-E", "source.geo.region_name": "Östergötland County", "source.geo.city_name": "Linköping",
			"source.geo.location": loc(58.4167, 15.6167),
			"source.as.number":    int64(29518), "source.as.organization.name": "Bredband2 AB"}},
		{"Milton: ASN number without organization", "216.160.83.56", map[string]any{
			"source.geo.continent_name": "North America", "source.geo.country_iso_code": "US", "source.geo.country_name": "United States",
			"source.geo.region_iso_code": "US-WA", "source.geo.region_name": "Washington", "source.geo.city_name": "Milton",
			"source.geo.location": loc(47.2513, -122.3149), "source.as.number": int64(209)}},
		{"IPv4-mapped IPv6 is looked up as IPv4 (Java InetAddress)", "::ffff:216.160.83.60", map[string]any{
			"source.geo.continent_name": "North America", "source.geo.country_iso_code": "US", "source.geo.country_name": "United States",
			"source.geo.region_iso_code": "US-WA", "source.geo.region_name": "Washington", "source.geo.city_name": "Milton",
			"source.geo.location": loc(47.2513, -122.3149), "source.as.number": int64(209)}},
		{"most specific subdivision is the last one", "2.125.160.217", map[string]any{
			"source.geo.continent_name": "Europe", "source.geo.country_iso_code": "GB", "source.geo.country_name": "United Kingdom",
			"source.geo.region_iso_code": "GB-WBK", "source.geo.region_name": "West Berkshire", "source.geo.city_name": "Boxford",
			"source.geo.location": loc(51.75, -1.25)}},
		{"city without an English name has no city_name", "175.16.199.1", map[string]any{
			"source.geo.continent_name": "Asia", "source.geo.country_iso_code": "CN", "source.geo.country_name": "China",
			"source.geo.region_iso_code": "CN-22", "source.geo.region_name": "Jilin Sheng",
			"source.geo.location": loc(43.88, 125.3228)}},
		{"IPv6 country-level record", "2001:218:1:2::3", map[string]any{
			"source.geo.continent_name": "Asia", "source.geo.country_iso_code": "JP", "source.geo.country_name": "Japan",
			"source.geo.location": loc(35.68536, 139.75309)}},
		{"IPv6 ASN only", "2001:1700:1::1", map[string]any{
			"source.as.number": int64(6730), "source.as.organization.name": "Sunrise Communications AG"}},
		{"continent only, no location", "2a02:d300::1", map[string]any{"source.geo.continent_name": "Europe"}},
		{"IP only in the ASN database", "1.128.0.1", map[string]any{
			"source.as.number": int64(1221), "source.as.organization.name": "Telstra Pty Ltd"}},
		{"private IPv4", "10.1.2.3", map[string]any{}},
		{"private IPv6 (ULA)", "fd00::1", map[string]any{}},
		{"loopback", "127.0.0.1", map[string]any{}},
		{"public but unknown to both databases", "8.8.8.8", map[string]any{}},
		{"just outside a known network", "81.2.69.160", map[string]any{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := Event{"source.ip": tc.ip}
			g.Enrich(ev)
			if got := geoOf(ev); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got  %v\n want %v", tc.ip, got, tc.want)
			}
		})
	}

	// No source.ip (or not a string): nothing, no panic.
	for _, ev := range []Event{{}, {"source.ip": 42}, {"source.ip": "not an ip"}, {"source.ip": "fe80::1%eth0"}} {
		g.Enrich(ev)
		if got := geoOf(ev); len(got) != 0 {
			t.Errorf("%v: got %v", ev, got)
		}
	}
}

// TestGeoIPLocationNotShared: each Event gets its own location object, so a
// caller mutating one document cannot change another (or the cache).
func TestGeoIPLocationNotShared(t *testing.T) {
	g := openTestGeoIP(t)
	a, b := Event{"source.ip": "81.2.69.144"}, Event{"source.ip": "81.2.69.145"}
	g.Enrich(a)
	g.Enrich(b)
	a["source.geo.location"].(map[string]any)["lat"] = 0.0
	if got := b["source.geo.location"].(map[string]any)["lat"]; got != 51.5142 {
		t.Errorf("location shared between events: %v", got)
	}
}

func TestOpenGeoIPErrors(t *testing.T) {
	city := filepath.Join(geoTestDir, "GeoLite2-City-Test.mmdb")
	asn := filepath.Join(geoTestDir, "GeoLite2-ASN-Test.mmdb")
	tests := []struct{ city, asn, want string }{
		{"", "", "no database"},
		{asn, "", `database type "GeoLite2-ASN" is not a *-City/*-Enterprise database`},
		{"", city, `database type "GeoLite2-City" is not a *-ASN/*-ISP/*-Enterprise database`},
		{filepath.Join(geoTestDir, "missing.mmdb"), "", "missing.mmdb"},
		{"geoip_test.go", "", "geoip_test.go"}, // not an mmdb file
	}
	for _, tc := range tests {
		g, err := OpenGeoIP(tc.city, tc.asn)
		if err == nil {
			g.Close()
			t.Errorf("OpenGeoIP(%q, %q): no error", tc.city, tc.asn)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenGeoIP(%q, %q): %v, want it to mention %q", tc.city, tc.asn, err, tc.want)
		}
	}
	// One database alone is fine.
	for _, p := range [][2]string{{city, ""}, {"", asn}} {
		g, err := OpenGeoIP(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		ev := Event{"source.ip": "89.160.20.156"}
		g.Enrich(ev)
		_, hasGeo := ev["source.geo.city_name"]
		_, hasAS := ev["source.as.number"]
		if hasGeo != (p[0] != "") || hasAS != (p[1] != "") {
			t.Errorf("city=%q asn=%q: geo %v as %v", p[0], p[1], hasGeo, hasAS)
		}
		g.Close()
	}
}

// TestMapperGeoIPGating: the Mapper enriches only when Options.GeoIP is set
// and Options.Fields needs source.geo.* or source.as.* (nil = all fields),
// and then only the part it needs.
func TestMapperGeoIPGating(t *testing.T) {
	g := openTestGeoIP(t)
	rec := []byte(`{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"89.160.20.156"}`)
	tests := []struct {
		name            string
		geo             *GeoIP
		fields          []string
		wantGeo, wantAS bool
	}{
		{"no GeoIP configured", nil, nil, false, false},
		{"all fields", g, nil, true, true},
		{"fields without geo", g, []string{"source.ip", "source.address", "event.action"}, false, false},
		{"one geo field", g, []string{"source.geo.city_name"}, true, false},
		{"one as field", g, []string{"source.as.organization.name"}, false, true},
		{"parent object", g, []string{"source"}, true, true},
		{"wildcard", g, []string{"source.geo.*"}, true, false},
		{"wildcard over both", g, []string{"source.*"}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMapper(Options{Fields: tc.fields, GeoIP: tc.geo})
			if (m.geoip != nil) != (tc.wantGeo || tc.wantAS) {
				t.Errorf("mapper keeps GeoIP = %v, want lookups %v/%v", m.geoip != nil, tc.wantGeo, tc.wantAS)
			}
			ev, err := m.Map(rec)
			if err != nil {
				t.Fatal(err)
			}
			_, hasGeo := ev["source.geo.city_name"]
			_, hasAS := ev["source.as.number"]
			if hasGeo != tc.wantGeo || hasAS != tc.wantAS {
				t.Errorf("geo %v (want %v), as %v (want %v)", hasGeo, tc.wantGeo, hasAS, tc.wantAS)
			}
		})
	}
	// No source.ip (service principal): no geo even with GeoIP.
	m := NewMapper(Options{GeoIP: g})
	ev, err := m.Map([]byte(`{"eventTime":"2024-01-02T03:04:05Z","sourceIPAddress":"ec2.amazonaws.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := geoOf(ev); len(got) != 0 {
		t.Errorf("service principal got %v", got)
	}
}

// TestGeoIPConcurrent maps from many goroutines with one Mapper/GeoIP (run
// with -race): results stay correct while the record cache fills.
func TestGeoIPConcurrent(t *testing.T) {
	g := openTestGeoIP(t)
	m := NewMapper(Options{GeoIP: g})
	ips := []struct{ ip, city string }{
		{"81.2.69.144", "London"}, {"89.160.20.156", "Linköping"}, {"216.160.83.56", "Milton"},
		{"2.125.160.216", "Boxford"}, {"10.0.0.1", ""}, {"1.128.0.1", ""},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				c := ips[(i+w)%len(ips)]
				ev, err := m.Map([]byte(fmt.Sprintf(`{"eventTime":"2024-01-02T03:04:05Z","sourceIPAddress":%q}`, c.ip)))
				if err != nil {
					errs <- err
					return
				}
				if got, _ := ev["source.geo.city_name"].(string); got != c.city {
					errs <- fmt.Errorf("%s: city %q, want %q", c.ip, got, c.city)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkGeoIPEnrich(b *testing.B) {
	g := openTestGeoIP(b)
	ips := []string{"89.160.20.156", "81.2.69.144", "216.160.83.56", "10.0.0.1", "2001:218::1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := Event{"source.ip": ips[i%len(ips)]}
		g.Enrich(ev)
	}
}

// BenchmarkGeoIPDecode is the uncached cost: tree walk plus record decode.
func BenchmarkGeoIPDecode(b *testing.B) {
	g := openTestGeoIP(b)
	ev := Event{"source.ip": "89.160.20.156"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.cityCache.reset()
		g.asnCache.reset()
		g.Enrich(ev)
	}
}

// BenchmarkMapGeoIP is the per-record cost of the enrichment inside Map
// (compare the two sub-benchmarks).
func BenchmarkMapGeoIP(b *testing.B) {
	g := openTestGeoIP(b)
	rec := []byte(`{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"89.160.20.156","userAgent":"aws-cli/2.0.0"}`)
	for _, bc := range []struct {
		name string
		geo  *GeoIP
	}{{"without", nil}, {"with", g}} {
		b.Run(bc.name, func(b *testing.B) {
			m := NewMapper(Options{GeoIP: bc.geo, Fields: []string{"source", "event.action"}})
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := m.Map(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
