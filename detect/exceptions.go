package detect

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/exception"
)

// Exceptions are the Kibana exception lists of a run (package exception):
// the items a rule gets are a filter on its source events before its query
// runs, as Kibana's ES|QL executor applies them. Every driver applies them
// here, in the record-to-rule step, so hunt and daemon remove the same
// events.
type Exceptions struct {
	// Global lists apply to every rule of the run (--exceptions).
	Global []*exception.List
	// Lists are the lists a rule's exceptions_list may name (those of a
	// Kibana rule export, and Global): a rule gets exactly the lists it
	// names, besides Global.
	Lists *exception.Set
	// ValueLists hold the values of list entries.
	ValueLists exception.ValueLists
	// Explain makes Detector find, besides the events each item removed,
	// the alerts it removed (ExceptionReport): each rule with exceptions
	// is evaluated a second time without them.
	Explain bool
}

// ruleExceptions is one rule's compiled exception items, with their fields'
// positions among the record reader's fields and what they removed.
type ruleExceptions struct {
	f     *exception.Filter
	lists []string // list_ids, for the report
	idx   []int
	// removed counts events each item removed; ids (Explain only) records
	// their event ids, to tie removed alerts to items.
	removed []atomic.Int64
	// events counts the events removed (by one item or more).
	events  atomic.Int64
	idField int
	mu      sync.Mutex
	ids     []map[string]bool
	// nowMs is the clock items expire by (0: never re-checked, the hunt).
	now func() int64
}

// compileExceptions builds each rule's filter (nil when it has none) and
// the warnings to show once: items on fields the events do not have,
// lists a rule names that were not given. fields gains the fields the
// items read.
func compileExceptions(rules []*Compiled, ex *Exceptions, fields *fieldSet, now time.Time) ([]*ruleExceptions, []string) {
	out := make([]*ruleExceptions, len(rules))
	if ex == nil {
		return out, nil
	}
	var warns []string
	warned := map[string]bool{}
	warn := func(s string) {
		if !warned[s] {
			warned[s] = true
			warns = append(warns, s)
		}
	}
	for i, c := range rules {
		var items []*exception.Item
		var names []string
		seen := map[string]bool{}
		addList := func(l *exception.List) {
			if !seen[l.ListID] {
				seen[l.ListID] = true
				names = append(names, l.ListID)
				items = append(items, l.Items...)
			}
		}
		for _, l := range ex.Global {
			addList(l)
		}
		for _, ref := range c.Rule.ExceptionsList {
			var l *exception.List
			ok := false
			if ex.Lists != nil {
				l, ok = ex.Lists.Lookup(ref.ListID)
			}
			if !ok {
				warn(fmt.Sprintf("rule %q names exception list %q, which was not given (--exceptions FILE): its items are not applied", c.Rule.Name, ref.ListID))
				continue
			}
			addList(l)
		}
		if len(items) == 0 {
			continue
		}
		f, ws := exception.Compile(items, Catalog(), ex.ValueLists, now)
		for _, w := range ws {
			warn(w.String())
		}
		if f.Empty() {
			continue
		}
		re := &ruleExceptions{f: f, lists: names, removed: make([]atomic.Int64, len(f.Items())), idField: fields.add("event.id")}
		for _, name := range f.Fields() {
			re.idx = append(re.idx, fields.add(name))
		}
		if ex.Explain {
			re.ids = make([]map[string]bool, len(f.Items()))
			for j := range re.ids {
				re.ids[j] = map[string]bool{}
			}
		}
		out[i] = re
	}
	return out, warns
}

// uses returns the indexes of the fields a rule reads, given those of its
// query (idx): the exceptions' fields and the event id they count by are
// read too.
func (re *ruleExceptions) uses(idx []int) []int {
	if re == nil {
		return idx
	}
	out := append(slices.Clone(idx), re.idx...)
	return append(out, re.idField)
}

// excludes reports whether the event whose field values are values is
// removed for the rule, counting it for each item that matches.
func (re *ruleExceptions) excludes(values []esql.Value) bool {
	if re == nil {
		return false
	}
	nowMs := int64(0)
	if re.now != nil {
		nowMs = re.now()
	}
	removed := re.f.Excludes(func(i int) esql.Value { return values[re.idx[i]] }, nowMs, func(item int) {
		re.removed[item].Add(1)
		if re.ids != nil {
			if id := values[re.idField]; !id.IsNull() {
				re.mu.Lock()
				re.ids[item][strings.Clone(id.AsString())] = true // values point into a scratch
				re.mu.Unlock()
			}
		}
	})
	if removed {
		re.events.Add(1)
	}
	return removed
}

// ExceptionStat is what one exception item removed from one rule.
type ExceptionStat struct {
	Rule   string
	Item   *exception.Item
	Events int64 // source events removed
	// Alerts is how many alerts the rule would have raised without the
	// rule's exceptions and did not raise with them, whose events this
	// item removed (Detector with Exceptions.Explain; -1 otherwise).
	Alerts int
}

// stats lists the rule's items with what they removed.
func (re *ruleExceptions) stats(rule string) []ExceptionStat {
	if re == nil {
		return nil
	}
	var out []ExceptionStat
	for i, it := range re.f.Items() {
		out = append(out, ExceptionStat{Rule: rule, Item: it, Events: re.removed[i].Load(), Alerts: -1})
	}
	return out
}

// sumRemoved adds the events exceptions removed over the rules (an event
// removed for two rules counts twice).
func sumRemoved(rs []*ruleExceptions) int64 {
	var n int64
	for _, re := range rs {
		if re != nil {
			n += re.events.Load()
		}
	}
	return n
}

// removedAny reports whether item removed any of the events ids
// (Exceptions.Explain).
func (re *ruleExceptions) removedAny(item int, ids []string) bool {
	re.mu.Lock()
	defer re.mu.Unlock()
	for _, id := range ids {
		if re.ids[item][id] {
			return true
		}
	}
	return false
}
