package ecs

import "github.com/oschwald/maxminddb-golang/v2"

// The record shapes below are the parts of MaxMind's GeoIP2/GeoLite2 City and
// ASN records that Elasticsearch's geoip processor reads for the properties
// the aws.cloudtrail pipeline asks for. Decoding into structs (not maps) reads
// only these keys.

// enName holds the English entry of a MaxMind "names" map. Elasticsearch
// builds its responses with locales List.of("en"), so a name exists only if
// the record has an "en" one (MaxmindIpDataLookups.AbstractBase.lookup).
type enName struct {
	En string `maxminddb:"en"`
}

type cityRecord struct {
	Continent struct {
		Names enName `maxminddb:"names"`
	} `maxminddb:"continent"`
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   enName `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   enName `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names enName `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		// Pointers: 0 is a valid coordinate, absence is not.
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

type asnRecord struct {
	Number       *uint64 `maxminddb:"autonomous_system_number"`
	Organization string  `maxminddb:"autonomous_system_organization"`
}

// cityFields are the source.geo.* values of one City record: the default
// properties of the geoip processor for a City database (continent_name,
// country_iso_code, country_name, region_iso_code, region_name, city_name,
// location; Database.City in Elasticsearch's ingest-geoip module and the
// geoip processor reference). Empty strings are absent. Values are boxed
// once, when the record is decoded, so enriching a document allocates only
// its location object.
type cityFields struct {
	kv          []fieldValue
	lat, lon    any // float64
	hasLocation bool
}

// fieldValue is one field of a transformed record.
type fieldValue struct {
	key string
	val any
}

func decodeCity(res maxminddb.Result) (*cityFields, bool) {
	var r cityRecord
	if err := res.Decode(&r); err != nil {
		return nil, false
	}
	f := &cityFields{}
	add := func(key, s string) {
		if s != "" { // the pipeline's final purge drops ""
			f.kv = append(f.kv, fieldValue{key, s})
		}
	}
	add("source.geo.continent_name", r.Continent.Names.En)
	add("source.geo.country_iso_code", r.Country.ISOCode)
	add("source.geo.country_name", r.Country.Names.En)
	// The region is the most specific subdivision, i.e. the last one
	// (CityResponse.getMostSpecificSubdivision); region_iso_code is
	// "<country iso>-<subdivision iso>" and only when both exist
	// (MaxmindIpDataLookups.regionIsoCode), e.g. "SE-E".
	if n := len(r.Subdivisions); n > 0 {
		sub := r.Subdivisions[n-1]
		if r.Country.ISOCode != "" && sub.ISOCode != "" {
			add("source.geo.region_iso_code", r.Country.ISOCode+"-"+sub.ISOCode)
		}
		add("source.geo.region_name", sub.Names.En)
	}
	add("source.geo.city_name", r.City.Names.En)
	// location {lat, lon} only when both coordinates exist.
	if r.Location.Latitude != nil && r.Location.Longitude != nil {
		f.lat, f.lon, f.hasLocation = *r.Location.Latitude, *r.Location.Longitude, true
	}
	return f, true
}

// set stores the fields into ev. source.geo.location is the object
// {"lat": .., "lon": ..} the processor writes (a geo_point in the mapping);
// each Event gets its own map.
func (f *cityFields) set(ev Event) {
	for _, kv := range f.kv {
		ev[kv.key] = kv.val
	}
	if f.hasLocation {
		ev["source.geo.location"] = map[string]any{"lat": f.lat, "lon": f.lon}
	}
}

// asFields are the source.as.* values of one ASN record: properties asn and
// organization_name, renamed to number (long, int64 here) and
// organization.name.
type asFields struct {
	kv []fieldValue
}

func decodeASN(res maxminddb.Result) (*asFields, bool) {
	var r asnRecord
	if err := res.Decode(&r); err != nil {
		return nil, false
	}
	f := &asFields{}
	if r.Number != nil && *r.Number <= 1<<63-1 {
		f.kv = append(f.kv, fieldValue{"source.as.number", int64(*r.Number)})
	}
	if r.Organization != "" {
		f.kv = append(f.kv, fieldValue{"source.as.organization.name", r.Organization})
	}
	return f, true
}

func (f *asFields) set(ev Event) {
	for _, kv := range f.kv {
		ev[kv.key] = kv.val
	}
}
