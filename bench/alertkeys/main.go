// Command alertkeys reads trailql's NDJSON alerts (stdin) for the seed rule
// and prints the identity of each alert as a sorted TSV line
// "window_ms<TAB>arn<TAB>count_distinct", the same form bench/duckdb prints,
// so that the two result sets can be compared with diff. A null arn (a group
// of its own in ES|QL STATS ... BY) prints as "\N".
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"
)

func main() {
	var lines []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var a struct {
			Window string  `json:"Esql.time_window_date_trunc"`
			ARN    *string `json:"aws.cloudtrail.user_identity.arn"`
			Count  int64   `json:"Esql.event_action_count_distinct"`
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			fail(fmt.Errorf("line %d: %w", n, err))
		}
		t, err := time.Parse(time.RFC3339Nano, a.Window)
		if err != nil {
			fail(fmt.Errorf("line %d: Esql.time_window_date_trunc: %w", n, err))
		}
		arn := `\N`
		if a.ARN != nil {
			arn = *a.ARN
		}
		lines = append(lines, fmt.Sprintf("%d\t%s\t%d", t.UnixMilli(), arn, a.Count))
	}
	if err := sc.Err(); err != nil {
		fail(err)
	}
	sort.Strings(lines)
	w := bufio.NewWriter(os.Stdout)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "alertkeys:", err)
	os.Exit(1)
}
