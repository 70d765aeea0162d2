package rule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runeAt returns the rune at a 1-based line and rune column of text, or
// -1 when the position is outside it.
func runeAt(text string, line, col int) rune {
	return runeAtLines(strings.Split(text, "\n"), line, col)
}

func runeAtLines(lines []string, line, col int) rune {
	if line < 1 || line > len(lines) {
		return -1
	}
	rs := []rune(lines[line-1])
	if col < 1 || col > len(rs) {
		return -1
	}
	return rs[col-1]
}

// TestFileLineEveryRune maps every position of every embedded query (all
// ”' literals, where the file text equals the query text) and checks the
// file holds the same rune there.
func TestFileLineEveryRune(t *testing.T) {
	for _, r := range append([]*Rule{Seed()}, Bundled()...) {
		data, err := bundledFS.ReadFile(strings.TrimPrefix(r.Path, "rule/"))
		if err != nil {
			t.Fatal(err)
		}
		fileLines := strings.Split(string(data), "\n")
		seed := r.Path == Seed().Path
		for ql, line := range strings.Split(r.Query, "\n") {
			for qc, want := range []rune(line) {
				if !seed && qc != 0 && qc != len([]rune(line))-1 {
					continue // every rune of the seed; line ends elsewhere (FileLine is linear)
				}
				fl, fc := r.FileLine(ql+1, qc+1)
				if got := runeAtLines(fileLines, fl, fc); got != want {
					t.Fatalf("%s: query %d:%d (%q) maps to %d:%d holding %q", r.Path, ql+1, qc+1, want, fl, fc, got)
				}
			}
		}
	}
}

// TestFileLine pins specific mappings: a one-line query on the key's line
// (column offset), a basic string with a line-ending backslash and a
// \u escape, extrapolation past the end, and rules without a file.
func TestFileLine(t *testing.T) {
	load := func(name string) *Rule {
		t.Helper()
		r, err := LoadFile(filepath.Join("..", "testdata", "rules", "good", name))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	minimal, custom := load("minimal.toml"), load("custom.toml")
	crlf, err := Parse("crlf.toml", []byte("[rule]\r\nrule_id='x'\r\nname='n'\r\ntype='esql'\r\nlanguage='esql'\r\nquery = '''\r\nfrom a\r\n| where b == 1\r\n'''\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	// custom.toml, lines 17-21:
	//   query = """
	//   from logs-aws.cloudtrail-* \
	//     | where event.action == "Console\u004cogin"
	//     | keep @timestamp, user.name, source.ip
	//   """
	// decoded line 1: `from logs-aws.cloudtrail-* | where event.action == "ConsoleLogin"`
	cases := []struct {
		name         string
		r            *Rule
		ql, qc       int
		wantL, wantC int
	}{
		{"seed start", Seed(), 1, 1, 140, 1},
		{"seed line 3 col 7", Seed(), 3, 7, 142, 7},
		{"seed past last line", Seed(), 200, 4, 339, 4},
		{"single-line ''' query: col offset", minimal, 1, 1, 12, 12},
		{"single-line ''' query: col 6", minimal, 1, 6, 12, 17},
		{"single-line query past end of line", minimal, 1, 100, 12, 111},
		{"basic: first char", custom, 1, 1, 18, 1},
		{"basic: after line-ending backslash", custom, 1, 28, 19, 3},
		{"basic: \\u escape maps to its backslash", custom, 1, 60, 19, 35},
		{"basic: char after escape", custom, 1, 61, 19, 41},
		{"basic: line 2", custom, 2, 3, 20, 3},
		{"CRLF file: opening CRLF trimmed", crlf, 1, 1, 7, 1},
		{"CRLF file: line 2", crlf, 2, 3, 8, 3},
	}
	for _, c := range cases {
		l, col := c.r.FileLine(c.ql, c.qc)
		if l != c.wantL || col != c.wantC {
			t.Errorf("%s: FileLine(%d, %d) = %d:%d, want %d:%d", c.name, c.ql, c.qc, l, col, c.wantL, c.wantC)
		}
	}
	data, _ := os.ReadFile(custom.Path)
	if got := runeAt(string(data), 19, 41); got != 'o' {
		t.Errorf("custom.toml 19:41 = %q, want 'o' of ogin", got)
	}
	if q := custom.Query[59:61]; q != "Lo" {
		t.Errorf("decoded query cols 60-61 = %q, want Lo", q)
	}
	var adhoc Rule
	if l, c := adhoc.FileLine(3, 7); l != 3 || c != 7 {
		t.Errorf("rule without a file: FileLine(3,7) = %d:%d", l, c)
	}
}

// TestFindStringIgnoresStrings: keys and headers that appear inside
// multi-line strings (Markdown notes) must not be taken for real ones.
func TestFindStringIgnoresStrings(t *testing.T) {
	src := "[rule]\nnote = \"\"\"\n[rule]\nquery = 'fake'\n\"\"\"\n" +
		"false_positives = [\n  '''\nquery = 'fake2'\n''', # comment [x]\n]\n" +
		"tags = [\"a\", 'b'] # query = 'c'\nquery = '''real'''\n"
	p, ok := findString([]byte(src), []string{"rule", "query"})
	if !ok || p.raw != "real" || p.line != 12 || p.col != 12 {
		t.Errorf("findString = %+v, %v; want raw \"real\" at 12:12", p, ok)
	}
	if _, ok := findString([]byte(src), []string{"rule", "nope"}); ok {
		t.Error("found a key that does not exist")
	}
}
