// Package kql parses the Kibana Query Language as Elasticsearch's KQL
// query (x-pack/plugin/kql, the parser behind ES|QL's KQL() function)
// reads it: `field:value`, `field:"phrase"`, `field:(a or b)`, `field:*`,
// ranges `field >= 5`, wildcards, `and`/`or`/`not` and parentheses.
//
// It only builds the syntax tree; what a query matches depends on the
// index mapping and is decided by the caller (package esql).
//
// Precedence follows Elasticsearch's grammar (KqlBase.g4), not Kibana's
// client-side KQL: `not` binds tightest, while `and` and `or` share one
// level and group to the right, so `a and b or c` is `a and (b or c)`
// (KqlParserBooleanQueryTests.testOperatorPrecedence). Inside a field group
// `f:(a or b and c)` they group to the left: `(a or b) and c`.
package kql

// Pos is a position in the query text: byte offset, 1-based line and
// 1-based column counted in runes.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Node is a query: a boolean combination of field queries.
type Node interface {
	// Pos is where the node starts in the query text.
	Pos() Pos
	// String renders the node as KQL that parses to an equal tree.
	String() string
	node()
}

// Op is a boolean operator.
type Op uint8

// The boolean operators.
const (
	And Op = iota
	Or
)

func (o Op) String() string {
	if o == And {
		return "and"
	}
	return "or"
}

// Bool is `L and R` or `L or R`.
type Bool struct {
	At   Pos
	Op   Op
	L, R Node
}

// Not is `not X`.
type Not struct {
	At Pos
	X  Node
}

// MatchAll is `*`, `*:*` or the empty query.
type MatchAll struct {
	At Pos
}

// Exists is `field:*`: the field has a value.
type Exists struct {
	At    Pos
	Field *Field
}

// RangeOp is the operator of a range query.
type RangeOp uint8

// The range operators.
const (
	Lt RangeOp = iota
	Lte
	Gt
	Gte
)

func (o RangeOp) String() string {
	return [...]string{"<", "<=", ">", ">="}[o]
}

// Range is `field < value`, `<=`, `>` or `>=`.
type Range struct {
	At    Pos
	Field *Field
	Op    RangeOp
	Value *Literal
}

// Nested is `field:{ query }`, a query on the objects of a nested field.
type Nested struct {
	At    Pos
	Field *Field
	Query Node
}

// FieldQuery is `field:value`, or a bare value (Field nil) that Elasticsearch
// searches in the index's default fields.
type FieldQuery struct {
	At    Pos
	Field *Field
	Value Value
}

// Value is the right side of a field query: a *Literal, or a boolean
// combination of values (`f:(a or not b)`), each matched against the field.
type Value interface {
	Pos() Pos
	String() string
	value()
}

// Literal is a value as written: a quoted string or unquoted words.
type Literal struct {
	At Pos
	// Text is the value after unescaping, words joined by one space, as
	// Elasticsearch's ParserUtils.extractText gives it.
	Text string
	// Quoted is set for "quoted" values: a phrase, never a wildcard.
	Quoted bool
	// Wildcard is set when the value has an unescaped `*`: Text is then a
	// wildcard pattern (ParserUtils.hasWildcard).
	Wildcard bool
}

// ValueNot is `not v` inside a field value.
type ValueNot struct {
	At Pos
	X  Value
}

// ValueBool is `v1 and v2` or `v1 or v2` inside a field group.
type ValueBool struct {
	At   Pos
	Op   Op
	L, R Value
}

// Field is a field name or pattern (`process.*`). A quoted name is taken
// literally: its `*` do not expand.
type Field struct {
	At     Pos
	Name   string
	Quoted bool
}

// Pos returns the start of the node.
func (n *Bool) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *Not) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *MatchAll) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *Exists) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *Range) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *Nested) Pos() Pos { return n.At }

// Pos returns the start of the node.
func (n *FieldQuery) Pos() Pos { return n.At }

// Pos returns the start of the value.
func (v *Literal) Pos() Pos { return v.At }

// Pos returns the start of the value.
func (v *ValueNot) Pos() Pos { return v.At }

// Pos returns the start of the value.
func (v *ValueBool) Pos() Pos { return v.At }

func (*Bool) node()       {}
func (*Not) node()        {}
func (*MatchAll) node()   {}
func (*Exists) node()     {}
func (*Range) node()      {}
func (*Nested) node()     {}
func (*FieldQuery) node() {}
func (*Literal) value()   {}
func (*ValueNot) value()  {}
func (*ValueBool) value() {}
