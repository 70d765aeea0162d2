package sink

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailql/trailql/internal/state"
)

// A crash after the file got a line but before the outbox marked it
// delivered makes the dispatcher send the same version again: the file sink
// recognises it and does not append a duplicate; a new version is appended.
func TestFileSinkSkipsVersionsItHas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	doc := func(count string) []byte {
		return []byte(`{"@timestamp":"2026-11-25T10:00:00.000Z","kibana.alert.uuid":"a1","Esql.count":` + count + `}`)
	}
	delivery := func(d []byte) state.Delivery {
		v, err := state.Version(d)
		if err != nil {
			t.Fatal(err)
		}
		return state.Delivery{AlertID: "a1", Version: v, Doc: d}
	}
	send := func(ds ...state.Delivery) {
		s, err := NewFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Send(context.Background(), ds); err != nil {
			t.Fatal(err)
		}
	}
	send(delivery(doc("6")))
	send(delivery(doc("6")))                     // redelivered after a crash: same version
	send(delivery(doc("6")), delivery(doc("7"))) // and an update
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != 2 {
		t.Errorf("%d lines, want 2 (version 6 once, then 7):\n%s", n, b)
	}
}
