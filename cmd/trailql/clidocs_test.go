package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"
)

// cliDocs is the generated CLI reference (cobra's doc generator), one
// Markdown page per command.
const cliDocs = "../../docs/cli"

// The CLI reference in docs/cli matches the commands' own help. After
// changing a command, regenerate it with:
//
//	UPDATE_CLI_DOCS=1 go test ./cmd/trailql -run TestCLIDocs
func TestCLIDocs(t *testing.T) {
	dir := t.TempDir()
	root := newRootCmd()
	root.DisableAutoGenTag = true // no date: the pages are stable
	root.InitDefaultCompletionCmd()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_CLI_DOCS") != "" {
		os.RemoveAll(cliDocs)
		if err := os.CopyFS(cliDocs, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	have, _ := filepath.Glob(filepath.Join(cliDocs, "*.md"))
	if len(want) != len(have) {
		t.Errorf("docs/cli has %d pages, the commands %d: regenerate (UPDATE_CLI_DOCS=1 go test ./cmd/trailql -run TestCLIDocs)", len(have), len(want))
	}
	for _, p := range want {
		got, _ := os.ReadFile(filepath.Join(cliDocs, filepath.Base(p)))
		gen, _ := os.ReadFile(p)
		if string(got) != string(gen) {
			t.Errorf("docs/cli/%s is out of date: regenerate (UPDATE_CLI_DOCS=1 go test ./cmd/trailql -run TestCLIDocs)", filepath.Base(p))
		}
	}
}
