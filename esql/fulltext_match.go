package esql

import (
	"fmt"
	"strings"

	"github.com/trailql/trailql/esql/internal/datemath"
	"github.com/trailql/trailql/esql/parser"
)

// MATCH(field, query[, options]) and `field : query` are Elasticsearch's
// match query on one field of the index (Match.java, MatchOperator.java;
// https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-match-query.html):
//
//   - keyword fields: the query is one term, equal to the whole value
//     (the keyword analyzer), or within `fuzziness` edits of it;
//   - text fields: the query is standard-analyzed into tokens, each a
//     SHOULD clause (OR) or, with `"operator": "AND"`, a MUST clause;
//     `minimum_should_match` sets how many must match; `fuzziness` lets a
//     token match indexed tokens within that many edits;
//   - other types: the query is parsed as the field's type and compared
//     with its values (ip also takes a CIDR block, dates denote an
//     interval). ES|QL makes the query lenient by default, so a value the
//     type cannot take matches nothing; `"lenient": false` makes it an
//     error.
//
// The field must be a field of the index, possibly converted
// (`field::keyword`); the query is evaluated on the field as indexed.

// matchOptions are MATCH's options (Match.ALLOWED_OPTIONS). boost,
// fuzzy_rewrite, max_expansions and auto_generate_synonyms_phrase_query
// are accepted and do not change which rows match here: boost is scoring,
// the analyzers have no synonyms, and a row is tested against its own
// terms only (max_expansions limits the index terms a fuzzy token expands
// to, which a per-row test cannot reproduce).
var matchOptions = map[string]DataType{
	"analyzer": Keyword, "auto_generate_synonyms_phrase_query": Boolean, "fuzziness": Keyword, "boost": Double,
	"fuzzy_transpositions": Boolean, "fuzzy_rewrite": Keyword, "lenient": Boolean, "max_expansions": Integer,
	"minimum_should_match": Keyword, "operator": Keyword, "prefix_length": Integer, "zero_terms_query": Keyword,
}

// matchFieldTypes and matchQueryTypes are what Match accepts
// (FIELD_DATA_TYPES, QUERY_DATA_TYPES), in the documented order.
var (
	matchFieldTypes = []DataType{Keyword, Text, Boolean, Datetime, DateNanos, Double, Integer, IP, Long, UnsignedLong, Version}
	matchQueryTypes = []DataType{Keyword, Boolean, Datetime, DateNanos, Double, Integer, IP, Long, UnsignedLong, Version}
)

func typeList(ts []DataType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}

func oneOf(ts []DataType) func(DataType) bool {
	return func(t DataType) bool {
		for _, x := range ts {
			if x == t {
				return true
			}
		}
		return false
	}
}

func (c *checker) compileMatchFunc(n *parser.Call) *cexpr {
	if n.Star || len(n.Args) < 2 || len(n.Args) > 3 {
		c.errorf(n.Pos(), "error building [match]: expects %s", arity(2, 3))
		return badExpr(n)
	}
	var opts parser.Expr
	if len(n.Args) == 3 {
		opts = n.Args[2]
	}
	return c.compileMatch(n, n.Args[0], n.Args[1], opts, "MATCH", "function")
}

// compileMatchOperator compiles `field : query`, MATCH without options.
func (c *checker) compileMatchOperator(n *parser.Match) *cexpr {
	return c.compileMatch(n, n.Field, n.Query, nil, ":", "operator")
}

func (c *checker) compileMatch(n, fieldArg, queryArg, optArg parser.Expr, name, kind string) *cexpr {
	if !c.ftPlacement(n, "match") {
		return badExpr(n)
	}
	field := c.compileExpr(fieldArg)
	if field.bad {
		return badExpr(n)
	}
	col := c.indexField(fieldArg)
	if col == nil {
		c.errorf(fieldArg.Pos(), "[%s] %s cannot operate on [%s], which is not a field from an index mapping", name, kind, c.text(fieldArg))
		return badExpr(n)
	}
	if field.typ != Null && !oneOf(matchFieldTypes)(field.typ) {
		c.argTypeError(n, 0, field, typeList(matchFieldTypes))
		return badExpr(n)
	}
	q := c.compileExpr(queryArg)
	if !c.queryConstant(n, 1, q, typeList(matchQueryTypes), oneOf(matchQueryTypes)) {
		return badExpr(n)
	}
	if !matchCompatible(field.typ, q.typ) {
		c.errorf(n.Pos(), "%s", incompatibleMessage(field.typ, q.typ, c.text(n)))
		return badExpr(n)
	}
	opts := map[string]Value{}
	if optArg != nil {
		var ok bool
		if opts, ok = c.ftOptions(n, optArg, 2, matchOptions); !ok {
			return badExpr(n)
		}
	}
	mq, err := newMatchQuery(opts)
	if err != nil {
		c.errorf(optArg.Pos(), "%v", err)
		return badExpr(n)
	}
	text := q.val.scalarString()
	pred, np, err := dateQuery(col.typ, text, datemath.Context{Now: c.now.AsTime()}, func(dc datemath.Context) (cellPred, error) {
		return mq.build(col.typ, col.name, text, dc)
	})
	if err != nil {
		c.errorf(n.Pos(), "[%s] %s failed to create query: %v", name, kind, err)
		return badExpr(n)
	}
	slot := c.slotOf(col)
	if np != nil {
		// Date math on now: the execution's now (fulltext_now.go).
		return &cexpr{typ: Boolean, node: n, fn: func(e *env, row []Value) Value { return Bool(np.at(e.now)(row[slot])) }}
	}
	return &cexpr{typ: Boolean, node: n, fn: func(_ *env, row []Value) Value { return Bool(pred(row[slot])) }}
}

// indexField returns the index field a full-text function's field
// argument reads: a column of the source, possibly converted (`f::type`,
// TO_xxx(f)); nil for anything computed.
func (c *checker) indexField(e parser.Expr) *column {
	for {
		switch x := e.(type) {
		case *parser.Paren:
			e = x.X
			continue
		case *parser.Cast:
			e = x.X
			continue
		case *parser.Call:
			if strings.HasPrefix(x.Name, "to_") && len(x.Args) == 1 {
				e = x.Args[0]
				continue
			}
		case *parser.Ident:
			col := c.lookup(x.Name)
			if col == nil || col.ref == nil || col.ref.input == "" || c.ft == nil || !c.ft.fromIndex {
				return nil
			}
			typ, ok := c.opts.Catalog[col.ref.input]
			if !ok {
				typ = metadataTypes[col.ref.input]
			}
			return &column{name: col.ref.input, typ: typ, ref: col.ref}
		}
		return nil
	}
}

// matchCompatible is Match.checkParamCompatibility: the query has the
// field's type, or is a string, or both are numbers (an unsigned_long
// query only for an unsigned_long field).
func matchCompatible(field, query DataType) bool {
	switch {
	case field == query || query == Keyword || field == Null:
		return true
	case isNumeric(field) && isNumeric(query):
		return query != UnsignedLong || field == UnsignedLong
	}
	return false
}

// incompatibleMessage is EsqlBinaryComparison.formatIncompatibleTypesMessage.
func incompatibleMessage(l, r DataType, src string) string {
	switch {
	case l == UnsignedLong:
		return fmt.Sprintf("first argument of [%s] is [unsigned_long] and second is [%s]. [unsigned_long] can only be operated on together with another [unsigned_long]", src, r)
	case r == UnsignedLong:
		return fmt.Sprintf("first argument of [%s] is [%s] and second is [unsigned_long]. [unsigned_long] can only be operated on together with another [unsigned_long]", src, l)
	}
	name := l.String()
	if isNumeric(l) {
		name = "numeric"
	}
	return fmt.Sprintf("first argument of [%s] is [%s] so second argument must also be [%s] but was [%s]", src, name, name, r)
}
