package doccheck

import (
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The rules these implement are in doc.go.

// A citation: a document, and a section (§ID) or a heading ("Title") of it,
// or neither (the document as a whole). at is its offset in the comment text.
type citation struct {
	at   int
	doc  string // "esql-semantics.md"
	sec  string // "A5", "6.2"
	head string // "Alert document"
}

func (c citation) String() string {
	s := "docs/" + c.doc
	if c.sec != "" {
		s += " §" + c.sec
	}
	if c.head != "" {
		s += ` "` + c.head + `"`
	}
	return s
}

var (
	docRef   = regexp.MustCompile(`docs/([a-z0-9-]+\.md)(?:,?\s*"([^"\n]+)")?`)
	section  = regexp.MustCompile(`(RFC\s*\d+\s*)?§\s?([A-Z](?:\d+(?:\.\d+)*)?|\d+(?:\.\d+)*)\b`)
	headings = regexp.MustCompile(`(?m)^#+\s+(.*)$`)
	outside  = regexp.MustCompile(`shared/docs/|(?:^|[^\w-])DESIGN\.md`)
	mdName   = regexp.MustCompile(`(^|[^\w./-])([a-z0-9-]+\.md)\b`)
	wordy    = regexp.MustCompile(`docs/[a-z0-9-]+\.md,?\s+[Ss]ections?\s+([A-Z]?\d+(?:\.\d+)*|[A-Z])\b`)
)

// parseCitations finds the citations in one comment's text (its lines
// joined with "\n"), and the errors: a § that names no document, a name
// of one of docs (the file names in docs/) written without "docs/".
func parseCitations(text string, docs map[string]bool) (cs []citation, errs []error) {
	type ref struct {
		at, end int // the path's span
		doc     string
	}
	var refs []ref
	for _, m := range docRef.FindAllStringSubmatchIndex(text, -1) {
		doc := text[m[2]:m[3]]
		c := citation{at: m[0], doc: doc}
		if m[4] >= 0 {
			c.head = text[m[4]:m[5]]
		}
		refs = append(refs, ref{m[0], m[3], doc})
		cs = append(cs, c)
	}
	for _, m := range section.FindAllStringSubmatchIndex(text, -1) {
		if m[2] >= 0 {
			continue // a section of an RFC
		}
		id := text[m[4]:m[5]]
		doc := ""
		for _, r := range refs {
			if r.end <= m[0] && sameClause(text[r.end:m[0]]) {
				doc = r.doc // the nearest wins: refs are in order
			}
		}
		if doc == "" {
			errs = append(errs, at{m[0], fmt.Errorf("§%s names no document: write docs/NAME.md §%s", id, id)})
			continue
		}
		cs = append(cs, citation{at: m[0], doc: doc, sec: id})
	}
	for _, m := range mdName.FindAllStringSubmatchIndex(text, -1) {
		if name := text[m[4]:m[5]]; docs[name] {
			errs = append(errs, at{m[4], fmt.Errorf("%s without its path: write docs/%s", name, name)})
		}
	}
	for _, m := range wordy.FindAllStringSubmatchIndex(text, -1) {
		errs = append(errs, at{m[2], fmt.Errorf("section %s: write §%s", text[m[2]:m[3]], text[m[2]:m[3]])})
	}
	for _, m := range outside.FindAllStringIndex(text, -1) {
		errs = append(errs, at{m[0], fmt.Errorf("cites a document outside the repository (%q): cite the one in docs/", strings.TrimSpace(text[m[0]:m[1]]))})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].at < cs[j].at })
	return cs, errs
}

// at is an error at an offset of a comment's text.
type at struct {
	off int
	err error
}

func (e at) Error() string { return e.err.Error() }

// sameClause reports whether the text between a document's path and a §
// keeps the § in that citation: "docs/x.md §3, §5" or "docs/x.md, §B4".
func sameClause(between string) bool {
	return len(between) < 40 && !strings.ContainsAny(between, "();")
}

// has reports whether doc (a document's text) has the citation's section
// or heading; a citation of neither is of the whole document.
func has(doc string, c citation) bool {
	if c.sec == "" && c.head == "" {
		return true
	}
	for _, m := range headings.FindAllStringSubmatch(doc, -1) {
		h := strings.TrimSpace(m[1])
		if c.head != "" {
			h, head := strings.ToLower(h), strings.ToLower(c.head)
			if h == head || strings.HasPrefix(h, head+" (") || strings.HasPrefix(h, head+" *(") {
				return true
			}
			continue
		}
		if rest, ok := strings.CutPrefix(h, c.sec); ok && (rest == "" || rest[0] == '.' || rest[0] == ' ') {
			return true
		}
	}
	return false
}

func TestParseCitations(t *testing.T) {
	docs := map[string]bool{"esql-semantics.md": true, "architecture.md": true, "cloudtrail-ecs-mapping.md": true}
	cases := []struct {
		text string
		want []string // citations, String()
		errs []string // error substrings, in order
	}{
		{"see docs/esql-semantics.md §A5", []string{"docs/esql-semantics.md", "docs/esql-semantics.md §A5"}, nil},
		{"(docs/cloudtrail-ecs-mapping.md §3, §5.1)", []string{"docs/cloudtrail-ecs-mapping.md", "docs/cloudtrail-ecs-mapping.md §3", "docs/cloudtrail-ecs-mapping.md §5.1"}, nil},
		{"(docs/esql-semantics.md\n§A2, §A3).", []string{"docs/esql-semantics.md", "docs/esql-semantics.md §A2", "docs/esql-semantics.md §A3"}, nil},
		{"docs/esql-semantics.md, §B4 and §C.", []string{"docs/esql-semantics.md", "docs/esql-semantics.md §B4", "docs/esql-semantics.md §C"}, nil},
		{"the document is docs/architecture.md.", []string{"docs/architecture.md"}, nil},
		{`(docs/architecture.md` + "\n" + `"Rule execution"; x)`, []string{`docs/architecture.md "Rule execution"`}, nil},
		{`(docs/architecture.md "Alert document", docs/esql-semantics.md §B4)`, []string{`docs/architecture.md "Alert document"`, "docs/esql-semantics.md", "docs/esql-semantics.md §B4"}, nil},
		// A § too far from the path, or past a parenthesis, names nothing.
		{"(docs/esql-semantics.md §A7: FROM lists columns by name), then (§A8)", []string{"docs/esql-semantics.md", "docs/esql-semantics.md §A7"}, []string{"§A8 names no document"}},
		{"docs/esql-semantics.md describes many things at length; one is §A2", []string{"docs/esql-semantics.md"}, []string{"§A2 names no document"}},
		{"bare (§A6)", nil, []string{"§A6 names no document"}},
		{"Retry-After (RFC 9110 §10.2.3)", nil, nil},
		{"§Counting is no section", nil, nil},
		{"esql-semantics.md §A2", nil, []string{"§A2 names no document", "esql-semantics.md without its path"}},
		{"see README.md and docs/cli/trailql.md", nil, nil},
		{"(docs/cloudtrail-ecs-mapping.md section 6.2)", []string{"docs/cloudtrail-ecs-mapping.md"}, []string{"section 6.2: write §6.2"}},
		{"DESIGN.md §3", nil, []string{"§3 names no document", "outside the repository"}},
		{"../shared/docs/esql-semantics.md §A8", []string{"docs/esql-semantics.md", "docs/esql-semantics.md §A8"}, []string{"outside the repository"}},
	}
	for _, tc := range cases {
		cs, errs := parseCitations(tc.text, docs)
		var got, gotErrs []string
		for _, c := range cs {
			got = append(got, c.String())
		}
		for _, e := range errs {
			gotErrs = append(gotErrs, e.Error())
		}
		ok := strings.Join(got, "|") == strings.Join(tc.want, "|") && len(errs) == len(tc.errs)
		for i := 0; ok && i < len(errs); i++ {
			ok = strings.Contains(gotErrs[i], tc.errs[i])
		}
		if !ok {
			t.Errorf("%q:\n got  %q, errors %q\n want %q, errors %q", tc.text, got, gotErrs, tc.want, tc.errs)
		}
	}
}

func TestHas(t *testing.T) {
	doc := "# Title\n\n## A5. Aggregate functions\n### 6.2 The rule\n## C. Open points\n## Semantics that must hold (the seed rule)\n## Data flow\n"
	cases := []struct {
		c    citation
		want bool
	}{
		{citation{sec: "A5"}, true},
		{citation{sec: "A"}, false},
		{citation{sec: "A50"}, false},
		{citation{sec: "6.2"}, true},
		{citation{sec: "6"}, true}, // 6.2 is within §6
		{citation{sec: "2"}, false},
		{citation{sec: "C"}, true},
		{citation{head: "Semantics that must hold"}, true},
		{citation{head: "data flow"}, true},
		{citation{head: "Data"}, false},
		{citation{head: "Semantics"}, false},
		{citation{head: "Open points"}, false},
		{citation{}, true},
	}
	for _, tc := range cases {
		if got := has(doc, tc.c); got != tc.want {
			t.Errorf("has(%v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

// Every citation in a comment of the repository's Go files names a document
// in docs/ and a section or heading it has, and nothing cites the documents
// as they were kept outside the repository.
func TestCitationsExist(t *testing.T) {
	root := filepath.Join("..", "..")
	docs := map[string]string{}
	names := map[string]bool{}
	mds, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(p)] = string(b)
		names[filepath.Base(p)] = true
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if filepath.Dir(rel) == filepath.Join("internal", "doccheck") {
			return nil // this package's examples of citations, good and bad
		}
		for _, cm := range comments(t, path) {
			cs, errs := parseCitations(cm.text, names)
			for _, e := range errs {
				t.Errorf("%s:%d: %v", rel, cm.line(e.(at).off), e)
			}
			for _, c := range cs {
				text, ok := docs[c.doc]
				switch {
				case !ok:
					t.Errorf("%s:%d: %v: docs/%s is not in the repository", rel, cm.line(c.at), c, c.doc)
				case !has(text, c):
					t.Errorf("%s:%d: %v: docs/%s has no such section", rel, cm.line(c.at), c, c.doc)
				}
				checked++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 200 {
		t.Errorf("only %d citations found: is the parser broken?", checked)
	}
	t.Logf("%d citations of %d documents checked", checked, len(docs))
}

// The Markdown files of the repository do not send readers to the documents
// as they were kept outside it either.
func TestMarkdownCitesNothingOutside(t *testing.T) {
	root := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d: cites a document outside the repository (%q): cite the one in docs/", rel, i+1, strings.TrimSpace(m))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("only %d Markdown files found", n)
	}
}

// comment is a run of comments on consecutive lines, each on a line of its
// own, their texts joined with "\n"; a comment after code on its line
// starts a run of its own.
type comment struct {
	text   string
	starts []int // offset in text where each line starts
	lines  []int // that line's number in the file
}

// line returns the file's line number of an offset in the text.
func (c *comment) line(off int) int {
	i := sort.SearchInts(c.starts, off+1) - 1
	return c.lines[max(i, 0)]
}

// comments returns the comments of a Go file, read with go/scanner.
func comments(t *testing.T, path string) []*comment {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { t.Errorf("%s: %s", pos, msg) }, scanner.ScanComments)
	var out []*comment
	var cur *comment
	lastLine := 0
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.COMMENT {
			if !(tok == token.SEMICOLON && lit == "\n") {
				cur = nil
			}
			continue
		}
		p := fset.Position(pos)
		lineStart := strings.LastIndexByte(string(src[:p.Offset]), '\n') + 1
		ownLine := strings.TrimSpace(string(src[lineStart:p.Offset])) == ""
		var body string
		if strings.HasPrefix(lit, "//") {
			body = lit[2:]
		} else {
			body = strings.TrimSuffix(strings.TrimPrefix(lit, "/*"), "*/")
		}
		if cur == nil || !ownLine || p.Line != lastLine+1 {
			cur = &comment{}
			out = append(out, cur)
		} else {
			cur.text += "\n"
		}
		for i, l := range strings.Split(body, "\n") {
			if i > 0 {
				cur.text += "\n"
			}
			cur.starts = append(cur.starts, len(cur.text))
			cur.lines = append(cur.lines, p.Line+i)
			cur.text += strings.TrimSpace(l)
		}
		lastLine = p.Line + strings.Count(lit, "\n")
		if !ownLine {
			cur = nil
		}
	}
	return out
}
