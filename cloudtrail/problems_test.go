package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// want is one expected problem: its index and a piece of its reason.
type want struct {
	index  int
	reason string
}

// TestProblems feeds damaged input and checks which records still come out
// (by their bytes), which problems are reported (index and reason), and the
// counters. Bad input never ends the Read (Read's error stays nil).
func TestProblems(t *testing.T) {
	recs := oracle(t, fixture(t, "delivery.json"))
	r0, r1, r2 := string(recs[0]), string(recs[1]), string(recs[2])
	// r1 has "resources":[{...},{...}]: its inner "},{" must not be taken for
	// a record boundary when resynchronising.
	brokenBeforeResources := `{"eventVersion":"1.09","x":@,"resources":[{"ARN":"a"},{"ARN":"b"}]}`
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)

	tests := []struct {
		name        string
		data        string
		records     []string // Raw of the records passed on, in order
		indexes     []int    // their indexes; nil = 0..n-1
		problems    []want
		skippedRecs int
		skippedFile int
	}{
		{
			name:        "elements that are not objects",
			data:        `{"Records":[` + r0 + `,"str",42,[1,2],null,true,` + r2 + `]}`,
			records:     []string{r0, r2},
			indexes:     []int{0, 6},
			problems:    []want{{1, "not a JSON object but a string"}, {2, "but a number"}, {3, "but an array"}, {4, "but null"}, {5, "but a boolean"}},
			skippedRecs: 5,
		},
		{
			name:        "invalid record in the middle of Records",
			data:        `{"Records":[` + r0 + `,{"eventVersion":"1.09","eventTime":tru},` + r1 + `,` + r2 + `]}`,
			records:     []string{r0, r1, r2},
			indexes:     []int{0, 2, 3},
			problems:    []want{{1, "line 1, column " + fmt.Sprint(len(`{"Records":[`+r0+`,{"eventVersion":"1.09","eventTime":tru`)+1) + ": invalid JSON: invalid character '}' in literal true; resumed at the next record"}},
			skippedRecs: 1,
		},
		{
			name:        "resync skips objects nested in the broken record",
			data:        `{"Records":[` + r0 + `,` + brokenBeforeResources + `,` + r1 + `,` + r2 + `]}`,
			records:     []string{r0, r1, r2},
			indexes:     []int{0, 2, 3},
			problems:    []want{{1, "invalid character '@' looking for beginning of value; resumed"}},
			skippedRecs: 1,
		},
		{
			name:        "invalid record with nothing to resume at",
			data:        `{"Records":[` + r0 + `,{"eventVersion":"1.09",` + "\x01" + `]}`,
			records:     []string{r0},
			problems:    []want{{1, "no further record found, the rest of the line was skipped"}},
			skippedRecs: 1,
		},
		{
			name:     "missing comma between records loses nothing",
			data:     `{"Records":[` + r0 + ` ` + r1 + `,` + r2 + `]}`,
			records:  []string{r0, r1, r2},
			problems: []want{{1, "invalid character '{' after array element (missing ','?)"}},
		},
		{
			name:        "ndjson: a bad line is one skipped record",
			data:        r0 + "\n" + `{"eventVersion":"1.09","eventTime":}` + "\n" + r1 + "\n",
			records:     []string{r0, r1},
			indexes:     []int{0, 2},
			problems:    []want{{1, "line 2, column 36: invalid JSON: invalid character '}' looking for beginning of value; the rest of the line was skipped"}},
			skippedRecs: 1,
		},
		{
			name:        "ndjson: a cut first line is one skipped record",
			data:        `{"eventVersion":"1.0` + "\n" + r0 + "\n" + r1 + "\n",
			records:     []string{r0, r1},
			indexes:     []int{1, 2},
			problems:    []want{{0, "line 1, column 21: the line ends inside a JSON value"}},
			skippedRecs: 1,
		},
		{
			name:        "ndjson: a line that is not an object",
			data:        r0 + "\n42\n\"x\"\n" + r1 + "\n",
			records:     []string{r0, r1},
			indexes:     []int{0, 3},
			problems:    []want{{1, "not a JSON object but a number"}, {2, "not a JSON object but a string"}},
			skippedRecs: 2,
		},
		{
			name:        "ndjson: a line cut in the middle of a record",
			data:        r0 + "\n" + r1[:len(r1)/2] + "\n" + r2 + "\n",
			records:     []string{r0, r2},
			indexes:     []int{0, 2},
			problems:    []want{{1, "line 2, column"}},
			skippedRecs: 1,
		},
		{
			name:        "plain delivery file cut in the middle",
			data:        `{"Records":[` + r0 + `,` + r1[:100],
			records:     []string{r0},
			problems:    []want{{1, "the input ends inside a JSON value (truncated?)"}},
			skippedRecs: 1,
		},
		{
			name:        "pretty-printed array cut in the middle",
			data:        "[\n" + r0 + ",\n" + r1[:100],
			records:     []string{r0},
			problems:    []want{{1, "line 3, column 101: the input ends inside a JSON value (truncated?)"}},
			skippedRecs: 1,
		},
		{
			name:     "Records is not an array",
			data:     `{"Records":null}`,
			problems: []want{{-1, `"Records" is not an array but null`}},
			// Counted, so that the run's exit status says input was lost.
			skippedFile: 1,
		},
		{
			name:        "invalid JSON after the Records array",
			data:        `{"Records":[` + r0 + `],"x":nul}`,
			records:     []string{r0},
			problems:    []want{{-1, "invalid character '}' in literal null; the rest of the line was skipped (after the Records array)"}},
			skippedFile: 1,
		},
		{
			name:        "nesting deeper than 10000",
			data:        `{"Records":[` + r0 + `,` + deep + `]}`,
			records:     []string{r0},
			problems:    []want{{1, "nested deeper than 256 levels, the maximum depth (--max-depth)"}},
			skippedRecs: 1,
		},
		{
			name:        "control character in a string",
			data:        `{"Records":[{"eventVersion":"1.0` + "\t" + `9"},` + r0 + `]}`,
			records:     []string{r0},
			indexes:     []int{1},
			problems:    []want{{0, `invalid control character '\x09' in string; resumed`}},
			skippedRecs: 1,
		},
		{name: "empty file", data: "", problems: []want{{-1, "empty file"}}, skippedFile: 1},
		{name: "blank file", data: " \n\r\n\t\n", problems: []want{{-1, "empty file"}}, skippedFile: 1},
		{name: "not JSON at all", data: "MIT License\n\nCopyright\n", problems: []want{{-1, "not a JSON log file: it starts with 'M'"}}, skippedFile: 1},
		{name: "gzip magic without a valid header", data: "\x1f\x8b\x00\x00", problems: []want{{-1, "gzip: "}}, skippedFile: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, "in.json", []byte(tc.data))
			checkProblems(t, res, tc.records, tc.indexes, tc.problems, tc.skippedRecs, tc.skippedFile)
		})
	}
}

func checkProblems(t *testing.T, res result, records []string, indexes []int, problems []want, skippedRecs, skippedFiles int) {
	t.Helper()
	if res.err != nil {
		t.Fatalf("Read error %v: bad input must not end a Read", res.err)
	}
	var wantRaws [][]byte
	for _, r := range records {
		wantRaws = append(wantRaws, []byte(r))
	}
	sameRaws(t, res.raws(), wantRaws)
	for i, r := range res.recs {
		wantIdx := i
		if indexes != nil {
			wantIdx = indexes[i]
		}
		if r.Index != wantIdx {
			t.Errorf("record %d: Index %d, want %d", i, r.Index, wantIdx)
		}
		if !json.Valid(r.Raw) {
			t.Errorf("record %d is not valid JSON", i)
		}
	}
	if len(res.probs) != len(problems) {
		t.Fatalf("got %d problems, want %d: %v", len(res.probs), len(problems), res.probs)
	}
	for i, p := range res.probs {
		if p.Index != problems[i].index || !strings.Contains(p.Reason, problems[i].reason) {
			t.Errorf("problem %d: %q (index %d), want index %d and %q", i, p.Reason, p.Index, problems[i].index, problems[i].reason)
		}
		if !strings.HasSuffix(p.File, "in.json") {
			t.Errorf("problem %d: File %q", i, p.File)
		}
	}
	if res.st.SkippedRecords != skippedRecs || res.st.SkippedFiles != skippedFiles || res.st.Records != len(records) {
		t.Errorf("stats %+v, want %d records, %d skipped records, %d skipped files", res.st, len(records), skippedRecs, skippedFiles)
	}
}

// TestNotObjectRaw: a skipped element's bytes are in Problem.Raw.
func TestNotObjectRaw(t *testing.T) {
	res := readBytes(t, "in.json", []byte(`{"Records":[ "a \"b\"" , 1.5e3 ]}`))
	if len(res.probs) != 2 || string(res.probs[0].Raw) != `"a \"b\""` || string(res.probs[1].Raw) != `1.5e3` {
		t.Fatalf("problems %+v", res.probs)
	}
}

// TestProblemError pins Problem's two message forms.
func TestProblemError(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.json.gz", Index: -1, Reason: "empty file"}, "a.json.gz: empty file"},
		{Problem{File: "-", Index: 3, Reason: "not a JSON object but null"}, "-: record 3: not a JSON object but null"},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// bigDelivery makes a delivery file of n records built from the fixtures.
func bigDelivery(t testing.TB, n int) []byte {
	recs := oracle(t, fixture(t, "delivery.json"))
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(recs[i%len(recs)])
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestTruncatedGzip: a gzip stream cut short is a file problem (Index -1,
// SkippedFiles); the records completely decoded before the cut are passed on,
// each intact, and no record problem is invented for the cut one.
func TestTruncatedGzip(t *testing.T) {
	plain := bigDelivery(t, 2000)
	want := oracle(t, plain)
	z := gz(t, plain)
	for _, cut := range []int{len(z) / 2, len(z) - 9, 15} {
		res := readBytes(t, "cut.json.gz", z[:cut])
		if res.err != nil {
			t.Fatal(res.err)
		}
		n := len(res.recs)
		if cut == len(z)/2 && (n == 0 || n >= len(want)) {
			t.Errorf("cut at %d: %d records, want some but not all", cut, n)
		}
		sameRaws(t, res.raws(), want[:n])
		if len(res.probs) != 1 || res.probs[0].Index != -1 || !strings.Contains(res.probs[0].Reason, fmt.Sprintf("read failed after %d records: unexpected EOF", n)) {
			t.Errorf("cut at %d: problems %v", cut, res.probs)
		}
		if res.st.SkippedFiles != 1 || res.st.SkippedRecords != 0 || res.st.Files != 1 {
			t.Errorf("cut at %d: stats %+v", cut, res.st)
		}
	}
}

// TestCorruptGzip: damaged deflate data can decompress to garbage that still
// parses (flipping these bytes once produced records glued from two others,
// passed on before the CRC failed). The unfinished line is therefore dropped:
// one file problem, no record from the damaged delivery file.
func TestCorruptGzip(t *testing.T) {
	plain := bigDelivery(t, 2000)
	z := gz(t, plain)
	for _, at := range []int{len(z) / 2, len(z) / 3, len(z) - 6} {
		bad := bytes.Clone(z)
		for i := at; i < at+4 && i < len(bad); i++ {
			bad[i] ^= 0x55
		}
		res := readBytes(t, "bad.json.gz", bad)
		if len(res.recs) != 0 || len(res.probs) != 1 || res.probs[0].Index != -1 ||
			!strings.Contains(res.probs[0].Reason, "cannot be trusted") || res.st.SkippedFiles != 1 {
			t.Errorf("damage at %d: %d records, problems %v, stats %+v", at, len(res.recs), res.probs, res.st)
		}
	}
	// In gzip NDJSON, lines are passed on as they are decompressed, before the
	// damage can be known: the lines before it come out intact, garbled lines
	// after it are bad records, and the file ends with a file problem.
	recs := oracle(t, plain)
	var nd bytes.Buffer
	for _, r := range recs {
		nd.Write(r)
		nd.WriteByte('\n')
	}
	z = gz(t, nd.Bytes())
	bad := bytes.Clone(z)
	for i := len(z) / 2; i < len(z)/2+4; i++ {
		bad[i] ^= 0x55
	}
	res := readBytes(t, "bad.ndjson.gz", bad)
	n := len(res.recs)
	if n < 100 || n == len(recs) || len(res.probs) == 0 || res.probs[len(res.probs)-1].Index != -1 || res.st.SkippedFiles != 1 {
		t.Fatalf("ndjson: %d records, problems %v", n, res.probs)
	}
	sameRaws(t, res.raws()[:100], recs[:100])
}

// TestEmptyGzip: a gzip of nothing is an empty file.
func TestEmptyGzip(t *testing.T) {
	res := readBytes(t, "e.json.gz", gz(t, nil))
	if len(res.probs) != 1 || res.probs[0].Reason != "empty file" || res.st.SkippedFiles != 1 || res.st.Files != 1 {
		t.Errorf("problems %v, stats %+v", res.probs, res.st)
	}
}

// TestLongLine: an NDJSON line over the limit is one skipped record, and the
// lines after it are read (the limit is 256 MiB; lowered here).
func TestLongLine(t *testing.T) {
	defer func(n int) { maxLine = n }(maxLine)
	maxLine = 4096
	recs := oracle(t, fixture(t, "delivery.json"))
	long := `{"eventVersion":"` + strings.Repeat("x", 10000) + `"}`
	data := string(recs[0]) + "\n" + long + "\n" + string(recs[1]) + "\n" + long // last line without newline
	res := readBytes(t, "in.json", []byte(data))
	checkProblems(t, res, []string{string(recs[0]), string(recs[1])}, []int{0, 2},
		[]want{{1, "line 2 is longer than 4096 bytes"}, {3, "line 4 is longer than 4096 bytes"}}, 2, 0)
}

// TestDocumentLimit: a multi-line document is read whole, up to a limit.
func TestDocumentLimit(t *testing.T) {
	defer func(n int) { maxDocument = n }(maxDocument)
	maxDocument = 1000
	res := readBytes(t, "p.json", fixture(t, "pretty-array.json"))
	if len(res.recs) != 0 || len(res.probs) != 1 || !strings.Contains(res.probs[0].Reason, "multi-line JSON document longer than 1000 bytes") || res.st.SkippedFiles != 1 {
		t.Errorf("records %d, problems %v, stats %+v", len(res.recs), res.probs, res.st)
	}
}

// TestManyProblemsLinear: reporting a problem must not rescan the input from
// its start (positions are counted incrementally): 100,000 bad records on one
// 4 MB line would take hours if it did.
func TestManyProblemsLinear(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < 100000; i++ {
		b.WriteString(`{"eventName":x},{"eventName":"ok"},`)
	}
	b.WriteString(`{"eventName":"ok"}]}`)
	start := time.Now()
	res := readBytes(t, "in.json", b.Bytes())
	if res.st.Records != 100001 || res.st.SkippedRecords != 100000 {
		t.Fatalf("stats %+v", res.st)
	}
	if last := res.probs[len(res.probs)-1].Reason; !strings.HasPrefix(last, "line 1, column 3499991: ") {
		t.Errorf("last problem: %s", last)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}
