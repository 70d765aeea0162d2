package ruletest

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// normalizeJSON turns any JSON-ready Go value into the form decodeJSON gives
// (map[string]any, []any, string, bool, json.Number, nil), so expected and
// actual values compare structurally.
func normalizeJSON(x any) any {
	data, err := json.Marshal(x)
	if err != nil {
		return x
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return x
	}
	return v
}

// equalJSON compares an expected JSON value with an actual one. Numbers
// compare by value (1 equals 1.0: ES|QL renders a double 1.0 as 1.0 and a
// long as 1, and a test should not care), arrays as multisets because
// VALUES returns its values in no specified order (docs/architecture.md
// "Semantics that must hold"), objects key by key.
func equalJSON(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		if w == g {
			return true
		}
		wf, err1 := strconv.ParseFloat(string(w), 64)
		gf, err2 := strconv.ParseFloat(string(g), 64)
		return err1 == nil && err2 == nil && wf == gf
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		used := make([]bool, len(g))
	next:
		for _, we := range w {
			for j, ge := range g {
				if !used[j] && equalJSON(we, ge) {
					used[j] = true
					continue next
				}
			}
			return false
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, we := range w {
			ge, ok := g[k]
			if !ok || !equalJSON(we, ge) {
				return false
			}
		}
		return true
	default:
		return want == got
	}
}

// render prints a value as compact JSON for messages.
func render(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return string(bytes.TrimSpace(b.Bytes()))
}
