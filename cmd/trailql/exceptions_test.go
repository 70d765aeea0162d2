package main

import (
	"strings"
	"testing"
)

// --exceptions applies a Kibana exception list export to the rule's source
// events; --rules takes a Kibana rule export whose rule gets the lists its
// exceptions_list names; --explain-exceptions says what each item removed.
func TestDetectExceptions(t *testing.T) {
	const examples = "../../examples"
	all := ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", examples).stdout)
	cases := []struct {
		name   string
		args   []string
		alerts int
		stderr []string
	}{
		{"allow-list with an expired item and an item on a computed column",
			[]string{"--exceptions", "../../testdata/exceptions/seed-allowlist.ndjson", "--explain-exceptions"}, len(all) - 2,
			[]string{`"Esql.event_action_count_distinct", which the source events do not have`, "removes nothing",
				`item "ec2-web instance role" (item_id ec2-web-role, list aws-discovery-automation): 23 events removed, 2 alerts removed`,
				"23 events removed by exceptions"}},
		{"rule export with its own list",
			[]string{"--rules", "../../testdata/exceptions/seed-rule-export.ndjson"}, len(all) - 1,
			[]string{"15 events removed by exceptions"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := trailql(t, "", append(append([]string{"detect", "--format", "ndjson"}, tc.args...), examples)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := len(ndjsonAlerts(t, r.stdout)); got != tc.alerts {
				t.Errorf("%d alerts, want %d", got, tc.alerts)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
		})
	}
	r := trailql(t, "", "detect", "--exceptions", "../../testdata/rules/bad-type.toml", examples)
	if r.code != 2 || !strings.Contains(r.stderr, "bad-type.toml") {
		t.Errorf("a file that is no exception list: exit %d, %s", r.code, r.stderr)
	}
}

// rules test --exceptions applies the list to every case's rule: a case
// that expects the removed actor's alert fails.
func TestRulesTestExceptions(t *testing.T) {
	dir := "../../testdata/rules/discovery_multiple_discovery_api_calls_via_cli/"
	if r := trailql(t, "", "rules", "test", dir); r.code != 0 {
		t.Fatalf("without exceptions: exit %d\n%s", r.code, r.stdout)
	}
	list := writeFile(t, t.TempDir(), "all.ndjson", `{"list_id":"all","item_id":"everything","name":"everything","type":"simple","entries":[{"field":"event.action","operator":"included","type":"exists"}]}`)
	r := trailql(t, "", "rules", "test", "--exceptions", list, dir)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL") {
		t.Errorf("with a list that removes every event: exit %d\n%s", r.code, r.stdout)
	}
}

// A list entry's value list is found beside the export that names it (Kibana
// names an imported value list by its file name), or given with
// --value-list; an ip_range list matches source.ip by CIDR.
func TestDetectExceptionValueList(t *testing.T) {
	const examples = "../../examples"
	all := len(ndjsonAlerts(t, trailql(t, "", "detect", "--format", "ndjson", examples).stdout))
	dir := t.TempDir()
	list := writeFile(t, dir, "allow.ndjson", `{"list_id":"l","name":"l","type":"detection"}
{"list_id":"l","item_id":"i","name":"private ranges","type":"simple","entries":[{"field":"source.ip","operator":"included","type":"list","list":{"id":"private.txt","type":"ip_range"}}]}`)
	writeFile(t, dir, "private.txt", "172.16.0.0/12\n10.0.0.0/8\n")
	r := trailql(t, "", "detect", "--format", "ndjson", "--exceptions", list, examples)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := len(ndjsonAlerts(t, r.stdout)); got != all-2 {
		t.Errorf("%d alerts, want %d (the two from 172.31.x.x removed): %s", got, all-2, r.stderr)
	}
	other := writeFile(t, t.TempDir(), "elsewhere.txt", "192.0.2.0/24\n")
	r = trailql(t, "", "detect", "--format", "ndjson", "--exceptions", list, "--value-list", "private.txt="+other, examples)
	if got := len(ndjsonAlerts(t, r.stdout)); got != all {
		t.Errorf("--value-list given: %d alerts, want %d", got, all)
	}
}
