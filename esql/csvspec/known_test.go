package csvspec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestKnownFailuresRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known.txt")
	k := KnownFailures{
		"stats/b":           "row 0 column 1 (x): expected 1, actual 2",
		"boolean/a":         "compile error: line 1:2: Unknown column [x]",
		"string/with space": strings.Repeat("é", 100), // truncated on a rune boundary
	}
	if err := k.Write(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if !strings.HasPrefix(lines[0], "#") || !strings.HasPrefix(lines[3], "boolean/a  # ") || !strings.HasPrefix(lines[4], "stats/b") {
		t.Errorf("file not sorted or header missing:\n%s", data)
	}
	got, err := ReadKnownFailures(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["stats/b"] != k["stats/b"] || !strings.HasSuffix(got["string/with space"], "...") {
		t.Errorf("round trip: %q", got)
	}
	if !strings.HasPrefix(got["string/with space"], "éé") || strings.ContainsRune(got["string/with space"], '\uFFFD') {
		t.Errorf("truncation broke a rune: %q", got["string/with space"])
	}
}

func TestReadKnownFailures(t *testing.T) {
	dir := t.TempDir()
	missing, err := ReadKnownFailures(filepath.Join(dir, "none.txt"))
	if err != nil || len(missing) != 0 {
		t.Errorf("missing file: %v, %v", missing, err)
	}
	for name, tc := range map[string]struct {
		text string
		want KnownFailures
		err  string
	}{
		"comments":  {text: "# header\n\nboolean/in  # warnings differ\nstats/x\n", want: KnownFailures{"boolean/in": "warnings differ", "stats/x": ""}},
		"no slash":  {text: "justaname # r\n", err: `want "file/test # reason"`},
		"duplicate": {text: "a/b\na/b # again\n", err: "listed twice"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadKnownFailures(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), p+":") {
				t.Errorf("%s: error %v, want %q with position", name, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
}
