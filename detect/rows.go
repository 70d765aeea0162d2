package detect

import (
	"encoding/binary"
	"slices"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"

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
//
// A chunk of records held raw (deferral.go) only is packed (s2, about a
// fifth of the bytes) once full: such rows are read at most once, if ever,
// and a rule may hold tens of thousands of them. The unpacked chunk is
// then reused for the next rows, so that holding a record costs a copy
// into memory already touched, not a page of new memory per few records.
type rowBuf struct {
	chunks [][]byte
	counts []int  // rows in each chunk
	packed []bool // chunk i is packed
	n      int    // rows in all
	// rawOnly: the last chunk holds raw rows only.
	rawOnly bool
}

// The sizes of rowBuf's chunks.
const (
	minRowChunk = 1 << 10
	maxRowChunk = 64 << 10
)

// rawRowWidth stands, in a row's width, for a raw row: a record held as
// it came (deferral.go), its bytes following as a length and the bytes.
// No row is that wide.
const rawRowWidth = 1<<32 - 1

// appendRawRow appends a raw row, of time ms, to b in rowBuf's form.
func appendRawRow(b []byte, ms int64, raw []byte) []byte {
	b = binary.AppendVarint(b, ms)
	b = binary.AppendUvarint(b, rawRowWidth)
	b = binary.AppendUvarint(b, uint64(len(raw)))
	return append(b, raw...)
}

// add appends a row.
func (r *rowBuf) add(ms int64, row []esql.Value) {
	r.addEncoded(appendRow(nil, ms, row))
}

// addEncoded appends a row appendRow encoded.
func (r *rowBuf) addEncoded(enc []byte) {
	r.addTo(r.chunkFor(len(enc)), enc)
	r.rawOnly = false
}

// addRaw appends a raw row appendRawRow encoded.
func (r *rowBuf) addRaw(enc []byte) {
	i := r.chunkFor(len(enc))
	if r.counts[i] == 0 { // a chunk of its own so far
		r.rawOnly = true
	}
	r.addTo(i, enc)
}

// addTo appends enc to chunk i.
func (r *rowBuf) addTo(i int, enc []byte) {
	r.chunks[i] = append(r.chunks[i], enc...)
	r.counts[i]++
	r.n++
}

// chunkFor returns the index of the chunk a row of size bytes goes to,
// starting a chunk when the last is full (packing it first when it holds
// raw rows only).
func (r *rowBuf) chunkFor(size int) int {
	last := len(r.chunks) - 1
	if last >= 0 && cap(r.chunks[last])-len(r.chunks[last]) >= size {
		return last
	}
	var reuse []byte
	next := minRowChunk
	if last >= 0 {
		next = min(2*cap(r.chunks[last]), maxRowChunk)
		if r.rawOnly && !r.packed[last] {
			full := r.chunks[last]
			r.chunks[last] = pack(full)
			r.packed[last] = true
			reuse = full[:0]
		}
	}
	if cap(reuse) < max(next, size) {
		reuse = make([]byte, 0, max(next, size))
	}
	r.chunks = append(r.chunks, reuse)
	r.counts = append(r.counts, 0)
	r.packed = append(r.packed, false)
	return last + 1
}

// packBufs are the buffers chunks are packed in, before the packed bytes
// are copied out at their size.
var packBufs = sync.Pool{New: func() any { return new([]byte) }}

// pack returns b packed (s2), in memory of its own.
func pack(b []byte) []byte {
	buf := packBufs.Get().(*[]byte)
	if n := s2.MaxEncodedLen(len(b)); cap(*buf) < n {
		*buf = make([]byte, n)
	}
	out := slices.Clone(s2.Encode((*buf)[:cap(*buf)], b))
	packBufs.Put(buf)
	return out
}

// chunk returns chunk i's rows' bytes, unpacked.
func (r *rowBuf) chunk(i int) ([]byte, error) {
	if !r.packed[i] {
		return r.chunks[i], nil
	}
	b, err := s2.Decode(nil, r.chunks[i])
	if err != nil {
		return nil, errSpill
	}
	return b, nil
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
	for i := range r.chunks {
		c, err := r.chunk(i)
		if err != nil {
			return nil, err
		}
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
		if b.raw != nil {
			r.addRaw(appendRawRow(nil, b.ms, b.raw))
		} else {
			r.add(b.ms, b.row)
		}
	}
	return r
}

// decodeRowBytes reads n rows in rowBuf's form from b, making the text of
// column j's strings with str(j, bytes). A raw row's bytes point into b.
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
		if k > 0 && w == rawRowWidth {
			off += k
			size, k := binary.Uvarint(b[off:])
			if k <= 0 || size > uint64(len(b)-off-k) {
				return nil, errSpill
			}
			off += k
			rows[i] = buffered{ms: ms, raw: b[off : off+int(size) : off+int(size)]}
			off += int(size)
			continue
		}
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
