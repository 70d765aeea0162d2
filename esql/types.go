// Package esql compiles ES|QL queries into push-based programs and runs them
// over rows supplied by the caller, with Elasticsearch's semantics: Kleene
// three-valued logic, multi-valued fields, STATS ... BY, DATE_TRUNC, the
// implicit LIMIT, and the warnings Elasticsearch returns. The semantics and
// their sources are summarised in docs/esql-semantics.md, which comments
// cite by section ("docs/esql-semantics.md §A2").
package esql

// DataType is an ES|QL data type, as reported in the "columns" of an ES|QL
// response.
type DataType uint8

// The ES|QL data types.
const (
	Null DataType = iota
	Boolean
	Integer
	Long
	UnsignedLong
	Double
	Keyword
	Text
	Datetime
	DateNanos
	IP
	Version
	TimeDuration
	DatePeriod
	GeoPoint
	Unsupported
)

var typeNames = [...]string{
	Null:         "null",
	Boolean:      "boolean",
	Integer:      "integer",
	Long:         "long",
	UnsignedLong: "unsigned_long",
	Double:       "double",
	Keyword:      "keyword",
	Text:         "text",
	Datetime:     "date",
	DateNanos:    "date_nanos",
	IP:           "ip",
	Version:      "version",
	TimeDuration: "time_duration",
	DatePeriod:   "date_period",
	GeoPoint:     "geo_point",
	Unsupported:  "unsupported",
}

// String returns the type name as ES|QL responses spell it ("keyword",
// "long", "date", ...).
func (t DataType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unsupported"
}

// TypeFromMapping maps an Elasticsearch mapping type to the ES|QL type a
// field of that mapping reads as (ES esql/type/EsqlDataTypes; keyword-family
// fields read as keyword, numeric narrow types widen to integer/double).
func TypeFromMapping(esType string) DataType {
	switch esType {
	case "keyword", "constant_keyword", "wildcard", "flattened":
		return Keyword
	case "text", "match_only_text":
		return Text
	case "long":
		return Long
	case "integer", "short", "byte":
		return Integer
	case "double", "float", "half_float", "scaled_float":
		return Double
	case "date":
		return Datetime
	case "date_nanos":
		return DateNanos
	case "boolean":
		return Boolean
	case "ip":
		return IP
	case "version":
		return Version
	case "geo_point":
		return GeoPoint
	case "unsigned_long":
		return UnsignedLong
	}
	return Unsupported
}

// isNumeric reports whether t is a numeric type.
func isNumeric(t DataType) bool {
	return t == Integer || t == Long || t == Double || t == UnsignedLong
}

// isString reports whether t is a string type (ES|QL's "string" = keyword or text).
func isString(t DataType) bool { return t == Keyword || t == Text }

// isDate reports whether t is a date type.
func isDate(t DataType) bool { return t == Datetime || t == DateNanos }

// isSpan reports whether t is a temporal amount type.
func isSpan(t DataType) bool { return t == TimeDuration || t == DatePeriod }
