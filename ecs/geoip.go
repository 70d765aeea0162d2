package ecs

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP enriches documents with source.geo.* and source.as.* the way the
// aws.cloudtrail pipeline does (docs/cloudtrail-ecs-mapping.md §3): one `geoip` processor on source.ip
// with the default City database and default properties (target source.geo),
// and one with `database_file: GeoLite2-ASN.mmdb`, `properties: [asn,
// organization_name]` (target source.as), whose asn/organization_name are then
// renamed to number/organization.name (packages/aws/data_stream/cloudtrail/
// elasticsearch/ingest_pipeline/default.yml in elastic/integrations).
//
// A GeoIP is safe for concurrent use; Close must not run concurrently with
// lookups.
type GeoIP struct {
	city, asn         *maxminddb.Reader
	cityPath, asnPath string
	cityCache         recordCache[cityFields]
	asnCache          recordCache[asFields]
}

// OpenGeoIP opens a MaxMind City database (GeoLite2-City, GeoIP2-City or
// GeoIP2-Enterprise) and an ASN database (GeoLite2-ASN, GeoIP2-ISP or
// GeoIP2-Enterprise) in the MaxMind DB format. Either path may be "" to skip
// that enrichment, not both. Like Elasticsearch, the database kind is taken
// from the file's metadata (database_type suffix), not its name; a file of
// another kind is an error.
func OpenGeoIP(cityPath, asnPath string) (*GeoIP, error) {
	if cityPath == "" && asnPath == "" {
		return nil, errors.New("geoip: no database given")
	}
	g := &GeoIP{cityPath: cityPath, asnPath: asnPath}
	var err error
	if cityPath != "" {
		if g.city, err = openKind(cityPath, "-City", "-Enterprise"); err != nil {
			return nil, err
		}
	}
	if asnPath != "" {
		if g.asn, err = openKind(asnPath, "-ASN", "-ISP", "-Enterprise"); err != nil {
			if g.city != nil {
				g.city.Close()
			}
			return nil, err
		}
	}
	return g, nil
}

// openKind opens path and checks that its database_type ends with one of
// suffixes (Elasticsearch's MaxmindIpDataLookups.getMaxmindDatabase
// dispatches on the same suffixes, case-sensitively).
func openKind(path string, suffixes ...string) (*maxminddb.Reader, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip: open %s: %w", path, err)
	}
	t := r.Metadata.DatabaseType
	for _, s := range suffixes {
		if strings.HasSuffix(t, s) {
			return r, nil
		}
	}
	r.Close()
	return nil, fmt.Errorf("geoip: %s: database type %q is not a *%s database", path, t, strings.Join(suffixes, "/*"))
}

// Close releases the databases.
func (g *GeoIP) Close() error {
	var errs []error
	if g.city != nil {
		errs = append(errs, g.city.Close())
	}
	if g.asn != nil {
		errs = append(errs, g.asn.Close())
	}
	return errors.Join(errs...)
}

// String names the databases (for logs and --help output).
func (g *GeoIP) String() string {
	return fmt.Sprintf("geoip(city=%q, asn=%q)", g.cityPath, g.asnPath)
}

// Enrich adds source.geo.* and source.as.* to ev for its source.ip (a
// string, as Map sets it). Without source.ip, or for an address the
// databases do not know (private and reserved ranges are never in MaxMind
// databases), it adds nothing, as the processors with ignore_missing do.
func (g *GeoIP) Enrich(ev Event) {
	g.enrich(ev, true, true)
}

// enrich is Enrich limited to the lookups the caller needs.
func (g *GeoIP) enrich(ev Event, wantCity, wantASN bool) {
	s, ok := ev["source.ip"].(string)
	if !ok {
		return
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return
	}
	// Elasticsearch looks up an InetAddress, and Java turns an IPv4-mapped
	// IPv6 literal (::ffff:1.2.3.4) into the IPv4 address.
	addr = addr.Unmap()
	if wantCity && g.city != nil {
		if f := lookup(g.city, &g.cityCache, addr, decodeCity); f != nil {
			f.set(ev)
		}
	}
	if wantASN && g.asn != nil {
		if f := lookup(g.asn, &g.asnCache, addr, decodeASN); f != nil {
			f.set(ev)
		}
	}
}

// lookup finds addr's record and returns its transformed fields, nil when the
// database has no record or the lookup fails (the City processor has
// ignore_failure; a corrupt record must not stop the run). Records are cached
// by their data offset, which all addresses of a network share.
func lookup[T any](r *maxminddb.Reader, c *recordCache[T], addr netip.Addr, decode func(maxminddb.Result) (*T, bool)) *T {
	res := r.Lookup(addr)
	if res.Err() != nil || !res.Found() {
		return nil
	}
	off := res.Offset()
	if f, ok := c.get(off); ok {
		return f
	}
	f, ok := decode(res)
	if !ok {
		return nil
	}
	c.put(off, f)
	return f
}

// maxCachedRecords bounds each database's record cache (Elasticsearch's own
// cache, ingest.geoip.cache_size, defaults to 1000 lookups).
const maxCachedRecords = 1 << 16

// recordCache maps a record's data offset to its transformed fields. It only
// grows, up to maxCachedRecords entries; the values are immutable. (A plain
// map under a RWMutex: sync.Map would box every uintptr key.)
type recordCache[T any] struct {
	mu sync.RWMutex
	m  map[uintptr]*T
}

func (c *recordCache[T]) get(off uintptr) (*T, bool) {
	c.mu.RLock()
	f, ok := c.m[off]
	c.mu.RUnlock()
	return f, ok
}

func (c *recordCache[T]) put(off uintptr, f *T) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[uintptr]*T)
	}
	if len(c.m) < maxCachedRecords {
		c.m[off] = f
	}
	c.mu.Unlock()
}

// reset empties the cache (benchmarks of the uncached path).
func (c *recordCache[T]) reset() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
