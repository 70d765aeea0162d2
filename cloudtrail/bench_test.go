package cloudtrail

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSplitRecords measures splitting a decompressed delivery file into
// records (validating scan, no decoding): the per-byte cost on top of gzip.
func BenchmarkSplitRecords(b *testing.B) {
	data := bigDelivery(b, 5000)
	var st Stats
	r := &Reader{}
	n := 0
	fn := func(Record) error { n++; return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f := file{r: r, ctx: context.Background(), fn: fn, st: &st, name: "bench", line: 1}
		if s, _ := f.values(data); s != done {
			b.Fatal("split failed")
		}
	}
	if n != 5000*b.N {
		b.Fatalf("%d records", n)
	}
}

// BenchmarkReadGzip measures a whole Read of a gzip delivery file from disk
// (SetBytes counts decompressed bytes).
func BenchmarkReadGzip(b *testing.B) {
	data := bigDelivery(b, 5000)
	p := filepath.Join(b.TempDir(), "a.json.gz")
	if err := os.WriteFile(p, gz(b, data), 0o644); err != nil {
		b.Fatal(err)
	}
	var r Reader
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := r.Read(context.Background(), []string{p}, func(Record) error { return nil })
		if err != nil || st.Records != 5000 {
			b.Fatal(err, st)
		}
	}
}

// BenchmarkSplitNDJSON measures splitting NDJSON of records, line by line
// (validating scan, no decoding).
func BenchmarkSplitNDJSON(b *testing.B) {
	recs := oracle(b, fixture(b, "delivery.json"))
	var lines [][]byte
	size := 0
	for i := 0; i < 5000; i++ {
		lines = append(lines, recs[i%len(recs)])
		size += len(recs[i%len(recs)]) + 1
	}
	var st Stats
	r := &Reader{}
	n := 0
	fn := func(Record) error { n++; return nil }
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		f := file{r: r, ctx: context.Background(), fn: fn, st: &st, name: "bench", line: 1, lines: true, perLine: true}
		for _, l := range lines {
			if s, _ := f.values(l); s != done {
				b.Fatal("split failed")
			}
		}
	}
	if n != 5000*b.N {
		b.Fatalf("%d records", n)
	}
}

// BenchmarkScan measures the validating scan of one record at a time, as
// split.go's array does, with the reference scan (skipValueDepth) and with
// the fast scan (fastSkip, which the reader tries first): the per-byte cost
// of splitting without the rest of the reader.
func BenchmarkScan(b *testing.B) {
	recs := oracle(b, fixture(b, "delivery.json"))
	var data []byte
	var starts []int
	for i := 0; i < 5000; i++ {
		if i > 0 {
			data = append(data, ',')
		}
		starts = append(starts, len(data))
		data = append(data, recs[i%len(recs)]...)
	}
	b.Run("reference", func(b *testing.B) {
		var rc recordCheck
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			for _, s := range starts {
				rc.reset()
				if _, err := skipValueDepth(data, s, DefaultMaxDepth, 0, &rc); err != nil || !rc.checked() {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		var rc recordCheck
		x := new(bitIndex)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			x.reset()
			for _, s := range starts {
				rc.reset()
				if _, ok := x.fastSkip(data, s, DefaultMaxDepth, &rc, false); !ok || !rc.checked() {
					b.Fatal("fast scan gave up")
				}
			}
		}
	})
}
