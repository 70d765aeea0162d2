package main

import (
	"strings"
	"testing"
)

func TestQueryCommand(t *testing.T) {
	in := burstNDJSON()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // exact
		stderr string // substring
	}{
		{"ndjson rows keyed by column, typed values, in result order",
			[]string{"query", "--format", "ndjson", `FROM logs-aws.cloudtrail-* | STATS n = COUNT(*), earliest = MIN(@timestamp) BY user.name, source.ip | LIMIT 5`, "-"},
			0, `{"n":6,"earliest":"2026-11-02T08:00:00.000Z","user.name":"mallory","source.ip":"198.51.100.23"}` + "\n", ""},
		{"csv with header; multi-values in brackets",
			[]string{"query", "--format", "csv", `FROM logs-aws.cloudtrail-* | WHERE event.action LIKE "List*" | STATS a = VALUES(event.action) | EVAL a = MV_SORT(a) | LIMIT 1`, "-"},
			0, "a\n\"[ListBuckets, ListRoles]\"\n", ""},
		{"implicit limit warning, as Elasticsearch words it",
			[]string{"query", "--format", "csv", `FROM logs-aws.cloudtrail-* | KEEP event.action | SORT event.action | WHERE event.action == "ListRoles"`, "-"},
			0, "event.action\nListRoles\n", "No limit defined, adding default limit of [1000]"},
		{"table for people",
			[]string{"query", "--format", "table", `FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY user_agent.name | LIMIT 10`, "-"},
			0, "n  user_agent.name\n6  aws-cli\n(1 row)\n", ""},
		{"--max-rows caps a LIMIT",
			[]string{"query", "--max-rows", "2", "--format", "csv", `FROM logs-aws.cloudtrail-* | KEEP event.action | SORT event.action | LIMIT 5`, "-"},
			0, "event.action\nDescribeInstances\nDescribeRegions\n", ""},
		{"--max-rows caps the implicit limit too",
			[]string{"query", "--max-rows", "1", "--format", "csv", `FROM logs-aws.cloudtrail-* | KEEP event.action | SORT event.action`, "-"},
			0, "event.action\nDescribeInstances\n", ""},
		{"unknown column: error with its position, exit 2",
			[]string{"query", "FROM logs-aws.cloudtrail-*\n| WHERE nope > 1", "-"},
			2, "", "line 2:9: Unknown column [nope]"},
		{"syntax error: position, exit 2",
			[]string{"query", "FROM logs-aws.cloudtrail-* | WHERE (", "-"},
			2, "", "line 1:"},
		{"unknown index",
			[]string{"query", "FROM metrics-* | LIMIT 1", "-"},
			2, "", "Unknown index [metrics-*]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := trailql(t, in, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if tc.code == 0 && r.stdout != tc.stdout {
				t.Errorf("stdout:\n%q\nwant:\n%q", r.stdout, tc.stdout)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.stderr)
			}
		})
	}
}

// A query that would hold more STATS groups than --max-groups fails with a
// clear error (exit 1) instead of exhausting memory.
func TestQueryMaxGroups(t *testing.T) {
	r := trailql(t, burstNDJSON(), "query", "--max-groups", "3", `FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY event.id`, "-")
	if r.code != 1 || !strings.Contains(r.stderr, "query exceeds its memory limit: more than 3 STATS groups") || strings.Count(r.stderr, "memory limit") != 1 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
