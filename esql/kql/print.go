package kql

import (
	"strings"
	"unicode/utf8"
)

// String renders the query; a boolean operand that is itself a different
// boolean is parenthesised, even where precedence would not need it, so
// readers used to Kibana's precedence are not misled.
func (n *Bool) String() string {
	l := n.L.String()
	if _, ok := n.L.(*Bool); ok {
		l = "(" + l + ")"
	}
	r := n.R.String()
	if b, ok := n.R.(*Bool); ok && b.Op != n.Op {
		r = "(" + r + ")"
	}
	return l + " " + n.Op.String() + " " + r
}

// String renders the query.
func (n *Not) String() string {
	if _, ok := n.X.(*Bool); ok {
		return "not (" + n.X.String() + ")"
	}
	return "not " + n.X.String()
}

// String renders the query.
func (n *MatchAll) String() string { return "*" }

// String renders the query.
func (n *Exists) String() string { return n.Field.String() + ":*" }

// String renders the query.
func (n *Range) String() string {
	return n.Field.String() + " " + n.Op.String() + " " + n.Value.String()
}

// String renders the query.
func (n *Nested) String() string {
	return n.Field.String() + ":{ " + n.Query.String() + " }"
}

// String renders the query.
func (n *FieldQuery) String() string {
	if n.Field == nil {
		return n.Value.String()
	}
	v := n.Value.String()
	switch n.Value.(type) {
	case *ValueBool:
		v = "(" + v + ")"
	case *Literal:
		if v == "*" {
			v = "(*)" // `f:*` would be an exists query
		}
	}
	return n.Field.String() + ":" + v
}

// String renders the value.
func (v *ValueNot) String() string {
	if _, ok := v.X.(*ValueBool); ok {
		return "not (" + v.X.String() + ")"
	}
	return "not " + v.X.String()
}

// String renders the values, without the parentheses of the group.
func (v *ValueBool) String() string {
	l := v.L.String()
	if b, ok := v.L.(*ValueBool); ok && b.Op != v.Op {
		l = "(" + l + ")"
	}
	r := v.R.String()
	if _, ok := v.R.(*ValueBool); ok {
		r = "(" + r + ")"
	}
	return l + " " + v.Op.String() + " " + r
}

// String renders the value: quoted, or as words escaped so that they lex
// back to the same text.
func (v *Literal) String() string {
	if v.Quoted {
		return quote(v.Text)
	}
	words := splitWords(v.Text)
	for i, w := range words {
		words[i] = escapeWord(w, v.Wildcard)
	}
	return strings.Join(words, " ")
}

// splitWords splits a literal's text at the spaces that joined its words
// (words are never empty); other spaces are characters of a word.
func splitWords(text string) []string {
	var words []string
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' && i > start && i+1 < len(text) && text[i+1] != ' ' {
			words = append(words, text[start:i])
			start = i + 1
		}
	}
	return append(words, text[start:])
}

// String renders the field name.
func (f *Field) String() string {
	if f.Quoted {
		return quote(f.Name)
	}
	if f.Name == "*" {
		// The same pattern as a lone `*`, which could read as match-all.
		return `\*`
	}
	return escapeWord(f.Name, true)
}

// quote renders a quoted string. A backslash is written `\\`, except at
// the end where `\\"` would not close the string (the lexer takes the
// longest match), so `\u005c` is written instead.
func quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i == len(s)-1 {
				sb.WriteString(`\u005c`)
			} else {
				sb.WriteString(`\\`)
			}
		case '"':
			sb.WriteString(`\"`)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// escapeWord escapes one word of an unquoted literal. `*` stays a wildcard
// when wild is set. A word that reads as an operator gets a backslash;
// `\ ` (which Elasticsearch keeps as is) is written as is, another space
// as `\u0020`.
func escapeWord(w string, wild bool) string {
	switch strings.ToLower(w) {
	case "and", "or", "not":
		return `\` + w
	}
	var sb strings.Builder
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRuneInString(w[i:])
		switch r {
		case '\\':
			if i+1 < len(w) && w[i+1] == ' ' {
				sb.WriteByte('\\')
			} else {
				sb.WriteString(`\\`)
			}
		case ' ':
			if i > 0 && w[i-1] == '\\' {
				sb.WriteByte(' ') // `\ `, kept as is by Elasticsearch
			} else {
				sb.WriteString(`\u0020`)
			}
		case '*':
			if wild {
				sb.WriteByte('*')
			} else {
				sb.WriteString(`\*`)
			}
		case '"', '(', ')', ':', '<', '>', '{', '}':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\t':
			sb.WriteString(`\t`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\u3000':
			sb.WriteString(`\u3000`)
		default:
			// Invalid UTF-8 is copied byte for byte.
			sb.WriteString(w[i : i+size])
		}
		i += size
	}
	return sb.String()
}
