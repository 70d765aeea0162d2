package detect

import (
	"encoding/json"
	"testing"
)

// Documents of other integrations reach only the rules whose FROM reads
// their data stream (Elasticsearch would query only those indices).
func TestPassThroughRoutedByFROM(t *testing.T) {
	azure := rec{
		"@timestamp":  "2026-11-02T08:04:30Z",
		"data_stream": map[string]any{"type": "logs", "dataset": "azure.platformlogs", "namespace": "default"},
		"event":       map[string]any{"action": "SecretGet", "id": "az-1"},
	}
	for _, tc := range []struct {
		from string
		want int
	}{
		{"logs-aws.cloudtrail-*", 0},
		{"logs-aws.cloudtrail-*, logs-azure.platformlogs-*", 1},
		{"logs-*", 1},
	} {
		r := testRule(t, "from "+tc.from+" metadata _id | where event.action == \"SecretGet\" | keep @timestamp, _id", "5m", "now-6m")
		d := New([]*Compiled{mustCompile(t, r)}, Options{})
		raw, _ := json.Marshal(azure)
		must(t, d.Process(raw))
		alerts, err := d.Finish()
		must(t, err)
		if len(alerts) != tc.want {
			t.Errorf("FROM %s: %d alerts, want %d", tc.from, len(alerts), tc.want)
		}
	}
}
