package detect

import (
	"encoding/binary"
	"unsafe"

	"github.com/trailql/trailql/esql"
)

// rowBuf holds a window's rows in the spill file's form, one after
// another: each row's time (varint), its width and its values in their
// binary form (esql.AppendValue). A row is copied once, strings included,
// into bytes the garbage collector need not scan (held rows of values and
// strings were most of what it marked), the budget counts them as they
// are, and spilling a window is writing its bytes. Reading rows back is
// several times faster than from JSON, which matters when a run reads a
// long lookback back from the file for every partition of its groups.
//
// The bytes are in chunks that double up to maxRowChunk, each holding
// whole rows: a window of a 24-hour rule grows to megabytes, which one
// slice would copy at every doubling. Bytes are only ever appended, never
// rewritten, so the rows read from a rowBuf (rows) may point into it.
type rowBuf struct {
	chunks [][]byte
	counts []int // rows in each chunk
	n      int   // rows in all
}

// The sizes of rowBuf's chunks.
const (
	minRowChunk = 1 << 10
	maxRowChunk = 64 << 10
)

// add appends a row.
func (r *rowBuf) add(ms int64, row []esql.Value) {
	r.addEncoded(appendRow(nil, ms, row))
}

// addEncoded appends a row appendRow encoded.
func (r *rowBuf) addEncoded(enc []byte) {
	last := len(r.chunks) - 1
	if last < 0 || cap(r.chunks[last])-len(r.chunks[last]) < len(enc) {
		size := minRowChunk
		if last >= 0 {
			size = min(2*cap(r.chunks[last]), maxRowChunk)
		}
		r.chunks = append(r.chunks, make([]byte, 0, max(size, len(enc))))
		r.counts = append(r.counts, 0)
		last++
	}
	r.chunks[last] = append(r.chunks[last], enc...)
	r.counts[last]++
	r.n++
}

// size is the memory the rows take.
func (r *rowBuf) size() int64 {
	var n int64
	for _, c := range r.chunks {
		n += int64(cap(c))
	}
	return n
}

// appendRow appends row, of time ms, to b in rowBuf's form.
func appendRow(b []byte, ms int64, row []esql.Value) []byte {
	b = binary.AppendVarint(b, ms)
	b = binary.AppendUvarint(b, uint64(len(row)))
	for _, v := range row {
		b = esql.AppendValue(b, v)
	}
	return b
}

// rows decodes the rows, their strings pointing into r's bytes.
func (r rowBuf) rows() ([]buffered, error) {
	out := make([]buffered, 0, r.n)
	for i, c := range r.chunks {
		rows, err := decodeRowBytes(c, r.counts[i], func(_ int, x []byte) string {
			return unsafe.String(unsafe.SliceData(x), len(x))
		})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// encodeRowBuf encodes decoded rows (a window spilled and amended since).
func encodeRowBuf(rows []buffered) rowBuf {
	var r rowBuf
	for _, b := range rows {
		r.add(b.ms, b.row)
	}
	return r
}

// decodeRowBytes reads n rows in rowBuf's form from b, making the text of
// column j's strings with str(j, bytes).
func decodeRowBytes(b []byte, n int, str func(j int, x []byte) string) ([]buffered, error) {
	rows := make([]buffered, n)
	var vals []esql.Value // the rows' values, allocated together
	off := 0
	for i := range rows {
		ms, k := binary.Varint(b[off:])
		if k <= 0 {
			return nil, errSpill
		}
		off += k
		w, k := binary.Uvarint(b[off:])
		if k <= 0 || w > uint64(len(b)) {
			return nil, errSpill
		}
		off += k
		if uint64(cap(vals)-len(vals)) < w {
			vals = make([]esql.Value, 0, max(int(w), min(int(w)*(n-i), 1<<16)))
		}
		row := vals[len(vals) : len(vals)+int(w) : len(vals)+int(w)]
		vals = vals[:len(vals)+int(w)]
		for j := range row {
			v, m, err := esql.ReadValueWith(b[off:], func(x []byte) string { return str(j, x) })
			if err != nil {
				return nil, err
			}
			row[j] = v
			off += m
		}
		rows[i] = buffered{ms: ms, row: row}
	}
	return rows, nil
}
