package esql

// valueSet is a set of single values that keeps their first-seen order:
// the state of VALUES and COUNT_DISTINCT. Most groups of a STATS hold one or
// a few values per aggregate (a rule grouping by an access key sees a
// handful of events per key), so a small set is a list searched linearly and
// the map that indexes it is built only past smallSet values. A map per
// aggregate per group made the STATS state of a 24-hour rule the largest
// part of the heap (docs/architecture.md "Performance model").
type valueSet struct {
	list  []Value
	index map[string]struct{} // keys (appendKey) of list, past smallSet values
}

// smallSet is how many values a set holds before it is indexed.
const smallSet = 8

// add adds the single value e and reports whether it was new.
func (s *valueSet) add(e Value) bool {
	if s.index == nil {
		for _, x := range s.list {
			if sameScalar(x, e) {
				return false
			}
		}
		s.list = append(s.list, e)
		if len(s.list) > smallSet {
			s.index = make(map[string]struct{}, 2*len(s.list))
			for _, x := range s.list {
				s.index[string(appendKey(nil, x))] = struct{}{}
			}
		}
		return true
	}
	var kb [64]byte
	k := appendKey(kb[:0], e)
	if _, ok := s.index[string(k)]; ok {
		return false
	}
	s.index[string(k)] = struct{}{}
	s.list = append(s.list, e)
	return true
}

// sameScalar reports whether two single values are the same value, as
// their appendKey encodings are equal.
func sameScalar(a, b Value) bool {
	if a.t != b.t {
		return false
	}
	switch a.t {
	case Null:
		return true
	case Keyword, Text, Version, IP, GeoPoint:
		return a.s == b.s
	default:
		return a.n == b.n
	}
}
