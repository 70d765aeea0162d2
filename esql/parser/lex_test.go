package parser

import (
	"fmt"
	"strings"
	"testing"
)

// lexAll scans input in one mode and renders each token as kind:text or
// kind:text=val when the decoded value differs from the text.
func lexAll(input string, mode lexMode) (toks []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = ErrorList{r.(bailout).err}
		}
	}()
	lx := newLexer(input)
	for {
		t := lx.next(mode)
		if t.kind == tEOF {
			return toks, nil
		}
		s := fmt.Sprintf("%s:%s", kindName[t.kind], t.text)
		if t.val != "" && t.val != t.text {
			s += "=" + t.val
		}
		toks = append(toks, s)
	}
}

var kindName = map[tokKind]string{
	tWord: "word", tQuotedIdent: "qid", tString: "str", tInt: "int", tDecimal: "dec",
	tParam: "param", tSource: "src", tPattern: "pat", tPipe: "op", tComma: "op", tDot: "op",
	tLParen: "op", tRParen: "op", tLBracket: "op", tRBracket: "op", tLBrace: "op",
	tRBrace: "op", tColon: "op", tCast: "op", tEq: "op", tNeq: "op", tLt: "op", tLte: "op",
	tGt: "op", tGte: "op", tCIEq: "op", tAssign: "op", tPlus: "op", tMinus: "op",
	tStar: "op", tSlash: "op", tPercent: "op",
}

// TestLexer pins the token rules of lexer/Expression.g4 and lexer/From.g4
// (docs/esql-semantics.md §A1).
func TestLexer(t *testing.T) {
	tests := []struct {
		name  string
		mode  lexMode
		input string
		want  string // tokens joined by " "
	}{
		{"identifiers", exprMode, "@timestamp _id a_1 A.b", "word:@timestamp word:_id word:a_1 word:A op:. word:b"},
		{"quoted identifier with doubled backquote", exprMode, "`a``b`.`c d`", "qid:`a``b`=a`b op:. qid:`c d`=c d"},
		{"integers and decimals", exprMode, "12 1.5 .5 1. 1e3 1.5E-3 2e", "int:12 dec:1.5 dec:.5 dec:1. dec:1e3 dec:1.5E-3 int:2 word:e"},
		{"time span tokens", exprMode, "10 seconds 1day", "int:10 word:seconds int:1 word:day"},
		{"string escapes", exprMode, `"a\tb\nc\rd\"e\\f"`, "str:\"a\\tb\\nc\\rd\\\"e\\\\f\"=a\tb\nc\rd\"e\\f"},
		{"triple-quoted string keeps backslashes", exprMode, `"""a\n"b"""`, `str:"""a\n"b"""=a\n"b`},
		{"triple-quoted string takes up to two trailing quotes", exprMode, `"""a"""""`, `str:"""a"""""=a""`},
		{"empty strings", exprMode, `"" """"""`, `str:"" str:""""""`},
		{"params", exprMode, "? ?name ?1 ?_x", "param:? param:?name=name param:?1=1 param:?_x=_x"},
		{"operators", exprMode, ":: : == != <= >= =~ = < > + - * / % | , ( ) [ ] { }",
			"op::: op:: op:== op:!= op:<= op:>= op:=~ op:= op:< op:> op:+ op:- op:* op:/ op:% op:| op:, op:( op:) op:[ op:] op:{ op:}"},
		{"line comment", exprMode, "a // b | c\nd", "word:a word:d"},
		{"nested block comment", exprMode, "a /* x /* y */ z */ b", "word:a word:b"},
		{"comment at end without newline", exprMode, "a //", "word:a"},
		{"cast without spaces", exprMode, "x::ip", "word:x op::: word:ip"},
		{"index patterns", sourceMode, "logs-aws.cloudtrail-*, remote:logs-*,\"quoted, one\" metadata _id",
			`src:logs-aws.cloudtrail-* op:, src:remote:logs-* op:, str:"quoted, one"=quoted, one src:metadata src:_id`},
		{"source ends at pipe and comment", sourceMode, "a/b|c //x\n/*y*/d", "src:a/b op:| src:c src:d"},
		{"name patterns", patternMode, "aws.*, `a.b`*, @timestamp,Esql.*_values", "pat:aws.* op:, pat:`a.b`*=a.b* op:, pat:@timestamp op:, pat:Esql.*_values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := lexAll(tt.input, tt.mode)
			if err != nil {
				t.Fatalf("lex %q: %v", tt.input, err)
			}
			if got := strings.Join(toks, " "); got != tt.want {
				t.Errorf("lex %q\n got: %s\nwant: %s", tt.input, got, tt.want)
			}
		})
	}
}

// TestLexerErrors pins the position and wording of lexical errors.
func TestLexerErrors(t *testing.T) {
	tests := []struct {
		input string
		want  string
	}{
		{`"abc`, "line 1:1: unterminated string"},
		{"\"ab\ncd\"", "line 1:1: unterminated string"},
		{"\"\"\"ab\ncd\"\"\"", "line 1:1: unterminated string"},
		{`x "a\qb"`, `line 1:5: invalid escape sequence "\\q" in string`},
		{`x "\u0041"`, `line 1:4: invalid escape sequence "\\u" in string`},
		{"a\n  /* open /* nested */", "line 2:3: unterminated comment"},
		{"a\r\n\tb #", `line 2:4: unexpected character "#"`},
		{"a #", `line 1:3: unexpected character "#"`},
		{"\"é\" €", `line 1:5: unexpected character "€"`},
		{"`abc", "line 1:1: unterminated quoted identifier"},
		{"``", "line 1:1: empty quoted identifier"},
		{"@", `line 1:1: unexpected character "@"`},
		{"_", `line 1:1: unexpected character "_"`},
	}
	for _, tt := range tests {
		_, err := lexAll(tt.input, exprMode)
		if err == nil || err.Error() != tt.want {
			t.Errorf("lex %q: got error %v, want %q", tt.input, err, tt.want)
		}
	}
}
