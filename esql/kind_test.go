package esql

import (
	"testing"

	"github.com/trailql/trailql/esql/parser"
)

// Each command has the kind its evaluation needs; unknown ones are
// Blocking.
func TestCommandKind(t *testing.T) {
	q, err := parser.Parse(`FROM logs
| WHERE bytes > 1 | EVAL b = bytes * 2 | KEEP user.name, b, @timestamp | DROP b | RENAME user.name AS u
| DISSECT u "%{a}-%{b}" | GROK u "%{WORD:w}" | MV_EXPAND u
| LIMIT 10
| STATS c = COUNT(*) BY u | INLINE STATS m = MAX(c) | SORT c`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Kind{RowLocal, RowLocal, RowLocal, RowLocal, RowLocal, RowLocal, RowLocal, RowLocal, Stateful, Blocking, Blocking, Blocking}
	if len(q.Commands) != len(want) {
		t.Fatalf("%d commands, want %d", len(q.Commands), len(want))
	}
	for i, cmd := range q.Commands {
		if got := CommandKind(cmd); got != want[i] {
			t.Errorf("%s: kind %d, want %d", cmd, got, want[i])
		}
	}
	if got := CommandKind(&parser.CompletionCommand{}); got != Blocking {
		t.Errorf("COMPLETION: kind %d, want Blocking", got)
	}
}

// LastStats finds the last top-level STATS, not an INLINE STATS;
// FirstBlocking the first command that is not row-local or calls NOW().
func TestLastStatsFirstBlocking(t *testing.T) {
	cases := []struct {
		query       string
		last, first int
	}{
		{"FROM logs | WHERE bytes > 1 | KEEP bytes", -1, -1},
		{"FROM logs | STATS c = COUNT(*) BY user.name | WHERE c > 1 | STATS n = COUNT(*)", 2, 0},
		{"FROM logs | EVAL x = 1 | STATS c = COUNT(*) BY user.name | INLINE STATS m = MAX(c)", 1, 1},
		{"FROM logs | INLINE STATS m = MAX(bytes)", -1, 0},
		{"FROM logs | EVAL x = 1 | LIMIT 5 | STATS COUNT(*)", 2, 1},
		{"FROM logs | EVAL x = 1 | EVAL t = NOW() | SORT x", -1, 1},
	}
	for _, c := range cases {
		p, err := Compile(c.query, Options{Catalog: splitCatalog, Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if p.LastStats() != c.last || p.FirstBlocking() != c.first {
			t.Errorf("%s: LastStats %d, FirstBlocking %d; want %d, %d", c.query, p.LastStats(), p.FirstBlocking(), c.last, c.first)
		}
	}
}
