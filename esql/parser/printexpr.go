package parser

import (
	"math"
	"strconv"
	"strings"
)

// writeNode writes an expression without outer parentheses.
func writeNode(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *Ident:
		if x == nil {
			b.WriteString("null")
			return
		}
		b.WriteString(nameString(x.Name))
	case *Literal:
		if x == nil {
			b.WriteString("null")
			return
		}
		writeLiteral(b, x)
	case *ListLiteral:
		b.WriteByte('[')
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, e, precUnary)
		}
		b.WriteByte(']')
	case *MapLiteral:
		writeMap(b, x)
	case *Call:
		writeCall(b, x)
	case *Unary:
		writeUnary(b, x)
	case *Binary:
		// Operators are left-associative except comparisons, which do not
		// associate at all.
		p := prec(x)
		lmin, rmin := p, p+1
		if p == precComparison {
			lmin = p + 1
		}
		writeExpr(b, x.L, lmin)
		b.WriteByte(' ')
		b.WriteString(binaryOpText[x.Op])
		b.WriteByte(' ')
		writeExpr(b, x.R, rmin)
	case *In:
		writeExpr(b, x.X, precComparison)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, e := range x.List {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, e, precComparison)
		}
		b.WriteByte(')')
	case *IsNull:
		writeExpr(b, x.X, precComparison)
		if x.Not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case *Like:
		writeLike(b, x)
	case *Match:
		writeExpr(b, x.Field, precPrimary)
		b.WriteString(" : ")
		writeExpr(b, x.Query, precUnary)
	case *Cast:
		writeExpr(b, x.X, precPrimary)
		b.WriteString("::")
		b.WriteString(x.Type)
	case *Paren:
		b.WriteByte('(')
		writeExpr(b, x.X, 0)
		b.WriteByte(')')
	default:
		b.WriteString("null")
	}
}

// String renders the column name.
func (x *Ident) String() string { return exprString(x, 0) }

// String renders the constant.
func (x *Literal) String() string { return exprString(x, 0) }

// String renders the array literal.
func (x *ListLiteral) String() string { return exprString(x, 0) }

// String renders the map literal.
func (x *MapLiteral) String() string { return exprString(x, 0) }

// String renders the call with its lower-case name.
func (x *Call) String() string { return exprString(x, 0) }

// String renders the unary operation.
func (x *Unary) String() string { return exprString(x, 0) }

// String renders the binary operation.
func (x *Binary) String() string { return exprString(x, 0) }

// String renders `x [NOT] IN (...)`.
func (x *In) String() string { return exprString(x, 0) }

// String renders `x IS [NOT] NULL`.
func (x *IsNull) String() string { return exprString(x, 0) }

// String renders `x [NOT] LIKE|RLIKE pattern` or the list form.
func (x *Like) String() string { return exprString(x, 0) }

// String renders `field : query`.
func (x *Match) String() string { return exprString(x, 0) }

// String renders `x::type`.
func (x *Cast) String() string { return exprString(x, 0) }

// String renders the parenthesised expression.
func (x *Paren) String() string { return exprString(x, 0) }

var binaryOpText = map[BinaryOp]string{
	OpOr: "OR", OpAnd: "AND", OpEq: "==", OpNeq: "!=", OpLt: "<", OpLte: "<=",
	OpGt: ">", OpGte: ">=", OpEqIgnoreCase: "=~", OpAdd: "+", OpSub: "-",
	OpMul: "*", OpDiv: "/", OpMod: "%",
}

func writeLiteral(b *strings.Builder, x *Literal) {
	switch x.Kind {
	case BoolLit:
		if v, _ := x.Value.(bool); v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case IntLit:
		v, _ := x.Value.(int64)
		b.WriteString(strconv.FormatInt(v, 10)) // a signed constant when negative
	case DecimalLit:
		v, _ := x.Value.(float64)
		b.WriteString(decimalString(v))
	case StringLit:
		v, _ := x.Value.(string)
		b.WriteString(quoteString(v))
	case TimeSpanLit:
		v, _ := x.Value.(TimeSpan)
		b.WriteString(strconv.FormatInt(v.N, 10))
		b.WriteByte(' ')
		b.WriteString(v.Unit)
	case ParamLit:
		v, _ := x.Value.(string)
		b.WriteByte('?')
		b.WriteString(v)
	default:
		b.WriteString("null")
	}
}

// decimalString renders a double so that it lexes back as a
// DECIMAL_LITERAL (it always has a '.' or an exponent).
func decimalString(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "null" // not representable as an ES|QL literal
	case v < 0 || v == 0 && math.Signbit(v):
		return "-" + decimalString(-v) // a signed constant
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func writeMap(b *strings.Builder, x *MapLiteral) {
	if x == nil {
		b.WriteString("{}")
		return
	}
	b.WriteByte('{')
	for i, k := range x.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(k))
		b.WriteString(": ")
		if i < len(x.Values) {
			writeExpr(b, x.Values[i], precUnary)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
}

func writeCall(b *strings.Builder, x *Call) {
	if isUnquotedIdent(x.Name) && !operatorWords[x.Name] {
		b.WriteString(x.Name)
	} else {
		b.WriteString(backquote(x.Name)) // not re-parsable as a call; best effort
	}
	b.WriteByte('(')
	if x.Star {
		b.WriteByte('*')
	}
	for i, a := range x.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, a, 0)
	}
	b.WriteByte(')')
}

// writeUnary writes a unary operation. A sign directly before a number is
// read back as part of the constant (see parseUnary), so a non-negative
// numeric operand is parenthesised; a space keeps `- -1` and `- -x` apart.
func writeUnary(b *strings.Builder, x *Unary) {
	if x.Op == OpNot {
		b.WriteString("NOT ")
		writeExpr(b, x.X, precNot)
		return
	}
	if x.Op == OpPos {
		b.WriteByte('+')
	} else {
		b.WriteByte('-')
	}
	switch {
	case startsWithUnsignedNumber(x.X):
		// A sign right before a number is part of the constant when
		// parsed (parseUnary): keep this one an operator.
		b.WriteByte('(')
		writeExpr(b, x.X, 0)
		b.WriteByte(')')
		return
	case startsWithSign(x.X):
		b.WriteByte(' ')
	}
	writeExpr(b, x.X, precUnary)
}

// startsWithUnsignedNumber reports whether x, printed at unary level,
// begins with a number without a sign: the number itself, or a cast of it
// (`0::string`, fuzzing found `+(+0::a)` losing its inner sign).
func startsWithUnsignedNumber(x Expr) bool {
	if c, ok := x.(*Cast); ok && prec(c.X) >= precPrimary {
		return startsWithUnsignedNumber(c.X)
	}
	return isUnsignedNumber(x)
}

// isUnsignedNumber reports whether x prints as a number without a sign.
func isUnsignedNumber(x Expr) bool {
	lit, ok := x.(*Literal)
	if !ok || lit == nil {
		return false
	}
	switch lit.Kind {
	case IntLit, DecimalLit, TimeSpanLit:
		return !startsWithSign(x)
	}
	return false
}

// startsWithSign reports whether x, printed at unary level, begins with
// '-' or '+'.
func startsWithSign(x Expr) bool {
	switch x := x.(type) {
	case *Literal:
		if x == nil {
			return false
		}
		switch v := x.Value.(type) {
		case int64:
			return x.Kind == IntLit && v < 0
		case float64:
			return x.Kind == DecimalLit && !math.IsNaN(v) && (v < 0 || v == 0 && math.Signbit(v))
		case TimeSpan:
			return x.Kind == TimeSpanLit && v.N < 0
		}
	case *Unary:
		return x.Op != OpNot
	case *Cast:
		return prec(x.X) >= precPrimary && startsWithSign(x.X)
	}
	return false
}

func writeLike(b *strings.Builder, x *Like) {
	writeExpr(b, x.X, precComparison)
	if x.Not {
		b.WriteString(" NOT")
	}
	if x.Regex {
		b.WriteString(" RLIKE ")
	} else {
		b.WriteString(" LIKE ")
	}
	if len(x.Patterns) == 1 {
		b.WriteString(litString(x.Patterns[0]))
		return
	}
	b.WriteByte('(')
	for i, pat := range x.Patterns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(litString(pat))
	}
	b.WriteByte(')')
}
