package rule

import (
	"bytes"
	"github.com/trailql/trailql/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundled: the 25 CloudTrail rules load, are ES|QL rules on CloudTrail
// and have distinct rule ids; each call returns independent copies.
func TestBundled(t *testing.T) {
	rules := Bundled()
	if len(rules) != 25 {
		t.Fatalf("Bundled() = %d rules, want 25", len(rules))
	}
	ids := map[string]bool{}
	for _, r := range rules {
		if ids[r.RuleID] {
			t.Errorf("duplicate rule_id %s", r.RuleID)
		}
		ids[r.RuleID] = true
		if !strings.Contains(r.Query, "logs-aws.cloudtrail") {
			t.Errorf("%s: query does not read CloudTrail", r.Path)
		}
		if r.License != "Elastic License v2" {
			t.Errorf("%s: license %q", r.Path, r.License)
		}
		if len(r.Metadata.Undecoded) > 0 {
			t.Errorf("%s: undecoded keys %v", r.Path, r.Metadata.Undecoded)
		}
	}
	if !ids[Seed().RuleID] {
		t.Error("the seed rule's rule_id is not among the bundled rules")
	}
	rules[0].Name = "changed"
	if Bundled()[0].Name == "changed" {
		t.Error("Bundled() returned shared rules")
	}
	if _, err := BundledFS().Open("bundled/NOTICE.md"); err != nil {
		t.Errorf("NOTICE.md not embedded: %v", err)
	}
}

// TestBundledMatchesShared: the embedded files are byte-for-byte the
// reference copies in shared/ (skipped when shared/ is absent), and the
// seed differs from its newer revision among the 25, so both are kept.
func TestBundledMatchesShared(t *testing.T) {
	shared := sharedtest.Dir(t, "")
	refs, err := filepath.Glob(filepath.Join(shared, "rules", "elastic-aws-esql", "*.toml"))
	if err != nil || len(refs) != 25 {
		t.Fatalf("reference rules: %d, %v", len(refs), err)
	}
	for _, ref := range refs {
		want, _ := os.ReadFile(ref)
		got, err := bundledFS.ReadFile(bundledDir + "/" + filepath.Base(ref))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: embedded copy differs or is missing (%v)", filepath.Base(ref), err)
		}
	}
	seedRef, err := os.ReadFile(filepath.Join(shared, "seed", "discovery_multiple_discovery_api_calls_via_cli.toml"))
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := bundledFS.ReadFile(seedDir + "/discovery_multiple_discovery_api_calls_via_cli.toml")
	if !bytes.Equal(seed, seedRef) {
		t.Error("embedded seed differs from shared/seed")
	}
	newer, _ := bundledFS.ReadFile(bundledDir + "/discovery_multiple_discovery_api_calls_via_cli.toml")
	if bytes.Equal(seed, newer) {
		t.Error("seed equals its copy among the 25: store it once")
	}
}
