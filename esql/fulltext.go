package esql

import (
	"fmt"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// Full-text functions (KQL, MATCH and the `:` operator) are Lucene queries
// in Elasticsearch: they run against the inverted index of the documents
// FROM reads. trailql has no index, so it evaluates each one as a predicate
// over the row's source fields, with the index's semantics (exact terms on
// keyword fields, standard-analyzed tokens on text fields, typed values
// elsewhere). Elasticsearch's placement rules are kept because they are
// what makes that equivalence hold: the fields must still be the index's
// (FullTextFunction.checkFullTextQueryFunctions, fieldVerifier).

// ftScope is a place where full-text functions are allowed: the condition
// of a WHERE or the filter of a STATS aggregate.
type ftScope struct {
	// afterKQL lists the commands before this one that KQL may not follow
	// (anything but FROM, WHERE and SORT), nearest first; afterMatch those
	// no full-text function may follow (LIMIT and STATS).
	afterKQL, afterMatch []string
	at                   parser.Pos // the command, where "cannot be used after" is reported
	fromIndex            bool       // the source is FROM (ROW has no index fields)
	reported             map[string]bool
}

// fullTextFunc returns the builder of a full-text function call, if name
// is one; they take a map of options and have their own placement rules,
// so they bypass the scalar function registry.
func fullTextFunc(name string) (func(c *checker, n *parser.Call) *cexpr, bool) {
	switch name {
	case "kql":
		return (*checker).compileKQL, true
	case "match":
		return (*checker).compileMatchFunc, true
	}
	return nil, false
}

// ftName is how Elasticsearch names a full-text function in messages.
var ftName = map[string]string{"kql": "KQL", "match": "MATCH"}

// enterFullText opens the scope of a WHERE condition or STATS filter: it
// records which earlier commands restrict full-text functions and checks
// that each full-text function in cond sits only under AND, OR, NOT,
// comparisons or other full-text functions. The returned func closes it.
func (c *checker) enterFullText(cmd parser.Command, cond parser.Expr) func() {
	s := &ftScope{at: cmd.Pos(), reported: map[string]bool{}}
	_, s.fromIndex = c.q.Source.(*parser.FromCommand)
	if _, ok := cmd.(*parser.WhereCommand); ok {
		// Elasticsearch checks the commands before a Filter only: an
		// aggregate's filter runs on the index's documents as long as its
		// fields are still the index's, which resolving them checks.
		s.restrict(c.q, cmd)
	}
	c.checkFullTextParents(cond)
	prev := c.ft
	c.ft = s
	return func() { c.ft = prev }
}

// restrict records the commands before cmd that full-text functions may
// not follow, nearest first.
func (s *ftScope) restrict(q *parser.Query, cmd parser.Command) {
	prior := []parser.Command{q.Source}
	for _, x := range q.Commands {
		if x == cmd {
			break
		}
		prior = append(prior, x)
	}
	for i := len(prior) - 1; i >= 0; i-- {
		x := prior[i]
		name := commandName(x)
		if st, ok := x.(*parser.StatsCommand); ok && st.Inline {
			name = "INLINE" // the first word of the command, as Elasticsearch names it
		}
		switch x.(type) {
		case *parser.FromCommand, *parser.WhereCommand, *parser.SortCommand:
		default:
			if !contains(s.afterKQL, name) {
				s.afterKQL = append(s.afterKQL, name)
			}
		}
		switch x.(type) {
		case *parser.LimitCommand, *parser.StatsCommand:
			if !contains(s.afterMatch, name) {
				s.afterMatch = append(s.afterMatch, name)
			}
		}
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// compileWhere compiles a WHERE condition. Elasticsearch pushes the
// conjuncts made only of full-text functions down to Lucene with the other
// pushable ones, so rows they reject never reach the rest of the condition
// (and never raise its warnings: kqlWithFunctionPushedToLucene in
// kql-function.csv-spec expects none from a CIDR_MATCH on multi-valued
// rows the KQL rejects). The full-text conjuncts are therefore tested first.
func (c *checker) compileWhere(cmd *parser.WhereCommand) *cexpr {
	leave := c.enterFullText(cmd, cmd.Cond)
	defer leave()
	var ft, rest []parser.Expr
	for _, x := range splitAnd(cmd.Cond) {
		if pureFullText(x) {
			ft = append(ft, x)
		} else {
			rest = append(rest, x)
		}
	}
	if len(ft) == 0 || len(rest) == 0 {
		return c.compileExpr(cmd.Cond)
	}
	var fns []evalFn
	bad := false
	for _, x := range ft {
		fx := c.compileExpr(x)
		bad = bad || fx.bad
		fns = append(fns, fx.fn)
	}
	r := rest[0]
	for _, x := range rest[1:] {
		r = &parser.Binary{Span: parser.Span{Start: r.Extent().Start, End: x.Extent().End}, Op: parser.OpAnd, L: r, R: x}
	}
	rx := c.compileExpr(r)
	if bad || rx.bad {
		return badExpr(cmd.Cond)
	}
	typ := rx.typ
	if typ == Null {
		typ = Boolean
	}
	restFn := rx.fn
	return &cexpr{typ: typ, node: cmd.Cond, warns: rx.warns, fn: func(e *env, row []Value) Value {
		for _, f := range fns {
			if !f(e, row).AsBool() {
				return Bool(false)
			}
		}
		return restFn(e, row)
	}}
}

// splitAnd lists the conjuncts of a condition.
func splitAnd(e parser.Expr) []parser.Expr {
	switch x := e.(type) {
	case *parser.Paren:
		return splitAnd(x.X)
	case *parser.Binary:
		if x.Op == parser.OpAnd {
			return append(splitAnd(x.L), splitAnd(x.R)...)
		}
	}
	return []parser.Expr{e}
}

// pureFullText reports whether e is full-text functions combined by AND,
// OR and NOT only: what Lucene evaluates whole.
func pureFullText(e parser.Expr) bool {
	switch x := e.(type) {
	case *parser.Paren:
		return pureFullText(x.X)
	case *parser.Unary:
		return x.Op == parser.OpNot && pureFullText(x.X)
	case *parser.Binary:
		return (x.Op == parser.OpAnd || x.Op == parser.OpOr) && pureFullText(x.L) && pureFullText(x.R)
	}
	_, _, ok := isFullText(e)
	return ok
}

// isFullText reports whether e is a full-text function or operator, and
// its name and kind ("function" or "operator") for messages.
func isFullText(e parser.Expr) (name, kind string, ok bool) {
	switch e := e.(type) {
	case *parser.Match:
		return ":", "operator", true
	case *parser.Call:
		if n, ok := ftName[e.Name]; ok {
			return n, "function", true
		}
	}
	return "", "", false
}

// checkFullTextParents reports a full-text function under anything but
// AND, OR, NOT, a comparison or another full-text function
// (checkFullTextFunctionsParents): Lucene can only combine it so.
func (c *checker) checkFullTextParents(cond parser.Expr) {
	reported := map[string]bool{}
	var walk func(e parser.Expr, ancestors []parser.Expr)
	walk = func(e parser.Expr, ancestors []parser.Expr) {
		if e == nil {
			return
		}
		if name, kind, ok := isFullText(e); ok {
			for i := len(ancestors) - 1; i >= 0; i-- {
				if p := parentName(ancestors[i]); p != "" {
					msg := fmt.Sprintf("Invalid condition [%s]. [%s] %s can't be used with %s", c.text(cond), name, kind, p)
					if !reported[msg] {
						reported[msg] = true
						c.errorf(cond.Pos(), "%s", msg)
					}
					break
				}
			}
		}
		anc := append(ancestors, e)
		for _, ch := range exprChildren(e) {
			walk(ch, anc)
		}
	}
	walk(cond, nil)
}

// parentName is "" for a node a full-text function may sit under, else
// the function name Elasticsearch reports for it.
func parentName(e parser.Expr) string {
	switch e := e.(type) {
	case *parser.Paren:
		return ""
	case *parser.Unary:
		if e.Op == parser.OpNot {
			return ""
		}
		return "NEG"
	case *parser.Binary:
		switch e.Op {
		case parser.OpAnd, parser.OpOr, parser.OpEq, parser.OpNeq, parser.OpLt, parser.OpLte, parser.OpGt, parser.OpGte:
			return ""
		case parser.OpEqIgnoreCase:
			return "INSENSITIVEEQUALS"
		case parser.OpAdd:
			return "ADD"
		case parser.OpSub:
			return "SUB"
		case parser.OpMul:
			return "MUL"
		case parser.OpDiv:
			return "DIV"
		}
		return "MOD"
	case *parser.Match:
		return ""
	case *parser.Call:
		if _, ok := ftName[e.Name]; ok {
			return ""
		}
		return strings.ToUpper(e.Name)
	case *parser.In:
		return "IN"
	case *parser.IsNull:
		if e.Not {
			return "ISNOTNULL"
		}
		return "ISNULL"
	case *parser.Like:
		if e.Regex {
			return "RLIKE"
		}
		return "WILDCARDLIKE"
	case *parser.Cast:
		return "TO_" + strings.ToUpper(e.Type)
	}
	return "EXPRESSION"
}

// exprChildren lists an expression's sub-expressions.
func exprChildren(e parser.Expr) []parser.Expr {
	var out []parser.Expr
	parser.Inspect(e, func(n parser.Node) bool {
		if n == parser.Node(e) {
			return true
		}
		if x, ok := n.(parser.Expr); ok {
			out = append(out, x)
		}
		return false
	})
	return out
}

// ftPlacement reports, once per scope, the placement errors of a
// full-text function: outside WHERE/STATS, or after commands that change
// what the index holds. It returns false if the call cannot be compiled.
func (c *checker) ftPlacement(n parser.Expr, fn string) bool {
	name, kind, _ := isFullText(n)
	if c.ft == nil {
		c.errorf(n.Pos(), "[%s] %s is only supported in WHERE and STATS commands", name, kind)
		return false
	}
	ok := true
	report := func(after string) {
		ok = false
		msg := fmt.Sprintf("[%s] %s cannot be used after %s", name, kind, after)
		if !c.ft.reported[msg] {
			c.ft.reported[msg] = true
			c.errorf(c.ft.at, "%s", msg)
		}
	}
	if fn == "kql" {
		for _, after := range c.ft.afterKQL {
			report(after)
		}
	}
	for _, after := range c.ft.afterMatch {
		report(after)
	}
	return ok
}
