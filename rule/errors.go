package rule

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a problem with one rule file. Line and Col are 1-based positions
// in the file, 0 when unknown; Error() then prints "file: msg".
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// Unsupported marks a well-formed rule of another type (KQL, EQL,
	// machine learning, ...): callers count it as skipped, not as broken.
	Unsupported bool
}

// IsUnsupported reports whether err is a rule of a type trailql does not
// run (Error.Unsupported), and not a broken one.
func IsUnsupported(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unsupported
}

// Error formats the error as "file:line:col: msg", the form editors and
// compilers use, so a terminal can jump to it.
func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
}

// decodeLineRE matches the decoder's type errors, which BurntSushi/toml
// returns as plain errors "toml: line N (last key "k"): msg" (decode.go,
// MetaData.e), not as a ParseError.
var decodeLineRE = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// tomlError converts an error of toml.Decode into an *Error with the
// position of the problem in the file.
func tomlError(name string, data []byte, err error) *Error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (last key %q)", msg, pe.LastKey)
		}
		return &Error{File: name, Line: pe.Position.Line, Col: pe.Position.Col, Msg: "invalid TOML: " + msg}
	}
	if m := decodeLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg := m[3]
		if m[2] != "" {
			msg = fmt.Sprintf("%s: %s", m[2], msg)
		}
		return &Error{File: name, Line: line, Col: firstCol(data, line), Msg: msg}
	}
	return &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

// firstCol is the 1-based column of the first non-blank character of a
// line (where its key starts), or 0 if the line does not exist.
func firstCol(data []byte, line int) int {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}
