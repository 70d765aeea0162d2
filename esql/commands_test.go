package esql

import (
	"slices"
	"strings"
	"testing"
)

var empCat = Catalog{"emp_no": Integer, "first_name": Keyword, "last_name": Keyword, "gender": Keyword, "languages": Integer, "salary": Integer, "height": Double}

var empDocs = []doc{
	{"emp_no": int64(10001), "first_name": "Georgi", "last_name": "Facello", "gender": "M", "languages": int64(2), "salary": int64(57305), "height": 2.03},
	{"emp_no": int64(10002), "first_name": "Bezalel", "last_name": "Simmel", "gender": "F", "languages": int64(5), "salary": int64(56371), "height": 2.08},
	{"emp_no": int64(10003), "first_name": "Parto", "last_name": "Bamford", "gender": "M", "languages": int64(4), "salary": int64(61805), "height": 1.83},
	{"emp_no": int64(10004), "first_name": "Chirstian", "last_name": "Koblick", "languages": []any{int64(1), int64(3)}, "salary": int64(36174), "height": 1.78},
}

func TestFromColumnsSortedByName_A7(t *testing.T) {
	r := run(t, "FROM employees METADATA _index, _id", empCat, empDocs[0])
	want := []string{"emp_no", "first_name", "gender", "height", "languages", "last_name", "salary", "_index", "_id"}
	if !slices.Equal(r.colNames(), want) {
		t.Errorf("columns %q, want %q", r.colNames(), want)
	}
	// Inputs lists only the fields the query reads.
	p, err := Compile("FROM employees METADATA _id | WHERE salary > 1 | KEEP first_name, _id", Options{Catalog: empCat})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Inputs(); !slices.Equal(got, []string{"salary", "first_name", "_id"}) {
		t.Errorf("inputs %q", got)
	}
	if p.Aggregating() {
		t.Error("no STATS: not aggregating")
	}
}

func TestKeepPrecedence_A7(t *testing.T) {
	cases := []struct{ keep, want string }{
		// keep.csv-spec: the rightmost of the highest-precedence patterns decides.
		{"last*name, emp_no, last*name, first_name, last*, gender, last*", "emp_no first_name gender last_name"},
		{"last*name, emp_no, last_name, first_name, last*, languages, last_name, gender, last*name", "emp_no first_name languages last_name gender"},
		{"*, emp_no", "first_name gender height languages last_name salary emp_no"},
		{"l*", "languages last_name"},
	}
	for _, tc := range cases {
		r := run(t, "FROM employees | KEEP "+tc.keep, empCat)
		if got := strings.Join(r.colNames(), " "); got != tc.want {
			t.Errorf("KEEP %s: %s, want %s", tc.keep, got, tc.want)
		}
	}
}

func TestEvalDropRename_A7(t *testing.T) {
	cases := []struct{ q, cols, row string }{
		// A new name is appended; a reassigned one moves to the end.
		{"FROM e | KEEP emp_no, salary | EVAL x = salary + 1, emp_no = x * 2", "salary x emp_no", "57305 | 57306 | 114612"},
		// Unnamed expressions are named by their source text.
		{"FROM e | KEEP salary | EVAL salary + 1", "salary salary + 1", "57305 | 57306"},
		{"FROM e | KEEP emp_no, salary, gender | DROP sal*", "emp_no gender", "10001 | M"},
		{"FROM e | KEEP emp_no, salary | RENAME emp_no AS id", "id salary", "10001 | 57305"},
		// Renaming onto an existing name replaces that column; position kept.
		{"FROM e | KEEP emp_no, salary, gender | RENAME gender AS emp_no", "salary emp_no", "57305 | M"},
		{"FROM e | KEEP emp_no | MV_EXPAND emp_no", "emp_no", "10001"},
	}
	for _, tc := range cases {
		r := run(t, tc.q, empCat, empDocs[0])
		if got := strings.Join(r.colNames(), " "); got != tc.cols {
			t.Errorf("%s: columns %s, want %s", tc.q, got, tc.cols)
		}
		if got := r.table(); len(got) != 1 || got[0] != tc.row {
			t.Errorf("%s: rows %q, want %q", tc.q, got, tc.row)
		}
	}
}

func TestMvExpand(t *testing.T) {
	r := run(t, "FROM e | WHERE emp_no == 10004 | KEEP emp_no, languages | MV_EXPAND languages", empCat, empDocs...)
	if got := strings.Join(r.table(), ";"); got != "10004 | 1;10004 | 3" {
		t.Errorf("rows %s", got)
	}
}

func TestSortNulls_A2(t *testing.T) {
	cat := Catalog{"x": Long, "id": Keyword}
	docs := []doc{{"id": "a", "x": int64(2)}, {"id": "b"}, {"id": "c", "x": int64(1)}, {"id": "d", "x": []any{int64(0), int64(5)}}}
	cases := []struct{ sort, want string }{
		{"x", "d c a b"},      // ASC: nulls last; multi-value sorts by its min
		{"x DESC", "b d a c"}, // DESC: nulls first; multi-value sorts by its max
		{"x NULLS FIRST", "b d c a"},
		{"x DESC NULLS LAST", "d a c b"},
		{"id DESC", "d c b a"},
	}
	for _, tc := range cases {
		r := run(t, "FROM i | SORT "+tc.sort+" | KEEP id", cat, docs...)
		var ids []string
		for _, row := range r.rows {
			ids = append(ids, row[0].String())
		}
		if got := strings.Join(ids, " "); got != tc.want {
			t.Errorf("SORT %s: %s, want %s", tc.sort, got, tc.want)
		}
	}
}

// docs/esql-semantics.md §A7: the implicit limit and the cap.
func TestLimit_A7(t *testing.T) {
	var docs []doc
	for i := 0; i < 20; i++ {
		docs = append(docs, doc{"emp_no": int64(i)})
	}
	r, err := tryRun("FROM e | KEEP emp_no", Options{Catalog: empCat, DefaultLimit: 3, MaxLimit: 5}, docs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.rows) != 3 || !slices.Contains(r.warnings, "No limit defined, adding default limit of [3]") {
		t.Errorf("default limit: %d rows, warnings %q", len(r.rows), r.warnings)
	}
	r, _ = tryRun("FROM e | KEEP emp_no | LIMIT 10", Options{Catalog: empCat, DefaultLimit: 3, MaxLimit: 5}, docs...)
	if len(r.rows) != 5 || len(r.warnings) != 0 {
		t.Errorf("capped limit: %d rows, warnings %q", len(r.rows), r.warnings)
	}
	r, _ = tryRun("FROM e | KEEP emp_no | LIMIT 2", Options{Catalog: empCat}, docs...)
	if len(r.rows) != 2 {
		t.Errorf("LIMIT 2: %d rows", len(r.rows))
	}
	// STATS consumes all rows; the implicit limit applies to its output
	// (docs/esql-semantics.md §A6).
	r, _ = tryRun("FROM e | STATS c = count(*)", Options{Catalog: empCat, DefaultLimit: 3}, docs...)
	if got := r.table(); len(got) != 1 || got[0] != "20" {
		t.Errorf("count with default limit: %q", got)
	}
	// No limit option: everything.
	r, _ = tryRun("FROM e | KEEP emp_no", Options{Catalog: empCat}, docs...)
	if len(r.rows) != 20 {
		t.Errorf("no limit: %d rows", len(r.rows))
	}
}

func TestRowCommand(t *testing.T) {
	r := run(t, "ROW a = 1, b = \"x\", c = a + 1", nil)
	if got := r.table(); len(got) != 1 || got[0] != "1 | x | 2" || strings.Join(r.colNames(), " ") != "a b c" {
		t.Errorf("ROW: %q %q", r.colNames(), got)
	}
}

func TestCompileErrors(t *testing.T) {
	cat := Catalog{"a": Long, "s": Keyword, "d": Datetime}
	cases := []struct{ q, want string }{
		{"FROM i\n| WHERE a > 1\n| EVAL y = nope + 1", "line 3:12: Unknown column [nope]"},
		{"FROM i | EVAL y = foo(a)", "line 1:19: Unknown function [foo]"},
		{"FROM i | WHERE a", "Condition expression needs to be boolean, found [long]"},
		{"FROM i | EVAL x = starts_with(a, \"x\")", "first argument of [starts_with(a, \"x\")] must be [string], found value [a] type [long]"},
		{"FROM i | WHERE s == 1", "first argument of [s == 1] is [keyword] so second argument must also be [keyword] but was [integer]"},
		{"FROM i | EVAL c = count(*)", "aggregate function [count(*)] not allowed outside STATS command"},
		{"FROM i | KEEP nope", "Unknown column [nope]"},
		{"FROM i | KEEP x*", "No matches found for pattern [x*]"},
		{"FROM i | STATS a BY s", "column [a] must appear in the STATS BY clause or be used in an aggregate function"},
		{"FROM i | STATS 1 + 1", "expected an aggregate function but found [1 + 1]"},
		{"FROM i | STATS c = count(*) + a BY s", "column [a] must appear in the STATS BY clause or be used in an aggregate function"},
		{"FROM i | STATS c = count(*) | WHERE a > 1", "Unknown column [a]"},
		{"FROM i | WHERE d > \"not a date\"", "Cannot convert string [not a date] to [date]"},
		{"FROM i | WHERE s RLIKE \"a~b\"", "Invalid regex pattern"},
		{"FROM i | WHERE", "line 1:"}, // parse errors are positioned too
	}
	for _, tc := range cases {
		if err := compileErr(tc.q, cat); !strings.Contains(err, tc.want) {
			t.Errorf("%q: error %q, want %q", tc.q, err, tc.want)
		}
	}
}

// SORT followed by LIMIT keeps only the top rows while reading, with the
// same result (and tie order) as a full sort.
func TestSortLimitTopN(t *testing.T) {
	cat := Catalog{"x": Long, "id": Long}
	var docs []doc
	for i := 0; i < 5000; i++ {
		docs = append(docs, doc{"x": int64((i * 7919) % 100), "id": int64(i)})
	}
	r := run(t, "FROM i | SORT x DESC | LIMIT 3 | KEEP x, id", cat, docs...)
	if got := strings.Join(r.table(), ";"); got != "99 | 21;99 | 121;99 | 221" {
		t.Errorf("top 3: %s", got)
	}
}
