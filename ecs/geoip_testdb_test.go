package ecs

import (
	"bytes"
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// The committed test databases testdata/geoip/GeoLite2-{City,ASN}-Test.mmdb
// are generated from the tables below (MaxMind's own test databases live in a
// git submodule that Go module zips leave out). Regenerate after editing:
//
//	go test ./ecs -run TestGeoIPTestDatabases -update-geoip
//
// Records have the shape of GeoLite2-City / GeoLite2-ASN records. The entries
// for 81.2.69.144, 89.160.20.156 and 216.160.83.56 carry the values of
// Elasticsearch's test databases that Elastic's expected pipeline outputs
// show (testdata/elastic-cloudtrail-pipeline/*-expected.json in shared/); the
// others exercise the rules (most specific subdivision, missing English
// names, IPv6, an IP only in the ASN database).
var updateGeoIP = flag.Bool("update-geoip", false, "rewrite testdata/geoip/*.mmdb from the tables in geoip_testdb_test.go")

// geoTestBuildEpoch pins the metadata build time so regeneration is
// byte-for-byte reproducible.
const geoTestBuildEpoch = 1700000000

type testCity struct {
	network                   string
	continent, country, cName string
	subdivisions              [][2]string // {iso_code, English name}
	city                      string
	cityNames                 map[string]string // overrides city when set
	lat, lon                  float64
	noLocation                bool
	continentCode             string // unused by ES; present in real records
}

var geoTestCities = []testCity{
	{network: "81.2.69.144/28", continent: "Europe", continentCode: "EU", country: "GB", cName: "United Kingdom",
		subdivisions: [][2]string{{"ENG", "England"}}, city: "London", lat: 51.5142, lon: -0.0931},
	{network: "89.160.20.128/25", continent: "Europe", continentCode: "EU", country: "SE", cName: "Sweden",
		subdivisions: [][2]string{{"E", "Östergötland County"}}, city: "Linköping", lat: 58.4167, lon: 15.6167},
	{network: "216.160.83.56/29", continent: "North America", continentCode: "NA", country: "US", cName: "United States",
		subdivisions: [][2]string{{"WA", "Washington"}}, city: "Milton", lat: 47.2513, lon: -122.3149},
	// Two subdivisions: the region is the most specific (last) one.
	{network: "2.125.160.216/29", continent: "Europe", continentCode: "EU", country: "GB", cName: "United Kingdom",
		subdivisions: [][2]string{{"ENG", "England"}, {"WBK", "West Berkshire"}}, city: "Boxford", lat: 51.75, lon: -1.25},
	// City name without an English entry: no city_name.
	{network: "175.16.199.0/24", continent: "Asia", continentCode: "AS", country: "CN", cName: "China",
		subdivisions: [][2]string{{"22", "Jilin Sheng"}}, cityNames: map[string]string{"zh-CN": "长春"}, lat: 43.88, lon: 125.3228},
	// Country-level IPv6 record: no subdivision, no city.
	{network: "2001:218::/32", continent: "Asia", continentCode: "AS", country: "JP", cName: "Japan", lat: 35.68536, lon: 139.75309},
	// Continent only, no location.
	{network: "2a02:d300::/29", continent: "Europe", continentCode: "EU", noLocation: true},
}

type testASN struct {
	network string
	number  uint32
	org     string
}

var geoTestASNs = []testASN{
	{"89.160.20.128/25", 29518, "Bredband2 AB"},
	{"216.160.83.56/29", 209, ""},             // number only, as in ES's test ASN DB
	{"1.128.0.0/11", 1221, "Telstra Pty Ltd"}, // not in the City DB
	{"2001:1700::/27", 6730, "Sunrise Communications AG"},
}

func names(m map[string]string) mmdbtype.Map {
	out := mmdbtype.Map{}
	for k, v := range m {
		out[mmdbtype.String(k)] = mmdbtype.String(v)
	}
	return out
}

func (c testCity) record() mmdbtype.Map {
	r := mmdbtype.Map{}
	if c.continent != "" {
		r["continent"] = mmdbtype.Map{"code": mmdbtype.String(c.continentCode), "names": names(map[string]string{"en": c.continent})}
	}
	if c.country != "" {
		r["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(c.country), "names": names(map[string]string{"en": c.cName, "de": c.cName + " (de)"})}
	}
	if len(c.subdivisions) > 0 {
		var subs mmdbtype.Slice
		for _, s := range c.subdivisions {
			subs = append(subs, mmdbtype.Map{"iso_code": mmdbtype.String(s[0]), "names": names(map[string]string{"en": s[1]})})
		}
		r["subdivisions"] = subs
	}
	switch {
	case c.cityNames != nil:
		r["city"] = mmdbtype.Map{"names": names(c.cityNames)}
	case c.city != "":
		r["city"] = mmdbtype.Map{"names": names(map[string]string{"en": c.city})}
	}
	if !c.noLocation {
		r["location"] = mmdbtype.Map{"latitude": mmdbtype.Float64(c.lat), "longitude": mmdbtype.Float64(c.lon),
			"accuracy_radius": mmdbtype.Uint16(100), "time_zone": mmdbtype.String("Etc/UTC")}
	}
	return r
}

// buildGeoTestDB renders one database from its networks.
func buildGeoTestDB(t testing.TB, dbType string, nets []string, recs []mmdbtype.Map) []byte {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: dbType,
		Description:  map[string]string{"en": dbType + " test database for trailql (synthetic)"},
		Languages:    []string{"de", "en", "zh-CN"},
		RecordSize:   24,
		BuildEpoch:   geoTestBuildEpoch,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nets {
		_, ipnet, err := net.ParseCIDR(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(ipnet, recs[i]); err != nil {
			t.Fatalf("%s %s: %v", dbType, n, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// geoTestDBs renders both test databases: file name -> bytes.
func geoTestDBs(t testing.TB) map[string][]byte {
	var cn []string
	var cr []mmdbtype.Map
	for _, c := range geoTestCities {
		cn, cr = append(cn, c.network), append(cr, c.record())
	}
	var an []string
	var ar []mmdbtype.Map
	for _, a := range geoTestASNs {
		r := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(a.number)}
		if a.org != "" {
			r["autonomous_system_organization"] = mmdbtype.String(a.org)
		}
		an, ar = append(an, a.network), append(ar, r)
	}
	return map[string][]byte{
		"GeoLite2-City-Test.mmdb": buildGeoTestDB(t, "GeoLite2-City", cn, cr),
		"GeoLite2-ASN-Test.mmdb":  buildGeoTestDB(t, "GeoLite2-ASN", an, ar),
	}
}

// geoTestDir is the committed test database directory (repo testdata/geoip).
const geoTestDir = "../testdata/geoip"

// TestGeoIPTestDatabases checks that the committed databases are exactly
// what the tables generate (or rewrites them with -update-geoip), so a table
// edit without regeneration fails here rather than silently in lookups.
func TestGeoIPTestDatabases(t *testing.T) {
	for name, want := range geoTestDBs(t) {
		p := filepath.Join(geoTestDir, name)
		if *updateGeoIP {
			if err := os.MkdirAll(geoTestDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (regenerate with: go test ./ecs -run TestGeoIPTestDatabases -update-geoip)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (%d vs %d bytes); regenerate with -update-geoip", p, len(got), len(want))
		}
		if len(got) > 16<<10 {
			t.Errorf("%s is %d bytes; keep test databases tiny", p, len(got))
		}
	}
}

// openTestGeoIP opens the committed test databases.
func openTestGeoIP(t testing.TB) *GeoIP {
	t.Helper()
	g, err := OpenGeoIP(filepath.Join(geoTestDir, "GeoLite2-City-Test.mmdb"), filepath.Join(geoTestDir, "GeoLite2-ASN-Test.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}
