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
