package csvspec

import (
	"github.com/trailql/trailql/internal/sharedtest"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trailql/trailql/esql"
)

func TestSplitDataLine(t *testing.T) {
	tests := []struct {
		line string
		want [][]string
	}{
		// Cells trimmed; empty = missing (nil).
		{"a , b,,c ", [][]string{{"a"}, {"b"}, nil, {"c"}}},
		// [a,b] groups into one multi-valued cell; [x] is one value; [] is missing.
		{"1,[x, y ,z],[q],[],2", [][]string{{"1"}, {"x", "y", "z"}, {"q"}, nil, {"2"}}},
		// hosts.csv style: spaces inside values survive.
		{"epsilon,,[epsilon host, epsilon2 host],eth2", [][]string{{"epsilon"}, nil, {"epsilon host", "epsilon2 host"}, {"eth2"}}},
		// "..." is a string with \, unescaped; an unquoted \, does not split.
		{`"a\,b",c\,d`, [][]string{{"a,b"}, {`c\,d`}}},
	}
	for _, tc := range tests {
		got, err := splitDataLine(tc.line)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitDataLine(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{"[a,b", "a,b]", "[a,,b]"} {
		if _, err := splitDataLine(bad); err == nil {
			t.Errorf("splitDataLine(%q): no error", bad)
		}
	}
}

// Float-family fields lose precision as Elasticsearch stores them; the
// expected values are the ones keep.csv-spec and stats.csv-spec assert for
// employees 10005, 10033 and max/avg of height.half_float.
func TestIndexedFloat(t *testing.T) {
	tests := []struct {
		typ  string
		in   string
		want float64
	}{
		{"float", "2.05", 2.049999952316284},
		{"float", "1.63", 1.6299999952316284},
		{"half_float", "2.05", 2.05078125},
		{"half_float", "1.63", 1.6298828125},
		{"half_float", "2.1", 2.099609375},
		{"scaled_float", "1.63", 1.63},
		{"scaled_float", "2.03", 2.03},
		{"scaled_float", "1.999", 1.99}, // truncated, not rounded (BigDecimal.longValue)
		{"scaled_float", "-1.999", -1.99},
	}
	for _, tc := range tests {
		got, err := indexedFloat(fieldMapping{Type: tc.typ, ScalingFactor: 100}, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s %s = %v, %v; want %v", tc.typ, tc.in, got, err, tc.want)
		}
	}
}

func TestRoundHalf(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{1, 1},
		{65504, 65504},
		{65519, 65504},
		{65520, math.Inf(1)},
		{-2.05, -2.05078125},
		{0x1p-24, 0x1p-24},           // smallest subnormal half
		{0x1p-26, 0},                 // rounds to zero
		{1 + 0x1p-11, 1},             // tie -> even
		{1 + 3*0x1p-11, 1.001953125}, // tie -> even (up)
	}
	for _, tc := range tests {
		if got := roundHalf(tc.in); got != tc.want {
			t.Errorf("roundHalf(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseDatasetInline(t *testing.T) {
	csv := "// comment\n  n:keyword , x:integer,f:float,t:text,d:date\n" +
		"b ,2,1.5,[z y, a b],2023-10-23T13:55:01.543Z\n" +
		"a,[3,1,2],,,\n"
	mapping := map[string]fieldMapping{"x": {Type: "long"}, "only_mapped": {Type: "keyword"}}
	d, err := parseDataset("tiny", "tiny.csv", csv, mapping)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Fields, []string{"n", "x", "f", "t", "d"}) || len(d.Rows) != 2 {
		t.Fatalf("fields %v rows %d", d.Fields, len(d.Rows))
	}
	// The mapping wins over the CSV header; CSV-only fields use the header.
	wantCat := esql.Catalog{
		"n": typeKeyword, "x": esql.TypeFromMapping("long"), "f": esql.TypeFromMapping("float"),
		"t": typeText, "d": typeDatetime, "only_mapped": typeKeyword,
	}
	if !reflect.DeepEqual(d.Catalog, wantCat) {
		t.Errorf("catalog %v, want %v", d.Catalog, wantCat)
	}
	if got := d.Value(0, "n").JSON(); got != "b" {
		t.Errorf("n = %v", got)
	}
	if got := d.Value(0, "x").JSON(); got != int64(2) {
		t.Errorf("x = %#v", got)
	}
	if got := d.Value(0, "d").JSON(); got != "2023-10-23T13:55:01.543Z" {
		t.Errorf("d = %v", got)
	}
	// Numeric multi-values are sorted like doc values.
	if got := d.Value(1, "x").JSON(); !reflect.DeepEqual(got, []any{int64(1), int64(2), int64(3)}) {
		t.Errorf("x multi = %#v", got)
	}
	if got := d.Value(1, "f"); !got.IsNull() {
		t.Errorf("empty cell = %v, want null", got)
	}
	if got := d.Value(0, "only_mapped"); !got.IsNull() {
		t.Errorf("field without column = %v, want null", got)
	}
}

func TestLoadBundledDatasets(t *testing.T) {
	dir := sharedSpecDir(t)
	want := map[string]struct {
		rows, fields int
	}{"employees": {100, 23}, "hosts": {10, 6}, "sample_data": {7, 4}}
	for _, name := range BundledDatasets() {
		d, err := LoadDataset(dir, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w := want[name]; len(d.Rows) != w.rows || len(d.Fields) != w.fields {
			t.Errorf("%s: %d rows, %d fields; want %d, %d", name, len(d.Rows), len(d.Fields), w.rows, w.fields)
		}
	}
	emp, _ := LoadDataset(dir, "employees")
	// employees.csv row 1: 10001 Georgi, height 2.03, job_positions
	// [Senior Python Developer,Accountant] (keyword doc values sort by bytes).
	if got := emp.Value(0, "first_name").JSON(); got != "Georgi" {
		t.Errorf("first_name = %v", got)
	}
	if got := emp.Value(0, "job_positions").JSON(); !reflect.DeepEqual(got, []any{"Accountant", "Senior Python Developer"}) {
		t.Errorf("job_positions = %#v", got)
	}
	if got := emp.Value(0, "height.float").JSON(); got != float64(float32(2.03)) {
		t.Errorf("height.float = %v", got)
	}
	if emp.Catalog["languages.byte"] != esql.TypeFromMapping("integer") || emp.Catalog["birth_date"] != typeDatetime {
		t.Errorf("catalog types: %v", emp.Catalog)
	}
	// Parto (10003) has job_positions [] -> missing.
	if got := emp.Value(2, "job_positions"); !got.IsNull() {
		t.Errorf("empty multi-value = %v", got)
	}
	hosts, _ := LoadDataset(dir, "hosts")
	// mapping-hosts.json lacks host_group; the CSV header says text.
	if hosts.Catalog["host_group"] != typeText || hosts.Catalog["ip0"] != esql.TypeFromMapping("ip") {
		t.Errorf("hosts catalog %v", hosts.Catalog)
	}
	if _, err := LoadDataset(dir, "airports"); err == nil {
		t.Error("airports loaded though not bundled")
	}
}

// sharedSpecDir is specDir for tests that only need the data files.
func sharedSpecDir(t *testing.T) string {
	t.Helper()
	dir := sharedtest.Dir(t, "testdata/esql-csv-spec")
	if _, err := os.Stat(filepath.Join(dir, "employees.csv")); err != nil {
		t.Skip("employees.csv not in shared/testdata/esql-csv-spec")
	}
	return dir
}
