package useragent

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// table_gen.go is ua_regexes.yml analysed ahead of time; regenerate it with
// UPDATE_UA_TABLE=1 go test ./ecs/internal/useragent -run TestUATableIsCurrent
// after changing the YAML or the literal analysis.
func TestUATableIsCurrent(t *testing.T) {
	data, err := os.ReadFile("ua_regexes.yml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := uaEntriesFromYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_UA_TABLE") != "" {
		var b bytes.Buffer
		writeUATable(&b, want)
		if err := os.WriteFile("table_gen.go", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !reflect.DeepEqual(uaTable, want) {
		t.Fatal("table_gen.go is not ua_regexes.yml's table: regenerate it with UPDATE_UA_TABLE=1")
	}
	for pi := range want {
		if len(want[pi]) == 0 {
			t.Fatalf("pass %d has no rules", pi)
		}
	}
}
