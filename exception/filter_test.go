package exception

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/esql"
)

var testCatalog = esql.Catalog{
	"aws.cloudtrail.user_identity.arn": esql.Keyword,
	"cloud.account.id":                 esql.Keyword,
	"source.ip":                        esql.IP,
	"event.action":                     esql.Keyword,
	"related.entity":                   esql.Keyword,
	"aws.cloudtrail.read_only":         esql.Boolean,
	"http.response.bytes":              esql.Long,
	"user_agent.original":              esql.Keyword,
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// event is an event's field values; []string is a multi-value.
type event map[string]any

func (ev event) value(name string) esql.Value {
	switch x := ev[name].(type) {
	case nil:
		return esql.NullValue()
	case []string:
		vs := make([]esql.Value, len(x))
		for i, s := range x {
			vs[i] = esql.KeywordValue(s)
		}
		return esql.Multi(vs...)
	case string:
		if testCatalog[name] == esql.IP {
			return esql.IPAddr(netip.MustParseAddr(x))
		}
		return esql.KeywordValue(x)
	case bool:
		return esql.Bool(x)
	case int:
		return esql.LongValue(int64(x))
	}
	panic(name)
}

func excludes(t *testing.T, f *Filter, ev event) bool {
	t.Helper()
	return f.Excludes(func(i int) esql.Value { return ev.value(f.Fields()[i]) }, t0.UnixMilli(), nil)
}

const custodian = "arn:aws:sts::111122223333:assumed-role/custodian-scanner/i-1"

var base = event{
	"aws.cloudtrail.user_identity.arn": custodian,
	"cloud.account.id":                 "111122223333",
	"source.ip":                        "10.1.2.3",
	"event.action":                     "DescribeInstances",
	"related.entity":                   []string{"a", "b"},
	"aws.cloudtrail.read_only":         true,
	"http.response.bytes":              512,
	"user_agent.original":              "aws-cli/2.15.0",
}

func with(ev event, k string, v any) event {
	out := event{}
	for kk, vv := range ev {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func entry(field, op, typ string, vals ...string) Entry {
	return Entry{Field: field, Operator: op, Type: typ, Values: vals}
}

// Each entry type and operator, as Kibana's build_exception_filter.ts
// compiles it (docs/triage-and-exceptions.md §1.1): the event is removed when
// every entry of some item matches.
func TestExcludes(t *testing.T) {
	arn := "aws.cloudtrail.user_identity.arn"
	cases := []struct {
		name    string
		entries []Entry
		ev      event
		want    bool
	}{
		{"match is", []Entry{entry(arn, Included, Match, custodian)}, base, true},
		{"match is case-sensitive", []Entry{entry(arn, Included, Match, strings.ToUpper(custodian))}, base, false},
		{"match is not", []Entry{entry(arn, Excluded, Match, custodian)}, base, false},
		{"match is not: a missing field matches", []Entry{entry(arn, Excluded, Match, custodian)}, with(base, arn, nil), true},
		{"match is: a missing field does not", []Entry{entry(arn, Included, Match, custodian)}, with(base, arn, nil), false},
		{"match_any", []Entry{entry("cloud.account.id", Included, MatchAny, "444455556666", "111122223333")}, base, true},
		{"match_any none", []Entry{entry("cloud.account.id", Included, MatchAny, "444455556666")}, base, false},
		{"match_any excluded", []Entry{entry("cloud.account.id", Excluded, MatchAny, "444455556666")}, base, true},
		{"exists", []Entry{entry(arn, Included, Exists)}, base, true},
		{"exists missing", []Entry{entry(arn, Included, Exists)}, with(base, arn, nil), false},
		{"does not exist", []Entry{entry(arn, Excluded, Exists)}, with(base, arn, nil), true},
		{"wildcard *", []Entry{entry(arn, Included, Wildcard, "arn:aws:sts::111122223333:assumed-role/custodian-*")}, base, true},
		{"wildcard ?", []Entry{entry("event.action", Included, Wildcard, "Describe?nstances")}, base, true},
		{"wildcard escape", []Entry{entry("event.action", Included, Wildcard, `Describe\*`)}, base, false},
		{"wildcard is case-sensitive", []Entry{entry("event.action", Included, Wildcard, "describe*")}, base, false},
		{"wildcard does not match", []Entry{entry("event.action", Excluded, Wildcard, "List*")}, base, true},
		{"multi-value: any element", []Entry{entry("related.entity", Included, Match, "b")}, base, true},
		{"multi-value: is not any element", []Entry{entry("related.entity", Excluded, Match, "b")}, base, false},
		{"ip: address", []Entry{entry("source.ip", Included, Match, "10.1.2.3")}, base, true},
		{"ip: CIDR", []Entry{entry("source.ip", Included, Match, "10.0.0.0/8")}, base, true},
		{"ip: other CIDR", []Entry{entry("source.ip", Included, Match, "192.168.0.0/16")}, base, false},
		{"boolean", []Entry{entry("aws.cloudtrail.read_only", Included, Match, "true")}, base, true},
		{"number", []Entry{entry("http.response.bytes", Included, Match, "512")}, base, true},
		{"entries are ANDed", []Entry{entry(arn, Included, Exists), entry("event.action", Included, Match, "ListUsers")}, base, false},
		{"nested: parent.field", []Entry{{Field: "aws.cloudtrail", Type: Nested, Entries: []Entry{entry("read_only", Included, Match, "true")}}}, base, true},
		{"computed column, included: nothing", []Entry{entry("Esql.event_action_count_distinct", Included, Match, "7")}, base, false},
		{"computed column, excluded: everything", []Entry{entry("Esql.event_action_count_distinct", Excluded, Match, "7")}, base, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := Compile([]*Item{{Name: tc.name, Entries: tc.entries}}, testCatalog, nil, t0)
			if got := excludes(t, f, tc.ev); got != tc.want {
				t.Errorf("Excludes = %v, want %v", got, tc.want)
			}
		})
	}
}

// Items are ORed; an expired item is dropped; hit sees every matching item.
func TestItemsAndExpiry(t *testing.T) {
	arn := "aws.cloudtrail.user_identity.arn"
	items := []*Item{
		{Name: "other", Entries: []Entry{entry(arn, Included, Match, "x")}},
		{Name: "expired", Entries: []Entry{entry(arn, Included, Exists)}, ExpireTime: t0.Add(-time.Second)},
		{Name: "expires later", Entries: []Entry{entry(arn, Included, Exists)}, ExpireTime: t0.Add(time.Hour)},
		{Name: "account", Entries: []Entry{entry("cloud.account.id", Included, Match, "111122223333")}},
	}
	f, _ := Compile(items, testCatalog, nil, t0)
	if len(f.Items()) != 3 {
		t.Fatalf("items %d, want 3 (the expired one dropped)", len(f.Items()))
	}
	var hits []string
	get := func(i int) esql.Value { return base.value(f.Fields()[i]) }
	if !f.Excludes(get, t0.UnixMilli(), func(i int) { hits = append(hits, f.Items()[i].Name) }) {
		t.Fatal("not excluded")
	}
	if strings.Join(hits, ",") != "expires later,account" {
		t.Errorf("hits %v", hits)
	}
	hits = nil
	f.Excludes(get, t0.Add(2*time.Hour).UnixMilli(), func(i int) { hits = append(hits, f.Items()[i].Name) })
	if strings.Join(hits, ",") != "account" {
		t.Errorf("after expiry: hits %v, want account only", hits)
	}
}

// Value lists: keyword, ip and ip_range (CIDR and dash ranges).
func TestValueLists(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lists := ValueLists{}
	for _, spec := range []string{
		write("arns.txt", "arn:aws:iam::1:user/x\n"+custodian+"\n\n"),
		"ranges=" + write("r.txt", "192.168.0.0/16\n10.1.2.0-10.1.2.9\n"),
		"ips=" + write("i.txt", "10.9.9.9\n"),
	} {
		if err := lists.LoadValueList(spec); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		entry Entry
		want  bool
	}{
		{Entry{Field: "aws.cloudtrail.user_identity.arn", Operator: Included, Type: ListType, List: &ValueListRef{ID: "arns.txt", Type: "keyword"}}, true},
		{Entry{Field: "aws.cloudtrail.user_identity.arn", Operator: Excluded, Type: ListType, List: &ValueListRef{ID: "arns.txt", Type: "keyword"}}, false},
		{Entry{Field: "source.ip", Operator: Included, Type: ListType, List: &ValueListRef{ID: "ranges", Type: "ip_range"}}, true},
		{Entry{Field: "source.ip", Operator: Included, Type: ListType, List: &ValueListRef{ID: "ips", Type: "ip"}}, false},
	}
	for i, tc := range cases {
		f, warns := Compile([]*Item{{Name: "l", Entries: []Entry{tc.entry}}}, testCatalog, lists, t0)
		if len(warns) > 0 {
			t.Fatalf("case %d: %v", i, warns)
		}
		if got := excludes(t, f, base); got != tc.want {
			t.Errorf("case %d (%s %s): %v, want %v", i, tc.entry.List.ID, tc.entry.Operator, got, tc.want)
		}
	}
	// A list that was not given is reported and the item not applied.
	f, warns := Compile([]*Item{{Name: "missing", Entries: []Entry{{Field: "source.ip", Operator: Included, Type: ListType, List: &ValueListRef{ID: "nope", Type: "ip"}}}}}, testCatalog, lists, t0)
	if len(warns) != 1 || !strings.Contains(warns[0].Msg, "--value-list nope=FILE") || !f.Empty() {
		t.Errorf("warnings %v, empty %v", warns, f.Empty())
	}
}

// An item on a field the source events lack is warned about, saying what
// it does.
func TestComputedColumnWarning(t *testing.T) {
	items := []*Item{
		{Name: "on a computed column", ItemID: "c1", ListID: "l", Entries: []Entry{entry("Esql.event_action_count_distinct", Included, Match, "7")}},
		{Name: "negated", ItemID: "c2", ListID: "l", Entries: []Entry{entry("Esql.source_ip_values", Excluded, Match, "1.2.3.4")}},
		{Name: "fine", ItemID: "c3", ListID: "l", Entries: []Entry{entry("source.ip", Included, Match, "1.2.3.4")}},
	}
	_, warns := Compile(items, testCatalog, nil, t0)
	if len(warns) != 2 {
		t.Fatalf("warnings %v, want 2", warns)
	}
	if s := warns[0].String(); !strings.Contains(s, `"Esql.event_action_count_distinct"`) || !strings.Contains(s, "removes nothing") || !strings.Contains(s, "c1") {
		t.Errorf("warning 0: %s", s)
	}
	if s := warns[1].String(); !strings.Contains(s, "removes every event") {
		t.Errorf("warning 1: %s", s)
	}
}
