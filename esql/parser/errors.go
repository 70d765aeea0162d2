package parser

import (
	"fmt"
	"strings"
)

// Error is a syntax error at a position in the query text.
type Error struct {
	Pos Pos
	Msg string
}

// Error formats the error as Elasticsearch does: "line L:C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

func newError(at Pos, format string, args ...any) *Error {
	return &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
}

// ErrorList is a list of errors; Parse returns one when it fails.
type ErrorList []*Error

// Error joins the errors' messages with newlines.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}
