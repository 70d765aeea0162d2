// Package useragent ports Elasticsearch's ingest `user_agent` processor
// (org.elasticsearch.ingest.useragent.UserAgentParser) with the uap-core
// regexes.yml it bundles: the user_agent.name, version, os.* and
// device.name fields the ECS mapper fills from CloudTrail's userAgent.
package useragent

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// The pipeline runs Elasticsearch's stock `user_agent` processor on userAgent
// (docs/cloudtrail-ecs-mapping.md §6) with the uap-core regexes.yml that Elasticsearch bundles, embedded
// here (Apache-2.0, header kept in the file).
//
// This is a small matcher of our own rather than github.com/ua-parser/uap-go,
// because uap-go deviates from Elasticsearch's UserAgentParser in ways that
// change results:
//   - uap-go's UserAgent has only major/minor/patch; ES also takes group 5 as
//     the build, so Chrome gives "120.0.0.0" in ES and "120.0.0" in uap-go;
//   - uap-go reports OS family "Other" when no OS rule matches; ES leaves
//     user_agent.os absent;
//   - uap-go expands $1..$n in every replacement; ES
//     (org.elasticsearch.ingest.useragent.UserAgentParser.UserAgentSubpattern)
//     only replaces the first "$1" in the name replacement and uses the version
//     replacements literally;
//   - uap-go may reorder rules (UseSort); ES always uses file order.
// ES semantics implemented here: three independent passes (UA, OS, device) in
// file order; the first rule whose regex is found anywhere in the string
// (Matcher.find) wins; regex_flag 'i' is case-insensitive; name = replacement
// (first "$1" replaced by group 1 when group 1 exists) else group 1; versions =
// v1..v4 replacement else groups 2..5; empty captures count as absent (ES >=
// 8.16.2, PR #117213); version = major[.minor[.patch[.build]]] only if major
// exists; name "Other" when no UA rule matches; os only when an OS rule
// matches, with version/full only when its major exists; device "Other" when no
// device rule matches.
//
// Speed: real CloudTrail user agents are mostly distinct (aws-cli v2 embeds the
// command), so caching alone leaves ~1,100 regexes per record. Passes are
// computed only when their fields are needed (Part), and within a pass a
// rule's regex runs only when its required literals occur in the input
// (prefilter.go, literals.go), with the huge bot-list
// alternations cut down to their possible alternatives (prune.go).
// Results are identical to trying every rule: TestUserAgentPrefilterDifferential.

// uaRule is one regexes.yml entry. Its regex is compiled when first
// tried: most of the 1,100 never are (the prefilter rules them out), and
// compiling them all took a fifth of trailql's start-up.
type uaRule struct {
	expr    string
	once    sync.Once
	re      *regexp.Regexp
	name    string // family_/os_/device_replacement ("" = none)
	hasName bool
	v       [4]string // v1..v4 replacements
	hasV    [4]bool
}

// uaRules holds the three rule lists and their prefilters (see prefilter).
type uaRules struct {
	ua, os, device []uaRule
	pfAll, pfName  func() *uaPrefilter
}

// Part selects parts of the user_agent object to compute; each part is one
// independent pass of the processor, so unneeded passes can be skipped.
type Part uint8

const (
	PartName   Part = 1 << iota // user_agent.name, user_agent.version (UA pass)
	PartOS                      // user_agent.os.* (OS pass)
	PartDevice                  // user_agent.device.name (device pass)

	PartAll = PartName | PartOS | PartDevice
)

// PartsWanted returns the parts whose fields want (e.g. a Mapper's field
// filter) needs; 0 means none.
func PartsWanted(want func(field string) bool) Part {
	var p Part
	if want("user_agent.name") || want("user_agent.version") {
		p |= PartName
	}
	if want("user_agent.os") {
		p |= PartOS
	}
	if want("user_agent.device") {
		p |= PartDevice
	}
	return p
}

// Info is the parsed user_agent object (empty strings are absent).
type Info struct {
	Name, Version             string
	OSName, OSVersion, OSFull string
	DeviceName                string
}

var (
	uaOnce   sync.Once
	uaParsed *uaRules
	uaErr    error
)

// loadUARules builds the rules and their prefilter from uaTable, once.
func loadUARules() (*uaRules, error) {
	uaOnce.Do(func() { uaParsed = newUARules(uaTable) })
	return uaParsed, uaErr
}

// newUARules builds the three passes' rules; their prefilters are built
// when first used. Regexes compile when first tried (uaRule.regexp),
// pruners parse theirs when first used (uaPruner.attach).
func newUARules(table [3][]uaEntry) *uaRules {
	r := &uaRules{}
	lists := [3]*[]uaRule{&r.ua, &r.os, &r.device}
	for pi, entries := range table {
		out := make([]uaRule, len(entries))
		for i, e := range entries {
			rule := &out[i]
			rule.expr, rule.name, rule.hasName, rule.v, rule.hasV = e.expr, e.name, e.hasName, e.v, e.hasV
		}
		*lists[pi] = out
	}
	r.pfAll = sync.OnceValue(func() *uaPrefilter { return prefilterOf(table, PartAll) })
	r.pfName = sync.OnceValue(func() *uaPrefilter { return prefilterOf(table, PartName) })
	return r
}

// prefilter returns the prefilter for a parse of parts: the UA pass's own
// when only it runs (user_agent.name and version, all the bundled rules
// read), else the three passes'. The UA pass has a fifth of the literals
// (1,000 of 5,000; the device pass has 3,800), so a name-only parse builds
// and walks a fifth of the automaton.
func (r *uaRules) prefilter(parts Part) *uaPrefilter {
	if parts == PartName {
		return r.pfName()
	}
	return r.pfAll()
}

// prefilterOf builds the prefilter of the passes in parts (bit i for pass
// i); the other passes have no rules in it and must not be asked.
func prefilterOf(table [3][]uaEntry, parts Part) *uaPrefilter {
	var conds [3][][][]uaLit
	var pruners [3][]*uaPruner
	for pi, entries := range table {
		if parts&(1<<pi) == 0 {
			continue
		}
		conds[pi] = make([][][]uaLit, len(entries))
		pruners[pi] = make([]*uaPruner, len(entries))
		for i, e := range entries {
			conds[pi][i] = e.conds
			if e.prune != nil {
				pr := &uaPruner{expr: e.expr, cache: map[string]*regexp.Regexp{}}
				for _, clauses := range e.prune {
					pr.alts = append(pr.alts, uaPrunable{clauses: clauses})
				}
				pruners[pi][i] = pr
			}
		}
	}
	return newUAPrefilter(conds, pruners)
}

// versioned is the result of one rule match.
type versioned struct {
	name string
	v    [4]string
}

// match mirrors UserAgentSubpattern.match; ok is false when the regex is not
// found or no name results.
func (r *uaRule) match(s string) (versioned, bool) {
	return r.matchWith(r.regexp(), s)
}

// regexp is the rule's compiled regex. The expression was parsed when the
// rules were loaded, so it compiles.
func (r *uaRule) regexp() *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(r.expr) })
	return r.re
}

// matchWith is match using re, which must give the same matches as r.re on s
// (a pruned variant, see uaPruner).
func (r *uaRule) matchWith(re *regexp.Regexp, s string) (versioned, bool) {
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return versioned{}, false
	}
	groups := len(loc)/2 - 1
	group := func(i int) (string, bool) {
		if i > groups || loc[2*i] < 0 {
			return "", false
		}
		return s[loc[2*i]:loc[2*i+1]], true
	}
	var out versioned
	haveName := false
	if r.hasName {
		out.name, haveName = r.name, true
		if strings.Contains(r.name, "$1") {
			if g, ok := group(1); ok {
				out.name = strings.Replace(r.name, "$1", g, 1)
			}
		}
	} else if g, ok := group(1); ok {
		out.name, haveName = g, true
	}
	for i := 0; i < 4; i++ {
		if r.hasV[i] {
			out.v[i] = r.v[i]
		} else {
			out.v[i], _ = group(i + 2)
		}
	}
	return out, haveName
}

// first returns the first rule result in file order, trying every rule (the
// reference the prefiltered path must agree with).
func first(rules []uaRule, s string) (versioned, bool) {
	for i := range rules {
		if v, ok := rules[i].match(s); ok {
			return v, true
		}
	}
	return versioned{}, false
}

// joinVersion builds major[.minor[.patch[.build]]], stopping at the first
// absent (or empty) part.
func joinVersion(v [4]string) string {
	if v[0] == "" {
		return ""
	}
	out := v[0]
	for _, p := range v[1:] {
		if p == "" {
			break
		}
		out += "." + p
	}
	return out
}

// parseUserAgent applies the three passes to s.
func parseUserAgent(s string) Info {
	return parseUserAgentParts(s, PartAll)
}

// parseUserAgentParts applies the passes selected by parts to s, skipping
// regexes the prefilter proves cannot match; the other parts' fields are left
// empty.
func parseUserAgentParts(s string, parts Part) Info {
	return parseUA(s, parts, true)
}

// parseUA applies the passes selected by parts, prefiltered or (for the
// differential test) trying every rule.
func parseUA(s string, parts Part, prefilter bool) Info {
	var ua Info
	r, err := loadUARules()
	if err != nil || r == nil {
		if parts&PartName != 0 {
			ua.Name = "Other"
		}
		if parts&PartDevice != 0 {
			ua.DeviceName = "Other"
		}
		return ua
	}
	var sc *uaScratch
	var pf *uaPrefilter
	if prefilter && parts != 0 {
		pf = r.prefilter(parts)
		sc = pf.scan(s)
		defer pf.done(sc)
	}
	pass := func(i int, rules []uaRule) (versioned, bool) {
		if sc != nil {
			return pf.first(i, rules, s, sc)
		}
		return first(rules, s)
	}
	if parts&PartName != 0 {
		if v, ok := pass(0, r.ua); ok {
			ua.Name = v.name
			ua.Version = joinVersion(v.v)
		} else {
			ua.Name = "Other"
		}
	}
	if parts&PartOS != 0 {
		if v, ok := pass(1, r.os); ok {
			ua.OSName = v.name
			ua.OSVersion = joinVersion(v.v)
			if ua.OSVersion != "" {
				ua.OSFull = v.name + " " + ua.OSVersion
			}
		}
	}
	if parts&PartDevice != 0 {
		if v, ok := pass(2, r.device); ok {
			ua.DeviceName = v.name
		} else {
			ua.DeviceName = "Other"
		}
	}
	return ua
}

// uaCache memoises parse results per distinct user-agent string (CloudTrail has
// few distinct values). It is bounded: when full it is emptied and refilled.
//
// Some trails have nearly as many user agents as records (AWS CLI v2 puts
// the command in its user agent): a cache that fills with values never
// seen again only costs (a hash of each user agent twice, a lock, a
// rehash as it grows). When a filling brought fewer than max/uaPoorHits
// hits, the cache is left alone (neither looked up nor filled) for the
// next uaBypass*max user agents, then tried again.
type uaCache struct {
	mu   sync.RWMutex
	m    map[string]uaCacheEntry
	max  int
	hits atomic.Int64 // since the last emptying
	skip atomic.Int64 // user agents left to parse without the cache
}

// uaPoorHits and uaBypass: see uaCache.
const (
	uaPoorHits = 16
	uaBypass   = 16
)

// uaCacheEntry is a cached result and the parts it holds.
type uaCacheEntry struct {
	info Info
	have Part
}

// maxCachedUALen: longer user agents are parsed every time instead of cached.
const maxCachedUALen = 2048

// defaultUACache is shared by all mappers.
var defaultUACache = &uaCache{m: make(map[string]uaCacheEntry), max: 4096}

// get returns the parts of the parsed user agent for s, parsing each part at
// most once per cache epoch. Only the requested parts are set in the result,
// whatever else is cached, so output does not depend on cache history.
func (c *uaCache) get(s string, parts Part) Info {
	if c.skip.Load() > 0 && c.skip.Add(-1) >= 0 {
		return parseUserAgentParts(s, parts)
	}
	c.mu.RLock()
	e, ok := c.m[s]
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	}
	if !ok || parts&^e.have != 0 {
		if len(s) <= maxCachedUALen {
			// The key and the parts, substrings of it, outlive the
			// caller's string, which may point into a record buffer
			// (ecs.Mapper.MapShared).
			s = strings.Clone(s)
		}
		missing := parts &^ e.have
		e.info = mergeUAInfo(e.info, parseUserAgentParts(s, missing), missing)
		e.have |= missing
		if len(s) <= maxCachedUALen { // keep the cache's memory bounded too
			c.mu.Lock()
			if len(c.m) >= c.max {
				clear(c.m)
				if c.hits.Swap(0) < int64(c.max/uaPoorHits) {
					c.skip.Store(int64(uaBypass * c.max))
				}
			}
			c.m[s] = e
			c.mu.Unlock()
		}
	}
	return mergeUAInfo(Info{}, e.info, parts)
}

// mergeUAInfo returns dst with the fields of parts taken from src.
func mergeUAInfo(dst, src Info, parts Part) Info {
	if parts&PartName != 0 {
		dst.Name, dst.Version = src.Name, src.Version
	}
	if parts&PartOS != 0 {
		dst.OSName, dst.OSVersion, dst.OSFull = src.OSName, src.OSVersion, src.OSFull
	}
	if parts&PartDevice != 0 {
		dst.DeviceName = src.DeviceName
	}
	return dst
}

// cachedUserAgent returns the user_agent fields Elasticsearch's user_agent
// processor gives for s (cached).
func cachedUserAgent(s string) Info {
	return defaultUACache.get(s, PartAll)
}

// CachedParts is cachedUserAgent computing only the parts selected
// (fields of other parts are empty).
func CachedParts(s string, parts Part) Info {
	if parts == 0 {
		return Info{}
	}
	return defaultUACache.get(s, parts)
}
