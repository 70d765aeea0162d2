package cloudtrail

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPublicDatasets reads the public CloudTrail sets in shared/testdata and
// checks the counts SOURCES.md states, and that every record's bytes are the
// file's (compared with encoding/json's RawMessage split of the same file).
func TestPublicDatasets(t *testing.T) {
	base := filepath.Join(sharedDir(t), "testdata", "public-cloudtrail")
	tests := []struct {
		name           string
		paths          []string
		files, records int
	}{
		// Native delivery files, one {"Records":[...]} per file.
		// (Whole folders: their LICENSE files are skipped as documentation.)
		{"invictus", []string{filepath.Join(base, "invictus-ir-aws_dataset")}, 55, 2900},
		// Bare arrays, pretty-printed with 3-space indents.
		{"stratus", []string{filepath.Join(base, "stratus-red-team-detonation-logs")}, 35, 310},
		// NDJSON reshaped by Logstash (no eventTime: still records here).
		{"otrf", []string{filepath.Join(base, "otrf-security-datasets")}, 1, 103},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, tc.paths...)
			if res.err != nil || len(res.probs) > 0 {
				t.Fatalf("err %v, problems %v", res.err, res.probs)
			}
			if res.st.Files != tc.files || res.st.Records != tc.records {
				t.Errorf("stats %+v, want %d files, %d records", res.st, tc.files, tc.records)
			}
			byFile := map[string][][]byte{}
			for _, r := range res.recs {
				byFile[r.File] = append(byFile[r.File], r.Raw)
			}
			var size int64
			for f, raws := range byFile {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				size += int64(len(data))
				sameRaws(t, raws, oracle(t, data))
			}
			if res.st.Bytes != size {
				t.Errorf("Bytes %d, want %d", res.st.Bytes, size)
			}
		})
	}
	// The same delivery files gzipped (as S3 holds them) give the same records.
	t.Run("invictus gzipped", func(t *testing.T) {
		src := filepath.Join(base, "invictus-ir-aws_dataset", "CloudTrail")
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()+".gz"), gz(t, data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		plain, zipped := read(t, src), read(t, dir)
		if zipped.st.Records != 2900 || zipped.st.Bytes != plain.st.Bytes || len(zipped.probs) > 0 {
			t.Fatalf("gzipped: %+v %v", zipped.st, zipped.probs)
		}
		sameRaws(t, zipped.raws(), plain.raws())
	})
}
