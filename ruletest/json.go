package ruletest

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// leadingJSON decodes the JSON value at the start of s and returns it with
// the rest of s (after the value), so a line can hold a value followed by a
// comment or a table separator.
func leadingJSON(s string) (v any, raw string, rest string, err error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, "", "", errors.New("missing JSON value")
		}
		return nil, "", "", err
	}
	off := int(dec.InputOffset())
	return v, strings.TrimSpace(s[:off]), s[off:], nil
}

// onlyComment reports whether rest is blank or a "#" comment.
func onlyComment(rest string) bool {
	rest = strings.TrimSpace(rest)
	return rest == "" || strings.HasPrefix(rest, "#")
}
