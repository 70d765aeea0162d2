package exception

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/internal/wildcard"
)

// MaxValueListSize is the largest value list Kibana applies to an ES|QL
// rule (MAXIMUM_SMALL_VALUE_LIST_SIZE); a larger one is not applied, with
// a warning (docs/triage-and-exceptions.md §1.4).
const MaxValueListSize = 65536

// Filter is compiled exception items: it tells whether a source event is
// removed. It is safe for concurrent use.
type Filter struct {
	items  []*compiledItem
	fields []string
}

type compiledItem struct {
	item    *Item
	expires int64 // epoch ms, or math.MaxInt64
	entries []compiledEntry
}

// compiledEntry tests one field of an event.
type compiledEntry struct {
	field   int
	negate  bool
	matches func(v esql.Value) bool // one (single) value; nil: exists
}

// Warning is something about an item that the user should know: an item
// on a field the source events do not have, or one that cannot be applied.
type Warning struct {
	Item *Item
	Msg  string
}

func (w Warning) String() string { return "exception item " + w.Item.Label() + ": " + w.Msg }

// Compile compiles items against the schema of the source events (cat: the
// fields they can have and their types). lists holds the value lists list
// entries name. Items expired at now are dropped; Excludes drops those that
// expire later, as a daemon runs on.
func Compile(items []*Item, cat esql.Catalog, lists ValueLists, now time.Time) (*Filter, []Warning) {
	f := &Filter{}
	pos := map[string]int{}
	field := func(name string) int {
		i, ok := pos[name]
		if !ok {
			i = len(f.fields)
			pos[name] = i
			f.fields = append(f.fields, name)
		}
		return i
	}
	var warns []Warning
	for _, it := range items {
		exp := int64(math.MaxInt64)
		if !it.ExpireTime.IsZero() {
			if !it.ExpireTime.After(now) {
				continue // removeExpiredExceptions
			}
			exp = it.ExpireTime.UnixMilli()
		}
		ci := &compiledItem{item: it, expires: exp}
		var absent []string
		negated := false
		ok := true
		for _, e := range flatten(it.Entries) {
			t, known := cat[e.Field]
			if !known {
				absent = append(absent, e.Field)
				negated = negated || e.Operator == Excluded
			}
			m, err := matcher(e, t, lists)
			if err != nil {
				warns = append(warns, Warning{it, err.Error() + "; the item is not applied"})
				ok = false
				break
			}
			ci.entries = append(ci.entries, compiledEntry{field: field(e.Field), negate: e.Operator == Excluded, matches: m})
		}
		if !ok {
			continue
		}
		if len(absent) > 0 {
			msg := fmt.Sprintf("names %s, which the source events do not have (a column the query computes?): Kibana applies exceptions to source events only, before the query runs", quoteAll(absent))
			if negated {
				msg += `; an "excluded" entry on such a field matches every event, so this item removes every event, as in Kibana`
			} else {
				msg += ", so this item removes nothing"
			}
			warns = append(warns, Warning{it, msg})
		}
		f.items = append(f.items, ci)
	}
	return f, warns
}

// flatten turns nested entries into entries on their full field names. The
// AWS integration maps no field as nested, so each condition is tested on
// the event's values of parent.field as any other (documented limit: the
// conditions of one nested entry need not hold for the same object).
func flatten(entries []Entry) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.Type != Nested {
			out = append(out, e)
			continue
		}
		for _, sub := range e.Entries {
			sub.Field = e.Field + "." + sub.Field
			out = append(out, sub)
		}
	}
	return out
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// Fields lists the fields the items read; Excludes takes their values in
// this order.
func (f *Filter) Fields() []string { return f.fields }

// Items are the compiled items, in order (expired ones left out); hit
// indices of Excludes are positions in it.
func (f *Filter) Items() []*Item {
	out := make([]*Item, len(f.items))
	for i, ci := range f.items {
		out[i] = ci.item
	}
	return out
}

// Empty reports whether no item applies.
func (f *Filter) Empty() bool { return f == nil || len(f.items) == 0 }

// Excludes reports whether an event is removed: some item, not expired at
// nowMs, has every entry matching. value(i) is the event's value of
// Fields()[i] (null when absent). When hit is not nil every item is tested
// and hit is called with the index of each that matches (for counting);
// otherwise testing stops at the first.
func (f *Filter) Excludes(value func(i int) esql.Value, nowMs int64, hit func(item int)) bool {
	if f == nil {
		return false
	}
	removed := false
	for i, ci := range f.items {
		if nowMs >= ci.expires || !ci.match(value) {
			continue
		}
		removed = true
		if hit == nil {
			return true
		}
		hit(i)
	}
	return removed
}

func (ci *compiledItem) match(value func(int) esql.Value) bool {
	for _, e := range ci.entries {
		if e.test(value(e.field)) == e.negate {
			return false
		}
	}
	return true
}

// test is the included form of the entry: exists, or any value matches.
func (e compiledEntry) test(v esql.Value) bool {
	if v.IsNull() {
		return false
	}
	if e.matches == nil {
		return true
	}
	for i := 0; i < v.Count(); i++ {
		if e.matches(v.Index(i)) {
			return true
		}
	}
	return false
}

// matcher compiles what one value of a field of type t must be for the
// entry to match; nil for exists. Values are compared as Elasticsearch's
// match_phrase/term queries compare them on the field's mapping: exactly
// and case-sensitively on keywords, as addresses or CIDR ranges on ip
// fields, as numbers, booleans or dates on those.
func matcher(e Entry, t esql.DataType, lists ValueLists) (func(esql.Value) bool, error) {
	switch e.Type {
	case Exists:
		return nil, nil
	case Match, MatchAny:
		var ms []func(esql.Value) bool
		for _, s := range e.Values {
			m, err := equals(s, t)
			if err != nil {
				return nil, fmt.Errorf("field %q: %v", e.Field, err)
			}
			ms = append(ms, m)
		}
		return anyOf(ms), nil
	case Wildcard:
		m := wildcard.Compile(e.Values[0])
		return func(v esql.Value) bool { return m(text(v)) }, nil
	case ListType:
		vals, ok := lists[e.List.ID]
		if !ok {
			return nil, fmt.Errorf("value list %q was not given (--value-list %s=FILE)", e.List.ID, e.List.ID)
		}
		if len(vals) > MaxValueListSize {
			return nil, fmt.Errorf("value list %q has %d values, more than the %d Kibana applies to ES|QL rules", e.List.ID, len(vals), MaxValueListSize)
		}
		var ms []func(esql.Value) bool
		set := map[string]bool{}
		for _, s := range vals {
			switch e.List.Type {
			case "ip_range":
				m, err := ipRange(s)
				if err != nil {
					return nil, fmt.Errorf("value list %q: %v", e.List.ID, err)
				}
				ms = append(ms, m)
			case "ip":
				m, err := equals(s, esql.IP)
				if err != nil {
					return nil, fmt.Errorf("value list %q: %v", e.List.ID, err)
				}
				ms = append(ms, m)
			case "keyword", "text", "":
				set[s] = true
			default:
				return nil, fmt.Errorf("value list %q is of type %q; Kibana applies only keyword, ip and ip_range lists to ES|QL rules", e.List.ID, e.List.Type)
			}
		}
		if len(set) > 0 {
			ms = append(ms, func(v esql.Value) bool { return set[text(v)] })
		}
		return anyOf(ms), nil
	}
	return nil, fmt.Errorf("field %q: unsupported entry type %q", e.Field, e.Type)
}

func anyOf(ms []func(esql.Value) bool) func(esql.Value) bool {
	if len(ms) == 1 {
		return ms[0]
	}
	return func(v esql.Value) bool {
		return slices.ContainsFunc(ms, func(m func(esql.Value) bool) bool { return m(v) })
	}
}

// text is a value as a string: keywords as they are, others printed.
func text(v esql.Value) string {
	switch v.Type() {
	case esql.Keyword, esql.Text, esql.Version:
		return v.AsString()
	case esql.IP:
		return v.AsAddr().String()
	}
	return v.String()
}

// equals compiles a match on one value written as s for a field of type t.
// A value the field's type cannot hold matches nothing (Elasticsearch would
// fail the query on it: the item is reported instead).
func equals(s string, t esql.DataType) (func(esql.Value) bool, error) {
	switch t {
	case esql.IP:
		if strings.Contains(s, "/") {
			return ipRange(s)
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", s)
		}
		a = a.Unmap()
		return func(v esql.Value) bool { return v.AsAddr().Unmap() == a }, nil
	case esql.Long, esql.Integer, esql.Double, esql.UnsignedLong:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return func(v esql.Value) bool { return v.AsFloat() == x }, nil
	case esql.Boolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return func(v esql.Value) bool { return v.AsBool() == b }, nil
	case esql.Datetime:
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an ISO 8601 date-time", s)
		}
		ms := ts.UnixMilli()
		return func(v esql.Value) bool { return v.AsTime().UnixMilli() == ms }, nil
	}
	return func(v esql.Value) bool { return text(v) == s }, nil
}

// ipRange compiles a CIDR range (10.0.0.0/8) or a dash range (a-b) of an
// ip_range list or a match on an ip field.
func ipRange(s string) (func(esql.Value) bool, error) {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not an IP range", s)
		}
		a, b = a.Unmap(), b.Unmap()
		return func(v esql.Value) bool {
			x := v.AsAddr().Unmap()
			return x.Compare(a) >= 0 && x.Compare(b) <= 0
		}, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			return func(v esql.Value) bool { return v.AsAddr().Unmap() == a }, nil
		}
		return nil, fmt.Errorf("%q is not an IP range", s)
	}
	p = p.Masked()
	return func(v esql.Value) bool { return p.Contains(v.AsAddr().Unmap()) }, nil
}
