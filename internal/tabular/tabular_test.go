package tabular

import (
	"bytes"
	"testing"

	"github.com/trailql/trailql/esql"
)

func TestFormats(t *testing.T) {
	cols := []esql.Column{{Name: "n", Type: esql.Long}, {Name: "a", Type: esql.Keyword}}
	rows := [][]esql.Value{
		{esql.LongValue(2), esql.Multi(esql.KeywordValue("x"), esql.KeywordValue("y,z"))},
		{esql.LongValue(1), esql.NullValue()},
		{esql.NullValue(), esql.KeywordValue("evil\x1b[31m")},
	}
	for _, tc := range []struct{ format, want string }{
		{"ndjson", `{"n":2,"a":["x","y,z"]}` + "\n" + `{"n":1,"a":null}` + "\n" + `{"n":null,"a":"evil\u001b[31m"}` + "\n"},
		{"csv", "n,a\n2,\"[x, y,z]\"\n1,\n,evil\x1b[31m\n"},
		// The table shows the ESC escaped, as the alert table does.
		{"table", "n     a\n2     [x, y,z]\n1     null\nnull  evil\\x1b[31m\n(3 rows)\n"},
	} {
		var b bytes.Buffer
		w, err := New(tc.format, &b, cols, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.format, b.String(), tc.want)
		}
	}
	if _, err := New("xml", &bytes.Buffer{}, cols, 0); err == nil {
		t.Error("unknown format accepted")
	}
}

// Columns are aligned and fitted by display width: 東京 takes four
// terminal columns, not two.
func TestTableWidth(t *testing.T) {
	cols := []esql.Column{{Name: "city", Type: esql.Keyword}, {Name: "n", Type: esql.Long}, {Name: "zz", Type: esql.Long}}
	var b bytes.Buffer
	w, err := New("table", &b, cols, 10)
	if err != nil {
		t.Fatal(err)
	}
	w.Row([]esql.Value{esql.KeywordValue("東京"), esql.LongValue(1), esql.LongValue(2)})
	w.Row([]esql.Value{esql.KeywordValue("Paris"), esql.LongValue(3), esql.LongValue(4)})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "city   n\n東京   1\nParis  3\n(1 more columns not shown: use a wider terminal, KEEP fewer columns, or --format ndjson)\n(2 rows)\n"
	if b.String() != want {
		t.Errorf("got\n%s%q\nwant\n%q", b.String(), b.String(), want)
	}
}
