// Command duckdb-bench runs the seed rule ("AWS Discovery API Calls via CLI
// from a Single Resource") as SQL in DuckDB over raw CloudTrail, either a tree
// of gzip delivery files ({"Records":[...]}) or an NDJSON file of records, on
// all cores. It prints the alerts' identities as sorted TSV lines
// "window_ms<TAB>arn<TAB>count_distinct" (null arn as \N) on stdout, the form
// bench/alertkeys prints for trailql, and a summary on stderr.
//
// It is its own Go module so that cgo and DuckDB never reach the trailql
// binary, which stays cgo-free.
//
// Usage: duckdb-bench [-sql] [-threads N] [-gzmode objects|read_json] (-gz 'GLOB' | -ndjson FILE)
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	gz := flag.String("gz", "", "glob of gzip CloudTrail delivery files, e.g. 'data/gz/**/*.json.gz'")
	nd := flag.String("ndjson", "", "NDJSON file, one CloudTrail record per line")
	mode := flag.String("gzmode", "objects", "how to read the gzip files: objects (read_json_objects + from_json) or read_json")
	printSQL := flag.Bool("sql", false, "print the SQL and exit")
	threads := flag.Int("threads", runtime.NumCPU(), "DuckDB threads")
	flag.Parse()
	var q string
	switch {
	case *gz != "" && *nd == "":
		q = Query(GzipSource(*gz, *mode))
	case *nd != "" && *gz == "":
		q = Query(NDJSONSource(*nd))
	default:
		fmt.Fprintln(os.Stderr, "usage: duckdb-bench [-sql] (-gz 'GLOB' | -ndjson FILE)")
		os.Exit(2)
	}
	if *printSQL {
		fmt.Println(q)
		return
	}
	if err := run(q, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb-bench:", err)
		os.Exit(1)
	}
}

// run executes the query in an in-memory database and prints the alert keys.
func run(q string, threads int) error {
	start := time.Now()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection: SET applies per connection in database/sql's pool.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
		return err
	}
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	// Every column is scanned, so that the VALUES-like lists are materialised
	// as a consumer of the alerts would need them.
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var lines []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		arn := `\N`
		if s, ok := vals[1].(string); ok {
			arn = s
		}
		lines = append(lines, fmt.Sprintf("%v\t%s\t%v", vals[0], arn, vals[2]))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Print(strings.Join(lines, "\n"))
	if len(lines) > 0 {
		fmt.Println()
	}
	fmt.Fprintf(os.Stderr, "duckdb: %d alerts in %.3fs (threads=%d)\n", len(lines), time.Since(start).Seconds(), threads)
	return nil
}
