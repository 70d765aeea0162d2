package exception

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ValueLists are Kibana value lists by id: the values a list entry tests
// against, one per line of the file they were imported from.
type ValueLists map[string][]string

// LoadValueList reads a value list given as FILE or ID=FILE. Kibana names
// a list imported from a file by the file's name, so without ID the id is
// FILE's base name. Blank lines are skipped; values are trimmed.
func (v ValueLists) LoadValueList(spec string) error {
	id, path, ok := strings.Cut(spec, "=")
	if !ok {
		id, path = filepath.Base(spec), spec
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var vals []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			vals = append(vals, s)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	v[id] = append(v[id], vals...)
	return nil
}
