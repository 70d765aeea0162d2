package esql

import "testing"

// BenchmarkSeedPush measures the per-record cost of the seed rule's
// pipeline (WHERE, EVAL, STATS accumulate).
func BenchmarkSeedPush(b *testing.B) {
	p, err := Compile(seedQuery, Options{Catalog: seedCatalog})
	if err != nil {
		b.Fatal(err)
	}
	docs := seedDocs()
	rows := make([][]Value, len(docs))
	for i, d := range docs {
		row := make([]Value, len(p.Inputs()))
		for j, name := range p.Inputs() {
			row[j], _ = FromGo(inputType(seedCatalog, name), d[name])
		}
		rows[i] = row
	}
	x := p.Start(func([]Value) error { return nil })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := x.Push(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
}
