package rule

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"sync"
)

// bundledFS holds the rules compiled into the binary; see
// bundled/NOTICE.md for their origin and licence (Elastic License 2.0).
//
// The seed rule is an older revision (updated 2026/04/10) than the copy of
// the same rule_id among the 25 CloudTrail rules (updated 2026/07/20, which
// adds a final KEEP and an investigation field), so the two files differ
// and both are stored.
//
//go:embed bundled/NOTICE.md bundled/seed/*.toml bundled/elastic-aws-esql/*.toml
var bundledFS embed.FS

const (
	seedDir    = "bundled/seed"
	bundledDir = "bundled/elastic-aws-esql"
)

// Seed returns the seed rule, "AWS Discovery API Calls via CLI from a
// Single Resource", trailql's default rule. Each call returns a fresh copy.
//
// The embedded rules are not parsed at run time: bundled_gen.go holds them
// as parsed (TestBundledTableIsCurrent keeps it so), which spares every
// start-up the TOML decoding. Their Metadata.TOML is zero; parse the files
// of BundledFS for it.
func Seed() *Rule { return bundledTable(seedDir)[0] }

// Bundled returns the 25 CloudTrail ES|QL rules of elastic/detection-rules
// embedded in the binary, sorted by file name. Each call returns fresh
// copies the caller may modify.
func Bundled() []*Rule { return bundledTable(bundledDir) }

// BundledFS exposes the embedded rule files (and NOTICE.md) read-only,
// e.g. for a command that writes them out for editing.
func BundledFS() fs.FS { return bundledFS }

// parseEmbedded parses every file of an embedded directory (the source of
// bundled_gen.go). The files are
// part of the source tree and covered by tests, so a failure is a build
// defect and panics. Rule.Path is "rule/<dir>/<file>", the file's place in
// the trailql source tree.
func parseEmbedded(dir string) []*Rule {
	ents, err := fs.ReadDir(bundledFS, dir)
	if err != nil {
		panic("rule: embedded rules missing: " + err.Error())
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	// Parsed on every core: the 25 TOML files are a part of the start-up
	// of a run over a small file.
	rules := make([]*Rule, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			p := path.Join(dir, n)
			data, err := bundledFS.ReadFile(p)
			if err != nil {
				panic("rule: " + err.Error())
			}
			r, err := Parse(path.Join("rule", p), data)
			if err != nil {
				panic("rule: embedded rule does not parse: " + err.Error())
			}
			rules[i] = r
		})
	}
	wg.Wait()
	return rules
}

// BundledVersion names the snapshot of elastic/detection-rules the bundled
// rules come from (rule/bundled/NOTICE.md).
const BundledVersion = "elastic/detection-rules 14cf530f0d (2026-08-21)"
