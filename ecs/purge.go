package ecs

import (
	"strconv"

	"github.com/valyala/fastjson"
)

// The pipeline's first script (script_remove_nulls_before_renames, docs/cloudtrail-ecs-mapping.md §2 step 6)
// deletes, recursively and bottom-up, every map entry or list element whose value
// is null, "", "-", "none", an empty map or an empty list; a container emptied
// this way is itself deleted. Instead of mutating the parsed tree, the mapper asks
// "would this value survive the purge?" wherever it reads a value.

// purgedString reports whether s is one of the strings the purge deletes.
func purgedString(s []byte) bool {
	switch len(s) {
	case 0:
		return true
	case 1:
		return s[0] == '-'
	case 4:
		return string(s) == "none"
	}
	return false
}

// present reports whether v survives the purge (nil counts as absent).
func present(v *fastjson.Value) bool {
	if v == nil {
		return false
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return false
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return !purgedString(b)
	case fastjson.TypeObject:
		o, _ := v.Object()
		found := false
		o.Visit(func(_ []byte, c *fastjson.Value) {
			if !found && present(c) {
				found = true
			}
		})
		return found
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, c := range a {
			if present(c) {
				return true
			}
		}
		return false
	}
	return true
}

// field returns the member key of object value v if it survives the purge.
func field(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	c := v.Get(key)
	if !present(c) {
		return nil
	}
	return c
}

// path follows keys through nested objects, returning nil when any step is
// missing or the final value is purged. Intermediate objects need no purge
// check of their own: if the final value survives, so do its parents.
func path(v *fastjson.Value, keys ...string) *fastjson.Value {
	for _, k := range keys {
		if v == nil || v.Type() != fastjson.TypeObject {
			return nil
		}
		v = v.Get(k)
	}
	if !present(v) {
		return nil
	}
	return v
}

// object returns the member key of v when it is an object (purged or not), for
// use as the parent of further lookups.
func object(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	c := v.Get(key)
	if c == nil || c.Type() != fastjson.TypeObject {
		return nil
	}
	return c
}

// text renders a scalar the way a rename into a keyword field or a mustache
// template ({{{json.x}}}) would show it: strings verbatim (copied out of the
// parser's memory), numbers as Java renders them, booleans as true/false.
// Objects and arrays render with Java's toString. ok is false for absent values.
func text(v *fastjson.Value) (s string, ok bool) {
	if !present(v) {
		return "", false
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b), true
	case fastjson.TypeTrue:
		return "true", true
	case fastjson.TypeFalse:
		return "false", true
	case fastjson.TypeNumber:
		return string(javaNumber(nil, v)), true
	}
	return string(appendJava(nil, v)), true
}

// str is text for a member of an object.
func str(v *fastjson.Value, keys ...string) (string, bool) {
	return text(path(v, keys...))
}

// isString reports whether v is a JSON string that survives the purge.
func isString(v *fastjson.Value) bool {
	return present(v) && v.Type() == fastjson.TypeString
}

// toGo deep-copies a value that survives the purge into plain Go values, with
// purged entries removed: objects become map[string]any, arrays []any, numbers
// int64 (integers that fit) or float64, strings string, booleans bool. It is used
// for the flattened copies (aws.cloudtrail.flattened.*), which Elasticsearch
// stores as the purged JSON objects.
func toGo(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b)
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	case fastjson.TypeNumber:
		raw := v.MarshalTo(nil)
		if isIntegerLiteral(raw) {
			if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return i
			}
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return string(raw)
		}
		return f
	case fastjson.TypeObject:
		o, _ := v.Object()
		m := make(map[string]any, o.Len())
		o.Visit(func(k []byte, c *fastjson.Value) {
			if present(c) {
				m[string(k)] = toGo(c)
			}
		})
		return m
	case fastjson.TypeArray:
		a, _ := v.Array()
		out := make([]any, 0, len(a))
		for _, c := range a {
			if present(c) {
				out = append(out, toGo(c))
			}
		}
		return out
	}
	return nil
}

// isIntegerLiteral reports whether a JSON number has no fraction or exponent,
// which is when Jackson produces an Integer/Long/BigInteger instead of a Double.
func isIntegerLiteral(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	for i, c := range raw {
		if c == '-' && i == 0 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
