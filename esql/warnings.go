package esql

import (
	"fmt"

	"github.com/trailql/trailql/esql/parser"
)

// maxFailures is how many failures Elasticsearch records per expression
// (compute/operator/Warnings.java: "Only first 20 failures recorded").
const maxFailures = 20

// site is an expression that can fail at run time and so report warnings:
// its position and source text, as Elasticsearch quotes them
// (docs/esql-semantics.md §A3).
type site struct {
	line, col int
	text      string
}

// evalError is a per-value failure: Elasticsearch turns the Java exception
// into null plus two warnings.
type evalError struct {
	class string // Java exception class, e.g. "java.lang.IllegalArgumentException"
	msg   string
}

// errMultiValue is the failure of a single-value function given a multi-value.
var errMultiValue = &evalError{"java.lang.IllegalArgumentException", "single-value function encountered multi-value"}

func illegalArg(format string, args ...any) *evalError {
	return &evalError{"java.lang.IllegalArgumentException", fmt.Sprintf(format, args...)}
}

func arithmeticErr(msg string) *evalError {
	return &evalError{"java.lang.ArithmeticException", msg}
}

// env is the per-execution state expressions read: the warning counters.
type env struct {
	// now is the value of NOW() for this execution (ExecOptions.Now).
	now      Value
	sites    []site
	failures []int
	warnings []string
	seen     map[string]bool
}

func newEnv(sites []site) *env {
	return &env{sites: sites, failures: make([]int, len(sites)), seen: map[string]bool{}}
}

// fail records a failure of site id the way Elasticsearch's Warnings does:
// the first failure adds "evaluation of [...] failed" and each of the first
// 20 adds the exception; response headers are de-duplicated.
func (e *env) fail(id int, err *evalError) Value {
	if e == nil || id < 0 || id >= len(e.failures) {
		return Value{}
	}
	n := e.failures[id]
	if n >= maxFailures {
		return Value{}
	}
	s := e.sites[id]
	if n == 0 {
		e.add(fmt.Sprintf("Line %d:%d: evaluation of [%s] failed, treating result as null. Only first %d failures recorded.", s.line, s.col, s.text, maxFailures))
	}
	e.add(fmt.Sprintf("Line %d:%d: %s: %s", s.line, s.col, err.class, err.msg))
	e.failures[id] = n + 1
	return Value{}
}

func (e *env) add(w string) {
	if e.seen[w] {
		return
	}
	e.seen[w] = true
	e.warnings = append(e.warnings, w)
}

// newSite registers a warning site for node n of the query.
func (c *checker) newSite(n parser.Expr) int {
	sp := n.Extent()
	c.sites = append(c.sites, site{line: sp.Start.Line, col: sp.Start.Col, text: c.q.Text(sp)})
	return len(c.sites) - 1
}
