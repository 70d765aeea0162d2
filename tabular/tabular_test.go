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
		{"table", "n     a\n2     [x, y,z]\n1     null\nnull  evil?[31m\n(3 rows)\n"},
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
