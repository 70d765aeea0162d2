package esql

import (
	"fmt"
	"github.com/trailql/trailql/esql/parser"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// splitCatalog is the schema of the split tests' documents.
var splitCatalog = Catalog{"@timestamp": Datetime, "event.action": Keyword, "user.name": Keyword,
	"source.ip": IP, "event.outcome": Keyword, "bytes": Long}

// splitQueries exercise the cuts a rule evaluator makes: at the last STATS
// of a query bucketed by DATE_TRUNC, before a WHERE calling NOW(), after
// EVAL, KEEP, DROP and RENAME, with METADATA and unnamed expressions whose
// column names come from the source text.
var splitQueries = []string{
	`FROM logs-* METADATA _id, _index
| EVAL w = DATE_TRUNC(10 minutes, @timestamp)
| WHERE event.action LIKE "Describe*" AND user.name != "root"
| KEEP @timestamp, w, event.action, user.name, source.ip
| STATS n = COUNT_DISTINCT(event.action), acts = VALUES(event.action), COUNT(*) BY w, user.name
| WHERE n > 2
| KEEP user.name, w, n, acts, ` + "`COUNT(*)`",
	`FROM logs-* METADATA _id
| WHERE @timestamp >= NOW() - 30 minutes AND event.outcome == "success"
| EVAL hour = DATE_TRUNC(1 hour, @timestamp), big = bytes > 500
| RENAME user.name AS who
| STATS c = COUNT(*), ids = VALUES(_id), MAX(bytes) BY who, big
| SORT c DESC, who
| LIMIT 5`,
	`FROM logs-*
| DROP source.ip
| EVAL a = CONCAT(user.name, ":", event.action), recent = @timestamp > NOW() - 10 minutes
| WHERE recent
| KEEP @timestamp, a, bytes`,
}

// Split's prefix and suffix, chained, give exactly the whole program's
// columns and rows, at every cut Split accepts, with NOW() bound per
// execution in both.
func TestSplitMatchesWhole(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	base := testNow.Add(-time.Hour)
	var docs []doc
	for i := 0; i < 400; i++ {
		docs = append(docs, doc{
			"@timestamp":    base.Add(time.Duration(r.Intn(3600_000)) * time.Millisecond).Format(time.RFC3339Nano),
			"event.action":  []string{"DescribeA", "DescribeB", "DescribeC", "ListD", "GetE"}[r.Intn(5)],
			"user.name":     []string{"alice", "bob", "root"}[r.Intn(3)],
			"source.ip":     fmt.Sprintf("10.0.0.%d", r.Intn(4)),
			"event.outcome": []string{"success", "failure"}[r.Intn(2)],
			"bytes":         int64(r.Intn(1000)),
			"_id":           fmt.Sprintf("id%d", i),
			"_index":        "logs-a",
		})
	}
	for qi, query := range splitQueries {
		p, err := Compile(query, Options{Catalog: splitCatalog, Now: testNow})
		if err != nil {
			t.Fatalf("query %d: %v", qi, err)
		}
		now := testNow.Add(-20 * time.Minute) // not the compile-time NOW
		want := execute(t, p, now, docs)
		if len(want) == 0 {
			t.Fatalf("query %d gives no rows: the comparison would prove nothing", qi)
		}
		cuts := 0
		for at := range p.Query().Commands {
			s, err := p.Split(at, SplitOptions{Keep: []string{}})
			if err != nil {
				t.Logf("query %d: no cut at %d: %v", qi, at, err)
				continue
			}
			cuts++
			if got := s.Suffix.Columns(); !slices.Equal(got, p.Columns()) {
				t.Errorf("query %d cut %d: suffix columns %v, whole %v", qi, at, got, p.Columns())
			}
			var mid [][]Value
			for _, row := range execute(t, s.Prefix, now, docs) {
				in := make([]Value, len(s.SuffixInputs))
				for i, j := range s.SuffixInputs {
					in[i] = row[j]
				}
				mid = append(mid, in)
			}
			got := executeRows(t, s.Suffix, now, mid)
			if render(got) != render(want) {
				t.Errorf("query %d cut %d (%s): split gives\n%s\nwhole gives\n%s", qi, at, p.Query().Commands[at], render(got), render(want))
			}
		}
		if cuts == 0 {
			t.Errorf("query %d: no cut accepted", qi)
		}
	}
}

// A Split with Keep and Filter: the kept column reaches the prefix output,
// and the filter only sheds rows the suffix drops anyway.
func TestSplitKeepAndFilter(t *testing.T) {
	p, err := Compile(splitQueries[1], Options{Catalog: splitCatalog, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Split(0, SplitOptions{Keep: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing Keep column: err %v", err)
	}
	if _, err := p.Split(len(p.Query().Commands), SplitOptions{}); err == nil {
		t.Error("cut past the end accepted")
	}
	s, err := p.Split(p.FirstBlocking(), SplitOptions{Keep: []string{"@timestamp"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(s.Prefix.Columns(), func(c Column) bool { return c.Name == "@timestamp" }) {
		t.Errorf("prefix columns %v lack @timestamp", s.Prefix.Columns())
	}
	// The NOW-free conjunct of the first WHERE, as a filter of the prefix.
	cond := p.Query().Commands[0].(*parser.WhereCommand).Cond.(*parser.Binary)
	s, err = p.Split(0, SplitOptions{Filter: []parser.Expr{cond.R}})
	if err != nil {
		t.Fatal(err)
	}
	docs := []doc{
		{"@timestamp": testNow.Add(-time.Minute).Format(time.RFC3339), "event.outcome": "success", "user.name": "a", "bytes": int64(1)},
		{"@timestamp": testNow.Add(-time.Minute).Format(time.RFC3339), "event.outcome": "failure", "user.name": "b", "bytes": int64(2)},
	}
	if pre := execute(t, s.Prefix, time.Time{}, docs); len(pre) != 1 {
		t.Errorf("prefix with the filter kept %d rows, want 1", len(pre))
	}
	if p.FirstBlocking() != 0 || p.LastStats() != 3 || !p.UsesNow() {
		t.Errorf("FirstBlocking %d, LastStats %d, UsesNow %v; want 0, 3, true", p.FirstBlocking(), p.LastStats(), p.UsesNow())
	}
}

// NOW() is bound per execution: one program, two times, two answers, each
// that of a program compiled with that time, in WHERE and EVAL, folded
// with constants (NOW() - 7 days) or not.
func TestNowPerExecution(t *testing.T) {
	var docs []doc
	for i := 0; i < 48; i++ {
		docs = append(docs, doc{"@timestamp": testNow.Add(-time.Duration(i) * 10 * time.Minute).Format(time.RFC3339), "bytes": int64(i)})
	}
	cases := []struct{ name, query string }{
		{"row where and eval", `ROW t = TO_DATETIME("2024-05-01T11:30:00Z") | WHERE t >= NOW() - 1 hour | EVAL d = DATE_DIFF("minute", t, NOW())`},
		{"row eval folded", `ROW x = 1 | EVAL n = NOW(), y = DATE_TRUNC(1 day, NOW() + 3 days)`},
		{"where lookback", `FROM logs | WHERE @timestamp >= NOW() - 1 hour | KEEP bytes`},
		{"eval age", `FROM logs | EVAL age = DATE_DIFF("minute", @timestamp, NOW()), old = @timestamp < NOW() - 2 hours | KEEP bytes, age, old`},
		{"stats after where", `FROM logs | WHERE @timestamp > NOW() - 3 hours | STATS n = COUNT(*), since = MIN(@timestamp)`},
		{"bound in a constant", `FROM logs | EVAL week = NOW() - 7 days | WHERE @timestamp > week + 6 days + 22 hours | KEEP bytes, week`},
	}
	later := testNow.Add(2 * time.Hour)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.query, Options{Catalog: splitCatalog, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			got := map[time.Time]string{}
			for _, now := range []time.Time{testNow, later} {
				q, err := Compile(c.query, Options{Catalog: splitCatalog, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				got[now] = render(execute(t, p, now, docs))
				if want := render(execute(t, q, time.Time{}, docs)); got[now] != want {
					t.Errorf("at %s: bound per execution\n%s\ncompiled with it\n%s", now, got[now], want)
				}
			}
			if got[testNow] == got[later] {
				t.Errorf("the same rows at two times:\n%s", got[testNow])
			}
			if zero := render(execute(t, p, time.Time{}, docs)); zero != got[testNow] {
				t.Errorf("unbound execution\n%s\nwant the compile-time one\n%s", zero, got[testNow])
			}
		})
	}
}

// execute runs p over docs with NOW() = now (zero: the compile-time one).
func execute(t *testing.T, p *Program, now time.Time, docs []doc) [][]Value {
	t.Helper()
	var rows [][]Value
	for _, d := range docs {
		row := make([]Value, 0, len(p.Inputs()))
		for _, name := range p.Inputs() {
			v, err := FromGo(inputType(splitCatalog, name), d[name])
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return executeRows(t, p, now, rows)
}

// executeRows runs p over input rows aligned with p.Inputs().
func executeRows(t *testing.T, p *Program, now time.Time, rows [][]Value) [][]Value {
	t.Helper()
	var out [][]Value
	x := p.StartWith(func(row []Value) error { out = append(out, CloneRow(row)); return nil }, ExecOptions{Now: now})
	for _, row := range rows {
		if err := x.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	return out
}

func render(rows [][]Value) string {
	var b strings.Builder
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Cuts around what a cut must carry over: an implicit LIMIT (added by the
// suffix only when the whole query has no LIMIT), null-typed and renamed
// columns, METADATA kept, renamed or dropped, and run-time warnings, which
// must quote the whole query's line:column.
func TestSplitEdges(t *testing.T) {
	adhoc := Options{Catalog: splitCatalog, Now: testNow, DefaultLimit: 1000, MaxLimit: 10000}
	rule := Options{Catalog: splitCatalog, Now: testNow}
	cases := []struct {
		name  string
		query string
		opts  Options
	}{
		{"limit before the cut", "FROM logs | LIMIT 50 | STATS n = COUNT(*) BY user.name | SORT user.name", adhoc},
		{"implicit limit", "FROM logs | WHERE bytes > 10 | STATS n = COUNT(*) BY user.name | SORT n DESC, user.name", adhoc},
		{"null column", "FROM logs | EVAL z = null, b = bytes * 2 | WHERE b > 100 | EVAL y = COALESCE(z, b) | KEEP y, z", rule},
		{"metadata renamed", "FROM logs METADATA _id, _index | RENAME _id AS doc | EVAL i = CONCAT(_index, doc) | KEEP i, doc", rule},
		{"metadata dropped", "FROM logs METADATA _id, _version | DROP _id | STATS v = MAX(_version) BY user.name | SORT user.name", rule},
		{"run-time warnings", "FROM logs\n| EVAL n = TO_LONG(user.name)\n| WHERE n IS NULL OR n > 0\n| EVAL m = bytes / (bytes - bytes)\n| KEEP n, m", rule},
		{"shadowed field before the cut", "FROM logs | STATS n = COUNT(*), n = MAX(bytes) BY user.name | SORT user.name | WHERE n > 0", rule},
		{"keep then stats", "FROM logs | KEEP user.*, bytes | STATS COUNT(*), SUM(bytes) BY user.name | SORT user.name", rule},
	}
	var docs []doc
	for i := 0; i < 200; i++ {
		docs = append(docs, doc{
			"@timestamp": testNow.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339),
			"user.name":  []string{"alice", "bob", "42"}[i%3],
			"bytes":      int64(i),
			"_id":        fmt.Sprintf("id%d", i),
			"_index":     "logs-a",
			"_version":   int64(i % 4),
		})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.query, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			want, wantWarn := executeWarn(t, p, docs)
			if len(want) == 0 {
				t.Fatal("no rows: the comparison would prove nothing")
			}
			for at := range p.Query().Commands {
				s, err := p.Split(at, SplitOptions{})
				if err != nil {
					t.Errorf("cut at %d: %v", at, err)
					continue
				}
				checkSplit(t, p, s, nil)
				pre, preWarn := executeWarn(t, s.Prefix, docs)
				var mid [][]Value
				for _, row := range pre {
					in := make([]Value, len(s.SuffixInputs))
					for i, j := range s.SuffixInputs {
						in[i] = row[j]
					}
					mid = append(mid, in)
				}
				var got [][]Value
				x := s.Suffix.Start(func(row []Value) error { got = append(got, CloneRow(row)); return nil })
				for _, row := range mid {
					if err := x.Push(row); err != nil {
						t.Fatal(err)
					}
				}
				if err := x.Finish(); err != nil {
					t.Fatal(err)
				}
				if render(got) != render(want) {
					t.Errorf("cut at %d: split gives\n%s\nwhole gives\n%s", at, render(got), render(want))
				}
				// Each expression runs in one part only, so the parts'
				// warnings together are the whole query's, with its
				// line:column (in another order: the prefix runs first).
				all := append(preWarn, x.Warnings()...)
				slices.Sort(all)
				if slices.Sort(wantWarn); !slices.Equal(all, wantWarn) {
					t.Errorf("cut at %d: warnings %q, whole %q", at, all, wantWarn)
				}
			}
		})
	}
}

// executeWarn runs p over docs and returns its rows and run-time warnings.
func executeWarn(t *testing.T, p *Program, docs []doc) ([][]Value, []string) {
	t.Helper()
	var out [][]Value
	x := p.Start(func(row []Value) error { out = append(out, CloneRow(row)); return nil })
	for _, d := range docs {
		row := make([]Value, 0, len(p.Inputs()))
		for _, name := range p.Inputs() {
			v, err := FromGo(inputType(splitCatalog, name), d[name])
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		if err := x.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	return out, x.Warnings()
}

// Split refuses cuts it cannot make.
func TestSplitErrors(t *testing.T) {
	p, err := Compile("FROM logs | KEEP user.name, bytes | STATS n = COUNT(*) BY user.name", Options{Catalog: splitCatalog, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   int
		opts SplitOptions
		want string
	}{
		{"before the first command", -1, SplitOptions{}, "split at command -1 of 2"},
		{"past the last command", 2, SplitOptions{}, "split at command 2 of 2"},
		{"keep column dropped before the cut", 1, SplitOptions{Keep: []string{"@timestamp"}}, "column @timestamp does not reach the cut"},
		{"keep column unknown", 0, SplitOptions{Keep: []string{"nope"}}, "column nope does not reach the cut"},
	}
	for _, c := range cases {
		if _, err := p.Split(c.at, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	row, err := Compile("ROW a = 1 | EVAL b = a + 1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := row.Split(0, SplitOptions{}); err == nil {
		t.Error("a ROW query was split")
	}
}
