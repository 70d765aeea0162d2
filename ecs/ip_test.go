package ecs

import (
	"math/rand"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// inetReference is isInetAddress as first written: netip.ParseAddr, which
// has Elasticsearch's rules but for the zone.
func inetReference(s string) bool {
	if s == "" || strings.IndexByte(s, '%') >= 0 {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// The character test and the dotted-quad parse that spare most values
// netip's parse decide as it does, on strings and on bytes.
func TestInetAddressIsNetip(t *testing.T) {
	cases := []string{"", "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.0",
		"1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.4.", "1234.1.1.1", "1.2.3.4 ", "::", "::1", "2001:db8::5",
		"::ffff:1.2.3.4", "::ffff:01.2.3.4", "fe80::1%eth0", "ec2.amazonaws.com", "AWS Internal", "abc", "a.b.c.d",
		"0", "00.0.0.0", "10.0.0.10", "999", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "DEAD::BEEF", "-"}
	r := rand.New(rand.NewSource(1))
	const alphabet = "0123456789.....::abcdefABCDEFx% "
	for range 200000 {
		b := make([]byte, r.Intn(18))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for i := range 5000 { // dotted quads near the limits
		cases = append(cases, strings.Join([]string{strconv.Itoa(r.Intn(300)), strconv.Itoa(r.Intn(300)), strconv.Itoa(r.Intn(300)), strconv.Itoa(i % 300)}, "."))
	}
	for _, s := range cases {
		want := inetReference(s)
		if got := isInetAddress(s); got != want {
			t.Fatalf("isInetAddress(%q) = %v, netip says %v", s, got, want)
		}
		if got := IsInetAddress([]byte(s)); got != want {
			t.Fatalf("IsInetAddress(%q) = %v, netip says %v", s, got, want)
		}
	}
}
