package esql_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/esql"
)

// Compile a query against a catalog, push source rows aligned with
// Inputs(), and read the rows STATS emits at Finish.
func Example() {
	prog, err := esql.Compile(`
FROM logs-aws.cloudtrail-*
| WHERE event.provider == "iam.amazonaws.com"
| EVAL window = DATE_TRUNC(10 seconds, @timestamp)
| STATS actions = COUNT_DISTINCT(event.action), seen = VALUES(event.action) BY window, user.name`,
		esql.Options{Catalog: esql.Catalog{
			"@timestamp":     esql.Datetime,
			"event.provider": esql.Keyword,
			"event.action":   esql.Keyword,
			"user.name":      esql.Keyword,
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var cols []string
	for _, c := range prog.Columns() {
		cols = append(cols, c.Name+":"+c.Type.String())
	}
	fmt.Println(strings.Join(cols, " "))
	fmt.Println(prog.Inputs())

	exec := prog.Start(func(row []esql.Value) error {
		fmt.Println(row)
		return nil
	})
	t0 := time.Date(2024, 5, 1, 12, 0, 3, 0, time.UTC)
	docs := []map[string]any{
		{"event.provider": "iam.amazonaws.com", "@timestamp": t0, "event.action": "ListUsers", "user.name": "alice"},
		{"event.provider": "iam.amazonaws.com", "@timestamp": t0.Add(time.Second), "event.action": "ListRoles", "user.name": "alice"},
		{"event.provider": "s3.amazonaws.com", "@timestamp": t0, "event.action": "ListBuckets", "user.name": "alice"},
	}
	types := esql.Catalog{"@timestamp": esql.Datetime, "event.provider": esql.Keyword, "event.action": esql.Keyword, "user.name": esql.Keyword}
	for _, d := range docs {
		row := make([]esql.Value, len(prog.Inputs()))
		for i, name := range prog.Inputs() {
			row[i], _ = esql.FromGo(types[name], d[name])
		}
		if err := exec.Push(row); err != nil {
			fmt.Println(err)
		}
	}
	if err := exec.Finish(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// actions:long seen:keyword window:date user.name:keyword
	// [event.provider @timestamp user.name event.action]
	// [2 [ListUsers, ListRoles] 2024-05-01T12:00:00.000Z alice]
}

// Compile reports errors with their position in the query.
func ExampleCompile() {
	_, err := esql.Compile("FROM logs\n| WHERE user.nmae == \"root\"", esql.Options{
		Catalog: esql.Catalog{"user.name": esql.Keyword},
	})
	fmt.Println(err)
	// Output: line 2:9: Unknown column [user.nmae]
}

// A ROW query needs no input: Finish emits its row. Values render as
// ES|QL's JSON response would.
func ExampleExecution_Finish() {
	prog, _ := esql.Compile(`ROW ip = TO_IP("10.0.0.1"), t = DATE_TRUNC(1 day, TO_DATETIME("2024-05-01T12:34:56Z")), n = NULL`, esql.Options{})
	exec := prog.Start(func(row []esql.Value) error {
		for i, v := range row {
			if i > 0 {
				fmt.Print(" ")
			}
			fmt.Printf("%#v", v.JSON())
		}
		fmt.Println()
		return nil
	})
	_ = exec.Finish()
	// Output: "10.0.0.1" "2024-05-01T00:00:00.000Z" <nil>
}

// Single-value functions given a multi-valued field return null and record
// Elasticsearch's warnings.
func ExampleExecution_Warnings() {
	prog, _ := esql.Compile(`FROM logs | WHERE user.name == "root"`, esql.Options{
		Catalog: esql.Catalog{"user.name": esql.Keyword},
	})
	exec := prog.Start(func(row []esql.Value) error { return nil })
	_ = exec.Push([]esql.Value{esql.Multi(esql.KeywordValue("root"), esql.KeywordValue("admin"))})
	_ = exec.Finish()
	for _, w := range exec.Warnings() {
		fmt.Println(w)
	}
	// Output:
	// Line 1:19: evaluation of [user.name == "root"] failed, treating result as null. Only first 20 failures recorded.
	// Line 1:19: java.lang.IllegalArgumentException: single-value function encountered multi-value
}

// Programs for ad-hoc queries carry Elasticsearch's implicit LIMIT.
func ExampleProgram_Warnings() {
	prog, _ := esql.Compile(`ROW a = 1`, esql.Options{DefaultLimit: 1000, MaxLimit: 10000})
	fmt.Println(prog.Warnings())
	// Output: [No limit defined, adding default limit of [1000]]
}
