package useragent

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// differentialUserAgents gathers the inputs the prefiltered matcher is checked
// on: the 111 vectors, every userAgent in the shared CloudTrail fixtures (when
// shared/ exists), generated realistic agents and random garbage made of their
// fragments.
func differentialUserAgents(t *testing.T) []string {
	var uas []string
	if shared, ok := findShared(); ok {
		f, err := os.Open(filepath.Join(shared, "testdata", "user-agents.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var v uaVector
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			uas = append(uas, v.Original)
		}
		f.Close()
		fixtures, err := sharedUserAgents(shared)
		if err != nil {
			t.Fatal(err)
		}
		if len(fixtures) < 100 {
			t.Errorf("only %d userAgent values found in shared fixtures", len(fixtures))
		}
		uas = append(uas, fixtures...)
	} else {
		t.Log("shared/ not found above the working directory: checking generated user agents only")
	}
	n := 1000
	if testing.Short() {
		n = 200
	}
	uas = append(uas, realisticUserAgents(n, 7)...)
	uas = append(uas, garbageUserAgents(3*n/2, 11, slices.Clone(uas))...)
	return uas
}

// findShared is sharedDir without skipping.
func findShared() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(p, "testdata")); err == nil && st.IsDir() {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// sharedDir is findShared for tests that need the fixtures, skipping the
// test when there is none.
func sharedDir(t testing.TB) string {
	t.Helper()
	p, ok := findShared()
	if !ok {
		t.Skip("shared/ reference directory not found above the working directory; skipping tests that need Elastic's fixtures")
	}
	return p
}

// TestUserAgentPrefilterDifferential: skipping regexes by required literals
// must never change a result, so the prefiltered parse must equal the parse
// that tries every rule in file order, for every part selection.
func TestUserAgentPrefilterDifferential(t *testing.T) {
	uas := differentialUserAgents(t)
	diffs := 0
	for _, s := range uas {
		want := parseUA(s, PartAll, false)
		if got := parseUA(s, PartAll, true); got != want {
			diffs++
			if diffs <= 20 {
				t.Errorf("%q:\n prefiltered %+v\n every rule  %+v", s, got, want)
			}
		}
		for _, p := range []Part{PartName, PartOS, PartDevice} {
			if got := parseUA(s, p, true); got != mergeUAInfo(Info{}, want, p) {
				t.Errorf("%q part %d: got %+v", s, p, got)
			}
		}
	}
	t.Logf("%d user agents compared, %d differ", len(uas), diffs)
}

// TestUAPrunerEquivalent checks every pruned variant directly (not only the
// rule that wins a pass): wherever a rule's literal condition holds, its
// reduced regex must report exactly the submatches of the full one.
func TestUAPrunerEquivalent(t *testing.T) {
	r, err := loadUARules()
	if err != nil {
		t.Fatal(err)
	}
	uas := differentialUserAgents(t)
	lists := [3][]uaRule{r.ua, r.os, r.device}
	checked, pruned := 0, 0
	// The three passes' prefilter, and the UA pass's own (its literal ids
	// differ).
	for _, pf := range []*uaPrefilter{r.prefilter(PartAll), r.prefilter(PartName)} {
		for pi, rules := range lists {
			idx := &pf.passes[pi]
			for ri, pr := range idx.prune {
				if pr == nil {
					continue
				}
				full := rules[ri].regexp()
				for _, s := range uas {
					sc := pf.scan(s)
					if sc.holds(idx.conds[ri]) {
						re := pr.regexFor(full, sc)
						if re != full {
							pruned++
						}
						checked++
						if got, want := re.FindStringSubmatchIndex(s), full.FindStringSubmatchIndex(s); !slices.Equal(got, want) {
							t.Errorf("pass %d rule %d on %q: reduced %v, full %v\n reduced regex %s", pi, ri, s, got, want, re)
						}
					}
					pf.done(sc)
				}
			}
		}
	}
	t.Logf("%d rule/input pairs checked, %d with a pruned regex", checked, pruned)
	if pruned == 0 {
		t.Error("no pruned variant was exercised")
	}
}

// scanFolded stands a NUL byte for a rune without an ASCII fold: no
// pattern may contain one.
func TestFoldedPatternsHaveNoNUL(t *testing.T) {
	rules, err := loadUARules()
	if err != nil {
		t.Fatal(err)
	}
	for _, parts := range []Part{PartName, PartAll} {
		if p := rules.prefilter(parts); p != nil && p.folded != nil && p.folded.Class(0) != 0 {
			t.Errorf("parts %v: a folded pattern contains NUL", parts)
		}
	}
}
