package exception

import (
	"strings"
	"testing"
	"time"
)

// A Kibana exception list export: container, items and the details line,
// in any order (Kibana's import sorts lists before items and drops the
// details line).
func TestLoadKibanaExport(t *testing.T) {
	s := NewSet()
	if err := s.LoadFile("testdata/aws-discovery-automation.ndjson"); err != nil {
		t.Fatal(err)
	}
	l, ok := s.Lookup("aws-discovery-automation")
	if !ok || s.Len() != 1 {
		t.Fatalf("lists %v", s.Lists())
	}
	if l.Name != "AWS discovery automation" || l.Type != "detection" || l.ID != "6c1d6b90-7a3e-11f1-9a2b-5b7e1c0d1f00" {
		t.Errorf("container %+v", l)
	}
	if len(l.Items) != 1 {
		t.Fatalf("items %d", len(l.Items))
	}
	it := l.Items[0]
	if it.ItemID != "custodian-scanner" || it.Line != 1 || len(it.Entries) != 2 {
		t.Errorf("item %+v", it)
	}
	if !it.ExpireTime.Equal(time.Date(2027, 5, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("expire_time %v", it.ExpireTime)
	}
	if e := it.Entries[1]; e.Type != MatchAny || strings.Join(e.Values, ",") != "111122223333,444455556666" {
		t.Errorf("match_any entry %+v", e)
	}
}

// detection-rules' exception TOML, with a value list entry.
func TestLoadDetectionRulesTOML(t *testing.T) {
	s := NewSet()
	if err := s.LoadFile("testdata/terraform_exceptions.toml"); err != nil {
		t.Fatal(err)
	}
	l, ok := s.Lookup("terraform-runners")
	if !ok || len(l.Items) != 1 {
		t.Fatalf("lists %v", s.Lists())
	}
	e := l.Items[0].Entries[1]
	if e.Type != ListType || e.List == nil || e.List.ID != "ci-ranges.txt" || e.List.Type != "ip_range" {
		t.Errorf("list entry %+v", e)
	}
}

// Bad input names the file and line and adds nothing; rule lines of a rule
// export are left to package rule.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"not JSON", "{\"list_id\":\"a\"}\n{oops\n", "x.ndjson:2:"},
		{"no list_id", `{"name":"x"}`, "x.ndjson:1: neither an exception list"},
		{"bad operator", `{"list_id":"a","item_id":"i","name":"n","entries":[{"field":"f","operator":"is","type":"match","value":"v"}]}`, `operator "is"`},
		{"bad type", `{"list_id":"a","item_id":"i","name":"n","entries":[{"field":"f","operator":"included","type":"regex","value":"v"}]}`, `unknown type "regex"`},
		{"match_any without values", `{"list_id":"a","item_id":"i","name":"n","entries":[{"field":"f","operator":"included","type":"match_any","value":[]}]}`, "non-empty array"},
		{"bad expire_time", `{"list_id":"a","item_id":"i","name":"n","expire_time":"soon","entries":[{"field":"f","operator":"included","type":"exists"}]}`, "expire_time"},
		{"TOML without exceptions", "[metadata]\nlist_name = \"x\"\n", "no [[exceptions]]"},
	}
	for _, tc := range cases {
		s := NewSet()
		err := s.Load("x.ndjson", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if s.Len() != 0 {
			t.Errorf("%s: a failed file added lists", tc.name)
		}
	}
	s := NewSet()
	rules := `{"rule_id":"r1","type":"esql","name":"x","query":"FROM a","exceptions_list":[{"list_id":"a"}]}` + "\n" +
		`{"list_id":"a","name":"A","type":"detection"}` + "\n" + `{"exported_count":2,"exported_rules_count":1}`
	if err := s.Load("rules.ndjson", []byte(rules)); err != nil || s.Len() != 1 {
		t.Errorf("rule export: %v, %d lists", err, s.Len())
	}
}
