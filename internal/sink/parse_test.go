package sink

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ELASTICSEARCH_API_KEY", "")
	t.Setenv("ELASTICSEARCH_USERNAME", "")
	t.Setenv("TRAILQL_TEST_SECRET", "topsecret")
	tests := []struct {
		spec     string
		name     string // prefix of Name(); "" = expect an error
		errHas   string
		notInAny string // must appear in neither the name nor the error
	}{
		{spec: "stdout", name: "stdout"},
		{spec: "stdout:x", errHas: "no target"},
		{spec: "file:" + filepath.Join(dir, "a.ndjson"), name: "file:" + dir},
		{spec: "file:", errHas: "file:PATH"},
		{spec: "webhook:https://hooks.slack.com/services/T0/B0/XYZTOKEN?format=slack", name: "webhook:https://hooks.slack.com/…#", notInAny: "XYZTOKEN"},
		{spec: "webhook:https://h.example/p?hmac-secret-env=TRAILQL_TEST_SECRET", name: "webhook:https://h.example/…#", notInAny: "topsecret"},
		{spec: "webhook:https://h.example/p?format=xml", errHas: "unknown format"},
		{spec: "webhook:https://user:pw@h.example/p", errHas: "credentials in the URL", notInAny: "pw@"},
		{spec: "webhook:ftp://h.example/p", errHas: "http(s) URL"},
		{spec: "webhook:https://h.example/p?attempts=0", errHas: "attempts"},
		{spec: "webhook:https://h.example/p?timeout=soon", errHas: "timeout"},
		{spec: "elasticsearch:https://es.example:9200", name: "elasticsearch:https://es.example:9200/" + DefaultIndex},
		{spec: "elasticsearch:https://a:9200,https://b:9200?index=sec-alerts", name: "elasticsearch:https://a:9200/sec-alerts"},
		{spec: "elasticsearch:https://elastic:changeme@es.example:9200", errHas: "ELASTICSEARCH_API_KEY", notInAny: "changeme"},
		{spec: "elasticsearch:https://es.example:9200?index=Bad", errHas: "invalid index"},
		{spec: "elasticsearch:https://es.example:9200?idx=x", errHas: "unknown options"},
		{spec: "elasticsearch:https://es.example:9200?api-key-env=TRAILQL_NOPE", errHas: "TRAILQL_NOPE"},
		{spec: "kafka:topic", errHas: "unknown kind"},
	}
	for _, tc := range tests {
		s, err := Parse(tc.spec)
		switch {
		case tc.name == "" && err == nil:
			t.Errorf("Parse(%q) = %q, want an error", tc.spec, s.Name())
		case tc.name == "" && !strings.Contains(err.Error(), tc.errHas):
			t.Errorf("Parse(%q) err = %v, want it to mention %q", tc.spec, err, tc.errHas)
		case tc.name != "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.spec, err)
		case tc.name != "" && !strings.HasPrefix(s.Name(), tc.name):
			t.Errorf("Parse(%q).Name() = %q, want prefix %q", tc.spec, s.Name(), tc.name)
		}
		if tc.notInAny != "" {
			if s != nil && strings.Contains(s.Name(), tc.notInAny) {
				t.Errorf("Parse(%q).Name() leaks %q", tc.spec, tc.notInAny)
			}
			if err != nil && strings.Contains(err.Error(), tc.notInAny) {
				t.Errorf("Parse(%q) error leaks %q: %v", tc.spec, tc.notInAny, err)
			}
		}
		if s != nil {
			s.Close()
		}
	}
}

// TestParseNamesAreStable: the outbox is keyed by Name, so the same spec
// must give the same name, and different webhook paths different names.
func TestParseNamesAreStable(t *testing.T) {
	a1, _ := Parse("webhook:https://h.example/one")
	a2, _ := Parse("webhook:https://h.example/one?format=slack")
	b, _ := Parse("webhook:https://h.example/two")
	if a1.Name() != a2.Name() {
		t.Errorf("options changed the name: %q vs %q", a1.Name(), a2.Name())
	}
	if a1.Name() == b.Name() {
		t.Errorf("two webhook paths share the name %q", a1.Name())
	}
}

// TestBackoffDelay: equal jitter within [d/2, d], doubling from Base,
// capped at Max.
func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for i := 0; i < 50; i++ {
			if d := b.Delay(n); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}
