package ruletest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// geoIPKeys are the enrichment fields a "geoip" line may set, relative to
// source.: the ECS fields Elasticsearch's geoip processor writes from a
// GeoLite2 City record and, renamed by the AWS integration's pipeline, from a
// GeoLite2 ASN record (ecs/geoip.go).
var geoIPKeys = map[string]bool{
	"as.organization.name": true, "as.number": true,
	"geo.country_iso_code": true, "geo.country_name": true, "geo.continent_name": true,
	"geo.region_iso_code": true, "geo.region_name": true, "geo.city_name": true, "geo.location": true,
}

// writeGeoIPDatabases renders a case's geoip table as a GeoLite2-City and a
// GeoLite2-ASN database in dir (one /32 or /128 network per address), so the
// real enrichment code reads the values the script states. It returns the
// two paths.
func writeGeoIPDatabases(dir string, table map[string]map[string]any) (city, asn string, err error) {
	ips := make([]string, 0, len(table))
	for ip := range table {
		ips = append(ips, ip)
	}
	sort.Strings(ips)
	cityTree, err := newTree("GeoLite2-City")
	if err != nil {
		return "", "", err
	}
	asnTree, err := newTree("GeoLite2-ASN")
	if err != nil {
		return "", "", err
	}
	for _, ip := range ips {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return "", "", fmt.Errorf("geoip %s: not an IP address", ip)
		}
		network := &net.IPNet{IP: net.IP(addr.AsSlice()), Mask: net.CIDRMask(addr.BitLen(), addr.BitLen())}
		c, a, err := geoRecords(table[ip])
		if err != nil {
			return "", "", fmt.Errorf("geoip %s: %v", ip, err)
		}
		if len(c) > 0 {
			if err := cityTree.Insert(network, c); err != nil {
				return "", "", err
			}
		}
		if len(a) > 0 {
			if err := asnTree.Insert(network, a); err != nil {
				return "", "", err
			}
		}
	}
	city, asn = filepath.Join(dir, "GeoLite2-City.mmdb"), filepath.Join(dir, "GeoLite2-ASN.mmdb")
	for path, tree := range map[string]*mmdbwriter.Tree{city: cityTree, asn: asnTree} {
		f, err := os.Create(path)
		if err != nil {
			return "", "", err
		}
		_, werr := tree.WriteTo(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", "", werr
		}
	}
	return city, asn, nil
}

func newTree(dbType string) (*mmdbwriter.Tree, error) {
	return mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 24, IncludeReservedNetworks: true,
		Description: map[string]string{"en": dbType + " built by ruletest from a script's geoip lines"}, Languages: []string{"en"}})
}

// geoRecords turns ECS field values back into the MaxMind records that
// produce them.
func geoRecords(fields map[string]any) (city, asn mmdbtype.Map, err error) {
	city, asn = mmdbtype.Map{}, mmdbtype.Map{}
	en := func(s string) mmdbtype.Map { return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(s)}} }
	sub := mmdbtype.Map{}
	for k, v := range fields {
		s, isString := v.(string)
		switch k {
		case "as.organization.name":
			asn["autonomous_system_organization"] = mmdbtype.String(s)
		case "as.number":
			n, ok := v.(json.Number)
			i, perr := n.Int64()
			if !ok || perr != nil || i < 0 || i > 1<<32-1 {
				return nil, nil, fmt.Errorf("as.number %v is not an AS number", v)
			}
			asn["autonomous_system_number"] = mmdbtype.Uint32(i)
			isString = true
		case "geo.country_iso_code", "geo.country_name":
			c, _ := city["country"].(mmdbtype.Map)
			if c == nil {
				c = mmdbtype.Map{}
			}
			if k == "geo.country_iso_code" {
				c["iso_code"] = mmdbtype.String(s)
			} else {
				c["names"] = mmdbtype.Map{"en": mmdbtype.String(s)}
			}
			city["country"] = c
		case "geo.continent_name":
			city["continent"] = en(s)
		case "geo.city_name":
			city["city"] = en(s)
		case "geo.region_name":
			sub["names"] = mmdbtype.Map{"en": mmdbtype.String(s)}
		case "geo.region_iso_code":
			// Elasticsearch writes COUNTRY-SUBDIVISION (e.g. US-WA).
			_, code, ok := strings.Cut(s, "-")
			if !ok {
				return nil, nil, fmt.Errorf("geo.region_iso_code %q: want COUNTRY-SUBDIVISION such as US-WA", s)
			}
			sub["iso_code"] = mmdbtype.String(code)
		case "geo.location":
			m, ok := v.(map[string]any)
			lat, ok1 := m["lat"].(json.Number)
			lon, ok2 := m["lon"].(json.Number)
			la, e1 := lat.Float64()
			lo, e2 := lon.Float64()
			if !ok || !ok1 || !ok2 || e1 != nil || e2 != nil {
				return nil, nil, fmt.Errorf(`geo.location: want {"lat": N, "lon": N}`)
			}
			city["location"] = mmdbtype.Map{"latitude": mmdbtype.Float64(la), "longitude": mmdbtype.Float64(lo)}
			isString = true
		default:
			return nil, nil, fmt.Errorf("unknown field %s", k)
		}
		if !isString {
			return nil, nil, fmt.Errorf("%s: want a string", k)
		}
	}
	if len(sub) > 0 {
		city["subdivisions"] = mmdbtype.Slice{sub}
	}
	return city, asn, nil
}
