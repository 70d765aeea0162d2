package cloudtrail

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestFormats reads every accepted format and checks each record's Raw is the
// exact bytes of that record in the (decompressed) input, as encoding/json's
// RawMessage sees them, with indexes 0..n-1 and Stats.Bytes the decompressed size.
func TestFormats(t *testing.T) {
	delivery := fixture(t, "delivery.json")
	recs := oracle(t, delivery)
	if len(recs) != 3 {
		t.Fatalf("fixture delivery.json: %d records", len(recs))
	}
	pretty := fixture(t, "pretty-array.json")
	var indented bytes.Buffer
	if err := json.Indent(&indented, delivery, "", "  "); err != nil {
		t.Fatal(err)
	}
	// One record per line inside the Records array: the first line already
	// holds a whole record, then the document goes on (split twice, read once).
	perLine := []byte("{\"Records\":[" + string(recs[0]) + ",\n" + string(recs[1]) + ",\n" + string(recs[2]) + "\n]}\n")

	tests := []struct {
		name  string
		file  string
		data  []byte // as stored
		plain []byte // decompressed; nil = data
		want  int
	}{
		{"delivery plain", "a.json", delivery, nil, 3},
		{"delivery gzip", "a.json.gz", gz(t, delivery), delivery, 3},
		{"gzip named .json", "a.json", gz(t, delivery), delivery, 3},
		{"plain named .gz", "a.json.gz", delivery, nil, 3},
		{"concatenated gzip members", "a.json.gz", append(gz(t, delivery), gz(t, delivery)...), append(bytes.Clone(delivery), delivery...), 6},
		{"delivery with newline", "a.json", append(bytes.Clone(delivery), '\n'), nil, 3},
		{"delivery pretty-printed", "a.json", indented.Bytes(), nil, 3},
		{"delivery one record per line", "a.json", perLine, nil, 3},
		{"ndjson of records", "a.ndjson", fixture(t, "records.ndjson"), nil, 3},
		{"ndjson of records gzip", "a.ndjson.gz", gz(t, fixture(t, "records.ndjson")), fixture(t, "records.ndjson"), 3},
		{"ndjson of delivery files", "a.ndjson", fixture(t, "deliveries.ndjson"), nil, 3},
		{"single record pretty", "r.json", fixture(t, "single-record.json"), nil, 1},
		{"single record compact", "r.json", recs[1], nil, 1},
		{"bare array pretty (stratus)", "s.json", pretty, nil, 3},
		{"bare array compact", "s.json", []byte("[" + string(recs[0]) + "," + string(recs[2]) + "]"), nil, 2},
		{"concatenated objects on one line (firehose)", "f", []byte(string(recs[0]) + string(recs[1]) + " " + string(recs[2])), nil, 3},
		{"byte order mark", "a.json", append([]byte("\ufeff"), delivery...), nil, 3},
		{"empty Records", "a.json", []byte(`{"Records":[]}`), nil, 0},
		{"Records not first key", "a.json", []byte(`{"x":{"Records":1},"Records":[` + string(recs[0]) + `],"y":[]}`), nil, 1},
		{"object without CloudTrail keys is a record", "a.json", []byte(`{"a":1}`), nil, 1},
		{"empty object is a record", "a.json", []byte("{}\n"), nil, 1},
		{"several pretty-printed records (jq output)", "jq.json", jqStream(t, recs), nil, 3},
		{"leading blank lines", "a.ndjson", append([]byte("\n \n"), fixture(t, "records.ndjson")...), nil, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plain := tc.plain
			if plain == nil {
				plain = tc.data
			}
			res := readBytes(t, tc.file, tc.data)
			if res.err != nil || len(res.probs) > 0 {
				t.Fatalf("err %v, problems %v", res.err, res.probs)
			}
			want := oracle(t, plain)
			if len(want) != tc.want {
				t.Fatalf("oracle found %d records, test expects %d", len(want), tc.want)
			}
			sameRaws(t, res.raws(), want)
			for i, r := range res.recs {
				want := i
				if strings.Contains(tc.file, ".ndjson") && !strings.Contains(tc.name, "delivery") {
					// NDJSON of records: Index is the 0-based line.
					want = bytes.Count(plain[:bytes.Index(plain, r.Raw)], []byte("\n"))
				}
				if r.Index != want {
					t.Errorf("record %d has Index %d, want %d", i, r.Index, want)
				}
				if !strings.HasSuffix(r.File, tc.file) {
					t.Errorf("record %d: File %q", i, r.File)
				}
			}
			wantSt := Stats{Files: 1, Records: tc.want, Bytes: int64(len(plain))}
			if res.st != wantSt {
				t.Errorf("stats %+v, want %+v", res.st, wantSt)
			}
		})
	}
}

// TestRawIsFileBytes pins the contract that Raw is a slice of the file's own
// bytes (escapes such as \u00e9 and \" are not decoded, spacing is kept).
func TestRawIsFileBytes(t *testing.T) {
	for _, name := range []string{"delivery.json", "pretty-array.json", "records.ndjson"} {
		data := fixture(t, name)
		res := readBytes(t, name, data)
		if len(res.recs) != 3 {
			t.Fatalf("%s: %d records", name, len(res.recs))
		}
		for _, r := range res.recs {
			if !bytes.Contains(data, r.Raw) || r.Raw[0] != '{' || r.Raw[len(r.Raw)-1] != '}' {
				t.Errorf("%s: record %d is not a byte range of the file: %.80q", name, r.Index, r.Raw)
			}
		}
	}
	raw := string(readBytes(t, "d.json", fixture(t, "delivery.json")).recs[1].Raw)
	for _, s := range []string{`logs-caf\u00e9`, `\"quoted\" } ] { \\ path\\to]`, `a},{\"eventVersion\":\"x\"}.txt`} {
		if !strings.Contains(raw, s) {
			t.Errorf("record 1 lost the escaped text %s: %s", s, raw)
		}
	}
}

// TestDigest: digest files are skipped and counted, by content (any name)
// and by path (AWSLogs/<acct>/CloudTrail-Digest/..., not even opened).
func TestDigest(t *testing.T) {
	digest := fixture(t, "digest.json.gz")
	res := readBytes(t, "x.json.gz", digest)
	if want := (Stats{Files: 1, DigestFiles: 1, Bytes: int64(len(gunzip(t, digest)))}); res.st != want || len(res.probs) > 0 || len(res.recs) > 0 {
		t.Errorf("by content: stats %+v (want %+v), problems %v, records %d", res.st, want, res.probs, len(res.recs))
	}
	// Only two of the three keys: still a digest (start and end times).
	res = readBytes(t, "y.json", []byte(`{"digestStartTime":"2026-11-02T07:00:00Z","digestEndTime":"2026-11-02T08:00:00Z","logFiles":[]}`))
	if res.st.DigestFiles != 1 || res.st.Records != 0 {
		t.Errorf("start+end: %+v", res.st)
	}
	// Only the start time: a record, for the mapper to reject.
	res = readBytes(t, "y.json", []byte(`{"digestStartTime":"2026-11-02T07:00:00Z"}`))
	if res.st.DigestFiles != 0 || res.st.Records != 1 {
		t.Errorf("start only: %+v", res.st)
	}
	// A digest line inside NDJSON counts once and the records around it are read.
	lines := fixture(t, "records.ndjson")
	res = readBytes(t, "z.ndjson", append(append(gunzip(t, digest), '\n'), lines...))
	if res.st.DigestFiles != 1 || res.st.Records != 3 {
		t.Errorf("digest line in ndjson: %+v", res.st)
	}
}

// jqStream renders records the way `jq .Records[]` prints them: one
// pretty-printed object after another.
func jqStream(t *testing.T, recs [][]byte) []byte {
	var out bytes.Buffer
	for _, r := range recs {
		if err := json.Indent(&out, r, "", "  "); err != nil {
			t.Fatal(err)
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}
