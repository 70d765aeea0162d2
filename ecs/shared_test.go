package ecs

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir finds the team's read-only reference directory by walking up from
// the working directory to the first directory that contains shared/ (the repo
// checkout's parent in CI), skipping the test when there is none.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("shared/ not found: %v", err)
	}
	for {
		p := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(p, "testdata")); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/ reference directory not found above the working directory; skipping tests that need Elastic's fixtures")
		}
		dir = parent
	}
}
