package detect

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/rule"
)

// Compiled is a rule whose query has been parsed, checked against the
// CloudTrail catalog and planned.
type Compiled struct {
	Rule    *rule.Rule
	Program *esql.Program
	// GroupBy names the output columns that identify an alert of an
	// aggregating rule: the BY columns of the last top-level STATS that survive
	// to the output. Nil for non-aggregating rules.
	GroupBy []string
	// maxGroups bounds the groups of its STATS (esql.Options.MaxGroups).
	maxGroups int

	planOnce sync.Once
	planned  *plan
}

// plan returns the rule's shape and cut (plan.go), decided once.
func (c *Compiled) plan() *plan {
	c.planOnce.Do(func() { c.planned = planRule(c) })
	return c.planned
}

// columns names the query's own output columns: those of the program but
// the evidence column it adds (esql.Options.Evidence), which alerts carry as
// trailql.evidence.* instead.
func (c *Compiled) columns() []string {
	names := columnNames(c.Program.Columns())
	if c.Program.Evidence() {
		names = names[:len(names)-1]
	}
	return names
}

// evidence traces every rule's rows to the events behind them by their
// event.id, oldest first by @timestamp (alert.EvidenceIDs).
var evidence = &esql.Evidence{ID: "event.id", Time: "@timestamp"}

// CompileOptions tune Compile.
type CompileOptions struct {
	// Now is the value of NOW() (replayed rules bind it to each run).
	Now time.Time
	// MaxGroups bounds the groups one STATS may hold (see
	// esql.Options.MaxGroups); 0 means esql.DefaultMaxGroups.
	MaxGroups int
	// MaxRows caps an ad-hoc query's rows whatever its LIMIT
	// (CompileQuery; 0 means QueryMaxLimit).
	MaxRows int
}

// Compile compiles each rule's query. Errors name the rule file and the
// position in that file, e.g. "rules/x.toml:42:7: Unknown column [foo]".
// Rules that compile are returned even when others fail.
func Compile(rules []*rule.Rule, now time.Time) ([]*Compiled, error) {
	return CompileWith(rules, CompileOptions{Now: now})
}

// CompileWith is Compile with options.
func CompileWith(rules []*rule.Rule, opts CompileOptions) ([]*Compiled, error) {
	// Rules compile on every core: start-up of a run over a small input
	// is mostly compiling (25 bundled rules).
	compiled := make([]*Compiled, len(rules))
	errs := make([]error, len(rules))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, r := range rules {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			compiled[i], errs[i] = compileRule(r, opts)
			if compiled[i] != nil {
				compiled[i].plan() // cut here, on every core, not when a driver starts
			}
		}()
	}
	wg.Wait()
	var out []*Compiled
	for _, c := range compiled {
		if c != nil {
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

// CompileRule compiles one rule. Rules are executed without an implicit LIMIT:
// Kibana appends its own `| limit max_signals+1` per execution, which trailql
// replaces by keeping every alert (docs/architecture.md "Implicit LIMIT").
func CompileRule(r *rule.Rule, now time.Time) (*Compiled, error) {
	return compileRule(r, CompileOptions{Now: now})
}

func compileRule(r *rule.Rule, opts CompileOptions) (*Compiled, error) {
	if !strings.EqualFold(r.Language, "esql") && !strings.EqualFold(r.Type, "esql") {
		return nil, fmt.Errorf("%s: rule %q is of type %q, not esql", r.Path, r.Name, r.Type)
	}
	prog, err := esql.Compile(r.Query, esql.Options{Catalog: Catalog(), Now: opts.Now, MaxGroups: opts.MaxGroups, Evidence: evidence})
	if err == nil {
		err = checkIndices(prog.Query())
	}
	if err != nil {
		return nil, RuleError(r, err)
	}
	c := &Compiled{Rule: r, Program: prog, maxGroups: opts.MaxGroups}
	if prog.Aggregating() {
		c.GroupBy = groupColumns(prog)
	}
	return c, nil
}

// RuleError rewrites the positions of a query error into positions in the
// rule file: "rules/x.toml:42:7: Unknown column [foo]", one line per error.
func RuleError(r *rule.Rule, err error) error {
	var list parser.ErrorList
	if !errors.As(err, &list) {
		return fmt.Errorf("%s: %w", r.Path, err)
	}
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			b.WriteByte('\n')
		}
		line, col := r.FileLine(e.Pos.Line, e.Pos.Col)
		fmt.Fprintf(&b, "%s:%d:%d: %s", r.Path, line, col, e.Msg)
	}
	return errors.New(b.String())
}

// groupColumns finds the BY columns of the last top-level STATS that are
// still present in the output. They identify an aggregate alert: the same
// group always gives the same alert id, so re-runs never duplicate it.
func groupColumns(prog *esql.Program) []string {
	var last *parser.StatsCommand
	for _, cmd := range prog.Query().Commands {
		if s, ok := cmd.(*parser.StatsCommand); ok && !s.Inline {
			last = s
		}
	}
	if last == nil {
		return nil
	}
	present := make(map[string]bool)
	for _, col := range prog.Columns() {
		present[col.Name] = true
	}
	groups := []string{}
	for _, g := range last.Groups {
		if present[g.Name] {
			groups = append(groups, g.Name)
		}
	}
	return groups
}
