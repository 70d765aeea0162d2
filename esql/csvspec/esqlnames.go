package csvspec

import "github.com/trailql/trailql/esql"

// The esql contract's DataType constants and Value constructors share names
// (Null, Keyword, Text, Datetime, ...), which Go cannot declare together, so
// the harness names the types through TypeFromMapping and builds values
// with FromGo and the zero Value (null), which the contract fixes.
var (
	typeKeyword     = esql.TypeFromMapping("keyword")
	typeText        = esql.TypeFromMapping("text")
	typeDatetime    = esql.TypeFromMapping("date")
	typeUnsupported = esql.TypeFromMapping("not-a-mapping-type")
)

// null is the null Value.
var null esql.Value

// keyword is a keyword Value.
func keyword(s string) esql.Value {
	v, _ := esql.FromGo(typeKeyword, s)
	return v
}
