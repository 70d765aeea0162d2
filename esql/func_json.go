package esql

import (
	"github.com/trailql/trailql/esql/internal/jsonpath"
	"github.com/trailql/trailql/esql/parser"
)

// JSON_EXTRACT(string, path), as Elasticsearch's JsonExtract and JsonPath
// define it (x-pack/plugin/esql/.../scalar/string/JsonExtract.java and
// JsonPath.java; ES|QL docs "JSON_EXTRACT", preview since 9.4):
//
//   - the path is a subset of JSONPath (RFC 9535): dot keys (`a.b`), quoted
//     bracket keys (`['a.b']`, `["a"]`, with \' \" \\ escapes), array
//     indices (`[0]`, optional blanks inside the brackets, no leading zeros,
//     no negatives), an optional `$` root (`$.a`, `$[0]`, `$`, `$.` and ""
//     are the whole document); no wildcards, slices, filters or `..`;
//   - the result is a keyword: a string without its quotes, a number as its
//     literal text, true/false, and an object or array as the exact bytes
//     of the input (whitespace kept); JSON null gives null without warning;
//   - a malformed path, a missing key, an index out of bounds, a step into a
//     scalar or invalid JSON give null and a warning. A constant malformed
//     path fails the query instead (JsonPath is parsed when the evaluator
//     is built; JsonExtractTests' foldingWarningCase).
//
// Elasticsearch reads the document with a streaming (Jackson) parser and
// stops at the value it wants, so only the part of the input read up to
// that value must be valid JSON ({"a":1, garbage} gives 1 for path a), the
// first of duplicate keys wins, and Jackson's settings apply: comments are
// allowed, duplicate keys in the part read are an error, nesting is limited
// to 1000. jsonScanner reproduces that reading order.
//
// Not reproduced: a `_source` argument (trailql has no _source) and input
// that Elasticsearch's content sniffing takes for YAML (text starting with
// "---"), which it parses as YAML.

func init() {
	register("json_extract", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "keyword, text or _source", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		// A constant path is parsed once, and a malformed one fails the
		// query as it does when Elasticsearch builds the evaluator (unless
		// the document is the null literal, which folds the call to null).
		if p := a[1]; p.konst && p.val.t != Null && p.val.mv == nil && a[0].typ != Null {
			path, err := jsonpath.Parse(p.val.s)
			if err != nil {
				c.errorf(n.Pos(), "%s", err)
				return badExpr(n)
			}
			return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
				return jsonExtract(x.s, path)
			})
		}
		return c.res2(n, Keyword, a[0], a[1], func(x, y Value) (Value, *evalError) {
			path, err := jsonpath.Parse(y.s)
			if err != nil {
				return Value{}, illegalArg("%s", err)
			}
			return jsonExtract(x.s, path)
		})
	})
}

// jsonExtract is JSON_EXTRACT of one document and a parsed path: a keyword,
// null for a JSON null, or the failure as an IllegalArgumentException.
func jsonExtract(doc string, path *jsonpath.Path) (Value, *evalError) {
	s, null, err := jsonpath.Extract(doc, path)
	switch {
	case err != nil:
		return Value{}, illegalArg("%s", err)
	case null:
		return Value{}, nil
	}
	return KeywordValue(s), nil
}
