// Package cloudtrail reads AWS CloudTrail logs and splits them into raw records.
//
// A Reader takes files, directories (walked recursively in sorted order, so the
// S3 layout AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ comes out in time
// order of delivery) and "-" for standard input, and calls a function once per
// record with the record's exact bytes. It does not decode records: the ecs
// package parses them.
//
// # Formats
//
// The format is found from the content, never from the file name:
//
//   - gzip (magic bytes 1f 8b), including several concatenated gzip members,
//     or plain bytes; a UTF-8 byte order mark is ignored;
//   - a delivery file as CloudTrail writes it to S3: {"Records":[...]};
//   - a bare JSON array of records (Stratus Red Team's detonation logs), also
//     pretty-printed;
//   - a single record object;
//   - NDJSON: one value per line, each a record, a delivery file or an array;
//     several values on one line ({...}{...}, as Kinesis Firehose writes) work too.
//
// A file whose first value does not end on its first line, and whose first
// line ends with '{', '[' or ',' as pretty-printers break lines, is a
// multi-line document and is read whole; otherwise the input is read line by
// line, so NDJSON on standard input streams with flat memory. Values in
// NDJSON must not span lines.
//
// Records are passed on in file order. CloudTrail does not sort records
// inside a file by eventTime, and neither does this package.
//
// # What is skipped
//
// CloudTrail digest files are skipped and counted in Stats.DigestFiles: by path
// (a path element "CloudTrail-Digest", without opening the file) or by content
// (an object without "Records" that has digestPublicKeyFingerprint, or both
// digestStartTime and digestEndTime). While walking directories, entries whose
// names start with "." are skipped, so is documentation kept beside logs
// (*.md, *.txt, *.rst, LICENSE, README, NOTICE, COPYING, AUTHORS; the only
// decision taken on names), and so are files that are not regular files (a
// path named explicitly is read whatever it is, so /dev/stdin and process
// substitution work). Symbolic links are followed; a directory reached a
// second time (same device and inode) is skipped and reported, so symlink
// loops end. A file reached twice through links is read twice.
//
// A file whose first non-blank byte is neither '{' nor '[' is not a log: it is
// one Problem, counted in Stats.SkippedFiles, and is not read further (so an
// NDJSON file whose first line is garbage is lost whole), unless its first
// line is exactly one JSON scalar ("x", 42, null): that is NDJSON whose first
// record is not an object, a skipped record, and the lines after it are read.
//
// A JSON object that is neither a delivery file nor a digest is passed on as a
// record even when it has none of CloudTrail's keys: deciding whether it is a
// usable event is the mapper's job (it rejects objects without eventTime).
// Inside a Records array or a bare array, every element is a record.
//
// # Problems
//
// Bad input never stops a Read. Each problem goes to Reader.OnProblem with the
// file and the record index, and reading continues:
//
//   - an element that is not an object (string, number, array, null) is a
//     skipped record;
//   - invalid JSON inside a Records array is a skipped record; reading resumes
//     at the next element that parses as a complete object with a CloudTrail key
//     (eventVersion, eventTime, eventName, eventSource, eventID or
//     userIdentity), and the Problem says where; if none is found the rest of
//     the array is skipped. Indexes after such a jump count the records found;
//   - in NDJSON a bad line is one skipped record and the next line is read;
//     a line longer than 256 MiB is a skipped record;
//   - a file that cannot be opened, decompressed or read to the end (truncated
//     gzip) is a Problem with Index -1 counted in Stats.SkippedFiles. Records
//     that were complete before the error have been passed on already; the
//     number of records lost after it is unknown. When gzip reports damaged
//     data (bad checksum or deflate stream) rather than a cut, the line or
//     document being read is dropped, since garbage can still parse; NDJSON
//     lines passed on before the damage was detected cannot be recalled;
//   - a record larger than Reader.MaxRecordSize (16 MiB by default) or
//     nested deeper than Reader.MaxDepth (256 levels) is a skipped record;
//     reading goes on at the next record (in an array, as after invalid JSON);
//   - a "Records" value that is not an array, and invalid JSON after the
//     Records array, are whole-file problems counted in Stats.SkippedFiles
//     (each file is counted once however many of its parts are lost);
//   - a multi-line document larger than 1 GiB is a skipped file;
//   - an empty file is a Problem ("empty file") counted in Stats.SkippedFiles;
//     empty standard input is simply no records.
//
// A delivery file with an empty Records array ({"Records":[]}) is valid: no
// records and no Problem. Problem.Skipped tells problems that lost input from
// warnings that lost nothing (a missing ',' between records, a directory
// reached again through a symbolic link). Problem.Raw holds the skipped bytes
// (cut to Reader.MaxProblemRaw, see Problem.Truncated), so that they can be
// kept aside (package deadletter).
package cloudtrail
