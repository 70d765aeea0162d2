package ruletest

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
)

// alertStates renders alerts as sorted "id content" lines, the alert time
// left out.
func alertStates(alerts []*alert.Alert) string {
	lines := make([]string, len(alerts))
	for i, a := range alerts {
		lines[i] = a.ID + " " + detect.AlertContent(a)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// fixtureDir holds one folder per rule with its script tests.
const fixtureDir = "../testdata/rules"

// TestFixtures runs every script under testdata/rules as subtests named
// driver/rule-folder/file/case, through both drivers: the hunt (trailql
// detect) and the live driver (trailql watch, each record an object of its
// own), which must also end with exactly the hunt's alerts (issue "One
// detection engine for detect and watch").
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
					hunt := c.Run(Options{})
					if hunt.Skipped != "" {
						t.Skip(hunt.Skipped)
					}
					live := c.Run(Options{Live: true})
					for _, w := range hunt.Warnings {
						t.Logf("warning: %s", w)
					}
					for _, msg := range hunt.Failures {
						t.Error("hunt: " + msg)
					}
					for _, msg := range live.Failures {
						t.Error("live: " + msg)
					}
					if h, l := alertStates(hunt.Alerts), alertStates(live.Alerts); h != l {
						t.Errorf("the drivers disagree\nhunt:\n%s\nlive:\n%s", h, l)
					}
				})
			}
		})
	}
}
