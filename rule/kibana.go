package rule

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// IsNDJSON reports whether data looks like a Kibana export (rules or
// exception lists: one JSON object a line) rather than a TOML rule file: its
// first non-blank byte opens a JSON object.
func IsNDJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{'
}

// ParseNDJSON reads the rules of a Kibana rule export
// (POST /api/detection_engine/rules/_export): one JSON object a line, in the
// rule API's schema (snake_case keys as in rule TOML files). Lines that are
// not rules are skipped: the exception lists and items the export bundles
// (package exception reads those) and the export details line. Each rule
// keeps its exceptions_list, which names the lists it gets. name is the file
// name used in errors and as Rule.Path; an error names its line. Rules that
// parse are returned even when others fail; a rule of another type than
// ES|QL is an unsupported error (IsUnsupported), like in a TOML file.
func ParseNDJSON(name string, data []byte) ([]*Rule, error) {
	var rules []*Rule
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(text, &keys); err != nil {
			errs = append(errs, &Error{File: name, Line: line, Msg: "not a JSON object: " + jsonMessage(err)})
			continue
		}
		if !isRuleLine(keys) {
			continue
		}
		var tr tomlRule
		if err := json.Unmarshal(text, &tr); err != nil {
			errs = append(errs, &Error{File: name, Line: line, Msg: "rule: " + jsonMessage(err)})
			continue
		}
		r := newRule(name, &tr, &tomlMetadata{}, nil)
		r.QueryLine = 0
		if err := r.check(&tr); err != nil {
			e := &Error{File: name, Line: line, Msg: err.Error()}
			var ke *keyError
			if errors.As(err, &ke) {
				e.Unsupported = ke.unsupported
				if ke.whole {
					e.Msg = ke.msg
				}
			}
			if r.RuleID != "" {
				e.Msg = fmt.Sprintf("rule %s: %s", r.RuleID, e.Msg)
			}
			errs = append(errs, e)
			continue
		}
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &Error{File: name, Line: line + 1, Msg: err.Error()})
	}
	return rules, errors.Join(errs...)
}

// isRuleLine tells a rule of an export from the other lines: a rule has a
// rule_id and a type; an exception list or item has a list_id and no
// rule_id; the details line has exported_count or the exception counters.
func isRuleLine(keys map[string]json.RawMessage) bool {
	_, id := keys["rule_id"]
	_, typ := keys["type"]
	return id && typ
}

// jsonMessage is a JSON error without Go's type names where possible.
func jsonMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("key %q: want %s, not a JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}
