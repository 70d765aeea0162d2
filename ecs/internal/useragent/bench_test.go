package useragent

import "testing"

// BenchmarkUserAgent parses 200 distinct realistic CloudTrail user agents,
// bypassing the cache (real CloudTrail user agents are mostly distinct:
// aws-cli v2 embeds the command), so it measures the regex passes themselves.
// "every-rule" is the unfiltered reference (the matcher before the
// prefilter), "all" the prefiltered three passes, "name" only the UA pass
// (user_agent.name/version, all the seed rule needs).
func BenchmarkUserAgent(b *testing.B) {
	uas := realisticUserAgents(200, 1)
	if _, err := loadUARules(); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name      string
		parts     Part
		prefilter bool
	}{
		{"every-rule", PartAll, false},
		{"all", PartAll, true},
		{"name", PartName, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for _, s := range uas { // steady state: compiled pruned variants are cached
				parseUA(s, bc.parts, bc.prefilter)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = parseUA(uas[i%len(uas)], bc.parts, bc.prefilter)
			}
		})
	}
}

// BenchmarkNewUARules builds the parser's rules and a literal prefilter,
// as the first user agent of a run does (a start-up cost): the UA pass's
// alone (a name-only parse) or the three passes'.
func BenchmarkNewUARules(b *testing.B) {
	for _, parts := range []Part{PartName, PartAll} {
		b.Run(partsName(parts), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				newUARules(uaTable).prefilter(parts)
			}
		})
	}
}

// BenchmarkUAPrefilterCold builds the rules and scans 200 distinct
// realistic user agents for their literals once, as a small run does: the
// literal automaton's lazily filled states are all new.
func BenchmarkUAPrefilterCold(b *testing.B) {
	uas := realisticUserAgents(200, 1)
	for _, parts := range []Part{PartName, PartAll} {
		b.Run(partsName(parts), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pf := newUARules(uaTable).prefilter(parts)
				for _, s := range uas {
					pf.done(pf.scan(s))
				}
			}
		})
	}
}

func partsName(p Part) string {
	if p == PartName {
		return "name"
	}
	return "all"
}
