package cloudtrail

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// run is the state of one Read: where records go, counters, buffers reused
// from file to file, and the directories already walked.
type run struct {
	r   *Reader
	ctx context.Context
	fn  func(Record) error
	st  *Stats

	raw     *bufio.Reader // the file as stored
	dec     *bufio.Reader // the decompressed stream, for gzip files
	gz      *gzip.Reader
	members members // gz, member by member
	lines   lineReader
	doc     []byte    // a multi-line document
	bi      *bitIndex // the fast scan's bitmaps, for one file at a time (fastscan.go)

	seen    map[fileKey]bool
	parents []dirInfo
	found   []string // the files gathered, read by flush

	skippedFile string // the input last counted in Stats.SkippedFiles

	// dispatch, when set, hands each file found to a worker instead of
	// reading it here (ReadParallel).
	dispatch func(path string, open func(context.Context) (io.ReadCloser, error)) error
	// fanout, when set, offers a chunk of NDJSON lines to an idle worker
	// and reports whether one took it (ReadParallel, fanout.go).
	fanout  func(*lineChunk) bool
	chunk   *lineChunk      // lines queued for fanout
	offered []chan struct{} // done channels of the chunks handed out
	help    chan *lineChunk // chunks handed out, to split while waiting
}

func newRun(r *Reader, ctx context.Context, fn func(Record) error, st *Stats) *run {
	return &run{r: r, ctx: ctx, fn: fn, st: st, seen: map[fileKey]bool{}}
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte{0xef, 0xbb, 0xbf}
)

// fileProblem reports a file that is skipped, or not read to its end.
func (u *run) fileProblem(name, reason string) {
	u.countSkippedFile(name)
	u.r.report(Problem{File: name, Index: -1, Reason: reason, Skipped: true})
}

// countSkippedFile counts a file in Stats.SkippedFiles once, however many
// parts of it are lost (a bad "Records" value, then a cut gzip stream).
func (u *run) countSkippedFile(name string) {
	if u.skippedFile == name {
		return
	}
	u.skippedFile = name
	u.st.SkippedFiles++
}

// stream reads one input: it detects gzip by its magic bytes and splits the
// (decompressed) content. It returns only fatal errors (callback, context).
func (u *run) stream(name string, src io.Reader) error {
	u.st.Files++
	u.skippedFile = "" // the same path named twice is two inputs
	if u.raw == nil {
		u.raw = bufio.NewReaderSize(src, 256<<10)
	} else {
		u.raw.Reset(src)
	}
	br := u.raw
	head, err := br.Peek(len(gzipMagic))
	if len(head) == 0 {
		if err == io.EOF && name == "-" {
			// An empty pipe is no records, not bad input: pipelines that
			// filter everything out are normal.
			return nil
		}
		if err == io.EOF {
			u.fileProblem(name, "empty file")
		} else {
			u.fileProblem(name, "read: "+err.Error())
		}
		return nil
	}
	u.members = members{}
	if bytes.Equal(head, gzipMagic) {
		if u.gz == nil {
			u.gz, err = gzip.NewReader(br)
		} else {
			err = u.gz.Reset(br)
		}
		if err != nil {
			u.fileProblem(name, "gzip: "+err.Error())
			return nil
		}
		// Concatenated members are one stream, read a member at a time.
		u.gz.Multistream(false)
		u.members = members{z: u.gz, src: br}
		if u.dec == nil {
			u.dec = bufio.NewReaderSize(&u.members, 256<<10)
		} else {
			u.dec.Reset(&u.members)
		}
		br = u.dec
	}
	l := &u.lines
	l.reset(br, maxLine)
	f := &file{r: u.r, run: u, ctx: u.ctx, fn: u.fn, st: u.st, name: name, line: 1}
	err = u.split(f, l)
	u.st.Bytes += l.n - u.members.added
	return err
}

// split reads the input line by line. When the first line ends inside a JSON
// value, the input is a multi-line document and is read whole (document).
func (u *run) split(f *file, l *lineReader) error {
	err := u.splitLines(f, l)
	u.dropLines()
	// The file is read once the chunks of its lines handed out are split.
	if werr := u.waitLines(); err == nil {
		err = werr
	}
	return err
}

func (u *run) splitLines(f *file, l *lineReader) error {
	seen := false // non-blank input
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		line, long, rerr := l.next()
		f.trunc = rerr != nil && rerr != io.EOF
		if f.trunc && damaged(rerr) {
			if err := u.flushLines(); err != nil {
				return err
			}
			u.readFailed(f, rerr)
			return nil
		}
		if f.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		f.lines = true
		switch {
		case long:
			seen = true
			if f.perLine {
				f.index = f.line - 1
			}
			f.skipRecord(nil, 0, 0, fmt.Sprintf("line %d is longer than %d bytes; skipped", f.line, maxLine))
		case skipWS(line, 0) == len(line): // blank line
		default:
			first := !seen
			seen = true
			if c := line[skipWS(line, 0)]; first && c != '{' && c != '[' && !scalarLine(line) {
				// README, LICENSE, a manifest: not worth one problem per line.
				u.fileProblem(f.name, "not a JSON log file: it starts with "+quoteByte(c))
				return nil
			}
			if f.perLine && rerr == nil && u.fanout != nil {
				if err := u.queueLine(f, line); err != nil {
					return err
				}
				// The input is NDJSON of records: the rest is read in
				// blocks, which workers cut into lines (blocks.go).
				f.line++
				if err := u.blockLines(f, l); err != nil {
					return err
				}
				continue
			}
			if first || f.perLine {
				f.index = f.line - 1
			}
			if rerr == nil && f.skim(line) {
				break
			}
			before, arrays, emitted := f.index, f.arrays, f.emitted
			s, start := f.values(line)
			if f.fatal != nil {
				return f.fatal
			}
			// A first line holding one record, not in an array, makes the
			// input NDJSON of records: a record's Index is then its line's,
			// so lines can be split apart from each other (fanout.go).
			if first {
				f.perLine = s == done && f.index == before+1 && f.arrays == arrays && f.emitted == emitted+1
			}
			if s == short && !f.trunc {
				if first && rerr == nil && opensDocument(line) {
					return u.document(f, l, line)
				}
				what := "the line ends inside a JSON value"
				if rerr != nil {
					what = "the input ends inside a JSON value (truncated?)"
				}
				f.skipRecord(line, start, len(line), f.pos(line, len(line))+": "+what)
				if f.fatal != nil {
					return f.fatal
				}
			}
		}
		if rerr != nil {
			if err := u.flushLines(); err != nil {
				return err
			}
			switch {
			case rerr != io.EOF:
				u.readFailed(f, rerr)
			case !seen && f.name != "-":
				u.fileProblem(f.name, "empty file")
			}
			return nil
		}
		f.line++
	}
}

// document splits a multi-line document, held whole in memory: first is its
// first line, already split once (those events are replayed silently).
func (u *run) document(f *file, l *lineReader, first []byte) error {
	doc := append(u.doc[:0], first...)
	doc = append(doc, '\n')
	doc, rerr := l.readRest(doc, maxDocument)
	if cap(doc) <= 64<<20 { // keep a buffer of ordinary size for the next file
		u.doc = doc[:0]
	}
	if rerr == errTooBig {
		u.fileProblem(f.name, fmt.Sprintf("multi-line JSON document longer than %d bytes; skipped", maxDocument))
		return nil
	}
	f.trunc = rerr != io.EOF
	if f.trunc && damaged(rerr) {
		u.readFailed(f, rerr)
		return nil
	}
	f.lines = false
	f.replay, f.events, f.index = f.events, 0, 0
	s, start := f.values(doc)
	if f.fatal != nil {
		return f.fatal
	}
	if s == short && !f.trunc {
		f.skipRecord(doc, start, len(doc), f.pos(doc, len(doc))+": the input ends inside a JSON value (truncated?)")
	}
	if f.trunc {
		u.readFailed(f, rerr)
	}
	return f.fatal
}

// readFailed reports input that failed before its end: a cut gzip stream or
// an I/O error (the records complete before it were passed on), or damaged
// gzip data (the line or document being read was dropped).
func (u *run) readFailed(f *file, err error) {
	what := "the rest of the file is lost (how many records it held is unknown)"
	if damaged(err) {
		what = "the data decompressed since the last complete line was dropped, as it cannot be trusted, and " + what
	}
	after := fmt.Sprintf("%d records", f.index)
	if f.perLine {
		// Lines may still be split by other workers (fanout.go): count lines.
		after = fmt.Sprintf("line %d", f.line-1)
	}
	u.fileProblem(f.name, fmt.Sprintf("read failed after %s: %v; %s", after, err, what))
}

// damaged reports read errors after which the bytes already read cannot be
// trusted. gzip checks its CRC only at the end of a member, and corrupt deflate
// data can decompress to garbage that still parses as records (the tests found
// such a case), so the unfinished line or document is dropped. A cut stream
// (io.ErrUnexpectedEOF) or an I/O error leaves an authentic prefix, which is used.
// Lines of NDJSON passed on before the error was seen cannot be recalled.
func damaged(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt)
}

// scalarLine reports whether line holds exactly one JSON string, number,
// boolean or null: NDJSON whose first record is not an object. Such a file is
// read on (the value is a skipped record), so the good records after it are
// not lost; text that merely starts like JSON ("true story", "2024 report")
// is still not a log.
func scalarLine(line []byte) bool {
	i := skipWS(line, 0)
	if i >= len(line) || line[i] == '{' || line[i] == '[' {
		return false
	}
	end, err := skipValue(line, i)
	return err == nil && skipWS(line, end) == len(line)
}

// opensDocument reports whether a first line that ends inside a JSON value
// looks like the start of a multi-line document rather than a cut NDJSON line:
// pretty-printers (jq, json.dumps(indent=...), Go's MarshalIndent) break lines
// only after '{', '[' and ',', while a cut line ends anywhere.
func opensDocument(line []byte) bool {
	i := len(line) - 1
	for i >= 0 && isSpace(line[i]) {
		i--
	}
	return i >= 0 && (line[i] == '{' || line[i] == '[' || line[i] == ',')
}

// members reads a gzip stream member by member as one stream, with a
// newline between two members when the first does not end with one.
// `cat *.json.gz | trailql detect -` glues delivery files together, each a
// single line without a newline at its end: the newline keeps each file on
// a line of its own, so that one file at a time, not all of them, is held
// in memory.
type members struct {
	z     *gzip.Reader
	src   io.Reader // the compressed input
	last  byte      // the last byte passed on
	nl    bool      // a newline is due before the next member
	added int64     // newlines added (not in the decompressed data)
	err   error     // the end (io.EOF) or the error that ended the stream
}

func (m *members) Read(p []byte) (int, error) {
	for len(p) > 0 {
		if m.nl {
			m.nl, m.last, p[0] = false, '\n', '\n'
			m.added++
			return 1, nil
		}
		if m.err != nil {
			return 0, m.err
		}
		n, err := m.z.Read(p)
		if n > 0 {
			m.last = p[n-1]
		}
		if err == io.EOF { // the end of a member: is another one next?
			if err = m.z.Reset(m.src); err == nil {
				m.z.Multistream(false)
				m.nl = m.last != '\n'
			} else {
				m.err = err
			}
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, nil
}
