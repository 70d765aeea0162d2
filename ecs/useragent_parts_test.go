package ecs

import (
	"testing"

	"github.com/trailql/trailql/ecs/internal/useragent"
)

// TestUAPartsWanted maps Options.Fields-style selections to parts.
func TestUAPartsWanted(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		want   useragent.Part
	}{
		{nil, useragent.PartAll},
		{[]string{"user_agent.name"}, useragent.PartName},
		{[]string{"user_agent.version", "event.action"}, useragent.PartName},
		{[]string{"user_agent.original"}, 0},
		{[]string{"user_agent.os.full"}, useragent.PartOS},
		{[]string{"user_agent.device.name"}, useragent.PartDevice},
		{[]string{"user_agent"}, useragent.PartAll},
		{[]string{"user_agent.*"}, useragent.PartAll},
	} {
		got := useragent.PartsWanted(func(f string) bool { return wants(tc.fields, f) })
		if got != tc.want {
			t.Errorf("%v: got %03b, want %03b", tc.fields, got, tc.want)
		}
	}
}
