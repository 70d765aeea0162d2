package jsonpath

import "strings"

// Extract walks doc along path, reading only as far as Elasticsearch's
// streaming parser does. It returns the value as JSON_EXTRACT's keyword
// result, or null for a JSON null.
func Extract(doc string, path *Path) (v string, null bool, err error) {
	s := &jsonScanner{s: doc}
	// Jackson's byte-source bootstrapper skips a UTF-8 byte order mark.
	s.s = strings.TrimPrefix(s.s, "\ufeff")
	s.root = true
	if !s.skipSpace() {
		return "", false, errInvalidJSON
	}
	if s.i >= len(s.s) {
		return "", false, errorf("empty JSON input")
	}
	start, kind, ok := s.token()
	if !ok {
		return "", false, errInvalidJSON
	}
	s.root = false
	for _, st := range path.steps {
		switch {
		case kind == '{' && !st.isIndex:
			found, ok := s.findKey(st.key)
			if !ok {
				return "", false, errInvalidJSON
			}
			if !found {
				return "", false, errorf("path [%s] does not exist", path.text)
			}
		case kind == '[' && st.isIndex:
			found, ok := s.findIndex(st.index)
			if !ok {
				return "", false, errInvalidJSON
			}
			if !found {
				return "", false, errorf("array index out of bounds")
			}
		default:
			return "", false, errorf("path [%s] does not exist", path.text)
		}
		if start, kind, ok = s.token(); !ok {
			return "", false, errInvalidJSON
		}
	}
	switch kind {
	case '"':
		str, ok := s.readString()
		if !ok {
			return "", false, errInvalidJSON
		}
		return str, false, nil
	case 'n':
		return "", true, nil
	case 't', 'f', '0':
		return s.s[start:s.i], false, nil
	}
	// An object or array: its bytes as written, once it has been read
	// through (and so validated) to its closing bracket.
	if !s.skipContainer(kind) {
		return "", false, errInvalidJSON
	}
	return s.s[start:s.i], false, nil
}

// errInvalidJSON is what JsonExtract reports for any parse failure.
var errInvalidJSON = errorf("invalid JSON input")

// jsonMaxDepth is Jackson's default StreamReadConstraints nesting limit.
const jsonMaxDepth = 1000

// jsonMaxIntDigits is Jackson's default StreamReadConstraints number length.
const jsonMaxIntDigits = 1000
