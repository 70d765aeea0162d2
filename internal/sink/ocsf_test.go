package sink

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailql/trailql/internal/state"
)

// file:PATH?format=ocsf writes OCSF 1.3 Detection Findings (class 2004): a
// first version as Create, a later one as Update, severity mapped, the
// alert under unmapped; a version already in the file is not written
// again after a restart.
func TestFileSinkOCSF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "findings.ndjson")
	id, doc := seedAlert(t, "alice", 6)
	deliveries := []state.Delivery{
		{AlertID: id, Version: "v1", Revision: 1, Doc: doc},
		{AlertID: id, Version: "v2", Revision: 2, Doc: []byte(strings.Replace(string(doc), `"kibana.alert.uuid"`, `"x":1,"kibana.alert.uuid"`, 1))},
	}
	for run := 0; run < 2; run++ {
		s, err := Parse("file:" + path + "?format=ocsf")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), deliveries); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (no version twice):\n%s", len(lines), b)
	}
	for i, line := range lines {
		var f struct {
			Class    int    `json:"class_uid"`
			Type     int    `json:"type_uid"`
			Activity int    `json:"activity_id"`
			Severity int    `json:"severity_id"`
			Message  string `json:"message"`
			Info     struct {
				UID, Title string
			} `json:"finding_info"`
			Unmapped map[string]any `json:"unmapped"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		sev := map[string]int{"low": 2, "medium": 3, "high": 4, "critical": 5}[f.Unmapped["kibana.alert.severity"].(string)]
		if f.Class != 2004 || f.Activity != i+1 || f.Type != 200400+i+1 || f.Severity != sev || f.Info.UID != id ||
			f.Info.Title != f.Unmapped["kibana.alert.rule.name"] || f.Message == "" {
			t.Errorf("line %d: %+v", i, f)
		}
	}
	if _, err := Parse("file:" + path + "?format=xml"); err == nil {
		t.Error("unknown format accepted")
	}
}
