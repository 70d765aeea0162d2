package esql

import "testing"

// FuzzCompile: query text is untrusted; compiling and running it on a row
// must never panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{seedQuery, "ROW a = 1 | EVAL b = a / 0", "FROM i | STATS c = count(*) BY k | SORT c DESC | LIMIT 3",
		"ROW s = \"a b\" | DISSECT s \"%{x} %{y}\" | GROK s \"%{WORD:w}\"", "ROW x = date_trunc(1 month, now()) | KEEP x*",
		"FROM i | WHERE k LIKE \"a*\" OR k RLIKE \"[a-z]+\" | MV_EXPAND k"} {
		f.Add(s)
	}
	cat := Catalog{"k": Keyword, "v": Long, "@timestamp": Datetime}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := Compile(q, Options{Catalog: cat, DefaultLimit: 10})
		if err != nil {
			return
		}
		x := p.Start(func([]Value) error { return nil })
		row := make([]Value, len(p.Inputs()))
		for i := range row {
			row[i] = Multi(KeywordValue("a"), KeywordValue("b"))
			if inputType(cat, p.Inputs()[i]) != Keyword {
				row[i] = Value{}
			}
		}
		_ = x.Push(row)
		_ = x.Finish()
	})
}
