package cloudtrail

import "strconv"

// Record is one raw CloudTrail record as found in an input file.
type Record struct {
	// Raw is the exact bytes of the record's JSON object as they appear in the
	// (decompressed) file, from '{' to '}'. It is only valid during the callback:
	// the reader reuses its buffers, so copy it to keep it.
	Raw []byte
	// File is the path the record was read from, or "-" for standard input.
	File string
	// Index is the record's 0-based position in the file: in the Records array
	// of a delivery file, in a bare array, or counted over the values of
	// NDJSON. In NDJSON of records (the first line holds one record), Index
	// is the 0-based number of the record's line: lines are then read apart
	// (ReadParallel shares them out), and blank lines count; a line holding
	// several values gives them all its number. Skipped records take an index
	// too, so indexes match the file.
	Index int
	// Checked reports that the reader's scan found no object in the record
	// with the same key twice (keys compared as raw bytes; a record with an
	// escaped or non-ASCII key is never Checked). The scan always checks
	// the JSON grammar. With EventTime it lets a caller validate a record
	// without parsing it again.
	Checked bool
	// EventTime is the contents of the record's top-level "eventTime"
	// string, when the record is Checked and the string has no escapes;
	// nil otherwise. Like Raw, it is only valid during the callback.
	EventTime []byte
	// Known holds a few fields' values that the scan read on its way
	// (eventName, eventSource, ...; see KnownField), for prefilters. Like
	// Raw, it is only valid during the callback.
	Known *Known
}

// Problem is input that could not be read: a whole file (Index -1) or one
// record. Reading goes on after a Problem; Reader.OnProblem receives them.
type Problem struct {
	File   string
	Index  int    // record index as in Record.Index, or -1 for the whole file
	Reason string // what is wrong and where ("line L, column C" of the decompressed input)
	// Raw holds a copy of the offending bytes when there are some: a skipped
	// record's exact bytes, or a "Records" value that is not an array. It is
	// cut to Reader.MaxProblemRaw bytes (64 KiB by default), and Truncated
	// says so. Raw is nil for whole-file problems that have no bytes of their
	// own (the file cannot be opened or decompressed, is empty, is not JSON),
	// and for a line too long to hold in memory.
	Raw []byte
	// Truncated reports that Raw is only the first bytes of the offending input.
	Truncated bool
	// Skipped reports that input was lost: the problem is counted in
	// Stats.SkippedRecords or Stats.SkippedFiles. Problems with Skipped false
	// lose nothing (a missing ',' between records, a directory reached again
	// through a symbolic link): they are warnings.
	Skipped bool
}

// Error formats the problem as "FILE: record N: reason" or "FILE: reason".
func (p Problem) Error() string {
	if p.Index < 0 {
		return p.File + ": " + p.Reason
	}
	return p.File + ": record " + strconv.Itoa(p.Index) + ": " + p.Reason
}

// Stats counts what a Read saw.
type Stats struct {
	Files          int   // files opened (standard input counts as one)
	DigestFiles    int   // CloudTrail digest files skipped (by path or by content)
	PrunedFiles    int   // delivery files outside Reader.Since/Until by their names, not opened
	DeclinedFiles  int   // remote objects their Remote did not read by their names (RemoteObject.Decline), not opened
	Records        int   // records passed to the callback
	SkippedRecords int   // records reported as a Problem and not passed on
	SkippedFiles   int   // files that could not be opened or read to the end
	Skimmed        int   // records (in Records) that Reader.Skim turned away unchecked
	Bytes          int64 // decompressed bytes read
}
