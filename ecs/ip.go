package ecs

import (
	"net/netip"
	"strings"
)

// isInetAddress reports whether s is an IP literal as Elasticsearch's
// InetAddresses.isInetAddress accepts it, which decides whether the pipeline's
// `convert: {field: source.address, target_field: source.ip, type: ip,
// ignore_failure: true}` sets source.ip (docs/cloudtrail-ecs-mapping.md §4): a dotted-quad IPv4 address with
// four decimal parts 0-255 and no leading zeros, or an IPv6 text address
// (including the embedded-IPv4 form ::ffff:1.2.3.4). Zones ("fe80::1%eth0"),
// surrounding spaces, brackets, lists and host names are rejected.
//
// Go's netip.ParseAddr has the same rules for IPv4 (it rejects leading zeros
// like "01.2.3.4") and accepts the same IPv6 forms; only the zone, which ES
// rejects, needs an extra check.
func isInetAddress(s string) bool {
	if s == "" || strings.IndexByte(s, '%') >= 0 {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// IsInetAddress reports whether the mapping makes source.ip of a record
// whose sourceIPAddress is the string s (isInetAddress): for prefilters
// that reject records whose source.ip would be null.
func IsInetAddress(s string) bool { return isInetAddress(s) }
