package esql

import "testing"

func TestSmoke(t *testing.T) {
	cat := Catalog{"a": Long, "b": Keyword}
	r := run(t, "FROM x | WHERE a > 1 | EVAL c = a * 2 | STATS n = count(*), s = sum(c) BY b", cat,
		doc{"a": int64(1), "b": "x"}, doc{"a": int64(2), "b": "x"}, doc{"a": int64(3), "b": []any{"x", "y"}})
	t.Log(r.colNames(), r.table(), r.warnings, r.prog.Inputs())
	v, w := evalRow(t, "true IN (starts_with(\"abc\", \"a\"), null)")
	t.Log(v, w)
}
