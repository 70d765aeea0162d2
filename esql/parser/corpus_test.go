package parser

import (
	"github.com/trailql/trailql/internal/sharedtest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// ruleQuery reads the rule.query key of an Elastic detection rule TOML file.
func ruleQuery(t testing.TB, path string) string {
	t.Helper()
	var doc struct {
		Rule struct {
			Query string `toml:"query"`
		} `toml:"rule"`
	}
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Rule.Query
}

// TestCorpus parses every ES|QL rule Elastic publishes (shared/rules/
// elastic-esql-all) and checks that each round-trips through String.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(sharedtest.Dir(t, ""), "rules", "elastic-esql-all")
	files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(files) == 0 {
		t.Skipf("no rule files in %s", dir)
	}
	sort.Strings(files)
	ok := 0
	for _, f := range files {
		q := ruleQuery(t, f)
		name := filepath.Base(f)
		if q == "" {
			t.Errorf("%s: empty rule.query", name)
			continue
		}
		tree, err := Parse(q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if msg := roundTrip(tree); msg != "" {
			t.Errorf("%s: %s", name, msg)
			continue
		}
		if msg := checkSpans(tree); msg != "" {
			t.Errorf("%s: %s", name, msg)
			continue
		}
		ok++
	}
	t.Logf("%d of %d rule queries parse and round-trip", ok, len(files))
}

// TestSeedRule parses the seed rule's query and checks the parts the
// evaluator depends on.
func TestSeedRule(t *testing.T) {
	path := filepath.Join(sharedtest.Dir(t, ""), "seed", "discovery_multiple_discovery_api_calls_via_cli.toml")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("seed rule not available: %v", err)
	}
	q, err := Parse(ruleQuery(t, path))
	if err != nil {
		t.Fatal(err)
	}
	from := q.Source.(*FromCommand)
	if len(from.Indices) != 1 || from.Indices[0] != "logs-aws.cloudtrail-*" || len(from.Metadata) != 3 {
		t.Errorf("FROM = %s", from)
	}
	var kinds []string
	for _, c := range q.Commands {
		kinds = append(kinds, strings.SplitN(c.String(), " ", 2)[0])
	}
	if got := strings.Join(kinds, " "); got != "EVAL WHERE WHERE KEEP STATS WHERE" {
		t.Fatalf("commands = %s", got)
	}
	eval := q.Commands[0].(*EvalCommand)
	trunc := eval.Fields[0].Expr.(*Call)
	if eval.Fields[0].Name != "Esql.time_window_date_trunc" || trunc.Name != "date_trunc" ||
		trunc.Args[0].(*Literal).Value != (TimeSpan{N: 10, Unit: "seconds"}) {
		t.Errorf("EVAL = %s", eval)
	}
	in := q.Commands[2].(*WhereCommand).Cond.(*In)
	if lit, ok := in.X.(*Literal); !ok || lit.Value != true || len(in.List) != 4 {
		t.Errorf("true IN (...) = %s", in)
	}
	if n := len(q.Commands[3].(*KeepCommand).Patterns); n != 13 {
		t.Errorf("KEEP has %d patterns, want 13", n)
	}
	stats := q.Commands[4].(*StatsCommand)
	if len(stats.Aggs) != 12 || len(stats.Groups) != 2 || stats.Groups[1].Name != "aws.cloudtrail.user_identity.arn" {
		t.Errorf("STATS = %s", stats)
	}
	if msg := roundTrip(q); msg != "" {
		t.Error(msg)
	}
}
