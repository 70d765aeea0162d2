// Command latedeliver copies a tree of CloudTrail delivery files
// ({"Records":[...]}, gzip, S3 layout) and delivers some records late: it
// moves about 2% of the records (12% of the aws-cli ones) out of their file
// into files of the same account and region named for a delivery 40 to 120
// minutes after their eventTime, as CloudTrail sometimes delivers. The
// copy holds exactly the same records. bench/run.sh times trailql detect on
// it, to show that late deliveries cost no alert and no memory.
//
// Usage: latedeliver [-seed N] TREE OUT
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: latedeliver [-seed N] TREE OUT")
		os.Exit(2)
	}
	moved, total, err := run(flag.Arg(0), flag.Arg(1), *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latedeliver:", err)
		os.Exit(1)
	}
	fmt.Printf("%d of %d records delivered late\n", moved, total)
}

// lateFile is a delivery file of late records being assembled.
type lateFile struct {
	account, region string
	at              time.Time
	records         []json.RawMessage
}

func run(tree, out string, seed int64) (moved, total int, err error) {
	r := rand.New(rand.NewSource(seed))
	late := map[string]*lateFile{}
	err = filepath.WalkDir(tree, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") {
			return err
		}
		rel, _ := filepath.Rel(tree, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>
		if len(parts) < 8 || parts[0] != "AWSLogs" || parts[2] != "CloudTrail" {
			return fmt.Errorf("%s: not in CloudTrail's S3 layout", rel)
		}
		account, region := parts[1], parts[3]
		recs, err := readFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		var kept []json.RawMessage
		for _, rec := range recs {
			total++
			var head struct {
				EventTime time.Time `json:"eventTime"`
				UserAgent string    `json:"userAgent"`
			}
			share := 0.02
			if json.Unmarshal(rec, &head) == nil && strings.HasPrefix(head.UserAgent, "aws-cli/") {
				share = 0.12
			}
			if head.EventTime.IsZero() || r.Float64() >= share {
				kept = append(kept, rec)
				continue
			}
			moved++
			at := head.EventTime.Add(40*time.Minute + time.Duration(r.Int63n(int64(80*time.Minute)))).Truncate(5 * time.Minute)
			key := account + "/" + region + "/" + at.Format(time.RFC3339)
			lf := late[key]
			if lf == nil {
				lf = &lateFile{account: account, region: region, at: at}
				late[key] = lf
			}
			lf.records = append(lf.records, rec)
		}
		return writeFile(filepath.Join(out, rel), kept)
	})
	if err != nil {
		return 0, 0, err
	}
	keys := make([]string, 0, len(late))
	for k := range late {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		lf := late[k]
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_late%04d.json.gz", lf.account, lf.region, lf.at.UTC().Format("20060102T1504Z"), i)
		dir := filepath.Join(out, "AWSLogs", lf.account, "CloudTrail", lf.region, lf.at.UTC().Format("2006/01/02"))
		if err := writeFile(filepath.Join(dir, name), lf.records); err != nil {
			return 0, 0, err
		}
	}
	return moved, total, nil
}

func readFile(path string) ([]json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var f struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		return nil, err
	}
	return f.Records, nil
}

func writeFile(path string, recs []json.RawMessage) error {
	if recs == nil {
		recs = []json.RawMessage{}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
