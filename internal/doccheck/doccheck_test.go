package doccheck

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// defaultDoc is the document a bare "§ID" cites, by the package directory
// the comment is in (the longest matching prefix wins).
var defaultDoc = map[string]string{
	"esql":      "esql-semantics.md",
	"ecs":       "cloudtrail-ecs-mapping.md",
	"alert":     "esql-semantics.md",
	"detect":    "esql-semantics.md",
	"rule":      "esql-semantics.md",
	"ruletest":  "esql-semantics.md",
	"exception": "triage-and-exceptions.md",
}

// A citation: a document and a section (§ID) or a heading ("Title").
type citation struct {
	file string
	line int
	doc  string
	sec  string // "A5", "6.2"; "" for a heading
	head string
}

var (
	docRef   = regexp.MustCompile(`docs/([a-z0-9-]+\.md)(?:,?\s*(?://\s*)?"([^"]+)")?`)
	section  = regexp.MustCompile(`(RFC\s*\d+\s*)?§\s?([A-Z]?\d+(?:\.\d+)*)`)
	headings = regexp.MustCompile(`(?m)^#+\s+(.*)$`)
	outside  = regexp.MustCompile(`(?:\.\./)?shared/(?:docs/|DESIGN\.md)|(?:^|[^/\w])DESIGN\.md`)
)

// parseCitations finds the citations in one comment's text (lines joined
// with "\n"). A § after a docs/X.md reference cites X; a bare § cites def.
func parseCitations(text, def string) (cs []citation, errs []string) {
	type ref struct {
		at  int
		doc string
	}
	var refs []ref
	for _, m := range docRef.FindAllStringSubmatchIndex(text, -1) {
		doc := text[m[2]:m[3]]
		refs = append(refs, ref{m[0], doc})
		if m[4] >= 0 {
			cs = append(cs, citation{doc: doc, head: text[m[4]:m[5]]})
		} else {
			cs = append(cs, citation{doc: doc})
		}
	}
	for _, m := range section.FindAllStringSubmatchIndex(text, -1) {
		if m[2] >= 0 {
			continue // a section of an RFC
		}
		doc := def
		for _, r := range refs {
			if r.at < m[0] && !strings.Contains(text[r.at:m[0]], ".") || r.at < m[0] && sameClause(text[r.at:m[0]]) {
				doc = r.doc
			}
		}
		if doc == "" {
			errs = append(errs, fmt.Sprintf("§%s names no document (write docs/NAME.md §%s)", text[m[4]:m[5]], text[m[4]:m[5]]))
			continue
		}
		cs = append(cs, citation{doc: doc, sec: text[m[4]:m[5]]})
	}
	return cs, errs
}

// sameClause reports whether the text between a document reference and a
// § stays within one parenthesised citation: "docs/x.md §3, §5" or
// "docs/x.md, §B4".
func sameClause(between string) bool {
	return !strings.ContainsAny(strings.ReplaceAll(between, ".md", ""), "();") && len(between) < 40
}

// has reports whether doc (its text) has the section or heading.
func has(doc string, c citation) bool {
	for _, m := range headings.FindAllStringSubmatch(doc, -1) {
		h := strings.TrimSpace(m[1])
		if c.head != "" {
			if strings.EqualFold(h, c.head) || strings.HasPrefix(strings.ToLower(h), strings.ToLower(c.head)+" ") {
				return true
			}
			continue
		}
		h = strings.TrimPrefix(h, "§")
		if rest, ok := strings.CutPrefix(h, c.sec); ok && (rest == "" || rest[0] == '.' || rest[0] == ' ') {
			return true
		}
	}
	return false
}

func TestParseCitations(t *testing.T) {
	cases := []struct {
		text, def string
		want      []string // doc§sec or doc"head"
		errs      int
	}{
		{"see docs/esql-semantics.md §A5", "", []string{"esql-semantics.md", "esql-semantics.md§A5"}, 0},
		{"(docs/cloudtrail-ecs-mapping.md §3, §5)", "", []string{"cloudtrail-ecs-mapping.md", "cloudtrail-ecs-mapping.md§3", "cloudtrail-ecs-mapping.md§5"}, 0},
		{"bare (§A6) in esql", "esql-semantics.md", []string{"esql-semantics.md§A6"}, 0},
		{"bare §A6 without a default", "", nil, 1},
		{"Retry-After (RFC 9110 §10.2.3)", "", nil, 0},
		{`(docs/architecture.md` + "\n" + `"Rule execution"; x)`, "", []string{`architecture.md"Rule execution"`}, 0},
		{`(docs/architecture.md "Alert document", docs/esql-semantics.md §B4)`, "", []string{`architecture.md"Alert document"`, "esql-semantics.md", "esql-semantics.md§B4"}, 0},
	}
	for _, tc := range cases {
		cs, errs := parseCitations(tc.text, tc.def)
		var got []string
		for _, c := range cs {
			s := c.doc
			if c.sec != "" {
				s += "§" + c.sec
			}
			if c.head != "" {
				s += `"` + c.head + `"`
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") || len(errs) != tc.errs {
			t.Errorf("%q: %q (%d errors), want %q (%d)", tc.text, got, len(errs), tc.want, tc.errs)
		}
	}
}

// Every citation in a comment of the repository's Go files resolves to a
// section of a document in docs/, and nothing cites the documents that
// live outside the repository.
func TestCitationsExist(t *testing.T) {
	root := filepath.Join("..", "..")
	docs := map[string]string{}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		def := ""
		best := -1
		for prefix, doc := range defaultDoc {
			if (strings.HasPrefix(rel, prefix+"/")) && len(prefix) > best {
				def, best = doc, len(prefix)
			}
		}
		for _, cm := range comments(t, path) {
			if strings.Contains(rel, "doccheck") {
				continue
			}
			if outside.MatchString(cm.text) {
				t.Errorf("%s:%d: cites a document outside the repository: %q", rel, cm.line, cm.text)
			}
			cs, errs := parseCitations(cm.text, def)
			for _, e := range errs {
				t.Errorf("%s:%d: %s", rel, cm.line, e)
			}
			for _, c := range cs {
				text, ok := docs[c.doc]
				if !ok {
					b, err := os.ReadFile(filepath.Join(root, "docs", c.doc))
					if err != nil {
						t.Errorf("%s:%d: cites docs/%s, which is not in the repository", rel, cm.line, c.doc)
						docs[c.doc] = ""
						continue
					}
					text = string(b)
					docs[c.doc] = text
				}
				if text == "" {
					continue
				}
				if (c.sec != "" || c.head != "") && !has(text, c) {
					what := "§" + c.sec
					if c.head != "" {
						what = `"` + c.head + `"`
					}
					t.Errorf("%s:%d: docs/%s has no section %s", rel, cm.line, c.doc, what)
				}
				checked++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("only %d citations found: is the parser broken?", checked)
	}
	t.Logf("%d citations checked", checked)
}

// comment is a run of consecutive // comment lines, joined.
type comment struct {
	line int
	text string
}

// comments returns the line comments of a Go file, consecutive lines
// joined, so that a citation broken over two lines is read whole.
func comments(t *testing.T, path string) []comment {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []comment
	var cur *comment
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		i := strings.Index(line, "//")
		if i < 0 || strings.Count(line[:i], `"`)%2 == 1 || strings.Count(line[:i], "`")%2 == 1 {
			cur = nil
			continue
		}
		text := strings.TrimSpace(line[i+2:])
		if cur != nil && strings.TrimSpace(line[:i]) == "" {
			cur.text += "\n" + text
			continue
		}
		out = append(out, comment{line: n, text: text})
		cur = &out[len(out)-1]
		if strings.TrimSpace(line[:i]) != "" {
			cur = nil // a trailing comment stands alone
		}
	}
	return out
}
