package main

import (
	"github.com/spf13/pflag"
	"github.com/trailql/trailql/ecs"
)

// geoipFlags are the MaxMind database options shared by the commands that
// map events.
type geoipFlags struct{ city, asn string }

func addGeoIPFlags(fs *pflag.FlagSet) *geoipFlags {
	g := &geoipFlags{}
	fs.StringVar(&g.city, "geoip-city", "", "MaxMind GeoLite2/GeoIP2 City `FILE` (.mmdb): adds source.geo.* as Elastic's geoip processor does")
	fs.StringVar(&g.asn, "geoip-asn", "", "MaxMind GeoLite2/GeoIP2 ASN `FILE` (.mmdb): adds source.as.number and source.as.organization.name")
	return g
}

// open opens the databases, or returns nil when none was given. The caller
// closes the result when mapping is done.
func (g *geoipFlags) open() (*ecs.GeoIP, error) {
	if g.city == "" && g.asn == "" {
		return nil, nil
	}
	db, err := ecs.OpenGeoIP(g.city, g.asn)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return db, nil
}
