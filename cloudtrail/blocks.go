package cloudtrail

import "bytes"

// Reading NDJSON in blocks. Once an input is known to be NDJSON of records
// (its first line held one record) and workers take chunks of it, its
// reader no longer cuts it into lines: it reads blocks of about chunkBytes
// straight into chunk buffers (bufio hands a large read to the file
// without copying it through its own buffer), ends each at its last
// newline, carries the partial line to the next block, and counts the
// newlines to number the lines. The workers cut the lines (lineChunk). On
// one NDJSON file the reader's share, done on one core, was a third of the
// time: a read into bufio's buffer, a search for each line's end, a copy
// into the chunk.
//
// What blocks do not handle goes back to the line-by-line reader through
// lineReader.pre: the unterminated last line at the end of the input or a
// read error, and a line longer than a block.

// blockLines reads the rest of f's input in blocks, handing them out, until
// its end, a read error, or a line longer than a block. It returns only
// fatal errors (the context's, a callback's).
func (u *run) blockLines(f *file, l *lineReader) error {
	if err := u.flushLines(); err != nil { // the lines queued one by one
		return err
	}
	// Lines already in the reader's buffer come first.
	b, _ := l.br.Peek(l.br.Buffered())
	carry := append(l.pre[:0:0], b...)
	l.n += int64(len(b))
	if _, err := l.br.Discard(len(b)); err != nil {
		return err
	}
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		c := chunkPool.Get().(*lineChunk)
		c.name, c.data, c.ends, c.nums, c.first = f.name, append(c.data[:0], carry...), c.ends[:0], c.nums[:0], f.line
		var rerr error
		for len(c.data) < chunkBytes && rerr == nil {
			var n int
			n, rerr = l.br.Read(c.data[len(c.data):cap(c.data)])
			c.data = c.data[:len(c.data)+n]
			l.n += int64(n)
		}
		end := bytes.LastIndexByte(c.data, '\n') + 1
		if end == 0 && rerr == nil {
			// A line longer than a block: read line by line.
			l.pre = append([]byte(nil), c.data...)
			putChunk(c)
			return nil
		}
		carry = append(carry[:0], c.data[end:]...)
		c.data = c.data[:end]
		f.line += bytes.Count(c.data, newline)
		if end > 0 {
			u.chunk = c
			if err := u.flushLines(); err != nil {
				return err
			}
		} else {
			putChunk(c)
		}
		if rerr != nil {
			// The last line, without its newline, and the end or the
			// error go to the line reader.
			l.pre, l.preErr = append(make([]byte, 0, len(carry)), carry...), rerr
			return nil
		}
	}
}

var newline = []byte{'\n'}
