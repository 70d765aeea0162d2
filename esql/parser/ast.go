// Package parser turns ES|QL query text into an abstract syntax tree.
//
// The package is split like Prometheus's promql/parser: lex.go holds the
// lexer, parse.go the recursive-descent parser, ast.go the node types and
// print.go the String methods that render a node back as valid ES|QL.
// Semantic checks (unknown columns, types) are not done here; they belong to
// the esql package, which compiles a *Query into an executable program.
//
// Grammar reference: Elasticsearch's EsqlBaseParser.g4 and EsqlBaseLexer.g4
// (x-pack/plugin/esql/src/main/antlr), summarised in docs/esql-semantics.md §A1.
package parser

// Pos is a position in the query text. Line and Col are 1-based; Col counts
// runes from the start of the line, as Elasticsearch reports "line L:C".
// Offset is the 0-based byte offset into the query text.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Span is the half-open byte range [Start.Offset, End.Offset) of a node in the
// query text. Elasticsearch names unnamed EVAL/STATS columns and reports
// warnings using the source text of an expression, which Query.Text recovers.
type Span struct {
	Start Pos
	End   Pos
}

// Pos returns the start of the span; every node reports its position this way.
func (s Span) Pos() Pos { return s.Start }

// Node is any element of the syntax tree.
type Node interface {
	// Pos is where the node starts in the query text.
	Pos() Pos
	// String renders the node as valid ES|QL that parses to an equal tree.
	String() string
}

// Query is a parsed ES|QL query: one source command followed by processing
// commands separated by pipes.
type Query struct {
	// Input is the query text exactly as given to Parse.
	Input string
	// Source is the first command: *FromCommand or *RowCommand.
	Source Command
	// Commands are the processing commands in pipeline order.
	Commands []Command
}

// Command is a source or processing command.
type Command interface {
	Node
	commandNode()
}

// Expr is an expression.
type Expr interface {
	Node
	exprNode()
	// Extent is the span of the expression's source text.
	Extent() Span
}

// ---------------------------------------------------------------------------
// Commands

// FromCommand is `FROM pattern[, pattern...] [METADATA field[, field...]]`.
type FromCommand struct {
	Span
	// Indices are the index patterns as written (quotes removed), e.g.
	// "logs-aws.cloudtrail-*".
	Indices []string
	// Metadata are the requested metadata fields, e.g. "_id", "_version".
	Metadata []string
}

// RowCommand is `ROW name = expr[, ...]`; it produces one row of constants.
type RowCommand struct {
	Span
	Fields []*Field
}

// WhereCommand is `WHERE condition`.
type WhereCommand struct {
	Span
	Cond Expr
}

// EvalCommand is `EVAL [name =] expr[, ...]`.
type EvalCommand struct {
	Span
	Fields []*Field
}

// KeepCommand is `KEEP pattern[, ...]`; patterns may contain `*`.
type KeepCommand struct {
	Span
	Patterns []*NamePattern
}

// DropCommand is `DROP pattern[, ...]`; patterns may contain `*`.
type DropCommand struct {
	Span
	Patterns []*NamePattern
}

// RenameCommand is `RENAME old AS new[, ...]` (or the 9.x form `new = old`).
type RenameCommand struct {
	Span
	Renames []*Rename
}

// Rename is one `old AS new` clause of RENAME.
type Rename struct {
	Span
	Old *NamePattern
	New *NamePattern
}

// StatsCommand is `STATS [agg[, ...]] [BY group[, ...]]`, or with Inline set,
// `INLINE STATS ...` (which keeps the input rows and appends the aggregates).
type StatsCommand struct {
	Span
	Inline bool
	Aggs   []*AggField
	Groups []*Field
}

// AggField is one aggregate of STATS: `[name =] expr [WHERE filter]`.
type AggField struct {
	*Field
	// Filter, when not nil, restricts the rows the aggregate sees
	// (`COUNT(*) WHERE cond`).
	Filter Expr
}

// SortCommand is `SORT expr [ASC|DESC] [NULLS FIRST|LAST][, ...]`.
type SortCommand struct {
	Span
	Orders []*Order
}

// Order is one sort key.
type Order struct {
	Span
	Expr Expr
	Desc bool
	// Nulls is NullsDefault unless NULLS FIRST or NULLS LAST was written.
	Nulls NullsOrder
}

// NullsOrder says where nulls sort.
type NullsOrder int

// The NullsOrder values; the default is last for ASC and first for DESC.
const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// LimitCommand is `LIMIT n`.
type LimitCommand struct {
	Span
	N int64
}

// MvExpandCommand is `MV_EXPAND column`.
type MvExpandCommand struct {
	Span
	Column *Ident
}

// DissectCommand is `DISSECT input "pattern" [APPEND_SEPARATOR = "sep"]`.
type DissectCommand struct {
	Span
	Input   Expr
	Pattern *Literal // a string literal
	// AppendSeparator is the APPEND_SEPARATOR option, or nil.
	AppendSeparator *Literal
}

// GrokCommand is `GROK input "pattern"[, "pattern" ...]`.
type GrokCommand struct {
	Span
	Input    Expr
	Patterns []*Literal // string literals
}

// CompletionCommand is `COMPLETION [target =] prompt WITH {options}`, the
// LLM inference command. It parses so that rules using it can be validated,
// but trailql cannot execute it.
type CompletionCommand struct {
	Span
	Target  string // "" when not named
	Prompt  Expr
	Options *MapLiteral
}

// Field is `name = expr`, or an unnamed `expr` whose Name is the expression's
// source text as written (Elasticsearch's naming rule).
type Field struct {
	Span
	Name string
	// Named reports whether the name was written (`name = expr`).
	Named bool
	Expr  Expr
}

// NamePattern is a column name in KEEP, DROP or RENAME, possibly with `*`
// wildcards. Backquoted parts are unquoted in Pattern.
type NamePattern struct {
	Span
	Pattern string
}

// ---------------------------------------------------------------------------
// Expressions

// Ident is a column reference. Name is the dotted name with backquotes
// removed: `source.`as`.organization.name` gives "source.as.organization.name".
type Ident struct {
	Span
	Name string
}

// LiteralKind is the kind of a literal.
type LiteralKind int

// The literal kinds.
const (
	NullLit LiteralKind = iota
	BoolLit
	IntLit     // fits in int64; Value is int64
	DecimalLit // Value is float64
	StringLit  // Value is string (escapes resolved)
	// TimeSpanLit is `10 seconds`, `1 day`: Value is TimeSpan.
	TimeSpanLit
	// ParamLit is `?`, `?name` or `?1`; Value is the parameter name or index text.
	ParamLit
)

// TimeSpan is the value of a TimeSpanLit: a count and a unit as written
// (e.g. 10 and "seconds"). Unit is lower-cased.
type TimeSpan struct {
	N    int64
	Unit string
}

// Literal is a constant.
type Literal struct {
	Span
	Kind LiteralKind
	// Value is nil, bool, int64, float64, string or TimeSpan, per Kind.
	Value any
}

// ListLiteral is an array literal `[a, b, c]`.
type ListLiteral struct {
	Span
	Elems []Expr
}

// MapLiteral is `{"key": value, ...}` (COMPLETION options, some functions'
// named options).
type MapLiteral struct {
	Span
	Keys   []string
	Values []Expr
}

// Call is a function call. Name is lower-cased (function names are case
// insensitive). Star is set for `COUNT(*)`, which has no Args.
type Call struct {
	Span
	Name string
	Args []Expr
	Star bool
}

// UnaryOp is a unary operator.
type UnaryOp int

// The unary operators.
const (
	OpNeg UnaryOp = iota // -x
	OpPos                // +x
	OpNot                // NOT x
)

// Unary is a unary operation.
type Unary struct {
	Span
	Op UnaryOp
	X  Expr
}

// BinaryOp is a binary operator.
type BinaryOp int

// The binary operators, loosest binding first within each group.
const (
	OpOr BinaryOp = iota
	OpAnd
	OpEq           // ==
	OpNeq          // !=
	OpLt           // <
	OpLte          // <=
	OpGt           // >
	OpGte          // >=
	OpEqIgnoreCase // =~
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
)

// Binary is a binary operation.
type Binary struct {
	Span
	Op   BinaryOp
	L, R Expr
}

// In is `x [NOT] IN (a, b, ...)`.
type In struct {
	Span
	X    Expr
	List []Expr
	Not  bool
}

// IsNull is `x IS [NOT] NULL`.
type IsNull struct {
	Span
	X   Expr
	Not bool
}

// Like is `x [NOT] LIKE pattern`, `x [NOT] RLIKE pattern`, or the list forms
// `x LIKE ("a*", "b*")`. Patterns are string literals.
type Like struct {
	Span
	X        Expr
	Patterns []*Literal
	Not      bool
	// Regex is set for RLIKE (Lucene regular expression, whole-string match);
	// otherwise the patterns are LIKE wildcards (`*`, `?`).
	Regex bool
}

// Match is the full-text operator `field : query`.
type Match struct {
	Span
	Field Expr
	Query Expr
}

// Cast is `x :: type`. Type is lower-cased as written (e.g. "ip", "string").
type Cast struct {
	Span
	X    Expr
	Type string
}

// Paren is a parenthesised expression, kept so that source text and String()
// round-trip faithfully.
type Paren struct {
	Span
	X Expr
}

func (*FromCommand) commandNode()       {}
func (*RowCommand) commandNode()        {}
func (*WhereCommand) commandNode()      {}
func (*EvalCommand) commandNode()       {}
func (*KeepCommand) commandNode()       {}
func (*DropCommand) commandNode()       {}
func (*RenameCommand) commandNode()     {}
func (*StatsCommand) commandNode()      {}
func (*SortCommand) commandNode()       {}
func (*LimitCommand) commandNode()      {}
func (*MvExpandCommand) commandNode()   {}
func (*DissectCommand) commandNode()    {}
func (*GrokCommand) commandNode()       {}
func (*CompletionCommand) commandNode() {}

func (*Ident) exprNode()       {}
func (*Literal) exprNode()     {}
func (*ListLiteral) exprNode() {}
func (*MapLiteral) exprNode()  {}
func (*Call) exprNode()        {}
func (*Unary) exprNode()       {}
func (*Binary) exprNode()      {}
func (*In) exprNode()          {}
func (*IsNull) exprNode()      {}
func (*Like) exprNode()        {}
func (*Match) exprNode()       {}
func (*Cast) exprNode()        {}
func (*Paren) exprNode()       {}

// Extent returns the node's span.
func (s Span) Extent() Span { return s }

// Text returns the source text of a span of q.
func (q *Query) Text(s Span) string {
	if s.Start.Offset < 0 || s.End.Offset > len(q.Input) || s.Start.Offset > s.End.Offset {
		return ""
	}
	return q.Input[s.Start.Offset:s.End.Offset]
}
