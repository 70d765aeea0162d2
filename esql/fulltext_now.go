package esql

import (
	"sync/atomic"

	"github.com/trailql/trailql/esql/internal/datemath"
	"github.com/trailql/trailql/esql/kql"
	"github.com/trailql/trailql/esql/parser"
)

// Date math on `now` in a full-text query (KQL("@timestamp >= now-1h"),
// MATCH(@timestamp, "now/d")) is resolved by Elasticsearch when the query
// runs, as NOW() is: a program compiled once and started at each scheduled
// time (ExecOptions.Now) must see that time here too. The query is checked
// and built at compile time with the compile-time now; a test whose date
// is anchored on now is rebuilt for an execution whose now differs.

// nowPred is a cell test built from query text anchored on now, for the
// now of the execution evaluating it.
type nowPred struct {
	dc    datemath.Context // the compile-time context; Now is replaced per build
	build func(dc datemath.Context) (cellPred, error)
	// last is the test most recently built, with the now it was built for.
	// Executions of a program run concurrently, usually with one now each:
	// an atomic pointer lets them share the test without a lock (two
	// executions with different nows only rebuild more often).
	last atomic.Pointer[builtPred]
}

type builtPred struct {
	ms   int64 // epoch milliseconds of the now it was built for
	pred cellPred
}

// newNowPred builds the test for the compile-time now, which fails as the
// query would, whatever the now.
func newNowPred(dc datemath.Context, build func(dc datemath.Context) (cellPred, error)) (*nowPred, error) {
	p, err := build(dc)
	if err != nil {
		return nil, err
	}
	np := &nowPred{dc: dc, build: build}
	np.last.Store(&builtPred{ms: dc.Now.UnixMilli(), pred: p})
	return np, nil
}

// at returns the test for now (a Datetime value, env.now).
func (p *nowPred) at(now Value) cellPred {
	ms := now.AsInt64()
	if b := p.last.Load(); b.ms == ms {
		return b.pred
	}
	dc := p.dc
	dc.Now = now.AsTime()
	pred, err := p.build(dc)
	if err != nil {
		// Date math fails on its syntax, which compiling checked, not on
		// the anchor's value: keep the compile-time test rather than fail
		// a row.
		return p.last.Load().pred
	}
	p.last.Store(&builtPred{ms: ms, pred: pred})
	return pred
}

// dateQuery builds the test of a field of type t for query text: when
// the field holds dates and the text is anchored on now, a test bound per
// execution (np set), else a fixed one (pred set).
func dateQuery(t DataType, text string, dc datemath.Context, build func(dc datemath.Context) (cellPred, error)) (pred cellPred, np *nowPred, err error) {
	if (t == Datetime || t == DateNanos) && datemath.UsesNow(text) {
		np, err = newNowPred(dc, build)
		return nil, np, err
	}
	pred, err = build(dc)
	return pred, nil, err
}

// fullTextUsesNow reports whether a node is a full-text call whose query
// may do date math on now. It reads syntax only, so it is conservative: a
// query value starting with "now" counts whatever the field's type, and a
// query that is not a string literal counts.
func fullTextUsesNow(n parser.Node) bool {
	switch n := n.(type) {
	case *parser.Call:
		switch {
		case n.Name == "kql" && len(n.Args) > 0:
			s, ok := stringLiteral(n.Args[0])
			if !ok {
				return true
			}
			ast, err := kql.Parse(s)
			return err == nil && kqlUsesNow(ast)
		case n.Name == "match" && len(n.Args) > 1:
			return matchUsesNow(n.Args[1])
		}
	case *parser.Match:
		return matchUsesNow(n.Query)
	}
	return false
}

// matchUsesNow reports whether a MATCH query argument may be date math on
// now: non-string literals (numbers, booleans) cannot.
func matchUsesNow(q parser.Expr) bool {
	if s, ok := stringLiteral(q); ok {
		return datemath.UsesNow(s)
	}
	lit, ok := q.(*parser.Literal)
	return !ok || lit.Kind == parser.ParamLit
}

func stringLiteral(e parser.Expr) (string, bool) {
	if lit, ok := e.(*parser.Literal); ok && lit.Kind == parser.StringLit {
		return lit.Value.(string), true
	}
	return "", false
}

// kqlUsesNow reports whether a KQL query has a value anchored on now.
func kqlUsesNow(n kql.Node) bool {
	switch n := n.(type) {
	case *kql.Bool:
		return kqlUsesNow(n.L) || kqlUsesNow(n.R)
	case *kql.Not:
		return kqlUsesNow(n.X)
	case *kql.Range:
		return datemath.UsesNow(n.Value.Text)
	case *kql.Nested:
		return kqlUsesNow(n.Query)
	case *kql.FieldQuery:
		return kqlValueUsesNow(n.Value)
	}
	return false
}

func kqlValueUsesNow(v kql.Value) bool {
	switch v := v.(type) {
	case *kql.Literal:
		return datemath.UsesNow(v.Text)
	case *kql.ValueNot:
		return kqlValueUsesNow(v.X)
	case *kql.ValueBool:
		return kqlValueUsesNow(v.L) || kqlValueUsesNow(v.R)
	}
	return false
}
