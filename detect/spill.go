package detect

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/klauspost/compress/s2"

	"github.com/trailql/trailql/esql"
)

// spillStore keeps the rows of evaluated windows out of memory, so that
// they stay available for amendment by late events while memory holds only
// the windows still open (evaluator.retire).
type spillStore interface {
	// put stores a window's rows, replacing what key held.
	put(key string, rows rowBuf) error
	// get reads a window's rows back, given the types of their cells,
	// with their strings shared through strs.
	get(key string, types []esql.DataType, strs *interner) ([]buffered, error)
	// del forgets key.
	del(key string)
}

// fileSpill is a spillStore in one temporary file: records are appended and
// found through an index in memory (a few words a window). Replaced records
// stay in the file as garbage; the file is removed by Close.
type fileSpill struct {
	mu    sync.Mutex
	dir   string
	f     *os.File
	size  int64
	index map[string][2]int64 // key -> offset, length
}

// newFileSpill creates the spill file in dir ("" for the system's
// temporary directory) lazily, on the first put.
func newFileSpill(dir string) *fileSpill {
	return &fileSpill{dir: dir, index: map[string][2]int64{}}
}

// A spill record is its rowBuf's chunks, each framed by its count of rows
// and its length (times two, plus one when packed).
func (s *fileSpill) put(key string, rows rowBuf) error {
	parts := make([][]byte, 0, 2*len(rows.chunks))
	for i, c := range rows.chunks {
		size := uint64(len(c)) << 1
		if rows.packed[i] {
			size |= 1
		}
		head := binary.AppendUvarint(nil, uint64(rows.counts[i]))
		parts = append(parts, binary.AppendUvarint(head, size), c)
	}
	var err error
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		if s.f, err = os.CreateTemp(s.dir, "trailql-spill-*"); err != nil {
			return fmt.Errorf("spill file: %w", err)
		}
		// Unlinked at once where the system allows it: nothing is left
		// behind if the process dies.
		os.Remove(s.f.Name())
	}
	off := s.size
	for _, b := range parts {
		if _, err := s.f.WriteAt(b, off); err != nil {
			return fmt.Errorf("spill file: %w", err)
		}
		off += int64(len(b))
	}
	s.index[key] = [2]int64{s.size, off - s.size}
	s.size = off
	return nil
}

func (s *fileSpill) get(key string, _ []esql.DataType, strs *interner) ([]buffered, error) {
	s.mu.Lock()
	loc, ok := s.index[key]
	var b []byte
	var err error
	if ok {
		b = make([]byte, loc[1])
		_, err = s.f.ReadAt(b, loc[0])
	}
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	rows, err := decodeSpill(b, strs)
	if err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	return rows, nil
}

// errSpill is a spill record or rowBuf that is not what was written.
var errSpill = errors.New("malformed spilled rows")

// decodeSpill reads a spill record (put: chunks of rows in rowBuf's
// form), its strings shared through strs.
func decodeSpill(b []byte, strs *interner) ([]buffered, error) {
	var out []buffered
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return nil, errSpill
		}
		b = b[k:]
		size, k := binary.Uvarint(b)
		if k <= 0 || size>>1 > uint64(len(b)-k) {
			return nil, errSpill
		}
		c := b[k : k+int(size>>1)]
		b = b[k+int(size>>1):]
		if size&1 == 1 {
			var err error
			if c, err = s2.Decode(nil, c); err != nil {
				return nil, errSpill
			}
		}
		rows, err := decodeRowBytes(c, int(n), strs.bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

func (s *fileSpill) del(key string) {
	s.mu.Lock()
	delete(s.index, key)
	s.mu.Unlock()
}

// Close removes the spill file.
func (s *fileSpill) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	os.Remove(name)
	s.f = nil
	return err
}

// heldRow is a held row as stored: its time and its cells as JSON values.
type heldRow struct {
	Ms  int64 `json:"t"`
	Row []any `json:"r"`
}

// encodeRows renders held rows as JSON (the form Live's checkpoints use too).
func encodeRows(rows []buffered) ([]byte, error) {
	out := make([]heldRow, len(rows))
	for i, b := range rows {
		out[i] = heldRow{Ms: b.ms, Row: jsonRow(b.row)}
	}
	return json.Marshal(out)
}

// decodeRows reads rows written by encodeRows, given their cells' types.
func decodeRows(b []byte, types []esql.DataType) ([]buffered, error) {
	var in []heldRow
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // longs beyond 2^53 stay exact
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	out := make([]buffered, len(in))
	for i, h := range in {
		row, err := rowFromJSON(types, h.Row)
		if err != nil {
			return nil, err
		}
		out[i] = buffered{ms: h.Ms, row: row}
	}
	return out, nil
}

// rowFromJSON rebuilds a row saved with jsonRow, given its column types.
func rowFromJSON(types []esql.DataType, r []any) ([]esql.Value, error) {
	if len(r) != len(types) {
		return nil, fmt.Errorf("row of %d values, want %d", len(r), len(types))
	}
	row := make([]esql.Value, len(r))
	for i, x := range r {
		if x == nil {
			continue
		}
		v, err := esql.FromGo(types[i], x)
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}
