package csvspec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// KnownFailures is the list of cases expected to fail: case ID ("file/test")
// -> short reason. It keeps `go test ./...` green while conformance is below
// 100%: only failures not listed, and listed cases that pass, fail the test.
type KnownFailures map[string]string

// ReadKnownFailures reads a known-failures file: one case ID per line,
// optionally followed by "# reason" (test names never contain '#', which
// separates instructions in csv-spec); blank lines and lines starting with
// '#' are comments. A missing file is an empty list.
func ReadKnownFailures(path string) (KnownFailures, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return KnownFailures{}, nil
	}
	if err != nil {
		return nil, err
	}
	k := KnownFailures{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, "#")
		id = strings.TrimSpace(id)
		if !strings.Contains(id, "/") {
			return nil, fmt.Errorf("%s:%d: want \"file/test # reason\", got %q", path, n, line)
		}
		if _, dup := k[id]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, n, id)
		}
		k[id] = strings.TrimSpace(reason)
	}
	return k, sc.Err()
}

// knownHeader opens a known-failures file.
const knownHeader = `# csv-spec cases trailql's ES|QL engine is known to fail: "file/test  # reason".
# TestCSVSpec fails for failures not listed here and for listed cases that pass.
# Regenerate after engine changes: go test ./esql/csvspec -run TestCSVSpec -update-known
`

// Write writes the list sorted by case ID.
func (k KnownFailures) Write(path string) error {
	ids := make([]string, 0, len(k))
	for id := range k {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString(knownHeader)
	for _, id := range ids {
		reason := strings.Join(strings.Fields(k[id]), " ")
		if len(reason) > 160 {
			cut := 160
			for cut > 0 && !utf8.RuneStart(reason[cut]) {
				cut--
			}
			reason = reason[:cut] + "..."
		}
		fmt.Fprintf(&b, "%s  # %s\n", id, reason)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
