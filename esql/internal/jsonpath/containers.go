package jsonpath

// value reads a whole value, validating it; its kind was returned by token.
func (s *jsonScanner) value(kind byte) bool {
	switch kind {
	case '"':
		_, ok := s.readString()
		return ok
	case '{', '[':
		return s.skipContainer(kind)
	}
	return true // numbers and literals are read whole by token
}

// skipContainer reads the rest of the object or array just opened.
func (s *jsonScanner) skipContainer(kind byte) bool {
	if kind == '[' {
		for i := 0; ; i++ {
			more, ok := s.nextElement(i == 0)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skipValue() {
				return false
			}
		}
	}
	var seen fieldSet
	for {
		_, more, ok := s.nextField(&seen)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if !s.skipValue() {
			return false
		}
	}
}

// nextElement moves to the next array element: false when the array ends
// (its ']' consumed).
func (s *jsonScanner) nextElement(first bool) (more, ok bool) {
	if !s.skipSpace() || s.i >= len(s.s) {
		return false, false
	}
	if s.s[s.i] == ']' {
		s.i++
		s.depth--
		return false, true
	}
	if !first {
		if s.s[s.i] != ',' {
			return false, false
		}
		s.i++
		if !s.skipSpace() || s.i >= len(s.s) || s.s[s.i] == ']' {
			return false, false // no trailing commas
		}
	}
	return true, true
}

// nextField reads the next field name of an object and its colon: false
// when the object ends (its '}' consumed). Names are checked for
// duplicates, as STRICT_DUPLICATE_DETECTION does.
func (s *jsonScanner) nextField(seen *fieldSet) (name string, more, ok bool) {
	if !s.skipSpace() || s.i >= len(s.s) {
		return "", false, false
	}
	if s.s[s.i] == '}' {
		s.i++
		s.depth--
		return "", false, true
	}
	if seen.n > 0 {
		if s.s[s.i] != ',' {
			return "", false, false
		}
		s.i++
		if !s.skipSpace() || s.i >= len(s.s) {
			return "", false, false
		}
	}
	if s.s[s.i] != '"' {
		return "", false, false
	}
	name, ok = s.readString()
	if !ok || !seen.add(name) {
		return "", false, false
	}
	if !s.skipSpace() || s.i >= len(s.s) || s.s[s.i] != ':' {
		return "", false, false
	}
	s.i++
	return name, true, true
}

// findKey reads the object just opened up to the value of key (its first
// occurrence); found is false when the object ends without it.
func (s *jsonScanner) findKey(key string) (found, ok bool) {
	var seen fieldSet
	for {
		name, more, ok := s.nextField(&seen)
		if !ok {
			return false, false
		}
		if !more {
			return false, true
		}
		if name == key {
			return true, true
		}
		if !s.skipValue() {
			return false, false
		}
	}
}

// findIndex reads the array just opened up to its element i.
func (s *jsonScanner) findIndex(i int) (found, ok bool) {
	for n := 0; ; n++ {
		more, ok := s.nextElement(n == 0)
		if !ok {
			return false, false
		}
		if !more {
			return false, true
		}
		if n == i {
			return true, true
		}
		if !s.skipValue() {
			return false, false
		}
	}
}

// fieldSet holds the names read in one object.
type fieldSet struct {
	n     int
	small [8]string
	big   map[string]struct{}
}

// add records name; false when it was already there.
func (f *fieldSet) add(name string) bool {
	if f.big != nil {
		if _, dup := f.big[name]; dup {
			return false
		}
		f.big[name] = struct{}{}
		f.n++
		return true
	}
	for _, x := range f.small[:f.n] {
		if x == name {
			return false
		}
	}
	if f.n < len(f.small) {
		f.small[f.n] = name
		f.n++
		return true
	}
	f.big = make(map[string]struct{}, 2*len(f.small))
	for _, x := range f.small {
		f.big[x] = struct{}{}
	}
	f.big[name] = struct{}{}
	f.n++
	return true
}
