package rule

import (
	"errors"
	"github.com/trailql/trailql/internal/sharedtest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLoadDirectory: a directory is searched recursively for *.toml in
// lexical order; rules that load are returned alongside one *Error per
// failing file.
func TestLoadDirectory(t *testing.T) {
	dir := filepath.Join("..", "testdata", "rules")
	rules, err := Load(dir)
	var names []string
	for _, r := range rules {
		names = append(names, filepath.Base(r.Path))
	}
	if want := []string{"custom.toml", "minimal.toml"}; !reflect.DeepEqual(names, want) {
		t.Errorf("loaded %v, want %v", names, want)
	}
	if err == nil {
		t.Fatal("no error for the bad-*.toml files")
	}
	var failed []string
	for _, e := range unwrapAll(err) {
		var re *Error
		if !errors.As(e, &re) {
			t.Errorf("%v is not an *Error", e)
			continue
		}
		failed = append(failed, filepath.Base(re.File))
	}
	want := []string{"bad-interval.toml", "bad-missing-query.toml", "bad-not-esql.toml", "bad-syntax.toml", "bad-type.toml"}
	if !reflect.DeepEqual(failed, want) {
		t.Errorf("failed files %v, want %v", failed, want)
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, "bad-syntax.toml")+":7:16: ") {
		t.Errorf("joined error lacks file:line:col of bad-syntax.toml:\n%v", err)
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestLoadFilesAndProblems: explicit files, missing paths and duplicate
// rule ids.
func TestLoadFilesAndProblems(t *testing.T) {
	tmp := t.TempDir()
	minimal := filepath.Join("..", "testdata", "rules", "good", "minimal.toml")
	data, err := os.ReadFile(minimal)
	if err != nil {
		t.Fatal(err)
	}
	dup := filepath.Join(tmp, "copy.rule") // any extension when named explicitly
	if err := os.WriteFile(dup, data, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "nope.toml")
	rules, err := Load(minimal, dup, missing)
	if len(rules) != 1 || rules[0].Path != minimal {
		t.Errorf("rules = %d (%v), want only %s", len(rules), rules, minimal)
	}
	errs := unwrapAll(err)
	if len(errs) != 2 {
		t.Fatalf("errors = %v, want 2", err)
	}
	if want := dup + ": duplicate rule_id 00000000-0000-0000-0000-0000000000aa (also in " + minimal + ")"; errs[0].Error() != want {
		t.Errorf("got %q\nwant %q", errs[0], want)
	}
	if want := missing + ": "; !strings.HasPrefix(errs[1].Error(), want) || !strings.Contains(errs[1].Error(), "no such file") {
		t.Errorf("missing file error %q", errs[1])
	}
	if rules, err := Load(); len(rules) != 0 || err != nil {
		t.Errorf("Load() = %v, %v", rules, err)
	}
}

// TestLoadElasticCorpus loads all ES|QL rules of elastic/detection-rules
// kept in shared/ (skipped when shared/ is absent): every one must parse,
// have its QueryLine on the query's first line, and no undecoded keys.
func TestLoadElasticCorpus(t *testing.T) {
	shared := sharedtest.Dir(t, "")
	dir := filepath.Join(shared, "rules", "elastic-esql-all")
	rules, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) < 200 {
		t.Errorf("loaded %d rules, want the whole corpus (212)", len(rules))
	}
	for _, r := range rules {
		if len(r.Metadata.Undecoded) > 0 {
			t.Errorf("%s: undecoded keys %v", r.Path, r.Metadata.Undecoded)
		}
		data, _ := os.ReadFile(r.Path)
		lines := strings.Split(string(data), "\n")
		first, _, _ := strings.Cut(r.Query, "\n")
		if r.QueryLine < 1 || r.QueryLine > len(lines) || lines[r.QueryLine-1] != first {
			t.Errorf("%s: QueryLine %d does not hold %q", r.Path, r.QueryLine, first)
		}
	}
}
