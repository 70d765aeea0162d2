package exception

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/BurntSushi/toml"
)

// Set is the exception lists read for a run, by list_id.
type Set struct {
	lists map[string]*List
	order []*List
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{lists: map[string]*List{}} }

// Lists returns the lists in the order they were first read.
func (s *Set) Lists() []*List { return s.order }

// Len is the number of lists.
func (s *Set) Len() int { return len(s.order) }

// Items returns every item of every list, in order.
func (s *Set) Items() []*Item {
	var out []*Item
	for _, l := range s.order {
		out = append(out, l.Items...)
	}
	return out
}

// Lookup returns the list with list_id id.
func (s *Set) Lookup(id string) (*List, bool) {
	l, ok := s.lists[id]
	return l, ok
}

// list returns the list with list_id id, creating it (empty) when new.
func (s *Set) list(id, source string) *List {
	if l, ok := s.lists[id]; ok {
		return l
	}
	l := &List{ListID: id, Source: source}
	s.lists[id] = l
	s.order = append(s.order, l)
	return l
}

// LoadFile adds the lists of one file: a Kibana export (NDJSON) or a
// detection-rules exception TOML file. Errors name the file and line; a
// file with errors adds nothing.
func (s *Set) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return s.Load(path, data)
}

// Load is LoadFile for data read from name.
func (s *Set) Load(name string, data []byte) error {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '{' {
		return s.loadNDJSON(name, data)
	}
	return s.loadTOML(name, data)
}

// line is one object of an export, told apart by its keys (Kibana's
// import does the same: filterExportedCounts, sortExceptions).
type line struct {
	Item
	ExpireTime *string         `json:"expire_time"`
	Entries    json.RawMessage `json:"entries"`
	RuleID     *string         `json:"rule_id"`
	Exported   *int            `json:"exported_exception_list_count"`
	ExportedN  *int            `json:"exported_count"`
}

// loadNDJSON reads an export: list containers, items, rules (skipped:
// package rule reads them) and the details line (skipped), in any order.
func (s *Set) loadNDJSON(name string, data []byte) error {
	var lists []*List
	var items []*Item
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var l line
		if err := json.Unmarshal(text, &l); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", name, n, err))
			continue
		}
		switch {
		case l.Exported != nil || l.ExportedN != nil:
			continue // the export details line
		case l.RuleID != nil:
			continue // a rule of a rule export
		case l.ListID == "":
			errs = append(errs, fmt.Errorf("%s:%d: neither an exception list, an item nor an export details line (no list_id)", name, n))
		case l.ItemID != "" || l.Entries != nil:
			it, err := l.item(name, n)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: item %q: %v", name, n, l.Name, err))
				continue
			}
			items = append(items, it)
		default:
			c := &List{ID: l.ID, ListID: l.ListID, Name: l.Name, Description: l.Description, Type: l.Type,
				NamespaceType: l.NamespaceType, Source: name}
			lists = append(lists, c)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", name, err))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.add(name, lists, items)
	return nil
}

// item completes an item line: its entries and expire_time.
func (l *line) item(name string, n int) (*Item, error) {
	it := l.Item
	it.Source, it.Line = name, n
	if l.Entries != nil {
		if err := json.Unmarshal(l.Entries, &it.Entries); err != nil {
			return nil, err
		}
	}
	if l.ExpireTime != nil && *l.ExpireTime != "" {
		t, err := time.Parse(time.RFC3339Nano, *l.ExpireTime)
		if err != nil {
			return nil, fmt.Errorf("expire_time %q: not an ISO 8601 date-time", *l.ExpireTime)
		}
		it.ExpireTime = t
	}
	return &it, it.validate()
}

// validate checks an item: at least one valid entry.
func (it *Item) validate() error {
	if len(it.Entries) == 0 {
		return fmt.Errorf("no entries")
	}
	for i := range it.Entries {
		if err := it.Entries[i].validate(false); err != nil {
			return err
		}
	}
	return nil
}

// add records lists and items; an item whose list was not in the file
// joins (or starts) the list its list_id names.
func (s *Set) add(name string, lists []*List, items []*Item) {
	for _, c := range lists {
		l := s.list(c.ListID, name)
		items0 := l.Items
		*l = *c
		l.Items = items0
	}
	for _, it := range items {
		l := s.list(it.ListID, name)
		l.Items = append(l.Items, it)
	}
}

// tomlException is detection-rules' exception file
// (detection_rules/exception.py: TOMLExceptionContents).
type tomlException struct {
	Metadata struct {
		ListName string   `toml:"list_name"`
		RuleIDs  []string `toml:"rule_ids"`
	} `toml:"metadata"`
	Exceptions []struct {
		Container map[string]any   `toml:"container"`
		Items     []map[string]any `toml:"items"`
	} `toml:"exceptions"`
}

// loadTOML reads a detection-rules exception file. Its items have the API's
// schema, so each is read through its JSON form.
func (s *Set) loadTOML(name string, data []byte) error {
	var f tomlException
	if _, err := toml.Decode(string(data), &f); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if len(f.Exceptions) == 0 {
		return fmt.Errorf("%s: no [[exceptions]]: neither a Kibana export (NDJSON) nor a detection-rules exception file", name)
	}
	var lists []*List
	var items []*Item
	var errs []error
	for i, ex := range f.Exceptions {
		var c List
		if err := viaJSON(ex.Container, &c); err != nil {
			errs = append(errs, fmt.Errorf("%s: exceptions[%d].container: %v", name, i, err))
			continue
		}
		if c.ListID == "" {
			errs = append(errs, fmt.Errorf("%s: exceptions[%d].container has no list_id", name, i))
			continue
		}
		c.Source = name
		lists = append(lists, &c)
		for j, raw := range ex.Items {
			var l line
			if err := viaJSON(raw, &l); err != nil {
				errs = append(errs, fmt.Errorf("%s: exceptions[%d].items[%d]: %v", name, i, j, err))
				continue
			}
			if l.ListID == "" {
				l.ListID = c.ListID
			}
			it, err := l.item(name, 0)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: exceptions[%d].items[%d] %q: %v", name, i, j, l.Name, err))
				continue
			}
			items = append(items, it)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.add(name, lists, items)
	return nil
}

// viaJSON decodes a TOML table into v through its JSON form.
func viaJSON(in any, v any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
