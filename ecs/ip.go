package ecs

import "net/netip"

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
func isInetAddress(s string) bool { return inetAddress(s) }

// IsInetAddress reports whether the mapping makes source.ip of a record
// whose sourceIPAddress is the bytes b (isInetAddress): for prefilters
// that reject records whose source.ip would be null, on the string the
// reader's scan found, without copying it.
func IsInetAddress(b []byte) bool { return inetAddress(b) }

// inetAddress is isInetAddress for a string or its bytes. Most values are
// an IPv4 address or a host name (a service's, "AWS Internal"), told apart
// from their characters without netip's parse, which allocates an error for
// every name: an IP address has only hexadecimal digits, '.' and ':', and
// one of digits and dots only is an IPv4 address or nothing.
func inetAddress[T string | []byte](s T) bool {
	digitsDots := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9' || c == '.':
		case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':':
			digitsDots = false
		default:
			return false // a zone ('%'), a space, a name...
		}
	}
	if len(s) == 0 {
		return false
	}
	if digitsDots {
		return dottedQuad(s)
	}
	_, err := netip.ParseAddr(string(s))
	return err == nil
}

// dottedQuad reports whether s, of digits and dots only, is an IPv4 address
// as netip.ParseAddr takes one: four decimal parts of 0 to 255, each without
// a leading zero.
func dottedQuad[T string | []byte](s T) bool {
	parts, val, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || parts == 4 {
				return false
			}
			parts, val, digits = parts+1, 0, 0
			continue
		}
		if digits > 0 && val == 0 {
			return false // a leading zero
		}
		val = val*10 + int(s[i]-'0')
		if digits++; val > 255 {
			return false
		}
	}
	return parts == 4
}
