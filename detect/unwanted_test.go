package detect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/rule"
)

// Records that no rule wants are validated from what the reader's scan found
// (cloudtrail.Record.Checked) instead of being parsed again. The records a
// Read reports as bad must be exactly those Mapper.Validate rejects, in both
// layouts, whatever the prefilters decide.
func TestUnwantedRecordsStillValidated(t *testing.T) {
	// None of these mentions aws-cli, so the seed rule's prefilter rejects
	// them all.
	recs := []struct {
		json string
		bad  bool
	}{
		{`{"eventTime":"2024-01-02T03:04:05Z","eventName":"GetObject"}`, false},
		{`{"eventTime":"2024-01-02T03:04:05\u005a","eventName":"GetObject"}`, false},
		{`{"eventTime":"2024-01-02T03:04:05Z","eventName":"GetObject","requestParameters":{"a":{"eventTime":"x"}}}`, false},
		{`{"eventTime":"yesterday","eventName":"GetObject"}`, true},
		{`{"eventTime":"","eventName":"GetObject"}`, true},
		{`{"eventTime":5,"eventName":"GetObject"}`, true},
		{`{"eventName":"GetObject"}`, true},
		{`{"eventName":"GetObject","eventTime":"2024-01-02T03:04:05Z","eventName":"x"}`, true},
		{`{"eventTime":"2024-01-02T03:04:05Z","requestParameters":{"k":1,"k":2}}`, true},
		{`{"eventTime":"2024-01-02T03:04:05Z","a":[{"k":1},{"k":1,"k":2}]}`, true},
		{`{"event\u0054ime":"2024-01-02T03:04:05Z","eventTime":"2024-01-02T03:04:05Z"}`, true},
		{`{"eventTime":"2024-01-02T03:04:05Z","digestEndTime":"2024-01-02T03:04:05Z"}`, false},
	}
	var lines, records []string
	var want []int
	for i, r := range recs {
		lines = append(lines, r.json)
		records = append(records, r.json)
		if r.bad {
			want = append(want, i)
		}
	}
	dir := t.TempDir()
	nd := filepath.Join(dir, "a.ndjson")
	del := filepath.Join(dir, "b.json")
	must(t, os.WriteFile(nd, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	must(t, os.WriteFile(del, []byte(`{"Records":[`+strings.Join(records, ",")+`]}`), 0o644))

	compiled, err := Compile([]*rule.Rule{rule.Seed()}, time.Now())
	must(t, err)
	for _, path := range []string{nd, del} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			d := New(compiled, Options{Workers: 2, Now: time.Unix(0, 0)})
			var mu sync.Mutex
			var got []int
			st, err := d.Read(context.Background(), &cloudtrail.Reader{}, []string{path}, func(rec cloudtrail.Record, err error) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, rec.Index)
			})
			must(t, err)
			sort.Ints(got)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("bad records %v, want %v", got, want)
			}
			if d.Events() != len(recs)-len(want) || st.Records != len(recs) {
				t.Errorf("Events() = %d, Records = %d; want %d, %d", d.Events(), st.Records, len(recs)-len(want), len(recs))
			}
			// The mapper agrees on every record.
			for i, r := range recs {
				if err := d.reader.mapper.Validate([]byte(r.json)); (err != nil) != r.bad {
					t.Errorf("record %d: Validate = %v, want bad %v", i, err, r.bad)
				}
			}
		})
	}
}
