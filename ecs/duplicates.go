package ecs

import "github.com/valyala/fastjson"

// duplicateKey returns a key that occurs twice in one object anywhere in v.
// Elasticsearch's json processor parses with allow_duplicate_keys: false (the
// default; Jackson STRICT_DUPLICATE_DETECTION, elastic/elasticsearch#22073,
// #74956), so such a record never gets any mapped field: the pipeline fails and
// stores a pipeline_error document. Map reports it as an error instead.
func duplicateKey(v *fastjson.Value) (string, bool) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		var dup string
		found := false
		if o.Len() <= 32 {
			var keys [32][]byte
			n := 0
			o.Visit(func(k []byte, c *fastjson.Value) {
				if found {
					return
				}
				for _, p := range keys[:n] {
					if string(p) == string(k) {
						dup, found = string(k), true
						return
					}
				}
				keys[n] = k
				n++
				dup, found = duplicateKey(c)
			})
			return dup, found
		}
		seen := make(map[string]struct{}, o.Len())
		o.Visit(func(k []byte, c *fastjson.Value) {
			if found {
				return
			}
			if _, ok := seen[string(k)]; ok {
				dup, found = string(k), true
				return
			}
			seen[string(k)] = struct{}{}
			dup, found = duplicateKey(c)
		})
		return dup, found
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, c := range a {
			if d, ok := duplicateKey(c); ok {
				return d, true
			}
		}
	}
	return "", false
}
