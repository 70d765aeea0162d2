package ecs

import (
	"sync"
	"testing"
)

// TestUserAgentParts: each part is an independent pass (ES UserAgentProcessor
// runs the UA, OS and device parsers separately), so computing only some parts
// gives exactly those fields of the full result, and the cache never leaks a
// part that was not asked for.
func TestUserAgentParts(t *testing.T) {
	const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	c := &uaCache{m: make(map[string]uaCacheEntry), max: 16}
	full := parseUserAgent(chrome)
	if full.Name != "Chrome" || full.OSName != "Windows" || full.DeviceName != "Other" {
		t.Fatalf("full parse %+v", full)
	}
	for _, tc := range []struct {
		parts uaPart
		want  uaInfo
	}{
		{uaPartName, uaInfo{Name: "Chrome", Version: "120.0.0.0"}},
		{uaPartOS, uaInfo{OSName: full.OSName, OSVersion: full.OSVersion, OSFull: full.OSFull}},
		{uaPartDevice, uaInfo{DeviceName: "Other"}},
		{uaPartName | uaPartDevice, uaInfo{Name: "Chrome", Version: "120.0.0.0", DeviceName: "Other"}},
		{uaPartAll, full},
		{uaPartName, uaInfo{Name: "Chrome", Version: "120.0.0.0"}}, // from a full cache entry
		{0, uaInfo{}},
	} {
		if got := c.get(chrome, tc.parts); got != tc.want {
			t.Errorf("parts %03b: got %+v, want %+v", tc.parts, got, tc.want)
		}
		if got := parseUserAgentParts(chrome, tc.parts); got != tc.want {
			t.Errorf("uncached parts %03b: got %+v, want %+v", tc.parts, got, tc.want)
		}
	}
	if e := c.m[chrome]; e.have != uaPartAll {
		t.Errorf("cache entry holds parts %03b, want all", e.have)
	}
}

// TestUAPartsWanted maps Options.Fields-style selections to parts.
func TestUAPartsWanted(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		want   uaPart
	}{
		{nil, uaPartAll},
		{[]string{"user_agent.name"}, uaPartName},
		{[]string{"user_agent.version", "event.action"}, uaPartName},
		{[]string{"user_agent.original"}, 0},
		{[]string{"user_agent.os.full"}, uaPartOS},
		{[]string{"user_agent.device.name"}, uaPartDevice},
		{[]string{"user_agent"}, uaPartAll},
		{[]string{"user_agent.*"}, uaPartAll},
	} {
		got := uaPartsWanted(func(f string) bool { return wants(tc.fields, f) })
		if got != tc.want {
			t.Errorf("%v: got %03b, want %03b", tc.fields, got, tc.want)
		}
	}
}

// TestUserAgentConcurrent: the cache, scratch pool and pruned-regex cache are
// shared by all mappers; concurrent parses must agree with serial ones.
func TestUserAgentConcurrent(t *testing.T) {
	uas := realisticUserAgents(100, 3)
	want := make([]uaInfo, len(uas))
	for i, s := range uas {
		want[i] = parseUA(s, uaPartAll, false)
	}
	c := &uaCache{m: make(map[string]uaCacheEntry), max: 32} // small: exercise clearing
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(uas) {
				i := (k*7 + g) % len(uas)
				parts := uaPart(1 + (k+g)%7)
				if got := c.get(uas[i], parts); got != mergeUAInfo(uaInfo{}, want[i], parts) {
					t.Errorf("%q parts %03b: got %+v", uas[i], parts, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
