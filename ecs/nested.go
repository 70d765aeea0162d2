package ecs

import (
	"sort"
	"strings"
	"time"
)

// Nested returns the nested document Elasticsearch would store for ev: dotted
// keys split into objects ("user.name" -> {"user": {"name": ...}}), dates as
// "2006-01-02T15:04:05.000Z" strings, the multi-valued resources.* subfields
// (stored flat in the Event) recombined into an array of objects. Flattened
// objects are kept whole. The result shares no mutable state with ev.
func Nested(ev Event) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic placement when a leaf and an object collide
	for _, k := range keys {
		if strings.HasPrefix(k, resourcesPrefix) {
			continue
		}
		setNested(out, k, nestedValue(ev[k]))
	}
	if rs := nestedResources(ev); rs != nil {
		setNested(out, "aws.cloudtrail.resources", rs)
	}
	return out
}

const resourcesPrefix = "aws.cloudtrail.resources."

// nestedResources zips aws.cloudtrail.resources.{arn,account_id,type} back into
// objects. The Event keeps them as parallel lists only when every resource has
// every part; otherwise the parts are listed separately (one object per part).
func nestedResources(ev Event) []any {
	parts := []string{"arn", "account_id", "type"}
	var lists [3][]string
	n := -1
	aligned := true
	for i, p := range parts {
		l, _ := ev[resourcesPrefix+p].([]string)
		lists[i] = l
		if l == nil {
			continue
		}
		if n >= 0 && len(l) != n {
			aligned = false
		}
		n = max(n, len(l))
	}
	if n < 0 {
		return nil
	}
	var out []any
	if aligned {
		for j := 0; j < n; j++ {
			o := map[string]any{}
			for i, p := range parts {
				if lists[i] != nil {
					o[p] = lists[i][j]
				}
			}
			out = append(out, o)
		}
		return out
	}
	for i, p := range parts {
		for _, s := range lists[i] {
			out = append(out, map[string]any{p: s})
		}
	}
	return out
}

// nestedValue converts an Event value to its stored JSON form.
func nestedValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = nestedValue(c)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = nestedValue(c)
		}
		return out
	}
	return v
}

// setNested stores v at the dotted path key inside m, creating objects. If a
// path step is already a non-object value, the remaining dotted key is stored
// literally in the deepest object reached.
func setNested(m map[string]any, key string, v any) {
	for {
		head, rest, more := strings.Cut(key, ".")
		if !more {
			m[key] = v
			return
		}
		next, ok := m[head]
		if !ok {
			child := map[string]any{}
			m[head] = child
			m, key = child, rest
			continue
		}
		child, isMap := next.(map[string]any)
		if !isMap {
			m[key] = v
			return
		}
		m, key = child, rest
	}
}
