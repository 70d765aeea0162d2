package esql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// dissectKey is one %{...} key of a dissect pattern, with Elasticsearch's
// modifiers (libs/dissect DissectKey): `?name` or an empty name skips,
// `+name` appends (`+name/N` in order N), `name->` skips repeated
// delimiters to its right. `*`/`&` reference keys are not supported by
// ES|QL.
type dissectKey struct {
	name      string
	skip      bool
	appendKey bool
	order     int
	ordered   bool
	padRight  bool
	delimiter string
}

// dissector is a compiled dissect pattern.
type dissector struct {
	leading string
	keys    []dissectKey
	outputs []string // non-skipped key names in pattern order
	sep     string   // APPEND_SEPARATOR
}

// parseDissect compiles a DISSECT pattern.
func parseDissect(pattern, sep string) (*dissector, error) {
	d := &dissector{sep: sep}
	i := strings.Index(pattern, "%{")
	if i < 0 {
		return nil, fmt.Errorf("Unable to find any keys or delimiters.")
	}
	d.leading = pattern[:i]
	rest := pattern[i:]
	for len(rest) > 0 {
		if !strings.HasPrefix(rest, "%{") {
			break
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, fmt.Errorf("Unable to find any keys or delimiters.")
		}
		raw := rest[2:end]
		rest = rest[end+1:]
		next := strings.Index(rest, "%{")
		delim := rest
		if next >= 0 {
			delim = rest[:next]
			rest = rest[next:]
		} else {
			rest = ""
		}
		k, err := parseDissectKey(raw)
		if err != nil {
			return nil, err
		}
		k.delimiter = delim
		d.keys = append(d.keys, k)
	}
	appendNames := map[string]bool{}
	for _, k := range d.keys {
		if k.appendKey {
			appendNames[k.name] = true
		}
	}
	seen := map[string]bool{}
	for i, k := range d.keys {
		if appendNames[k.name] && !k.skip {
			d.keys[i].appendKey = true
		}
		if !k.skip && !seen[k.name] {
			seen[k.name] = true
			d.outputs = append(d.outputs, k.name)
		}
	}
	if len(d.keys) == 0 || len(d.outputs) == 0 {
		return nil, fmt.Errorf("Unable to find any keys or delimiters.")
	}
	return d, nil
}

func parseDissectKey(raw string) (dissectKey, error) {
	k := dissectKey{}
	if strings.HasSuffix(raw, "->") {
		k.padRight = true
		raw = strings.TrimSuffix(raw, "->")
	}
	switch {
	case raw == "":
		k.skip = true
	case strings.HasPrefix(raw, "?"):
		k.skip, k.name = true, raw[1:]
	case strings.HasPrefix(raw, "+"):
		k.appendKey = true
		k.name = raw[1:]
		if i := strings.LastIndexByte(k.name, '/'); i >= 0 {
			if n, err := strconv.Atoi(k.name[i+1:]); err == nil {
				k.name, k.order, k.ordered = k.name[:i], n, true
			}
		}
	case strings.HasPrefix(raw, "*") || strings.HasPrefix(raw, "&"):
		return k, fmt.Errorf("Reference keys not supported in dissect patterns: [%%{%s}]", raw)
	default:
		k.name = raw
	}
	if k.name == "" && !k.skip {
		return k, fmt.Errorf("The key name could not be determined")
	}
	return k, nil
}

// parse dissects s into out (aligned with d.outputs); ok is false when the
// pattern does not match, and out is then left untouched.
func (d *dissector) parse(s string, out []Value) bool {
	if len(s) <= len(d.leading) || !strings.HasPrefix(s, d.leading) {
		return false
	}
	type appended struct {
		v     string
		order int
	}
	values := make(map[string]string, len(d.outputs))
	var apps map[string][]appended
	implicit := -1000
	matches := 0
	add := func(k dissectKey, v string) {
		matches++
		if k.skip {
			return
		}
		if k.appendKey {
			if apps == nil {
				apps = map[string][]appended{}
			}
			o := implicit
			if k.ordered {
				o = k.order
			} else {
				implicit++
			}
			apps[k.name] = append(apps[k.name], appended{v, o})
			return
		}
		values[k.name] = v
	}
	ki := 0
	key := d.keys[0]
	i := len(d.leading)
	start := i
	for i < len(s) {
		delim := key.delimiter
		if delim == "" || !strings.HasPrefix(s[i:], delim) {
			i++
			continue
		}
		add(key, s[start:i])
		i += len(delim)
		// Consecutive delimiters give empty values to the next keys,
		// unless the key skips its right padding.
		stop := false
		for i < len(s) && strings.HasPrefix(s[i:], delim) {
			i += len(delim)
			if !key.padRight {
				if ki+1 >= len(d.keys) {
					stop = true
					break
				}
				ki++
				key = d.keys[ki]
				add(key, "")
			}
		}
		if stop || ki+1 >= len(d.keys) {
			break
		}
		ki++
		key = d.keys[ki]
		start = i
	}
	if matches < len(d.keys) && key.delimiter == "" {
		add(key, s[start:])
	}
	if matches != len(d.keys) {
		return false
	}
	for name, vs := range apps {
		sort.SliceStable(vs, func(a, b int) bool { return vs[a].order < vs[b].order })
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = v.v
		}
		values[name] = strings.Join(parts, d.sep)
	}
	if len(values) != len(d.outputs) {
		return false
	}
	for i, name := range d.outputs {
		out[i] = KeywordValue(values[name])
	}
	return true
}
