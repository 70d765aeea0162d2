// Package sharedtest finds the project's shared reference material (Elastic's
// fixtures, public CloudTrail, rules) for tests. CI puts it beside the
// checkout as ../shared; tests that need it skip when it is absent, so the
// repository's own tests still pass on their own.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of shared/rel, looking in each parent directory of the
// working directory for a "shared" folder. It skips the test when not found.
func Dir(t testing.TB, rel string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Skipf("shared test data unavailable: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Skipf("shared/%s not found above %s: reference data is absent, skipping", rel, wd)
	return ""
}
