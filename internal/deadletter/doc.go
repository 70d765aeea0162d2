// Package deadletter keeps input that a run skipped, so that nothing is lost:
// each skipped record is written unchanged to a directory, each unreadable
// file is copied there whole, and beside each goes a small JSON sidecar
// saying why.
//
// For a record (cloudtrail.Problem with Index >= 0, or a record the ECS
// mapping rejected) the files are
//
//	DIR/<source>.<index>.json      the record's exact bytes (decompressed)
//	DIR/<source>.<index>.why.json  {"file","index","reason","time",...}
//
// and for a whole file (Index -1)
//
//	DIR/<source>                   a byte-for-byte copy of the file as stored (still gzip)
//	DIR/<source>.why.json
//
// where <source> is the input path made safe as one file name (see Name).
// When a record's bytes are not known in full (cloudtrail cut Problem.Raw, or
// the line was too long to hold), the whole source file is copied instead,
// once per file, and the sidecar's "data" names the copy.
//
// Files are never overwritten: a name already taken gets a "-2", "-3", ...
// suffix, and files are created with O_EXCL, which also refuses to follow a
// symbolic link planted at the name. Problems that lost nothing
// (cloudtrail.Problem.Skipped false: warnings) are not written.
package deadletter
