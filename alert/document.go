// Package alert turns a rule's result row into the alert document Kibana's
// Security ES|QL rule executor would index (flat dotted keys, kibana.alert.*
// fields), gives it a deterministic id, and writes alerts as NDJSON or as a
// table for people at a terminal.
//
// Semantics follow docs/architecture.md "Alert document" and
// docs/esql-semantics.md §B3–B4, which cite Kibana's
// build_alert.ts, transform_hit_to_alert.ts and reason_formatters.ts.
package alert

import (
	"encoding/json"
	"fmt"
)

// Document is a JSON object with flat dotted keys kept in insertion order,
// so alerts print in a stable, readable order (the alert time, the result
// row's columns, then the kibana.* fields). The zero Document is empty and
// ready to use. It is not safe for concurrent mutation.
type Document struct {
	keys []string
	vals []any
	idx  map[string]int
}

// NewDocument returns an empty document with room for n keys.
func NewDocument(n int) *Document {
	return &Document{keys: make([]string, 0, n), vals: make([]any, 0, n), idx: make(map[string]int, n)}
}

// Set stores v under key. A key already present keeps its position and
// gets the new value.
func (d *Document) Set(key string, v any) {
	if d.idx == nil {
		d.idx = make(map[string]int)
	}
	if i, ok := d.idx[key]; ok {
		d.vals[i] = v
		return
	}
	d.idx[key] = len(d.keys)
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, v)
}

// Get returns the value stored under key.
func (d *Document) Get(key string) (any, bool) {
	if d == nil {
		return nil, false
	}
	i, ok := d.idx[key]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// Keys returns the keys in insertion order (a copy).
func (d *Document) Keys() []string {
	if d == nil {
		return nil
	}
	return append([]string(nil), d.keys...)
}

// Len is the number of keys.
func (d *Document) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

// MarshalJSON writes the object with its keys in insertion order; values
// are encoded with encoding/json. See AppendJSON.
func (d *Document) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(nil)
}

// AppendJSON appends the document's JSON encoding to dst. Strings are
// escaped by encoding/json (control characters, invalid UTF-8 replaced by
// U+FFFD, HTML characters, U+2028/U+2029) and additionally DEL, the C1
// controls U+0080–U+009F and the bidirectional overrides are written as
// \u escapes, because log fields are untrusted and NDJSON is often read on
// a terminal, where those characters can act as escape sequences or
// reorder text.
func (d *Document) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	if d != nil {
		for i, k := range d.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			kb, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			dst = appendSafe(dst, kb)
			dst = append(dst, ':')
			vb, err := json.Marshal(d.vals[i])
			if err != nil {
				return nil, fmt.Errorf("alert: field %s: %w", k, err)
			}
			dst = appendSafe(dst, vb)
		}
	}
	return append(dst, '}'), nil
}

// appendSafe appends JSON text b to dst, writing DEL, C1 controls and bidi
// controls as \u escapes. Their bytes can only occur inside JSON strings
// (all JSON syntax is ASCII below DEL), so the result is equivalent JSON.
func appendSafe(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == 0x7f:
			dst = append(dst, `\u007f`...)
		case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f: // U+0080–U+009F
			dst = append(dst, '\\', 'u', '0', '0', hex[b[i+1]>>4], hex[b[i+1]&0xf])
			i++
		case c == 0xe2 && i+2 < len(b) && isBidi(0x2000|rune(b[i+1]&0x3f)<<6|rune(b[i+2]&0x3f)) && b[i+1] >= 0x80:
			r := 0x2000 | rune(b[i+1]&0x3f)<<6 | rune(b[i+2]&0x3f)
			dst = append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// isBidi reports the Unicode bidirectional formatting characters that can
// make displayed text differ from its logical order ("Trojan Source",
// CVE-2021-42574): LRM, RLM, the embeddings and overrides, and the isolates.
func isBidi(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
