package cloudtrail

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBundledExamples reads the repository's examples/ (see its README): the
// S3 layout in time order and the NDJSON file, with the counts the README states.
func TestBundledExamples(t *testing.T) {
	dir := filepath.Join("..", "examples")
	res := read(t, filepath.Join(dir, "AWSLogs"))
	if res.err != nil || len(res.probs) > 0 {
		t.Fatalf("err %v, problems %v", res.err, res.probs)
	}
	if res.st.Files != 24 || res.st.Records != 1839 {
		t.Errorf("AWSLogs: %+v, want 24 files, 1839 records", res.st)
	}
	got := files(res)
	for i := 1; i < len(got); i++ {
		a, b := deliveryTime(filepath.Base(got[i-1])), deliveryTime(filepath.Base(got[i]))
		if a == "" || a > b || a == b && got[i-1] >= got[i] {
			t.Errorf("files out of time order: %s before %s", got[i-1], got[i])
		}
	}
	if !strings.Contains(got[0], filepath.Join("CloudTrail", "ap-southeast-2", "2026", "11", "02")) {
		t.Errorf("first file %s", got[0])
	}
	res = read(t, filepath.Join(dir, "ndjson", "cloudtrail.ndjson"))
	if res.err != nil || len(res.probs) > 0 || res.st.Records != 43 {
		t.Errorf("ndjson: %+v %v %v", res.st, res.err, res.probs)
	}
	// Reading the whole folder skips README.md quietly.
	res = read(t, dir)
	if res.st.Records != 1839+43 || res.st.Files != 25 || res.st.SkippedFiles != 0 || len(res.probs) != 0 {
		t.Errorf("examples/: %+v %v", res.st, res.probs)
	}
}
