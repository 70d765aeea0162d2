package esql

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trailql/trailql/esql/parser"
)

func init() {
	register("starts_with", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Boolean, a[0], a[1], func(x, y Value) (Value, *evalError) { return Bool(strings.HasPrefix(x.s, y.s)), nil })
	})
	register("ends_with", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Boolean, a[0], a[1], func(x, y Value) (Value, *evalError) { return Bool(strings.HasSuffix(x.s, y.s)), nil })
	})
	register("to_lower", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, strType(a[0]), a[0], func(x Value) (Value, *evalError) { return retext(x, strings.ToLower(x.s)), nil })
	})
	register("to_upper", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, strType(a[0]), a[0], func(x Value) (Value, *evalError) { return retext(x, strings.ToUpper(x.s)), nil })
	})
	register("concat", 2, -1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		for i := range a {
			if !c.want(n, a, i, "string", isStringT) {
				return badExpr(n)
			}
		}
		return c.resultOf(n, Keyword, a, func(v []Value) (Value, *evalError) {
			size := 0
			for _, x := range v {
				size += len(x.s)
			}
			var b strings.Builder
			b.Grow(size)
			for _, x := range v {
				b.WriteString(x.s)
			}
			return KeywordValue(b.String()), nil
		})
	})
	register("length", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		// Length counts Unicode code points.
		return c.res1(n, Integer, a[0], func(x Value) (Value, *evalError) { return Int(int32(utf8.RuneCountInString(x.s))), nil })
	})
	register("substring", 2, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "integer", isIntT) || !c.want(n, a, 2, "integer", isIntT) {
			return badExpr(n)
		}
		return c.resultOf(n, strType(a[0]), a, func(v []Value) (Value, *evalError) {
			r := []rune(v[0].s)
			start := int(int32(v[1].n))
			// SUBSTRING: 1-based start; a negative start counts from the end.
			if start < 0 {
				start = len(r) + start
			} else if start > 0 {
				start--
			}
			if start < 0 {
				start = 0
			}
			if start > len(r) {
				start = len(r)
			}
			end := len(r)
			if len(v) > 2 {
				l := int(int32(v[2].n))
				if l < 0 {
					return Value{}, illegalArg("Length parameter cannot be negative, found [%d]", l)
				}
				if start+l < end {
					end = start + l
				}
			}
			return retext(v[0], string(r[start:end])), nil
		})
	})
	for _, name := range []string{"trim", "ltrim", "rtrim"} {
		name := name
		register(name, 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "string", isStringT) {
				return badExpr(n)
			}
			return c.res1(n, strType(a[0]), a[0], func(x Value) (Value, *evalError) {
				s := x.s
				if name != "rtrim" {
					s = strings.TrimLeftFunc(s, unicode.IsSpace)
				}
				if name != "ltrim" {
					s = strings.TrimRightFunc(s, unicode.IsSpace)
				}
				return retext(x, s), nil
			})
		})
	}
	register("replace", 3, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		for i := range a {
			if !c.want(n, a, i, "string", isStringT) {
				return badExpr(n)
			}
		}
		// REPLACE takes a Java regular expression; a constant one compiles once.
		var fixed *regexp.Regexp
		if a[1].konst && a[1].val.t != Null {
			re, err := regexp.Compile(a[1].val.s)
			if err != nil {
				c.errorf(a[1].node.Pos(), "Invalid regex [%s]: %s", a[1].val.s, err)
				return badExpr(n)
			}
			fixed = re
		}
		return c.resultOf(n, Keyword, a, func(v []Value) (Value, *evalError) {
			re := fixed
			if re == nil {
				var err error
				if re, err = regexp.Compile(v[1].s); err != nil {
					return Value{}, &evalError{"java.util.regex.PatternSyntaxException", err.Error()}
				}
			}
			return KeywordValue(re.ReplaceAllString(v[0].s, javaReplacement(v[2].s))), nil
		})
	})
	register("split", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Keyword, a[0], a[1], func(x, d Value) (Value, *evalError) {
			if len(d.s) != 1 {
				return Value{}, illegalArg("delimiter must be single byte for now")
			}
			parts := strings.Split(x.s, d.s)
			out := make([]Value, len(parts))
			for i, p := range parts {
				out[i] = KeywordValue(p)
			}
			return multiOf(out), nil
		})
	})
	register("from_base64", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			b, err := decodeBase64(x.s)
			if err != nil {
				return Value{}, illegalArg("%s", err)
			}
			return KeywordValue(string(b)), nil
		})
	})
	register("to_base64", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			return KeywordValue(base64.StdEncoding.EncodeToString([]byte(x.s))), nil
		})
	})
	register("url_decode", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			s, err := url.QueryUnescape(x.s)
			if err != nil {
				return Value{}, illegalArg("URLDecoder: %s", err)
			}
			return KeywordValue(s), nil
		})
	})
	register("url_encode", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			return KeywordValue(url.QueryEscape(x.s)), nil
		})
	})
	// LOCATE(string, substring[, start]): 1-based position of substring, 0
	// when absent.
	register("locate", 2, 3, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) || !c.want(n, a, 2, "integer", isIntT) {
			return badExpr(n)
		}
		return c.resultOf(n, Integer, a, func(v []Value) (Value, *evalError) {
			r := []rune(v[0].s)
			start := 0
			if len(v) > 2 {
				start = int(int32(v[2].n)) - 1
				if start < 0 {
					start = 0
				}
			}
			if start > len(r) {
				return Int(0), nil
			}
			i := strings.Index(string(r[start:]), v[1].s)
			if i < 0 {
				return Int(0), nil
			}
			return Int(int32(start + utf8.RuneCountInString(string(r[start:])[:i]) + 1)), nil
		})
	})
	register("contains", 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "string", isStringT) {
			return badExpr(n)
		}
		return c.res2(n, Boolean, a[0], a[1], func(x, y Value) (Value, *evalError) { return Bool(strings.Contains(x.s, y.s)), nil })
	})
	register("space", 1, 1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "integer", isIntT) {
			return badExpr(n)
		}
		return c.res1(n, Keyword, a[0], func(x Value) (Value, *evalError) {
			k := int(int32(x.n))
			if k < 0 {
				return Value{}, illegalArg("Number parameter cannot be negative, found [%d]", k)
			}
			if k > 1<<20 {
				return Value{}, illegalArg("Creating strings longer than [1048576] bytes is not supported")
			}
			return KeywordValue(strings.Repeat(" ", k)), nil
		})
	})
	// LEFT/RIGHT(string, length): the first/last length characters.
	for _, name := range []string{"left", "right"} {
		right := name == "right"
		register(name, 2, 2, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
			if !c.want(n, a, 0, "string", isStringT) || !c.want(n, a, 1, "integer", isIntT) {
				return badExpr(n)
			}
			return c.res2(n, strType(a[0]), a[0], a[1], func(x, l Value) (Value, *evalError) {
				r := []rune(x.s)
				k := int(int32(l.n))
				if k < 0 {
					k = 0
				}
				if k > len(r) {
					k = len(r)
				}
				if right {
					return retext(x, string(r[len(r)-k:])), nil
				}
				return retext(x, string(r[:k])), nil
			})
		})
	}
}

// decodeBase64 decodes like java.util.Base64's basic decoder, which also
// accepts missing padding.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// javaReplacement converts a Java replacement string ($1, \$) to Go's
// (${1}, $$).
func javaReplacement(s string) string {
	if !strings.ContainsAny(s, "$\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case ch == '$':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("${" + s[i+1:j] + "}")
				i = j - 1
			} else {
				b.WriteString("$$")
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// strType is the result type of a string function of x: keyword, or text
// for text input.
func strType(x *cexpr) DataType {
	if x.typ == Text {
		return Text
	}
	return Keyword
}

// retext returns s with the string type of x.
func retext(x Value, s string) Value {
	if x.t == Text {
		return TextValue(s)
	}
	return KeywordValue(s)
}

func isIntT(t DataType) bool { return t == Integer }
