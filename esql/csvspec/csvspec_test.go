package csvspec

import (
	"reflect"
	"strings"
	"testing"
)

// A spec exercising the grammar of SpecReader/CsvSpecReader
// (docs/esql-semantics.md §A9).
const sampleSpec = `// leading comment
# hash comment

multiLine#[skip:-8.11.99, reason:old]
required_capability: fn_one
skip_flattened_rewrite: field_extract_multivalue_null
request_stored: skip
required_capability:   fn_two
  FROM employees
| WHERE salary > 1
// comment lines inside the query are dropped too
| KEEP emp_no, salary   ;
warning:Line 2:9: evaluation of [salary > 1] failed, treating result as null. Only first 20 failures recorded.
WARNING:Line 2:9: java.lang.IllegalArgumentException: single-value function encountered multi-value
ignoreOrder:true

emp_no:integer | salary:i
10001          | 57305
10002          | null
;

setStatement
SET time_zone = "+10:00"\;
ROW a = 1;

a:integer
1
;

cells-Ignore
row a = 1;

k:keyword | e:s   | n:keyword | mv:keyword         | one:keyword | esc:keyword    | q:keyword        | nl:string
NULL      |       | null      | [a, b , c]         | [ x ]       | [a\,b, c]      | "x | y, z"       | a\nb
;

regexes
row a = 1;
warningRegex:evaluation of \[a\] failed
a:l
1
;
`

func TestParseSample(t *testing.T) {
	cases, err := Parse("sample.csv-spec", strings.NewReader(sampleSpec))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 4 {
		t.Fatalf("got %d cases, want 4", len(cases))
	}

	c := cases[0]
	if c.Name != "multiLine" || c.Instructions != "[skip:-8.11.99, reason:old]" || c.Line != 4 || c.Disabled() {
		t.Errorf("name/instructions/line: %q %q %d %v", c.Name, c.Instructions, c.Line, c.Disabled())
	}
	if !reflect.DeepEqual(c.RequiredCapabilities, []string{"fn_one", "fn_two"}) {
		t.Errorf("capabilities %q", c.RequiredCapabilities)
	}
	// Lines are trimmed, joined with \r\n, the final ';' removed and the
	// last line trimmed again (CsvSpecParser).
	if want := "FROM employees\r\n| WHERE salary > 1\r\n| KEEP emp_no, salary"; c.Query != want {
		t.Errorf("query %q, want %q", c.Query, want)
	}
	if c.SkipFlattenedRewrite != "field_extract_multivalue_null" || c.RequestStored != "skip" {
		t.Errorf("directives: %q %q", c.SkipFlattenedRewrite, c.RequestStored)
	}
	if c.QueryLine != 9 {
		t.Errorf("query line %d", c.QueryLine)
	}
	if len(c.Warnings) != 2 || !strings.HasPrefix(c.Warnings[1], "Line 2:9: java.lang") {
		t.Errorf("warnings %q", c.Warnings)
	}
	if !c.IgnoreOrder {
		t.Error("ignoreOrder not set")
	}
	wantCols := []ExpectedColumn{{"emp_no", "integer"}, {"salary", "integer"}}
	if !reflect.DeepEqual(c.Columns, wantCols) {
		t.Errorf("columns %v", c.Columns)
	}
	wantRows := [][]Cell{
		{{Values: []string{"10001"}}, {Values: []string{"57305"}}},
		{{Values: []string{"10002"}}, {Null: true}},
	}
	if !reflect.DeepEqual(c.Rows, wantRows) {
		t.Errorf("rows %#v", c.Rows)
	}
	if c.ID() != "sample/multiLine" {
		t.Errorf("id %q", c.ID())
	}

	// `\;` is a literal ';' and the query continues.
	if want := "SET time_zone = \"+10:00\";\r\nROW a = 1"; cases[1].Query != want {
		t.Errorf("SET query %q, want %q", cases[1].Query, want)
	}

	c = cases[2]
	if !c.Disabled() || c.Err != nil {
		t.Errorf("cells: disabled=%v err=%v", c.Disabled(), c.Err)
	}
	want := []Cell{
		{Null: true},           // NULL in any case
		{Values: []string{""}}, // empty cell = empty string
		{Null: true},           // null
		{Multi: true, Values: []string{"a", "b", "c"}}, // values trimmed
		{Values: []string{" x "}},                      // one-element list: a single value, untrimmed
		{Multi: true, Values: []string{"a,b", "c"}},    // \, escapes a comma
		{Values: []string{"x | y, z"}},                 // quotes protect '|' and are dropped
		{Values: []string{`a\nb`}},                     // kept; \n is handled when comparing
	}
	if len(c.Rows) != 1 || !reflect.DeepEqual(c.Rows[0], want) {
		t.Errorf("cells\n got %#v\nwant %#v", c.Rows, want)
	}
	if c.Columns[7].Type != "keyword" || c.Columns[1].Type != "keyword" {
		t.Errorf("aliases: %v", c.Columns)
	}

	c = cases[3]
	if !reflect.DeepEqual(c.WarningRegexes, []string{`evaluation of \[a\] failed`}) || c.Columns[0].Type != "long" {
		t.Errorf("regexes %q cols %v", c.WarningRegexes, c.Columns)
	}
}

// Older fixtures repeat test names (ip.csv-spec has two mvSlice); both are
// kept and told apart by an ordinal.
func TestParseDuplicateNames(t *testing.T) {
	cases, err := Parse("d.csv-spec", strings.NewReader("a\nrow x=1;\nx:i\n1\n;\nA\nrow x=2;\nx:i\n2\n;\n"))
	if err != nil || len(cases) != 2 {
		t.Fatalf("%d cases, %v", len(cases), err)
	}
	if cases[0].ID() != "d/a" || cases[1].ID() != "d/A~2" || cases[1].TestName() != "A~2" {
		t.Errorf("ids %q %q", cases[0].ID(), cases[1].ID())
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"no end", "a\nrow x=1;\nx:i\n1\n", "has no end"},
		{"mixed warnings", "a\nrow x=1;\nwarning:x\nwarningRegex:y\nx:i\n;\n", "cannot mix"},
		{"bad ignoreOrder", "a\nrow x=1;\nignoreOrder:yes\nx:i\n;\n", "invalid value for ignoreOrder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("e.csv-spec", strings.NewReader(tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "e.csv-spec:") {
				t.Errorf("error %v, want one containing %q with the file position", err, tc.want)
			}
		})
	}
}

// Errors in one expected table stay with that case.
func TestParseCaseErrors(t *testing.T) {
	tests := []struct {
		name, table, want string
	}{
		{"unknown type", "a:wibble\n1", "unknown type name: [wibble]"},
		{"missing type", "a\n1", "invalid CSV header"},
		{"ragged row", "a:i|b:i\n1", "row 1 has 1 cells"},
		{"open multi-value", "a:i\n[1, 2", "incomplete multi-value"},
		{"open quote", "a:k\n\"x", "unterminated quoted cell"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := "bad\nrow a = 1;\n" + tc.table + "\n;\nnext\nrow b = 2;\nb:i\n2\n;\n"
			cases, err := Parse("e.csv-spec", strings.NewReader(spec))
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) != 2 || cases[0].Err == nil || !strings.Contains(cases[0].Err.Error(), tc.want) {
				t.Fatalf("cases %d, err %v; want error containing %q", len(cases), cases[0].Err, tc.want)
			}
			if cases[1].Err != nil || cases[1].Query != "row b = 2" {
				t.Errorf("following case damaged: %+v", cases[1])
			}
		})
	}
}

func TestCanonicalType(t *testing.T) {
	for in, want := range map[string]string{
		"i": "integer", "short": "integer", "BYTE": "integer", "l": "long", "ul": "unsigned_long",
		"d": "double", "k": "keyword", "s": "keyword", "string": "keyword", "txt": "text",
		"bool": "boolean", "date": "datetime", "dt": "datetime", "v": "version", "n": "null",
		"date_nanos": "date_nanos", "ip": "ip", "float": "float",
	} {
		if got, ok := CanonicalType(in); !ok || got != want {
			t.Errorf("CanonicalType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := CanonicalType("wibble"); ok {
		t.Error("unknown type accepted")
	}
}

func TestSkippedInVersion(t *testing.T) {
	tests := []struct {
		instr string
		skip  bool
	}{
		{"", false},
		{"[skip:-8.11.99, reason:Lucene multivalue warning introduced in 8.12 only]", false},
		{"[skip:-9.99.99,reason:not yet fixed]", true},
		{"[skip:9.0.0-,reason:broken since 9]", true},
		{"[skip:9.3.0-,reason:future]", false},
		{"[reason:only a reason]", false},
	}
	for _, tc := range tests {
		c := Case{Instructions: tc.instr}
		got, _, err := c.SkippedInVersion("9.2.0")
		if err != nil || got != tc.skip {
			t.Errorf("%q: skip=%v err=%v, want %v", tc.instr, got, err, tc.skip)
		}
	}
	bad := Case{Instructions: "[skip:8.1]"}
	if _, _, err := bad.SkippedInVersion("9.2.0"); err == nil {
		t.Error("malformed range accepted")
	}
}

func TestHeaderTypecast(t *testing.T) {
	c, err := parseHeaderCell("x::integer:integer")
	if err != nil || c.Name != "x::integer" || c.Type != "integer" {
		t.Errorf("got %+v, %v", c, err)
	}
}

func TestShapeOf(t *testing.T) {
	tests := []struct {
		q        string
		source   string
		indices  []string
		commands []string
	}{
		{"from employees | where a > 1 | keep a", "FROM", []string{"employees"}, []string{"FROM", "WHERE", "KEEP"}},
		{"FROM employees, sample_data METADATA _id\r\n| STATS c = COUNT(*)", "FROM", []string{"employees", "sample_data"}, []string{"FROM", "STATS"}},
		{"SET time_zone = \"+10:00\";\r\nROW x = \"a|b;c\" | INLINE STATS c = COUNT(*)", "ROW", nil, []string{"SET", "ROW", "INLINE STATS"}},
		{"from hosts // a | comment\r\n| lookup join x on y", "FROM", []string{"hosts"}, []string{"FROM", "LOOKUP JOIN"}},
		{"row a = \"\"\"x|y\"\"\" | eval b = a", "ROW", nil, []string{"ROW", "EVAL"}},
	}
	for _, tc := range tests {
		s := shapeOf(tc.q)
		if s.Source != tc.source || !reflect.DeepEqual(s.Indices, tc.indices) || !reflect.DeepEqual(s.Commands, tc.commands) {
			t.Errorf("shapeOf(%q) = %+v", tc.q, s)
		}
	}
}
