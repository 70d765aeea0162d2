package detect

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"

	"github.com/trailql/trailql/cloudtrail"
)

// Prefilters on known fields. The reader's scan hands over, with most
// records, the strings of a few fields it read on its way (cloudtrail.Known:
// eventName, eventSource, userAgent, userIdentity's type and accessKeyId).
// A literal that a rule's predicate puts in such a field (event.action ==
// "X" puts "X" in eventName) is then looked for in that string alone, not
// in the whole record: no search of the record at all when every literal
// of a rule is on a known field, and a record that names the action
// elsewhere (in requestParameters, say) is no longer let through. Most
// requirements are on one field (event.action IN (...), event.provider ==
// ...), and the rules that such a requirement lets through depend on the
// field's value alone: they are looked up in a table per field, by value.

// knownField is where a needle's literal is: in a known field's string, in
// the dataset (datasetField), or anywhere in the record.
type knownField int8

const (
	anywhere knownField = -1
	// datasetField is data_stream.dataset and event.dataset, which are
	// "aws.cloudtrail" in every CloudTrail record (only another
	// integration's documents, which have no eventTime, have another).
	datasetField = knownField(cloudtrail.NumKnown)
	numFields    = int(cloudtrail.NumKnown) + 1
)

// knownFields are the ECS fields whose value is a known field's string,
// copied verbatim (docs/cloudtrail-ecs-mapping.md §3, §5).
var knownFields = map[string]cloudtrail.KnownField{
	"event.action":                               cloudtrail.EventName,
	"event.provider":                             cloudtrail.EventSource,
	"user_agent.original":                        cloudtrail.UserAgent,
	"aws.cloudtrail.user_identity.type":          cloudtrail.IdentityType,
	"aws.cloudtrail.user_identity.access_key_id": cloudtrail.AccessKeyID,
	"source.address":                             cloudtrail.SourceIP,
}

// knownOf returns the known field of ECS field f, or anywhere.
func knownOf(f string) knownField {
	if k, ok := knownFields[f]; ok {
		return knownField(k)
	}
	return anywhere
}

// datasetValue is the JSON string of datasetField in a CloudTrail record.
var datasetValue = []byte(`"aws.cloudtrail"`)

// fieldValues are a record's strings of the fields (nil: absent).
type fieldValues [numFields][]byte

// valuesOf returns the strings of a CloudTrail record's fields, known being
// what the scan found (OK).
func valuesOf(known *cloudtrail.Known) fieldValues {
	var vals fieldValues
	copy(vals[:], known.Values[:])
	vals[datasetField] = datasetValue
	return vals
}

// knownFilters tests the prefilters of up to 64 rules on records whose
// known fields the scan found (Known.OK).
type knownFilters struct {
	// Per field, the rules whose requirements on that field alone all hold
	// for a value: exact[f] for the values that some rule compares the
	// field with whole (event.action == "X"), free[f] for the rules
	// without such requirements, and loose[f] the rules whose requirements
	// on it also have other literals (STARTS_WITH), to test on values not
	// in exact[f].
	exact [numFields]map[string]uint64
	free  [numFields]uint64
	loose [numFields]uint64
	// alone[f][i] are rule i's requirements on field f alone.
	alone [numFields][][]requirement
	// dataset: the rules whose requirements on datasetField hold.
	dataset uint64
	// rest[i] are rule i's other requirements: on several fields, or
	// anywhere in the record, tested when the tables let rule i through.
	rest [][]requirement
	// all: the rules that can pass at all (not none).
	all uint64
	// The rules' knownTests: notValues[f] has, per JSON string, the rules
	// that field f having it excludes; needs[f] the rules a record
	// without field f fails; inet the rules whose records need an IP
	// address in sourceIPAddress.
	notValues [numFields]map[string]uint64
	needs     [numFields]uint64
	inet      uint64
	tests     uint64 // the rules with knownTests
}

// newKnownFilters builds the tables for filters (at most 64).
func newKnownFilters(filters []*prefilter) *knownFilters {
	k := &knownFilters{rest: make([][]requirement, len(filters))}
	for f := range numFields {
		k.alone[f] = make([][]requirement, len(filters))
	}
	for i, p := range filters {
		if p != nil && p.none {
			continue
		}
		k.all |= 1 << i
		if p == nil {
			continue
		}
		for _, t := range p.tests {
			k.tests |= 1 << i
			k.needs[t.field] |= 1 << i
			if t.inet {
				k.inet |= 1 << i
			}
			for _, v := range t.not {
				if k.notValues[t.field] == nil {
					k.notValues[t.field] = map[string]uint64{}
				}
				k.notValues[t.field][v] |= 1 << i
			}
		}
		for _, req := range p.all {
			if f, ok := onField(req); ok {
				k.alone[f][i] = append(k.alone[f][i], req)
			} else {
				// A literal in a known field's string is found without
				// searching the record: try those first.
				req.anyOf = slices.Clone(req.anyOf)
				slices.SortStableFunc(req.anyOf, func(a, b needle) int {
					return cmp.Compare(boolInt(a.field == anywhere), boolInt(b.field == anywhere))
				})
				k.rest[i] = append(k.rest[i], req)
			}
		}
	}
	for f := range numFields {
		k.exact[f] = map[string]uint64{}
		for i := range filters {
			reqs := k.alone[f][i]
			if len(reqs) == 0 {
				k.free[f] |= 1 << i
			}
			for _, req := range reqs {
				for _, nd := range req.anyOf {
					if !whole(nd.s) {
						k.loose[f] |= 1 << i
					} else {
						k.exact[f][string(nd.s)] = 0
					}
				}
			}
		}
		for v := range k.exact[f] {
			k.exact[f][v] = k.gate(f, []byte(v), k.all)
		}
	}
	k.dataset = k.gate(int(datasetField), datasetValue, k.all)
	return k
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// onField reports the known field all of req's literals are on, if one.
func onField(req requirement) (int, bool) {
	f := anywhere
	for j, nd := range req.anyOf {
		if nd.field == anywhere || j > 0 && nd.field != f {
			return 0, false
		}
		f = nd.field
	}
	return int(f), f != anywhere
}

// whole reports whether literal s is a whole JSON string ("x"), which a
// string without escapes holds only by being it.
func whole(s []byte) bool {
	return len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"'
}

// inValue reports whether the needle is in v, the JSON string of its
// field (nil: absent).
func (n needle) inValue(v []byte) bool {
	if v == nil {
		return false
	}
	// A string without escapes has quotes only at its ends: a literal
	// with a quote can be only there.
	switch s := n.s; {
	case whole(s):
		return string(v) == string(s)
	case s[0] == '"':
		return bytes.HasPrefix(v, s)
	case s[len(s)-1] == '"':
		return bytes.HasSuffix(v, s)
	}
	return n.in(v)
}

// gate returns, of the rules in among, those whose requirements on field f
// alone all hold for value v (nil: the record has no such field).
func (k *knownFilters) gate(f int, v []byte, among uint64) uint64 {
	out := k.free[f] & among
	for rest := among &^ k.free[f]; rest != 0; rest &= rest - 1 {
		i := bits.TrailingZeros64(rest)
		reqs := k.alone[f][i]
		ok := v != nil
		for _, req := range reqs {
			if !ok {
				break
			}
			ok = false
			for _, nd := range req.anyOf {
				if nd.inValue(v) {
					ok = true
					break
				}
			}
		}
		if ok {
			out |= 1 << i
		}
	}
	return out
}

// fieldOrder is the order in which candidates tests the fields: the most
// selective first (a rule names few event sources, and all of them whole),
// the user agent, unique to nearly every record and compared in part
// only, last.
var fieldOrder = [...]cloudtrail.KnownField{cloudtrail.EventSource, cloudtrail.EventName,
	cloudtrail.IdentityType, cloudtrail.AccessKeyID, cloudtrail.SourceIP, cloudtrail.UserAgent}

// candidates returns the rules whose requirements on single fields hold
// for the record's values.
func (k *knownFilters) candidates(vals *fieldValues) uint64 {
	cand := k.all & k.dataset
	for _, f := range fieldOrder {
		if cand&^k.free[f] == 0 {
			continue // no rule left has a requirement on f
		}
		v := vals[f]
		m, ok := uint64(0), false
		if v != nil && len(k.exact[f]) > 0 { // a long user agent costs its hash
			m, ok = k.exact[f][string(v)]
		}
		if ok {
			cand &= m
		} else {
			cand &= k.free[f] | k.gate(int(f), v, cand&k.loose[f])
		}
		if cand == 0 {
			return 0
		}
	}
	return k.tested(cand, vals)
}

// tested returns the rules of cand whose knownTests the record's values
// meet.
func (k *knownFilters) tested(cand uint64, vals *fieldValues) uint64 {
	if cand&k.tests == 0 {
		return cand
	}
	for f := range numFields {
		if cand&k.needs[f] == 0 {
			continue
		}
		v := vals[f]
		if v == nil {
			cand &^= k.needs[f]
			continue
		}
		cand &^= k.notValues[f][string(v)]
	}
	if cand&k.inet != 0 && !inetString(vals[cloudtrail.SourceIP]) {
		cand &^= k.inet
	}
	return cand
}

// passRest reports whether rule i's other requirements hold for the
// record raw with known values vals; escapes caches requirement.hidden's
// test.
func (k *knownFilters) passRest(i int, raw []byte, vals *fieldValues, escapes *int) bool {
	for _, req := range k.rest[i] {
		ok, searched := false, false
		for _, nd := range req.anyOf {
			if nd.field == anywhere {
				searched = true
				ok = nd.in(raw)
			} else {
				ok = nd.inValue(vals[nd.field])
			}
			if ok {
				break
			}
		}
		// A JSON escape can hide a literal searched for in the record,
		// not one in a known field's string (it has none).
		if !ok && !(searched && req.hidden(raw, escapes)) {
			return false
		}
	}
	return true
}

// match is ruleFilters.match for a record whose known fields are known.
func (k *knownFilters) match(raw []byte, known *cloudtrail.Known, pass []bool) bool {
	vals := valuesOf(known)
	cand := k.candidates(&vals)
	escapes := -1
	any := false
	for i := range pass {
		pass[i] = false
	}
	for c := cand; c != 0; c &= c - 1 {
		i := bits.TrailingZeros64(c)
		if !k.passRest(i, raw, &vals, &escapes) {
			continue
		}
		any = true
		if pass == nil {
			return true
		}
		pass[i] = true
	}
	return any
}
