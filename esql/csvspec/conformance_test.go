package csvspec

import (
	"flag"
	"github.com/trailql/trailql/internal/sharedtest"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var updateKnown = flag.Bool("update-known", false, "rewrite testdata/known_failures.txt with the failures of this run")

const knownFile = "testdata/known_failures.txt"

// TestCSVSpec runs every case of every bundled csv-spec file against the
// esql engine (docs/esql-semantics.md §A9). Cases needing a capability, data
// set, command or function trailql lacks are skipped; failures listed in
// testdata/known_failures.txt are reported as skips so the suite stays green
// while conformance improves, and a listed case that passes is an error so
// the list only shrinks. Set TRAILQL_CSVSPEC_REPORT=path to write the
// summary, TRAILQL_CSVSPEC_ALL_CAPS=1 to ignore required_capability.
func TestCSVSpec(t *testing.T) {
	dir := sharedtest.Dir(t, "testdata/esql-csv-spec")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv-spec"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no csv-spec files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	known, err := ReadKnownFailures(knownFile)
	if err != nil {
		t.Fatal(err)
	}

	type fileCases struct {
		name  string
		cases []*Case
	}
	var all []fileCases
	ids := map[string]bool{}
	for _, f := range files {
		cases, err := ParseFile(f)
		if err != nil {
			t.Errorf("reading %s: %v", f, err)
		}
		for _, c := range cases {
			ids[c.ID()] = true
		}
		all = append(all, fileCases{filepath.Base(f), cases})
	}
	for id := range known {
		if !ids[id] {
			t.Errorf("%s lists %s, which is not a case of any csv-spec file; remove it", knownFile, id)
		}
	}

	runner := NewRunner(dir, Capabilities)
	runner.AllCapabilities = os.Getenv("TRAILQL_CSVSPEC_ALL_CAPS") == "1"
	summary := NewSummary()
	ran := map[string]bool{}
	newKnown := KnownFailures{}

	for _, fc := range all {
		group := fc.name[:len(fc.name)-len(filepath.Ext(fc.name))]
		t.Run(group, func(t *testing.T) {
			for _, c := range fc.cases {
				t.Run(c.TestName(), func(t *testing.T) {
					res := runner.Run(c)
					id := c.ID()
					ran[id] = true
					summary.Add(c, res)
					reason, listed := known[id]
					switch res.Status {
					case Skipped:
						if listed && !*updateKnown {
							t.Errorf("%s is skipped now (%s) but listed in %s; remove it", id, res.Reason, knownFile)
						}
						t.Skip(res.Reason)
					case Passed:
						if listed && !*updateKnown {
							t.Errorf("%s passes now but is listed in %s (%s); remove it", id, knownFile, reason)
						}
					case Failed:
						note := res.Reason
						if legacyWarningFiles[c.File] {
							// README: eval and string are ~8.11 fixtures; current ES may differ.
							note = "(8.11-era fixture) " + note
						}
						newKnown[id] = note
						t.Logf("%s:%d: %s\nquery:\n%s\n%s", c.File, c.Line, id, c.Query, res.Detail)
						if listed || *updateKnown {
							t.Skipf("known failure (%s): %s", knownFile, res.Reason)
						}
						t.Errorf("%s fails and is not in %s: %s", id, knownFile, res.Reason)
					}
				})
			}
		})
	}

	t.Log(summary.Line())
	if p := os.Getenv("TRAILQL_CSVSPEC_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(summary.Report()), 0o644); err != nil {
			t.Errorf("writing report: %v", err)
		}
	}
	if *updateKnown {
		// Keep entries of cases this run did not execute (e.g. -run filters).
		for id, r := range known {
			if !ran[id] && ids[id] {
				newKnown[id] = r
			}
		}
		if err := newKnown.Write(knownFile); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s with %d cases", knownFile, len(newKnown))
	}
}
