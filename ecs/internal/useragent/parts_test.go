package useragent

import (
	"sync"
	"testing"
	"unsafe"
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
		parts Part
		want  Info
	}{
		{PartName, Info{Name: "Chrome", Version: "120.0.0.0"}},
		{PartOS, Info{OSName: full.OSName, OSVersion: full.OSVersion, OSFull: full.OSFull}},
		{PartDevice, Info{DeviceName: "Other"}},
		{PartName | PartDevice, Info{Name: "Chrome", Version: "120.0.0.0", DeviceName: "Other"}},
		{PartAll, full},
		{PartName, Info{Name: "Chrome", Version: "120.0.0.0"}}, // from a full cache entry
		{0, Info{}},
	} {
		if got := c.get(chrome, tc.parts); got != tc.want {
			t.Errorf("parts %03b: got %+v, want %+v", tc.parts, got, tc.want)
		}
		if got := parseUserAgentParts(chrome, tc.parts); got != tc.want {
			t.Errorf("uncached parts %03b: got %+v, want %+v", tc.parts, got, tc.want)
		}
	}
	if e := c.m[chrome]; e.have != PartAll {
		t.Errorf("cache entry holds parts %03b, want all", e.have)
	}
}

// TestUserAgentConcurrent: the cache, scratch pool and pruned-regex cache are
// shared by all mappers; concurrent parses must agree with serial ones.
func TestUserAgentConcurrent(t *testing.T) {
	uas := realisticUserAgents(100, 3)
	want := make([]Info, len(uas))
	for i, s := range uas {
		want[i] = parseUA(s, PartAll, false)
	}
	c := &uaCache{m: make(map[string]uaCacheEntry), max: 32} // small: exercise clearing
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(uas) {
				i := (k*7 + g) % len(uas)
				parts := Part(1 + (k+g)%7)
				if got := c.get(uas[i], parts); got != mergeUAInfo(Info{}, want[i], parts) {
					t.Errorf("%q parts %03b: got %+v", uas[i], parts, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestUACacheBypass: a cache that fills with user agents never seen again
// is left alone for a while (results are parsed as ever), then tried
// again; one whose user agents repeat stays in use.
func TestUACacheBypass(t *testing.T) {
	const max = 16
	unique := func(i int) string {
		return "aws-cli/2.15." + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + " md/command#s3.ls"
	}
	c := &uaCache{m: make(map[string]uaCacheEntry), max: max}
	for i := range max + 1 {
		s := unique(i)
		if got, want := c.get(s, PartName), parseUserAgentParts(s, PartName); got != want {
			t.Fatalf("%q: got %+v, want %+v", s, got, want)
		}
	}
	if c.skip.Load() != uaBypass*max {
		t.Fatalf("after a filling without hits: skip = %d, want %d", c.skip.Load(), uaBypass*max)
	}
	n := len(c.m)
	for i := range uaBypass * max {
		s := unique(100 + i)
		if got, want := c.get(s, PartName), parseUserAgentParts(s, PartName); got != want {
			t.Fatalf("bypassed %q: got %+v, want %+v", s, got, want)
		}
	}
	if len(c.m) != n || c.skip.Load() > 0 {
		t.Fatalf("while bypassed: cache grew from %d to %d, skip %d", n, len(c.m), c.skip.Load())
	}
	c.get(unique(999), PartName)
	if len(c.m) != n+1 {
		t.Fatalf("after the bypass: cache holds %d, want %d", len(c.m), n+1)
	}

	// A few user agents that repeat among ones seen once: the cache is
	// emptied when full, never left.
	r := &uaCache{m: make(map[string]uaCacheEntry), max: max}
	for i := range 20 * max {
		s := unique(200 + i%4)
		if i%4 == 0 {
			s = unique(300 + i)
		}
		r.get(s, PartName)
		if r.skip.Load() != 0 {
			t.Fatalf("user agents that repeat: bypassed after %d", i)
		}
	}
}

// The cache outlives the caller's string, which may point into a buffer
// the caller reuses (ecs.Mapper.MapShared): it keeps its own copy of the
// key, on a first lookup and when a later one adds parts, so that the
// same user agent still hits once the caller's bytes were overwritten.
func TestUACacheCopiesItsKey(t *testing.T) {
	const ua = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off"
	c := &uaCache{m: make(map[string]uaCacheEntry), max: 16}
	buf := []byte(ua)
	shared := unsafe.String(&buf[0], len(buf))
	c.get(shared, PartName) // a first lookup
	c.get(shared, PartAll)  // one that adds parts
	for i := range buf {
		buf[i] = 'X'
	}
	hits := c.hits.Load()
	got := c.get(ua, PartAll)
	if c.hits.Load() != hits+1 {
		t.Errorf("a lookup after the caller's bytes changed missed: the cache kept them as its key")
	}
	if want := parseUserAgentParts(ua, PartAll); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
