package ecs

import (
	"strings"
	"testing"
)

// Hostile input reaching the mapper (issue "Reliability: hostile input"):
// invalid UTF-8 is mapped as Elasticsearch would see it, U+FFFD per invalid
// byte (see replaceInvalidUTF8); escaped NUL is a valid character; wrong
// eventTime types and too deep nesting are errors that say what is wrong.
func TestMapHostile(t *testing.T) {
	m := NewMapper(Options{})
	for _, tc := range []struct {
		name, in string
		field    string
		want     string
	}{
		{"invalid UTF-8, byte by byte", string(record(`"userAgent":"a` + "\xff\xfe" + `b` + "\xc3\x28" + `"`)), "user_agent.original", "a\ufffd\ufffdb\ufffd("},
		{"truncated multi-byte sequence", string(record(`"userAgent":"x` + "\xe2\x82" + `"`)), "user_agent.original", "x\ufffd\ufffd"},
		{"valid UTF-8 unchanged", string(record(`"userAgent":"é€😀"`)), "user_agent.original", "é€😀"},
		{"escaped NUL", string(record(`"eventName":"a\u0000b"`)), "event.action", "a\x00b"},
	} {
		ev, err := m.Map([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got, _ := ev[tc.field].(string); got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.field, got, tc.want)
		}
	}
	for _, tc := range []struct{ name, in, want string }{
		{"eventTime object", `{"eventTime":{"t":"2024-01-01T00:00:00Z"}}`, `invalid eventTime "{t=2024-01-01T00:00:00Z}": not an ISO-8601 date`},
		{"eventTime array", `{"eventTime":["2024-01-01T00:00:00Z"]}`, `invalid eventTime "[2024-01-01T00:00:00Z]"`},
		{"eventTime boolean", `{"eventTime":true}`, `invalid eventTime "true"`},
		{"eventTime not a date", `{"eventTime":"2024-13-45T99:00:00Z"}`, `invalid eventTime "2024-13-45T99:00:00Z": not an ISO-8601 date`},
		{"eventTime huge", `{"eventTime":"` + strings.Repeat("9", 1<<20) + `"}`, `not an ISO-8601 date`},
		{"cut record", `{"eventTime":`, `invalid JSON: cannot parse empty string`},
		{"nesting past the parser's 300", `{"eventTime":"2024-01-01T00:00:00Z","x":` + strings.Repeat("[", 400) + strings.Repeat("]", 400) + `}`, "too big depth"},
	} {
		_, err := m.Map([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 300 {
			t.Errorf("%s: err = %.300v, want a short error containing %q", tc.name, err, tc.want)
		}
	}
}
