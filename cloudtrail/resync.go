package cloudtrail

import "bytes"

// recordKeys are keys every CloudTrail record has at its top level. A resync
// candidate must have one, so that an object nested inside a record (the
// elements of "resources" are written "},{" too) is not taken for a record.
var recordKeys = []string{"eventVersion", "eventTime", "eventName", "eventSource", "eventID", "userIdentity"}

// resync looks, after invalid JSON at off inside an array of records, for the
// start of the next record: a '{' at or after off, preceded by ',' or '}'
// (whitespace aside), that opens a valid object with a CloudTrail key and is
// followed by ',' or ']', and nests at most depth levels. Only a heuristic: it works on the usual damage
// (a cut or garbled record) and gives up rather than guess for long.
func resync(b []byte, off, depth int) (int, bool) {
	budget := 4*len(b) + 1<<20 // bytes the candidates may scan in total
	for p := off; p < len(b); p++ {
		j := bytes.IndexByte(b[p:], '{')
		if j < 0 {
			return 0, false
		}
		p += j
		k := p - 1
		for k >= 0 && isSpace(b[k]) {
			k--
		}
		if k < 0 || b[k] != ',' && b[k] != '}' {
			continue
		}
		end, err := skipValueDepth(b, p, depth, 0, nil)
		if err != nil {
			budget -= err.off - p
		} else {
			budget -= end - p
		}
		if budget < 0 {
			return 0, false
		}
		if err != nil {
			continue
		}
		if n := skipWS(b, end); n >= len(b) || b[n] != ',' && b[n] != ']' {
			continue
		}
		if hasRecordKey(b, p) {
			return p, true
		}
	}
	return 0, false
}

// hasRecordKey reports whether the valid object at b[p] has one of recordKeys
// at its top level.
func hasRecordKey(b []byte, p int) bool {
	i := skipWS(b, p+1)
	if i < len(b) && b[i] == '}' {
		return false
	}
	for {
		ks, ke, vs, _, err := scanKey(b, i)
		if err != nil {
			return false
		}
		key := b[ks+1 : ke-1]
		for _, k := range recordKeys {
			if string(key) == k {
				return true
			}
		}
		end, err := skipValue(b, vs)
		if err != nil {
			return false
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ',' {
			return false
		}
		i++
	}
}
