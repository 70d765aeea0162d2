package parser

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/BurntSushi/toml"
)

// sharedDir finds the team's shared/ directory by walking up from the test's
// working directory (CI places it beside the checkout), or skips the test.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("no working directory: %v", err)
	}
	for {
		cand := filepath.Join(dir, "shared")
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/ directory not found above the working directory; corpus tests need the team's reference material")
		}
		dir = parent
	}
}

// ruleQuery reads the rule.query key of an Elastic detection rule TOML file.
func ruleQuery(t testing.TB, path string) string {
	t.Helper()
	var doc struct {
		Rule struct {
			Query string `toml:"query"`
		} `toml:"rule"`
	}
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Rule.Query
}

// TestCorpus parses every ES|QL rule Elastic publishes (shared/rules/
// elastic-esql-all) and checks that each round-trips through String.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "rules", "elastic-esql-all")
	files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(files) == 0 {
		t.Skipf("no rule files in %s", dir)
	}
	sort.Strings(files)
	ok := 0
	for _, f := range files {
		q := ruleQuery(t, f)
		name := filepath.Base(f)
		if q == "" {
			t.Errorf("%s: empty rule.query", name)
			continue
		}
		tree, err := Parse(q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if msg := roundTrip(tree); msg != "" {
			t.Errorf("%s: %s", name, msg)
			continue
		}
		if msg := checkSpans(tree); msg != "" {
			t.Errorf("%s: %s", name, msg)
			continue
		}
		ok++
	}
	t.Logf("%d of %d rule queries parse and round-trip", ok, len(files))
}
