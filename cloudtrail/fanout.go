package cloudtrail

import (
	"bytes"
	"sync"
)

// NDJSON lines are independent records, so a large NDJSON input need not be
// split by the one goroutine reading it: in ReadParallel, the reader of an
// NDJSON file only cuts it into lines and hands them, a chunk at a time, to
// idle workers, which check and split them (the costly part). One big file,
// or standard input, is then read on every core.

// lineChunk is a run of lines of one NDJSON input, copied out of the reader's
// buffers.
type lineChunk struct {
	done chan struct{} // closed when a worker has split the chunk handed to it
	name string
	data []byte // the lines, back to back
	ends []int  // end of each line in data
	nums []int  // line number of each line (1-based)
	// first, when ends is empty, is the number of the first line of data,
	// a block of whole lines each ended by '\n' (blocks.go).
	first int
}

// Chunks are handed on at about this size: large enough that handing them
// over costs nothing, small enough to spread one file over the workers. A
// reader hands out no chunk while one it handed out chunkWindow chunks
// before is still being split: records are evaluated where they are split,
// and a worker held up on one chunk must not let the others run far ahead
// (detect.Options.AllowedLateness).
const (
	chunkBytes  = 512 << 10
	chunkLines  = 2048
	chunkWindow = 4
)

// chunkPool holds chunks with room for a full chunk already made: the pool
// is emptied by every garbage collection, and a chunk grown from nothing by
// append copied its lines about twice over (8% of the CPU time on NDJSON).
var chunkPool = sync.Pool{New: func() any {
	return &lineChunk{
		data: make([]byte, 0, chunkBytes+chunkSlack),
		ends: make([]int, 0, chunkLines),
		nums: make([]int, 0, chunkLines),
	}
}}

// chunkSlack is room past chunkBytes for the line that fills a chunk.
const chunkSlack = 16 << 10

// queueLine adds a complete line of f's input to the open chunk, handing the
// chunk on when it is full. It is used only when u.fanout is set.
func (u *run) queueLine(f *file, line []byte) error {
	c := u.chunk
	if c == nil {
		c = chunkPool.Get().(*lineChunk)
		c.name, c.data, c.ends, c.nums = f.name, c.data[:0], c.ends[:0], c.nums[:0]
		u.chunk = c
	}
	c.data = append(c.data, line...)
	c.ends = append(c.ends, len(c.data))
	c.nums = append(c.nums, f.line)
	if len(c.data) >= chunkBytes || len(c.ends) >= chunkLines {
		return u.flushLines()
	}
	return nil
}

// flushLines hands the open chunk to an idle worker, or splits it here when
// none is idle (so that readers never wait on each other).
func (u *run) flushLines() error {
	c := u.chunk
	if c == nil {
		return nil
	}
	u.chunk = nil
	for len(u.offered) > 0 && closed(u.offered[0]) {
		u.offered = u.offered[1:]
	}
	for len(u.offered) >= chunkWindow {
		if err := u.await(u.offered[0]); err != nil {
			putChunk(c)
			return err
		}
		u.offered = u.offered[1:]
	}
	c.done = make(chan struct{})
	done := c.done
	if u.fanout(c) {
		u.offered = append(u.offered, done)
		return nil
	}
	return u.lineChunk(c)
}

// waitLines waits until every chunk this reader handed out is split, so
// that a file is read only when all its records are. It returns the first
// error of the chunks it split meanwhile.
func (u *run) waitLines() error {
	var first error
	for _, done := range u.offered {
		for {
			// After an error (a chunk split here failed), the others are
			// still waited for: they end quickly, as the run is stopping.
			err := u.await(done)
			if err == nil {
				break
			}
			if first == nil {
				first = err
			}
		}
	}
	u.offered = u.offered[:0]
	return first
}

// await waits until done is closed, splitting chunks handed out meanwhile
// (by this reader or others): chunks wait in a buffered channel, and a
// reader that waits for its own could otherwise wait for ever while every
// other worker waits too.
func (u *run) await(done chan struct{}) error {
	for {
		select {
		case <-done:
			return nil
		case c := <-u.help:
			if err := u.lineChunk(c); err != nil {
				return err
			}
		}
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// lineChunk splits the lines of c, as split does for each line of NDJSON.
func (u *run) lineChunk(c *lineChunk) error {
	done := c.done
	defer func() {
		putChunk(c)
		close(done)
	}()
	f := &file{r: u.r, run: u, ctx: u.ctx, fn: u.fn, st: u.st, name: c.name, lines: true, perLine: true}
	one := func(line []byte, num int) error {
		f.line = num
		f.index = f.line - 1
		if skipWS(line, 0) == len(line) || f.skim(line) {
			return nil
		}
		if s, from := f.values(line); s == short && f.fatal == nil {
			f.skipRecord(line, from, len(line), f.pos(line, len(line))+": the line ends inside a JSON value")
		}
		return f.fatal
	}
	if len(c.ends) == 0 {
		// A block: its lines each end with '\n'.
		num := c.first
		for rest := c.data; len(rest) > 0; num++ {
			i := bytes.IndexByte(rest, '\n')
			if err := one(rest[:i:i], num); err != nil {
				return err
			}
			rest = rest[i+1:]
		}
	}
	start := 0
	for k, end := range c.ends {
		line := c.data[start:end:end]
		start = end
		if err := one(line, c.nums[k]); err != nil {
			return err
		}
	}
	if err := u.ctx.Err(); err != nil {
		return err
	}
	return nil
}

// dropLines discards lines still queued when reading stops early.
func (u *run) dropLines() {
	if u.chunk != nil {
		putChunk(u.chunk)
		u.chunk = nil
	}
}

// putChunk returns c to the pool, without the room a huge line made.
func putChunk(c *lineChunk) {
	c.done = nil
	if cap(c.data) > 4*chunkBytes {
		c.data = nil
	}
	chunkPool.Put(c)
}

// skim counts a line of NDJSON of records that Reader.Skim turns away, and
// reports whether it did (see Reader.Skim for the shape checked).
func (f *file) skim(line []byte) bool {
	if f.r.Skim == nil || !f.perLine || len(line) > f.r.maxRecordSize() || !objectShape(line) || f.r.Skim(line) {
		return false
	}
	f.index++
	f.st.Records++
	f.st.Skimmed++
	return true
}

// objectShape reports whether line looks like one whole JSON object: '{'
// first and '}' last (blanks aside), no backslash, and quotes in pairs. A
// line cut short or joined to another breaks one of these almost always.
func objectShape(line []byte) bool {
	i, j := skipWS(line, 0), len(line)
	for j > i && isSpace(line[j-1]) {
		j--
	}
	if j-i < 2 || line[i] != '{' || line[j-1] != '}' {
		return false
	}
	b := line[i:j]
	return bytes.IndexByte(b, '\\') < 0 && bytes.Count(b, []byte{'"'})%2 == 0
}
