package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/esql"
)

// testRows returns n rows of every kind of value a rule holds.
func testRows(t *testing.T, n int) []buffered {
	t.Helper()
	types := []esql.DataType{esql.Keyword, esql.Long, esql.Double, esql.Boolean, esql.Datetime, esql.IP, esql.Keyword, esql.Keyword}
	var rows []buffered
	for i := range n {
		vals := []any{fmt.Sprintf("key-%d", i%7), int64(i) - 3, float64(i) / 3, i%2 == 0,
			time.Date(2026, 11, 2, 8, 0, i, 0, time.UTC), "2001:db8::5", []any{"a", strings.Repeat("é", i%5), ""}, nil}
		row := make([]esql.Value, len(types))
		for j, x := range vals {
			v, err := esql.FromGo(types[j], x)
			if err != nil {
				t.Fatal(err)
			}
			row[j] = v
		}
		rows = append(rows, buffered{ms: int64(1_700_000_000_000 + i), row: row})
	}
	return rows
}

func showRows(rows []buffered) string {
	var b strings.Builder
	for _, r := range rows {
		if r.raw != nil {
			fmt.Fprintf(&b, "%d raw %s\n", r.ms, r.raw)
			continue
		}
		fmt.Fprintf(&b, "%d %v\n", r.ms, jsonRow(r.row))
	}
	return b.String()
}

// Records held raw share a window's rowBuf with rows: chunks of raw rows
// only are packed once full, the others not, and rows and the spill file
// give every row back in order.
func TestRowBufRawRows(t *testing.T) {
	var want []buffered
	for i, row := range testRows(t, 40) {
		want = append(want, row)
		for j := range 30 {
			raw := fmt.Appendf(nil, `{"eventName":"ListBuckets","eventID":"e-%d-%d","pad":%q}`, i, j, strings.Repeat("x", j*7))
			want = append(want, buffered{ms: int64(i*100 + j), raw: raw})
		}
	}
	// A long run of raw rows only, so that whole chunks hold nothing else.
	for j := range 3000 {
		want = append(want, buffered{ms: int64(5000 + j), raw: fmt.Appendf(nil, `{"eventName":"Decrypt","n":%d}`, j)})
	}
	r := encodeRowBuf(want)
	packed := 0
	for i, p := range r.packed {
		if p {
			packed++
			if i == len(r.chunks)-1 {
				t.Error("the last chunk, still filling, is packed")
			}
		}
	}
	if packed == 0 || packed == len(r.chunks) {
		t.Errorf("%d of %d chunks packed", packed, len(r.chunks))
	}
	got, err := r.rows()
	must(t, err)
	if showRows(got) != showRows(want) {
		t.Fatalf("rows:\n%.400s\nwant:\n%.400s", showRows(got), showRows(want))
	}
	s := newFileSpill(t.TempDir())
	defer s.Close()
	must(t, s.put("w", r))
	var strs interner
	back, err := s.get("w", nil, &strs)
	must(t, err)
	if showRows(back) != showRows(want) {
		t.Errorf("spilled:\n%.400s", showRows(back))
	}
}

// Held rows are kept encoded (rowBuf): they decode to what was held, and
// rows decoded before more were added (whose strings point into the
// buffer) do not change as it grows.
func TestRowBuf(t *testing.T) {
	rows := testRows(t, 300)
	var r rowBuf
	for _, b := range rows[:100] {
		r.add(b.ms, b.row)
	}
	first, err := r.rows()
	must(t, err)
	for _, b := range rows[100:] {
		r.addEncoded(appendRow(nil, b.ms, b.row))
	}
	all, err := r.rows()
	must(t, err)
	if got, want := showRows(all), showRows(rows); got != want || r.n != len(rows) {
		t.Fatalf("decoded %d rows:\n%.500s\nwant %d:\n%.500s", r.n, got, len(rows), want)
	}
	if got, want := showRows(first), showRows(rows[:100]); got != want {
		t.Errorf("rows decoded before the buffer grew changed:\n%.500s\nwant\n%.500s", got, want)
	}
	if got := showRows(encodeRowBuf(all).mustRows(t)); got != showRows(rows) {
		t.Errorf("encodeRowBuf does not round-trip")
	}
	// A truncated chunk is an error, not a panic.
	c := r.chunks[0]
	for _, cut := range []int{1, 7, len(c) / 2, len(c) - 1} {
		if _, err := decodeRowBytes(c[:cut], r.counts[0], func(int, []byte) string { return "" }); err == nil {
			t.Errorf("%d of %d bytes decoded without error", cut, len(c))
		}
	}
	if len(r.chunks) < 3 {
		t.Errorf("%d rows in %d chunks: the test does not cross chunks", r.n, len(r.chunks))
	}
}

func (r rowBuf) mustRows(t *testing.T) []buffered {
	t.Helper()
	rows, err := r.rows()
	must(t, err)
	return rows
}

// A window written to the spill file reads back as it was held, and a
// window written again replaces the first record.
func TestFileSpillRoundTrip(t *testing.T) {
	s := newFileSpill(t.TempDir())
	defer s.Close()
	rows := testRows(t, 50)
	must(t, s.put("w/a", encodeRowBuf(rows[:10])))
	must(t, s.put("w/b", encodeRowBuf(rows[10:])))
	must(t, s.put("w/a", encodeRowBuf(rows[:20])))
	var strs interner
	for key, want := range map[string][]buffered{"w/a": rows[:20], "w/b": rows[10:]} {
		got, err := s.get(key, nil, &strs)
		must(t, err)
		if showRows(got) != showRows(want) {
			t.Errorf("%s: read back\n%.300s\nwant\n%.300s", key, showRows(got), showRows(want))
		}
	}
	if got, err := s.get("w/none", nil, &strs); err != nil || got != nil {
		t.Errorf("a key never put: %v, %v", got, err)
	}
}
