package exception

import (
	"encoding/json"
	"fmt"
	"time"
)

// List is an exception list container with its items.
type List struct {
	ID            string `json:"id"`
	ListID        string `json:"list_id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Type          string `json:"type"` // detection, rule_default, endpoint, ...
	NamespaceType string `json:"namespace_type"`
	Items         []*Item
	// Source is the file the list was read from.
	Source string
}

// Item is one exception item: entries that must all match.
type Item struct {
	ID            string  `json:"id"`
	ItemID        string  `json:"item_id"`
	ListID        string  `json:"list_id"`
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	Type          string  `json:"type"` // always "simple"
	NamespaceType string  `json:"namespace_type"`
	Entries       []Entry `json:"entries"`
	// ExpireTime is when the item stops applying (detection items only);
	// zero when it never expires.
	ExpireTime time.Time `json:"-"`
	// Source and Line locate the item in its file (Line 0 when unknown).
	Source string `json:"-"`
	Line   int    `json:"-"`
}

// Label names the item in messages: its name, item_id and list.
func (it *Item) Label() string {
	id := it.ItemID
	if id == "" {
		id = it.ID
	}
	return fmt.Sprintf("%q (item_id %s, list %s)", it.Name, id, it.ListID)
}

// Entry is one condition of an item.
type Entry struct {
	Field    string `json:"field"`
	Operator string `json:"operator"` // included or excluded
	Type     string `json:"type"`     // match, match_any, exists, wildcard, list, nested
	// Values is the value of a match or wildcard entry (one) or of a
	// match_any entry (one or more).
	Values []string `json:"-"`
	// List is the value list of a list entry.
	List *ValueListRef `json:"list,omitempty"`
	// Entries are a nested entry's conditions on fields under Field.
	Entries []Entry `json:"entries,omitempty"`
}

// ValueListRef names a Kibana value list and its type.
type ValueListRef struct {
	ID   string `json:"id"`
	Type string `json:"type"` // keyword, ip, ip_range, ...
}

// The entry operators and types Kibana defines
// (kbn-securitysolution-io-ts-list-types; detection-rules definitions.py).
const (
	Included = "included"
	Excluded = "excluded"

	Match    = "match"
	MatchAny = "match_any"
	Exists   = "exists"
	Wildcard = "wildcard"
	ListType = "list"
	Nested   = "nested"
)

// UnmarshalJSON reads an entry: value is a string or an array of strings;
// detection-rules TOML files name the value list list_vals.
func (e *Entry) UnmarshalJSON(b []byte) error {
	var raw struct {
		Field    string          `json:"field"`
		Operator string          `json:"operator"`
		Type     string          `json:"type"`
		Value    json.RawMessage `json:"value"`
		List     *ValueListRef   `json:"list"`
		ListVals *ValueListRef   `json:"list_vals"`
		Entries  []Entry         `json:"entries"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = Entry{Field: raw.Field, Operator: raw.Operator, Type: raw.Type, List: raw.List, Entries: raw.Entries}
	if e.List == nil {
		e.List = raw.ListVals
	}
	if len(raw.Value) > 0 && string(raw.Value) != "null" {
		var one string
		if err := json.Unmarshal(raw.Value, &one); err == nil {
			e.Values = []string{one}
		} else if err := json.Unmarshal(raw.Value, &e.Values); err != nil {
			return fmt.Errorf("entry on %q: value is neither a string nor an array of strings", raw.Field)
		}
	}
	return nil
}

// validate checks an entry's shape as Kibana's schema does.
func (e *Entry) validate(nested bool) error {
	if e.Field == "" {
		return fmt.Errorf("entry without a field")
	}
	if e.Type != Nested {
		switch e.Operator {
		case Included, Excluded:
		default:
			return fmt.Errorf("entry on %q: operator %q is not included or excluded", e.Field, e.Operator)
		}
	}
	switch e.Type {
	case Match, Wildcard:
		if len(e.Values) != 1 {
			return fmt.Errorf("entry on %q: a %s entry has one string value", e.Field, e.Type)
		}
	case MatchAny:
		if len(e.Values) == 0 {
			return fmt.Errorf("entry on %q: a match_any entry has a non-empty array of values", e.Field)
		}
	case Exists:
	case ListType:
		if e.List == nil || e.List.ID == "" {
			return fmt.Errorf("entry on %q: a list entry names its value list (list.id)", e.Field)
		}
	case Nested:
		if nested {
			return fmt.Errorf("entry on %q: nested entries cannot nest", e.Field)
		}
		if len(e.Entries) == 0 {
			return fmt.Errorf("entry on %q: a nested entry has entries", e.Field)
		}
		for i := range e.Entries {
			if e.Entries[i].Type == ListType || e.Entries[i].Type == Wildcard {
				return fmt.Errorf("entry on %q: a nested entry holds match, match_any or exists entries only", e.Field)
			}
			if err := e.Entries[i].validate(true); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("entry on %q: unknown type %q (want match, match_any, exists, wildcard, list or nested)", e.Field, e.Type)
	}
	return nil
}
