package detect

import (
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// BenchmarkCompileBundled compiles and plans the 25 bundled rules, the
// bulk of the start-up of a run over a small input (see also
// cmd/trailql's BenchmarkStartupBundled, which runs the whole binary).
func BenchmarkCompileBundled(b *testing.B) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	Catalog()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompileWith(rule.Bundled(), CompileOptions{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewBundled sets a Detector up for the 25 bundled rules, compiled
// once: the prefilters' tables, the mappers, every worker's executions of
// the rules' prefixes.
func BenchmarkNewBundled(b *testing.B) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	compiled, err := CompileWith(rule.Bundled(), CompileOptions{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		New(compiled, Options{Now: now, Workers: 2})
	}
}
