// Command gz2ndjson turns a tree of CloudTrail delivery files
// ({"Records":[...]}, gzip) into one NDJSON file, one record per line, so
// that the benchmark's NDJSON input holds exactly the records of its gzip
// input. Files are visited in the order trailql reads a tree (the delivery
// time in CloudTrail's file names, then the path), so the NDJSON is in
// roughly the time order of an export; records keep their order within a
// file; each record is compacted onto one line.
//
// Usage: gz2ndjson TREE OUT.ndjson
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gz2ndjson TREE OUT.ndjson")
		os.Exit(2)
	}
	n, err := convert(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gz2ndjson:", err)
		os.Exit(1)
	}
	fmt.Printf("%d records\n", n)
}

// convert writes every record of every *.json.gz file under tree to out.
func convert(tree, out string) (int, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	var line bytes.Buffer
	var paths []string
	err = filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json.gz") {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return 0, err
	}
	// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
	when := func(p string) string {
		parts := strings.Split(filepath.Base(p), "_")
		if len(parts) >= 5 && parts[1] == "CloudTrail" {
			return parts[3]
		}
		return ""
	}
	sort.SliceStable(paths, func(i, j int) bool {
		if a, b := when(paths[i]), when(paths[j]); a != b {
			return a < b
		}
		return paths[i] < paths[j]
	})
	for _, p := range paths {
		recs, err := records(p)
		if err != nil {
			return n, fmt.Errorf("%s: %w", p, err)
		}
		for i, r := range recs {
			line.Reset()
			if err := json.Compact(&line, r); err != nil {
				return n, fmt.Errorf("%s: record %d: %w", p, i, err)
			}
			line.WriteByte('\n')
			if _, err := w.Write(line.Bytes()); err != nil {
				return n, err
			}
			n++
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// records returns the raw elements of the file's Records array.
func records(p string) ([]json.RawMessage, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var doc struct{ Records []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		return nil, err
	}
	return doc.Records, nil
}
