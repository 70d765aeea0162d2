package state

import (
	"fmt"
	"path/filepath"
	"testing"
)

// openTemp opens a store on a fresh file in t's temp dir, closed at the end.
func openTemp(t *testing.T, sinks ...string) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	s := mustOpen(t, path, sinks...)
	return s, path
}

func mustOpen(t *testing.T, path string, sinks ...string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetSinks(sinks...)
	return s
}

// alertDoc is an alert document shaped like alert.Build's output: the
// alert time first, then row columns, then kibana.alert.* fields.
func alertDoc(id, at string, count int) []byte {
	return []byte(fmt.Sprintf(`{"@timestamp":%q,"Esql.event_action_count_distinct":%d,"Esql.event_action_values":["ListRoles","ListUsers"],"kibana.alert.uuid":%q,"kibana.alert.rule.name":"Seed"}`, at, count, id))
}

func pendingIDs(t *testing.T, s *Store, sink string) []string {
	t.Helper()
	ds, err := s.Pending(sink, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.AlertID)
	}
	return ids
}
