// Package csvspec runs Elasticsearch's own ES|QL csv-spec conformance tests
// (x-pack/plugin/esql/qa/testFixtures/src/main/resources/*.csv-spec) against
// trailql's ES|QL engine. It holds a reader for the csv-spec grammar, a
// loader for the bundled data sets and a runner that compares results the way
// Elasticsearch's CsvTests/CsvAssert do. The grammar and harness rules are
// summarised in docs/esql-semantics.md §A9 and
// shared/testdata/esql-csv-spec/README.md.
package csvspec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Case is one test of a csv-spec file, as SpecReader/CsvSpecReader build it.
type Case struct {
	File         string // base name of the spec file, e.g. "boolean.csv-spec"
	Line         int    // 1-based line of the test name
	Name         string // test name: the name line before any '#', e.g. "in" or "foo-Ignore"
	Instructions string // text after '#' on the name line ("[skip:-8.11.99, reason:...]"); version skips do not apply to trailql
	// Ordinal is 1 for the first test of a name in its file, 2 for a second
	// test whose name differs only in case or not at all, and so on. Newer
	// SpecReaders reject such duplicates; older stored fixtures (ip,
	// string) still have them.
	Ordinal int

	RequiredCapabilities []string // required_capability: lines, in order
	RequestStored        string   // request_stored: value (only meaningful to ES's stored-fields harness)
	TimeFilter           []string // request_time_filter: [gte, lte], or nil
	Approximate          bool     // approximate: true
	SkipFlattenedRewrite string   // skip_flattened_rewrite: reason (for ES's flattened-rewrite variant only)

	Query          string   // query lines joined with "\r\n", final ';' removed
	QueryLine      int      // 1-based line where the query starts
	Warnings       []string // warning: lines (exact texts)
	WarningRegexes []string // warningRegex: lines (Java regexes, matched as .*re.*)
	IgnoreOrder    bool     // ignoreOrder:true

	Columns []ExpectedColumn // expected header
	Rows    [][]Cell         // expected rows, one Cell per column

	// Err is set when the expected table of this case cannot be parsed; the
	// rest of the file is still usable, so the error stays with the case.
	Err error
}

// ExpectedColumn is one `name:type` entry of an expected header.
type ExpectedColumn struct {
	Name string
	Type string // canonical type name (see CanonicalType), e.g. "integer", "datetime"
}

// Cell is one expected value: null, a single value or a multi-value. Values
// are kept as text and converted per column type when comparing, as
// CsvAssert.convertExpectedValue does.
type Cell struct {
	Null   bool     // the cell was `null` (any case)
	Multi  bool     // the cell was `[a, b, ...]` with two or more values
	Values []string // one value, or the values of a multi-value; [""] for an empty cell
}

// Disabled reports whether the test is switched off by an "-Ignore" suffix
// (CsvTestUtils.isEnabled).
func (c *Case) Disabled() bool { return strings.HasSuffix(c.Name, "-Ignore") }

// ID is the case's identifier in reports and the known-failures list:
// "<file without .csv-spec>/<name>", e.g. "boolean/in"; a duplicate name
// gets "~<ordinal>" appended ("string/length~2").
func (c *Case) ID() string {
	return strings.TrimSuffix(c.File, ".csv-spec") + "/" + c.TestName()
}

// TestName is the case's name made unique within its file ("length",
// "length~2").
func (c *Case) TestName() string {
	if c.Ordinal > 1 {
		return fmt.Sprintf("%s~%d", c.Name, c.Ordinal)
	}
	return c.Name
}

// ParseFile reads a csv-spec file.
func ParseFile(path string) ([]*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Base(path), bytes.NewReader(data))
}

// Parse reads csv-spec text. file names the source in errors and in each
// Case. Grammar (SpecReader.readURLSpec + CsvSpecReader.CsvSpecParser):
// every line is trimmed; blank lines and lines starting with "//" or "#" are
// skipped everywhere (also inside queries and tables); the first remaining
// line is the test name; then preamble directives, the query up to a line
// ending in ';', optional warning/ignoreOrder lines, the expected table, and
// a line starting with ';'.
func Parse(file string, r io.Reader) ([]*Case, error) {
	p := &specParser{file: file, seen: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := javaTrim(sc.Text())
		if lineNo == 1 {
			line = javaTrim(strings.TrimPrefix(line, "\ufeff"))
		}
		if skipLine(line) {
			continue
		}
		if err := p.line(lineNo, line); err != nil {
			return p.cases, err
		}
	}
	if err := sc.Err(); err != nil {
		return p.cases, fmt.Errorf("%s:%d: %v", file, lineNo, err)
	}
	if p.cur != nil {
		return p.cases, fmt.Errorf("%s:%d: test [%s] has no end (a line starting with ';')", file, p.cur.Line, p.cur.Name)
	}
	return p.cases, nil
}

// skipLine is SpecReader.shouldSkipLine.
func skipLine(line string) bool {
	return line == "" || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "#")
}

// javaTrim trims like java.lang.String.trim: every char <= U+0020 at both ends.
func javaTrim(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

type specState int

const (
	stateName     specState = iota // expecting a test name
	statePreamble                  // directives and query lines
	stateResults                   // after the query: warnings, ignoreOrder, table
)

type specParser struct {
	file  string
	seen  map[string]int // lower-cased names -> occurrences so far
	cases []*Case
	cur   *Case
	state specState
	query strings.Builder
	table []string // raw table lines
	tline int      // line of the first table line
}

func (p *specParser) line(n int, line string) error {
	switch p.state {
	case stateName:
		name, instr, _ := strings.Cut(line, "#")
		name = javaTrim(name)
		key := strings.ToLower(name)
		p.seen[key]++
		p.cur = &Case{File: p.file, Line: n, Name: name, Instructions: javaTrim(instr), Ordinal: p.seen[key]}
		p.state = statePreamble
		p.query.Reset()
		p.table = p.table[:0]
		return nil
	case statePreamble:
		return p.preamble(n, line)
	default:
		return p.result(n, line)
	}
}

// preamble handles directives and query lines (CsvSpecParser.parse, testCase == null).
func (p *specParser) preamble(n int, line string) error {
	c := p.cur
	lower := strings.ToLower(line)
	// Like CsvSpecParser, directives are recognised on any line before the
	// query ends.
	switch {
	case strings.HasPrefix(lower, "required_capability:"):
		c.RequiredCapabilities = append(c.RequiredCapabilities, javaTrim(line[len("required_capability:"):]))
		return nil
	case strings.HasPrefix(lower, "request_stored:"):
		c.RequestStored = javaTrim(line[len("request_stored:"):])
		return nil
	case strings.HasPrefix(lower, "request_time_filter:"):
		v := javaTrim(line[len("request_time_filter:"):])
		gte, lte, ok := strings.Cut(v, ",")
		if !ok {
			return fmt.Errorf("%s:%d: request_time_filter needs <gte>,<lte>, got %q", p.file, n, v)
		}
		c.TimeFilter = []string{javaTrim(gte), javaTrim(lte)}
		return nil
	case strings.HasPrefix(lower, "approximate:"):
		c.Approximate = strings.EqualFold(javaTrim(line[len("approximate:"):]), "true")
		return nil
	case strings.HasPrefix(lower, "skip_flattened_rewrite:"):
		// Opt-out of ES's flattened-field rewrite test variant: irrelevant here.
		c.SkipFlattenedRewrite = javaTrim(line[len("skip_flattened_rewrite:"):])
		return nil
	case strings.HasPrefix(line, "schema::"):
		// Early schema of ES's generative tests: irrelevant to results.
		return nil
	}
	if c.QueryLine == 0 {
		c.QueryLine = n
	}
	// A line ending in `\;` contributes a literal ';' and the query goes on
	// (docs/esql-semantics.md §A9: used by `SET a=b\;` statements before the
	// query proper).
	if strings.HasSuffix(line, `\;`) {
		p.query.WriteString(line[:len(line)-2])
		p.query.WriteString(";\r\n")
		return nil
	}
	if strings.HasSuffix(line, ";") {
		p.query.WriteString(javaTrim(line[:len(line)-1]))
		c.Query = p.query.String()
		p.state = stateResults
		return nil
	}
	p.query.WriteString(line)
	p.query.WriteString("\r\n")
	return nil
}

// result handles the lines after the query (CsvSpecParser.parse, testCase != null).
func (p *specParser) result(n int, line string) error {
	c := p.cur
	lower := strings.ToLower(line)
	switch {
	case strings.HasPrefix(lower, "warning:"):
		if len(c.WarningRegexes) > 0 {
			return fmt.Errorf("%s:%d: cannot mix warnings and regex warnings", p.file, n)
		}
		c.Warnings = append(c.Warnings, javaTrim(line[len("warning:"):]))
	case strings.HasPrefix(lower, "warningregex:"):
		if len(c.Warnings) > 0 {
			return fmt.Errorf("%s:%d: cannot mix warnings and regex warnings", p.file, n)
		}
		c.WarningRegexes = append(c.WarningRegexes, javaTrim(line[len("warningregex:"):]))
	case strings.HasPrefix(lower, "ignoreorder:"):
		switch v := javaTrim(lower[len("ignoreorder:"):]); v {
		case "true":
			c.IgnoreOrder = true
		case "false":
		default:
			return fmt.Errorf("%s:%d: invalid value for ignoreOrder: [%s], it can only be true or false", p.file, n, v)
		}
	case strings.HasPrefix(line, ";"):
		if len(p.table) > 0 {
			cols, rows, err := parseTable(strings.Join(p.table, "\r\n"))
			if err != nil {
				c.Err = fmt.Errorf("%s:%d: expected results: %v", p.file, p.tline, err)
			}
			c.Columns, c.Rows = cols, rows
		} else {
			c.Err = fmt.Errorf("%s:%d: test [%s] has no expected header", p.file, n, c.Name)
		}
		p.cases = append(p.cases, c)
		p.cur = nil
		p.state = stateName
	default:
		if len(p.table) == 0 {
			p.tline = n
		}
		p.table = append(p.table, line)
	}
	return nil
}
