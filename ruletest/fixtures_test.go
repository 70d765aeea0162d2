package ruletest

import (
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDir holds one folder per rule with its script tests.
const fixtureDir = "../testdata/rules"

// TestFixtures runs every script under testdata/rules as subtests named
// rule-folder/file/case.
func TestFixtures(t *testing.T) {
	files, err := Find(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.test scripts under %s", fixtureDir)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(fixtureDir, f)
		s, err := ParseFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		t.Run(strings.TrimSuffix(filepath.ToSlash(rel), ".test"), func(t *testing.T) {
			for _, c := range s.Cases {
				t.Run(c.Name, func(t *testing.T) {
					res := c.Run(Options{})
					if res.Skipped != "" {
						t.Skip(res.Skipped)
					}
					for _, w := range res.Warnings {
						t.Logf("warning: %s", w)
					}
					for _, msg := range res.Failures {
						t.Error(msg)
					}
				})
			}
		})
	}
}
