package alert

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDocument: insertion order, replacement in place, zero value.
func TestDocument(t *testing.T) {
	var d Document // zero value is usable
	d.Set("b", 1)
	d.Set("a", "x")
	d.Set("c.d", []any{"p", "q"})
	d.Set("b", 2) // keeps position
	if got := d.Keys(); !reflect.DeepEqual(got, []string{"b", "a", "c.d"}) {
		t.Errorf("Keys = %v", got)
	}
	if d.Len() != 3 {
		t.Errorf("Len = %d", d.Len())
	}
	if v, ok := d.Get("b"); !ok || v != 2 {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	if _, ok := d.Get("zz"); ok {
		t.Error("Get of a missing key succeeded")
	}
	d.Keys()[0] = "mutated"
	if d.Keys()[0] != "b" {
		t.Error("Keys exposes internal storage")
	}
	b, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":2,"a":"x","c.d":["p","q"]}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var nilDoc *Document
	if nilDoc.Len() != 0 || nilDoc.Keys() != nil {
		t.Error("nil document not empty")
	}
	if b, _ := nilDoc.MarshalJSON(); string(b) != "{}" {
		t.Errorf("nil document JSON = %s", b)
	}
	bad := NewDocument(1)
	bad.Set("f", func() {})
	if _, err := bad.MarshalJSON(); err == nil || !strings.Contains(err.Error(), "field f") {
		t.Errorf("unencodable value: err = %v", err)
	}
}

// TestDocumentEscaping: untrusted strings stay inside their JSON string
// and terminal-active characters are escaped; decoding gives the original
// text back.
func TestDocumentEscaping(t *testing.T) {
	cases := []struct {
		name, in, wantJSON string
	}{
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"newline and ESC", "a\nb\x1b[31m", `"a\nb\u001b[31m"`},
		{"DEL", "a\x7fb", `"a\u007fb"`},
		{"C1 CSI", "a\u009b31mb", `"a\u009b31mb"`},
		{"C1 NEL", "a\u0085b", `"a\u0085b"`},
		{"bidi override", "user\u202egnp.exe", `"user\u202egnp.exe"`},
		{"bidi isolate", "x\u2066y\u2069", `"x\u2066y\u2069"`},
		{"line separator", "a\u2028b", `"a\u2028b"`},
		{"HTML", "<script>&", `"\u003cscript\u003e\u0026"`},
		{"non-ASCII kept", "Zürich ☃ \u2010", `"Zürich ☃ ‐"`},
		{"invalid UTF-8", "a\xffb", `"a\ufffdb"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDocument(1)
			d.Set(c.in, c.in) // keys are untrusted too (column names)
			b, err := d.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			want := "{" + c.wantJSON + ":" + c.wantJSON + "}"
			if string(b) != want {
				t.Errorf("JSON = %s, want %s", b, want)
			}
			var back map[string]string
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("invalid JSON %s: %v", b, err)
			}
			exp := strings.ToValidUTF8(c.in, "\uFFFD")
			if back[exp] != exp {
				t.Errorf("round trip = %q, want %q", back, exp)
			}
		})
	}
}
