package esql

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailql/trailql/esql/internal/analysis"
	"github.com/trailql/trailql/esql/internal/datemath"
	"github.com/trailql/trailql/esql/kql"
	"github.com/trailql/trailql/esql/parser"
)

// KQL(query[, options]) is true when the row matches the KQL query. The
// query is turned into a predicate the way Elasticsearch's KqlAstBuilder
// turns it into a Lucene query, field by field of the index mapping (here
// the catalog):
//
//   - keyword fields: term query (exact, case-sensitive unless the
//     case_insensitive option), or a wildcard query when the value has `*`;
//   - date fields: the interval the value denotes (range gte/lte);
//   - text fields: a quoted value is a phrase, an unquoted one any of its
//     standard-analyzed tokens (match query); `*` makes a query_string;
//   - numbers, ip (address or CIDR), booleans: the typed value; a value
//     that does not parse fails the query, as the unlenient match query does;
//   - a field name with `*` covers every matching field, any matching;
//     a field the index does not map matches nothing (MatchNoneQueryBuilder);
//   - `field:*` is an exists query, `field > v` a range query;
//   - a bare value searches the default fields: the default_field option,
//     else every keyword and text field (what Fleet sets as the integration
//     templates' index.query.default_field); such a query reads all of them.
//
// The result is never null: a document matches or it does not.

// kqlOptions are KQL's options (Kql.ALLOWED_OPTIONS; Elasticsearch 9.3+).
var kqlOptions = map[string]DataType{"boost": Double, "case_insensitive": Boolean, "time_zone": Keyword, "default_field": Keyword}

// rowPred tests a row; e gives the execution's now to date math on now.
type rowPred func(e *env, row []Value) bool

type kqlCompiler struct {
	c            *checker
	arg          parser.Expr // the query argument, to place errors
	query        string
	ci           bool
	dc           datemath.Context
	defaultField string
	ok           bool
}

// kqlField is an index field a KQL field name resolved to.
type kqlField struct {
	name string
	typ  DataType
	slot int
	// named is set when the query named the field rather than a pattern:
	// a value its type cannot take is then an error, not a skipped field.
	named bool
}

func (c *checker) compileKQL(n *parser.Call) *cexpr {
	if n.Star || len(n.Args) < 1 || len(n.Args) > 2 {
		c.errorf(n.Pos(), "error building [kql]: expects %s", arity(1, 2))
		return badExpr(n)
	}
	if !c.ftPlacement(n, "kql") {
		return badExpr(n)
	}
	q := c.compileExpr(n.Args[0])
	if !c.queryConstant(n, 0, q, "keyword, text", isStringT) {
		return badExpr(n)
	}
	k := &kqlCompiler{c: c, arg: n.Args[0], query: q.val.AsString(), ok: true,
		dc: datemath.Context{Now: c.now.AsTime(), Loc: time.UTC}}
	if len(n.Args) == 2 {
		opts, ok := c.ftOptions(n, n.Args[1], 1, kqlOptions)
		if !ok {
			return badExpr(n)
		}
		k.ci = opts["case_insensitive"].AsBool()
		if tz, ok := opts["time_zone"]; ok {
			loc, err := loadZone(tz.AsString())
			if err != nil {
				c.errorf(n.Args[1].Pos(), "Invalid option [time_zone] in [%s], %v", c.text(n), err)
				return badExpr(n)
			}
			k.dc.Loc = loc
		}
		k.defaultField = opts["default_field"].AsString()
	}
	ast, err := kql.Parse(k.query)
	if err != nil {
		var ke *kql.Error
		if errors.As(err, &ke) {
			k.syntaxError(ke)
		} else {
			c.errorf(k.arg.Pos(), "invalid KQL query [%s]: %v", k.query, err)
		}
		return badExpr(n)
	}
	pred := k.node(ast)
	if !k.ok {
		return badExpr(n)
	}
	return &cexpr{typ: Boolean, node: n, fn: func(e *env, row []Value) Value { return Bool(pred(e, row)) }}
}

// loadZone reads a time_zone option: an IANA name or a UTC offset.
func loadZone(s string) (*time.Location, error) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return datemath.ZoneOf(s)
	}
	if s == "Z" {
		return time.UTC, nil
	}
	return time.LoadLocation(s)
}

// at maps a position in the KQL text to the ES|QL query when the query is
// a string literal written without escapes, so errors point into it;
// exact is false when only the literal's start can be given.
func (k *kqlCompiler) at(p kql.Pos) (pos parser.Pos, exact bool) {
	lit, ok := k.arg.(*parser.Literal)
	if !ok {
		return k.arg.Pos(), false
	}
	raw := k.c.q.Text(lit.Extent())
	delim := `"`
	if strings.HasPrefix(raw, `"""`) {
		delim = `"""`
	}
	if len(raw) < 2*len(delim) || raw[len(delim):len(raw)-len(delim)] != k.query {
		return lit.Pos(), false
	}
	pos = lit.Pos()
	for _, r := range raw[:len(delim)+p.Offset] {
		pos.Offset += utf8.RuneLen(r)
		if r == '\n' {
			pos.Line++
			pos.Col = 1
		} else {
			pos.Col++
		}
	}
	return pos, true
}

func (k *kqlCompiler) syntaxError(e *kql.Error) {
	pos, exact := k.at(e.Pos)
	msg := e.Msg
	if !exact {
		msg = e.Error()
	}
	k.c.errorf(pos, "invalid KQL query [%s]: %s", k.query, msg)
	k.ok = false
}

// fail reports a query Elasticsearch would fail to build.
func (k *kqlCompiler) fail(p kql.Pos, format string, args ...any) {
	pos, _ := k.at(p)
	k.c.errorf(pos, "[KQL] function failed to create query [%s]: %s", k.query, fmt.Sprintf(format, args...))
	k.ok = false
}

// node compiles a query node.
func (k *kqlCompiler) node(n kql.Node) rowPred {
	switch n := n.(type) {
	case *kql.Bool:
		l, r := k.node(n.L), k.node(n.R)
		if n.Op == kql.And {
			return func(e *env, row []Value) bool { return l(e, row) && r(e, row) }
		}
		return func(e *env, row []Value) bool { return l(e, row) || r(e, row) }
	case *kql.Not:
		x := k.node(n.X)
		return func(e *env, row []Value) bool { return !x(e, row) }
	case *kql.MatchAll:
		return func(*env, []Value) bool { return true }
	case *kql.Exists:
		var preds []cellField
		for _, f := range k.resolve(n.Field) {
			preds = append(preds, cellField{slot: f.slot, pred: func(v Value) bool { return v.t != Null }})
		}
		return anyField(preds)
	case *kql.Range:
		op := rangeOp(n.Op) // kql.Lt.. and opLt.. are in the same order
		var preds []cellField
		for _, f := range k.resolve(n.Field) {
			text := n.Value.Text
			cf, err := k.fieldTest(f, text, func(dc datemath.Context) (cellPred, error) { return rangeQuery(f.typ, op, text, dc) })
			if err != nil {
				if f.named {
					k.fail(n.Value.At, "%v", err)
				}
				continue
			}
			preds = append(preds, cf)
		}
		return anyField(preds)
	case *kql.Nested:
		k.fail(n.At, "[%s] is not a valid nested field name.", n.Field.Name)
		return func(*env, []Value) bool { return false }
	case *kql.FieldQuery:
		if n.Field == nil {
			return k.fieldless(n.Value.(*kql.Literal))
		}
		return k.value(k.resolve(n.Field), n.Value)
	}
	k.fail(n.Pos(), "unsupported query [%s]", n)
	return func(*env, []Value) bool { return false }
}

// cellField is a test of one field's cell: pred, or, for date math on
// now, the test for the execution's now.
type cellField struct {
	slot int
	pred cellPred
	now  *nowPred
}

// fieldTest builds the test of one field for a value, bound per execution
// when it is date math on now.
func (k *kqlCompiler) fieldTest(f kqlField, text string, build func(dc datemath.Context) (cellPred, error)) (cellField, error) {
	pred, np, err := dateQuery(f.typ, text, k.dc, build)
	return cellField{slot: f.slot, pred: pred, now: np}, err
}

// test returns the field's test for the execution e.
func (f *cellField) test(e *env) cellPred {
	if f.now != nil {
		return f.now.at(e.now)
	}
	return f.pred
}

// anyField is true when any field's test is (false with none: a field
// name that resolves to nothing matches nothing).
func anyField(fs []cellField) rowPred {
	switch len(fs) {
	case 0:
		return func(*env, []Value) bool { return false }
	case 1:
		if f := &fs[0]; f.now != nil {
			return func(e *env, row []Value) bool { return f.now.at(e.now)(row[f.slot]) }
		}
		s, p := fs[0].slot, fs[0].pred
		return func(_ *env, row []Value) bool { return p(row[s]) }
	}
	return func(e *env, row []Value) bool {
		for i := range fs {
			if f := &fs[i]; f.test(e)(row[f.slot]) {
				return true
			}
		}
		return false
	}
}

// value compiles the value of `field:value`: each literal is a query on
// every resolved field, combined by the value's own and/or/not
// (parseBooleanFieldQuery).
func (k *kqlCompiler) value(fields []kqlField, v kql.Value) rowPred {
	switch v := v.(type) {
	case *kql.ValueNot:
		x := k.value(fields, v.X)
		return func(e *env, row []Value) bool { return !x(e, row) }
	case *kql.ValueBool:
		l, r := k.value(fields, v.L), k.value(fields, v.R)
		if v.Op == kql.And {
			return func(e *env, row []Value) bool { return l(e, row) && r(e, row) }
		}
		return func(e *env, row []Value) bool { return l(e, row) || r(e, row) }
	}
	lit := v.(*kql.Literal)
	var preds []cellField
	for _, f := range fields {
		cf, err := k.fieldTest(f, lit.Text, func(dc datemath.Context) (cellPred, error) { return k.fieldQuery(f, lit, dc) })
		if err != nil {
			if f.named {
				k.fail(lit.At, "%v", err)
			}
			continue
		}
		preds = append(preds, cf)
	}
	return anyField(preds)
}

// fieldQuery is the query KqlAstBuilder builds for one field and value,
// dates read against dc.
func (k *kqlCompiler) fieldQuery(f kqlField, lit *kql.Literal, dc datemath.Context) (cellPred, error) {
	switch {
	case lit.Wildcard && f.typ == Keyword:
		return wildcardQuery(lit.Text, k.ci), nil
	case lit.Wildcard && f.typ == Text:
		return queryStringText(lit.Text), nil
	case lit.Wildcard:
		return nil, fmt.Errorf("Can only use wildcard queries on keyword, text and wildcard fields - not on [%s] which is of type [%s]", f.name, f.typ)
	case f.typ == Text && lit.Quoted:
		return phraseQuery(analysis.Standard(lit.Text)), nil
	case f.typ == Text:
		return anyTokenQuery(analysis.Standard(lit.Text)), nil
	}
	return termQuery(f.typ, lit.Text, k.ci && f.typ == Keyword, dc)
}

// fieldless compiles a bare value: a multi_match (lenient) over the default
// fields, or a query_string when the value has `*`.
func (k *kqlCompiler) fieldless(lit *kql.Literal) rowPred {
	var fields []kqlField
	if k.defaultField != "" {
		fields = k.resolve(&kql.Field{Name: k.defaultField})
		for i := range fields {
			fields[i].named = false
		}
	} else {
		for _, name := range sortedCatalog(k.c.opts.Catalog) {
			if t := k.c.opts.Catalog[name]; t == Keyword || t == Text {
				fields = append(fields, k.resolve(&kql.Field{Name: name})...)
			}
		}
	}
	var preds []cellField
	for _, f := range fields {
		cf := cellField{slot: f.slot}
		var err error
		switch {
		case lit.Wildcard && f.typ == Keyword:
			cf.pred = queryStringKeyword(lit.Text)
		case lit.Wildcard && f.typ == Text:
			cf.pred = queryStringText(lit.Text)
		case lit.Wildcard:
			continue
		default:
			// multi_match has no case_insensitive.
			exact := *k
			exact.ci = false
			cf, err = exact.fieldTest(f, lit.Text, func(dc datemath.Context) (cellPred, error) { return exact.fieldQuery(f, lit, dc) })
		}
		if err == nil {
			preds = append(preds, cf)
		}
	}
	return anyField(preds)
}

func sortedCatalog(cat Catalog) []string {
	names := make([]string, 0, len(cat))
	for name := range cat {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// kqlIgnoredMetadata are the metadata fields KQL never searches
// (KqlParsingContext.IGNORED_METADATA_FIELDS).
var kqlIgnoredMetadata = map[string]bool{"_seq_no": true, "_index_mode": true, "_routing": true, "_ignored": true, "_nested_path": true, "_field_names": true}

// resolve finds the index fields a KQL field name or pattern denotes
// (KqlParsingContext.resolveFieldNames) and reads them as inputs. A quoted
// name is not expanded, and one with `*` then matches nothing.
func (k *kqlCompiler) resolve(f *kql.Field) []kqlField {
	cat := k.c.opts.Catalog
	pattern := !f.Quoted && strings.Contains(f.Name, "*")
	var names []string
	switch {
	case f.Quoted && strings.Contains(f.Name, "*"):
	case pattern:
		match := compileNamePattern(f.Name)
		for _, name := range sortedCatalog(cat) {
			if match(name) {
				names = append(names, name)
			}
		}
	default:
		if _, ok := cat[f.Name]; ok {
			names = []string{f.Name}
		} else if _, meta := metadataTypes[f.Name]; meta && !kqlIgnoredMetadata[f.Name] {
			if col := k.c.lookup(f.Name); col == nil || col.ref == nil || col.ref.input != f.Name {
				k.fail(f.At, "metadata field [%s] is only searchable here when FROM requests it (METADATA %s)", f.Name, f.Name)
				return nil
			}
			names = []string{f.Name}
		}
	}
	var out []kqlField
	for _, name := range names {
		col := k.c.lookup(name)
		if col == nil || col.ref == nil || col.ref.input != name {
			k.fail(f.At, "cannot operate on [%s], which is not a field from an index mapping", name)
			continue
		}
		out = append(out, kqlField{name: name, typ: col.typ, slot: k.c.slotOf(col), named: !pattern})
	}
	return out
}
