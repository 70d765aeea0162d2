package detect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/esql"
)

// Keyword values longer than the mapping's ignore_above are not indexed by
// Elasticsearch, so ES|QL reads them as null (docs/cloudtrail-ecs-mapping.md §10):
// 8191 for request_parameters, 1024 for most other keywords.
func TestIgnoreAboveReadsAsNull(t *testing.T) {
	prog, err := CompileQuery(`FROM logs-aws.cloudtrail-* | KEEP aws.cloudtrail.request_parameters, user_agent.original | LIMIT 10`, CompileOptions{Now: time.Now()})
	must(t, err)
	var rows [][]esql.Value
	q := NewQuery(prog, Options{}, func(r []esql.Value) error { rows = append(rows, append([]esql.Value(nil), r...)); return nil })
	for _, tc := range []struct{ param, ua string }{
		{strings.Repeat("x", 8000), strings.Repeat("u", 1000)},
		{strings.Repeat("x", 8200), strings.Repeat("u", 1100)},
	} {
		raw, _ := json.Marshal(event("DescribeInstances", 0).with("requestParameters", map[string]any{"p": tc.param}).with("userAgent", tc.ua))
		must(t, q.Process(raw))
	}
	must(t, q.Finish())
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[0][0].IsNull() || rows[0][1].IsNull() {
		t.Errorf("values under the limits read as null: %v", rows[0])
	}
	if !rows[1][0].IsNull() || !rows[1][1].IsNull() {
		t.Errorf("values over ignore_above (8191, 1024) read as %v, want null", rows[1])
	}
}
