package doccheck

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/trailql/trailql/"

// The README's package table is the layout: each package imports only
// packages listed above it (a row "esql/internal/..." stands for the
// packages under it), so the table says what each room may import.
func TestPackageTableLayers(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9/.]+)` \\|")
	var order []string
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		order = append(order, m[1])
	}
	if len(order) < 20 {
		t.Fatalf("the README's package table has %d rows", len(order))
	}
	rank := func(pkg string) int {
		for i, p := range order {
			if p == pkg || (strings.HasSuffix(p, "/...") && strings.HasPrefix(pkg, strings.TrimSuffix(p, "..."))) {
				return i
			}
		}
		return -1
	}
	for i, p := range order {
		dirs := []string{p}
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			entries, _ := os.ReadDir(filepath.Join(root, base))
			dirs = nil
			for _, e := range entries {
				if e.IsDir() {
					dirs = append(dirs, base+"/"+e.Name())
				}
			}
		}
		for _, dir := range dirs {
			pkg, err := build.ImportDir(filepath.Join(root, dir), 0)
			if err != nil {
				t.Errorf("%s: %v", dir, err)
				continue
			}
			for _, imp := range pkg.Imports {
				name, ok := strings.CutPrefix(imp, module)
				if !ok {
					continue
				}
				if r := rank(name); r < 0 {
					t.Errorf("%s imports %s, which the README's package table does not list", dir, name)
				} else if r >= i && !(r == i && strings.HasSuffix(p, "/...")) {
					t.Errorf("%s imports %s, listed below it in the README's package table", dir, name)
				}
			}
		}
	}
}
