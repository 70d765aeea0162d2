package cloudtrail

import (
	"bytes"
	"context"
	"strconv"
)

// defaultProblemRaw caps the bytes copied into Problem.Raw by default.
const defaultProblemRaw = 64 << 10

// status is how splitting a value ended.
type status uint8

const (
	done  status = iota // the value was read; problems in it were reported
	stop                // the rest of the buffer is skipped (reported), or a fatal error
	short               // the buffer ended inside the value; nothing reported yet
)

// file is the state of one input while its records are split out.
//
// Splitting may run twice over the start of a file (see stream.go): when the
// first line turns out to begin a multi-line document, the document is split
// again from the start, and the first `replay` events (records, problems,
// digests) are not repeated. Splitting is deterministic, so the events of the
// second pass start with exactly those of the first.
type file struct {
	r     *Reader
	run   *run
	ctx   context.Context
	fn    func(Record) error
	st    *Stats
	name  string
	index int  // index of the next record
	line  int  // line number of the first byte of the current buffer (1-based)
	lines bool // line mode (NDJSON): a bad value skips the rest of its line only
	// perLine: NDJSON of records (the first line held one record). Index
	// is then the 0-based line number, not a count of the values before.
	perLine bool
	arrays  int  // arrays of records split so far
	emitted int  // records passed on so far
	trunc   bool // the input failed before its end: an early end is not a record problem

	events int // events in this pass
	replay int // events of an earlier pass still to be suppressed
	tick   int
	fatal  error // the callback's error or the context's; stops everything

	rc recordCheck // facts about the record being scanned
	bi *bitIndex   // the fast scan's bitmaps of the buffer being split (fastscan.go)

	posBuf       *byte // pos's memo: buffer, offset, newlines before it,
	posOff       int   // and where the line holding it starts
	posLines     int
	posLineStart int
}

// scanIndex returns the file's bitIndex, shared with the other files its run
// reads (one at a time), allocated on first use.
func (f *file) scanIndex() *bitIndex {
	if f.bi == nil {
		if f.run == nil {
			f.bi = new(bitIndex)
		} else {
			if f.run.bi == nil {
				f.run.bi = new(bitIndex)
			}
			f.bi = f.run.bi
		}
	}
	return f.bi
}

// replaying consumes one event and reports whether it was already delivered
// by an earlier pass.
func (f *file) replaying() bool {
	if f.replay > 0 {
		f.replay--
		return true
	}
	f.events++
	return false
}

// emit passes one record to the callback, unless it is over the size limit.
// f.rc holds what the scan of raw found out (recordCheck).
func (f *file) emit(raw []byte) {
	if limit := f.r.maxRecordSize(); len(raw) > limit {
		f.skipRecord(raw, 0, len(raw), "record of "+sizeText(len(raw))+" is larger than the maximum record size "+
			sizeText(limit)+" (--max-record-size); skipped")
		return
	}
	idx := f.index
	f.index++
	f.emitted++
	if f.replaying() {
		return
	}
	f.st.Records++
	rec := Record{Raw: raw, File: f.name, Index: idx, Checked: f.rc.checked(), EventTime: f.rc.eventTime(),
		Known: f.rc.knownFields()}
	if err := f.fn(rec); err != nil {
		f.fatal = err
		return
	}
	// Checking the context on every record costs more than it is worth.
	if f.tick++; f.tick&255 == 0 {
		f.fatal = f.ctx.Err()
	}
}

// skipRecord reports b[start:end] as a record that is not passed on.
func (f *file) skipRecord(b []byte, start, end int, reason string) {
	idx := f.index
	f.index++
	if f.replaying() {
		return
	}
	f.st.SkippedRecords++
	raw, cut := f.clip(b, start, end)
	f.r.report(Problem{File: f.name, Index: idx, Reason: reason, Raw: raw, Truncated: cut, Skipped: true})
}

// note reports a problem that skips no record: Index is the next record's
// index (a problem between records).
func (f *file) note(idx int, reason string) {
	if f.replaying() {
		return
	}
	f.r.report(Problem{File: f.name, Index: idx, Reason: reason})
}

// skipPart reports part of a file that is not a record and is skipped (a
// "Records" value that is not an array, garbage after the Records array): a
// whole-file problem (Index -1), counted once per file in Stats.SkippedFiles.
func (f *file) skipPart(reason string, b []byte) {
	if f.replaying() {
		return
	}
	f.run.countSkippedFile(f.name)
	raw, cut := f.clip(b, 0, len(b))
	f.r.report(Problem{File: f.name, Index: -1, Reason: reason, Raw: raw, Truncated: cut, Skipped: true})
}

// digest counts one digest document.
func (f *file) digest() {
	if f.replaying() {
		return
	}
	f.st.DigestFiles++
}

// clip copies b[start:end] for Problem.Raw, cut to the Reader's limit.
func (f *file) clip(b []byte, start, end int) ([]byte, bool) {
	if end > len(b) {
		end = len(b)
	}
	if start >= end {
		return nil, false
	}
	cut := false
	if limit := f.r.maxProblemRaw(); end-start > limit {
		end, cut = start+limit, true
	}
	return bytes.Clone(b[start:end]), cut
}

// sizeText renders a byte count for a Problem reason: "16 MiB", "512 KiB",
// "1234567 bytes" (exact, so a user can set a limit just above it).
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// pos names offset off of buffer b as "line L, column C" of the input.
// Newlines are counted on from the last position asked for in the same
// buffer, so a document with many problems is not scanned once per problem.
func (f *file) pos(b []byte, off int) string {
	off = min(off, len(b))
	if len(b) == 0 || &b[0] != f.posBuf || off < f.posOff {
		f.posBuf, f.posOff, f.posLines, f.posLineStart = nil, 0, 0, 0
		if len(b) > 0 {
			f.posBuf = &b[0]
		}
	}
	seg := b[f.posOff:off]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		f.posLines += n
		f.posLineStart = f.posOff + bytes.LastIndexByte(seg, '\n') + 1
	}
	f.posOff = off
	return "line " + strconv.Itoa(f.line+f.posLines) + ", column " + strconv.Itoa(off-f.posLineStart+1)
}

// rest names what a stop skips.
func (f *file) rest() string {
	if f.lines {
		return "the rest of the line was skipped"
	}
	return "the rest of the file was skipped"
}

func (f *file) status() status {
	if f.fatal != nil {
		return stop
	}
	return done
}

// values splits every top-level JSON value of b. On short it also returns
// where the unfinished value started.
func (f *file) values(b []byte) (status, int) {
	f.posBuf = nil // a new buffer (bufio reuses addresses from line to line)
	f.scanIndex().reset()
	i := 0
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return done, i
		}
		start := i
		end, s := f.value(b, i)
		if s != done {
			return s, start
		}
		i = end
	}
}

// value splits the top-level value at b[i]: a delivery file, a digest, a
// record, or an array of records.
func (f *file) value(b []byte, i int) (int, status) {
	switch b[i] {
	case '{':
		return f.object(b, i)
	case '[':
		return f.array(b, i)
	}
	end, err := skipValue(b, i)
	if err != nil {
		if err.eof {
			return len(b), short
		}
		f.skipRecord(b, i, len(b), f.pos(b, err.off)+": "+err.what()+"; "+f.rest())
		return len(b), stop
	}
	f.skipRecord(b, i, end, "not a JSON object but "+kind(b[i]))
	return end, f.status()
}

// object splits the object at b[start]: its "Records" array if it has one
// (a delivery file), nothing if it is a digest, else the object is a record.
// Keys are compared as raw bytes: CloudTrail never escapes them.
func (f *file) object(b []byte, start int) (int, status) {
	var delivery, fingerprint, digestStart, digestEnd bool
	rc := &f.rc
	rc.reset()
	// Almost always a valid record (an NDJSON line): the fast scan checks
	// it, or gives up at a delivery file's "Records" key, a digest's keys
	// or anything wrong, and the code below does the rest.
	if end, ok := f.bi.fastSkip(b, start, f.r.maxDepth(), rc, true); ok {
		f.emit(b[start:end])
		return end, f.status()
	}
	rc.reset()
	i := skipWS(b, start+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		rc.open()
		for {
			ks, ke, vs, plain, err := scanKey(b, i)
			if err != nil {
				return f.objectError(b, start, delivery, err)
			}
			if !delivery {
				rc.key(b, ks, ke, plain)
			}
			vs = skipWS(b, vs)
			if vs >= len(b) {
				return len(b), short
			}
			key := b[ks+1 : ke-1]
			if string(key) == "Records" {
				delivery = true
				if b[vs] == '[' {
					end, s := f.array(b, vs)
					if s != done {
						return end, s
					}
					i = end
				} else {
					end, err := skipValue(b, vs)
					if err != nil {
						return f.objectError(b, start, delivery, err)
					}
					f.skipPart(f.pos(b, vs)+`: "Records" is not an array but `+kind(b[vs])+"; skipped", b[vs:end])
					if f.fatal != nil {
						return end, stop
					}
					i = end
				}
			} else {
				switch string(key) {
				case "digestPublicKeyFingerprint":
					fingerprint = true
				case "digestStartTime":
					digestStart = true
				case "digestEndTime":
					digestEnd = true
				}
				var check *recordCheck
				if !delivery {
					check = rc
				}
				end, err := skipValueDepth(b, vs, f.r.maxDepth(), 1, check)
				if err != nil {
					return f.objectError(b, start, delivery, err)
				}
				i = end
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return len(b), short
			}
			if b[i] == ',' {
				i++
				continue
			}
			if b[i] == '}' {
				i++
				break
			}
			return f.objectError(b, start, delivery,
				errAt(i, "invalid character %s after object key:value pair", quoteByte(b[i])))
		}
	}
	switch {
	case delivery:
	case fingerprint || digestStart && digestEnd:
		f.digest()
	default:
		f.emit(b[start:i])
	}
	return i, f.status()
}

func (f *file) objectError(b []byte, start int, delivery bool, err *syntaxError) (int, status) {
	if err.eof {
		return len(b), short
	}
	reason := f.pos(b, err.off) + ": " + err.what() + "; " + f.rest()
	if delivery {
		f.skipPart(reason+" (after the Records array)", b[start:])
	} else {
		f.skipRecord(b, start, len(b), reason)
	}
	return len(b), stop
}

// array splits the array of records at b[start].
func (f *file) array(b []byte, start int) (int, status) {
	f.arrays++
	i := skipWS(b, start+1)
	if i >= len(b) {
		return len(b), short
	}
	if b[i] == ']' {
		return i + 1, done
	}
	for {
		rs := i
		f.rc.reset()
		end, ok := f.bi.fastSkip(b, rs, f.r.maxDepth(), &f.rc, false)
		var err *syntaxError
		if !ok {
			// Invalid or unusual: the reference scan says where and why.
			f.rc.reset()
			end, err = skipValueDepth(b, rs, f.r.maxDepth(), 0, &f.rc)
		}
		if err != nil {
			if err.eof {
				return len(b), short
			}
			reason := f.pos(b, err.off) + ": " + err.what()
			next, ok := resync(b, err.off, f.r.maxDepth())
			if !ok {
				f.skipRecord(b, rs, len(b), reason+"; no further record found, "+f.rest())
				return len(b), stop
			}
			f.skipRecord(b, rs, next, reason+"; resumed at the next record, at "+f.pos(b, next))
			if f.fatal != nil {
				return next, stop
			}
			i = next
			continue
		}
		if b[rs] == '{' {
			f.emit(b[rs:end])
		} else {
			f.skipRecord(b, rs, end, "not a JSON object but "+kind(b[rs]))
		}
		if f.fatal != nil {
			return end, stop
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return len(b), short
		}
		switch b[i] {
		case ']':
			return i + 1, done
		case ',':
			i = skipWS(b, i+1)
			if i >= len(b) {
				return len(b), short
			}
			continue
		}
		// Garbage between two records.
		reason := f.pos(b, i) + ": invalid JSON: " + errAt(i, "invalid character %s after array element", quoteByte(b[i])).msg
		next, ok := resync(b, i, f.r.maxDepth())
		switch {
		case !ok:
			f.skipRecord(b, i, len(b), reason+"; no further record found, "+f.rest())
			return len(b), stop
		case next == i: // only a missing comma: no record lost
			f.note(f.index, reason+" (missing ','?); read on")
		default:
			f.skipRecord(b, i, next, reason+"; resumed at the next record, at "+f.pos(b, next))
		}
		if f.fatal != nil {
			return next, stop
		}
		i = next
	}
}

// kind names the JSON type of a value from its first byte.
func kind(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	}
	return "a number"
}
