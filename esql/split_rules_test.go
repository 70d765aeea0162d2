package esql

import (
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/rule"
)

// ruleCase is a rule query with its catalog and input documents.
type ruleCase struct {
	name  string
	query string
	cat   Catalog
	docs  []doc
}

// bundledRuleCases are the bundled CloudTrail rules, over the rules'
// catalog (fields the test catalog lacks invented as keyword), each with
// random documents whose keyword values are drawn from the query's own
// string literals so that its filters pass often enough to give rows; and
// the seed rule over its fixture documents.
func bundledRuleCases(t *testing.T) []ruleCase {
	t.Helper()
	var cases []ruleCase
	for i, r := range rule.Bundled() {
		cat := Catalog{}
		for k, v := range ruleFieldTypes {
			cat[k] = v
		}
		if err := compileWithInventedFields(r.Query, cat); err != nil {
			t.Fatalf("%s: %v", r.Path, err)
		}
		q, err := parser.Parse(r.Query)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, ruleCase{name: r.Path, query: r.Query, cat: cat, docs: randomDocs(rand.New(rand.NewSource(int64(i))), q, cat, 1500)})
	}
	cases = append(cases, ruleCase{name: "seed", query: rule.Seed().Query, cat: seedCatalog, docs: seedDocs()})
	return cases
}

// randomDocs makes n documents over cat. A keyword field mostly takes a
// value the query compares it with (==, IN, LIKE, STARTS_WITH...), wildcards
// and prefixes filled with a few letters so that counts of distinct values
// can pass thresholds, else any string literal of the query; so the
// rules' filters pass often enough for their outputs to mean something.
func randomDocs(r *rand.Rand, q *parser.Query, cat Catalog, n int) []doc {
	pool := []string{"other", "x"}
	byField := map[string][]string{}
	nullable := map[string]bool{} // fields tested with IS NULL
	add := func(field parser.Expr, e parser.Expr, prefix bool) {
		id, ok1 := field.(*parser.Ident)
		lit, ok2 := e.(*parser.Literal)
		if !ok1 || !ok2 || lit.Kind != parser.StringLit {
			return
		}
		s := lit.Value.(string)
		if prefix {
			s += "*"
		}
		byField[id.Name] = append(byField[id.Name], s)
	}
	parser.Inspect(q, func(n parser.Node) bool {
		switch n := n.(type) {
		case *parser.Literal:
			if n.Kind == parser.StringLit {
				pool = append(pool, n.Value.(string))
			}
		case *parser.Binary:
			add(n.L, n.R, false)
			add(n.R, n.L, false)
		case *parser.IsNull:
			if id, ok := n.X.(*parser.Ident); ok {
				nullable[id.Name] = true
			}
		case *parser.In:
			for _, e := range n.List {
				add(n.X, e, false)
			}
		case *parser.Like:
			for _, e := range n.Patterns {
				add(n.X, e, false)
			}
		case *parser.Call:
			if len(n.Args) == 2 {
				add(n.Args[0], n.Args[1], n.Name == "starts_with")
			}
		}
		return true
	})
	fill := func(s string) string {
		s = strings.NewReplacer(".*", "*", "\\", "").Replace(s)
		var b strings.Builder
		for _, c := range s {
			switch c {
			case '*':
				b.WriteString([]string{"", "A", "B", "C", "D", "E", "F", "G"}[r.Intn(8)])
			case '?':
				b.WriteByte('y')
			default:
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	names := make([]string, 0, len(cat))
	for name := range cat {
		names = append(names, name)
	}
	slices.Sort(names)
	value := func(name string, t DataType) any {
		switch t {
		case Datetime:
			// Five minutes before the NOW() of the tests' executions: dense
			// enough for the rules' short windows to fill.
			return testNow.Add(-10*time.Minute - time.Duration(r.Int63n(int64(5*time.Minute)))).Format(time.RFC3339Nano)
		case IP:
			return fmt.Sprintf("10.0.0.%d", r.Intn(4))
		case Long:
			return int64(r.Intn(8))
		}
		if vs := byField[name]; len(vs) > 0 && r.Intn(10) < 8 {
			return fill(vs[r.Intn(len(vs))])
		}
		if r.Intn(2) == 0 {
			return fill(pool[r.Intn(len(pool))] + "*")
		}
		return fill(pool[r.Intn(len(pool))])
	}
	docs := make([]doc, n)
	for i := range docs {
		d := doc{"_id": fmt.Sprintf("id%d", i), "_index": "logs-aws.cloudtrail-default", "_version": int64(1 + i%3)}
		for _, name := range names {
			t := cat[name]
			switch x := r.Intn(30); {
			case x == 0, nullable[name] && x < 15: // missing: null
			case x == 1 && t != Datetime: // multi-valued
				d[name] = []any{value(name, t), value(name, t)}
			default:
				d[name] = value(name, t)
			}
		}
		docs[i] = d
	}
	return docs
}

// values reads docs with cat once, for the many programs that run over
// them.
func values(t *testing.T, cat Catalog, docs []doc) []map[string]Value {
	t.Helper()
	out := make([]map[string]Value, len(docs))
	for i, d := range docs {
		out[i] = map[string]Value{}
		for name, x := range d {
			v, err := FromGo(inputType(cat, name), x)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[i][name] = v
		}
	}
	return out
}

// executeOver runs p over docs (values), NOW() = now.
func executeOver(t *testing.T, p *Program, now time.Time, docs []map[string]Value) [][]Value {
	t.Helper()
	rows := make([][]Value, 0, len(docs))
	for _, d := range docs {
		row := make([]Value, 0, len(p.Inputs()))
		for _, name := range p.Inputs() {
			row = append(row, d[name]) // absent: the zero Value, null
		}
		rows = append(rows, row)
	}
	return executeRows(t, p, now, rows)
}

// runSplit feeds docs through s.Prefix, then the suffix inputs of each
// prefix row through s.Suffix.
func runSplit(t *testing.T, s *Split, now time.Time, docs []map[string]Value) [][]Value {
	t.Helper()
	var mid [][]Value
	for _, row := range executeOver(t, s.Prefix, now, docs) {
		in := make([]Value, len(s.SuffixInputs))
		for i, j := range s.SuffixInputs {
			in[i] = row[j]
		}
		mid = append(mid, in)
	}
	return executeRows(t, s.Suffix, now, mid)
}

// Every bundled rule, cut at every command Split accepts, with and
// without Keep @timestamp, and before a WHERE with its NOW-free conjuncts
// as Filter (as a caller replaying a rule cuts it): Prefix then Suffix give the whole program's
// rows, columns, Aggregating and warnings.
func TestSplitBundledRules(t *testing.T) {
	now := testNow.Add(-10 * time.Minute) // not the compile-time NOW
	var withRows, cuts atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d cuts; %d rules give rows", cuts.Load(), withRows.Load())
		if withRows.Load() < 10 {
			t.Errorf("only %d rules give rows: the comparisons prove little", withRows.Load())
		}
	})
	for _, rc := range bundledRuleCases(t) {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(rc.query, Options{Catalog: rc.cat, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			docs := values(t, rc.cat, rc.docs)
			want := render(executeOver(t, p, now, docs))
			if want != "" {
				withRows.Add(1)
			} else {
				t.Log("no rows")
			}
			for at := range p.Query().Commands {
				// A cut before a WHERE also runs, as a filter of the
				// prefix, those of its conjuncts that do not read NOW().
				var filter []parser.Expr
				if w, ok := p.Query().Commands[at].(*parser.WhereCommand); ok {
					for _, e := range andTerms(w.Cond) {
						if !NodeUsesNow(e) {
							filter = append(filter, e)
						}
					}
				}
				for _, keep := range [][]string{nil, {"@timestamp"}} {
					s, err := p.Split(at, SplitOptions{Keep: keep, Filter: filter})
					if err != nil {
						t.Logf("no cut at %d (keep %v): %v", at, keep, err)
						continue
					}
					cuts.Add(1)
					checkSplit(t, p, s, keep)
					if got := render(runSplit(t, s, now, docs)); got != want {
						t.Errorf("cut at %d (%s), keep %v, filter %v: split gives\n%s\nwhole gives\n%s", at, p.Query().Commands[at], keep, filter, got, want)
					}
				}
			}
		})
	}
}

// andTerms are the conjuncts of a condition.
func andTerms(e parser.Expr) []parser.Expr {
	for {
		p, ok := e.(*parser.Paren)
		if !ok {
			break
		}
		e = p.X
	}
	if b, ok := e.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(andTerms(b.L), andTerms(b.R)...)
	}
	return []parser.Expr{e}
}

// checkSplit checks the shape of a split of p: the suffix describes the
// whole query's result, the prefix outputs exactly the suffix's inputs and
// Keep.
func checkSplit(t *testing.T, p *Program, s *Split, keep []string) {
	t.Helper()
	if got := s.Suffix.Columns(); !slices.Equal(got, p.Columns()) {
		t.Errorf("suffix columns %v, whole %v", got, p.Columns())
	}
	if s.Suffix.Aggregating() != p.Aggregating() {
		t.Errorf("suffix Aggregating %v, whole %v", s.Suffix.Aggregating(), p.Aggregating())
	}
	if !slices.Equal(s.Suffix.Warnings(), p.Warnings()) {
		t.Errorf("suffix warnings %q, whole %q", s.Suffix.Warnings(), p.Warnings())
	}
	var names []string
	for _, c := range s.Prefix.Columns() {
		names = append(names, c.Name)
	}
	need := map[string]bool{}
	for i, in := range s.Suffix.Inputs() {
		need[in] = true
		if names[s.SuffixInputs[i]] != in {
			t.Errorf("suffix input %d %s is prefix column %d %s", i, in, s.SuffixInputs[i], names[s.SuffixInputs[i]])
		}
	}
	for _, k := range keep {
		need[k] = true
	}
	if len(names) != len(need) {
		t.Errorf("prefix columns %v, want exactly suffix inputs %v and keep %v", names, s.Suffix.Inputs(), keep)
	}
}

// The seed rule cut at its STATS, as a caller evaluating it window by
// window does: its alerts come out of the suffix.
func TestSplitSeedAtStats(t *testing.T) {
	p, err := Compile(rule.Seed().Query, Options{Catalog: seedCatalog, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	at := p.LastStats()
	if _, ok := p.Query().Commands[at].(*parser.StatsCommand); !ok {
		t.Fatalf("LastStats %d is not a STATS", at)
	}
	s, err := p.Split(at, SplitOptions{Keep: []string{"Esql.time_window_date_trunc"}})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, p, s, []string{"Esql.time_window_date_trunc"})
	docs := values(t, seedCatalog, seedDocs())
	want := render(executeOver(t, p, time.Time{}, docs))
	if strings.Count(want, "\n") != 3 {
		t.Fatalf("the seed fixture gives %d alerts, want 3", strings.Count(want, "\n"))
	}
	if got := render(runSplit(t, s, time.Time{}, docs)); got != want {
		t.Errorf("split gives\n%s\nwhole gives\n%s", got, want)
	}
	if !s.Suffix.Aggregating() || s.Prefix.Aggregating() {
		t.Errorf("Aggregating: suffix %v, prefix %v", s.Suffix.Aggregating(), s.Prefix.Aggregating())
	}
}

// TestCutsAreTheWidePrefix: the schema Compile records before each command
// a query may be cut at (Program.cuts, which Split reads instead of
// compiling the wide prefix) is the wide prefix's, with and without
// evidence, for every bundled rule.
func TestCutsAreTheWidePrefix(t *testing.T) {
	n := 0
	for _, rc := range bundledRuleCases(t) {
		for _, ev := range []*Evidence{nil, {ID: "event.id", Time: "@timestamp"}} {
			cat := rc.cat
			if ev != nil {
				cat = maps.Clone(cat)
				cat["event.id"], cat["@timestamp"] = Keyword, Datetime
			}
			p, err := Compile(rc.query, Options{Catalog: cat, Evidence: ev})
			if err != nil {
				t.Fatalf("%s: %v", rc.name, err)
			}
			for at, cols := range p.cuts {
				base := p.opts
				base.DefaultLimit, base.MaxLimit, base.cuts = 0, 0, false
				wide, err := compileQuery(&parser.Query{Input: p.q.Input, Source: p.q.Source, Commands: p.q.Commands[:at]}, base)
				if err != nil {
					t.Fatalf("%s: prefix before %d: %v", rc.name, at, err)
				}
				if !slices.Equal(wide.cols, cols) {
					t.Errorf("%s (evidence %v): cut %d: recorded %v, wide prefix %v", rc.name, ev != nil, at, cols, wide.cols)
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d cuts checked", n)
	}
}
