package alert

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode"

	"github.com/trailql/trailql/rule"
)

// FuzzUntrustedStrings: whatever a log field holds, the alert JSON is
// valid, decodes to the same text, and carries no raw DEL, C1 or bidi
// control; the table shows no control character at all.
func FuzzUntrustedStrings(f *testing.F) {
	for _, s := range []string{"plain", "a\x1b[31mb", "\u009b2J", "x\u202ey", "\xff\xfe", "\x7f", "<&>", "\u2028"} {
		f.Add(s, s)
	}
	r := &rule.Rule{RuleID: "f", Name: "fuzz", Severity: "low"}
	f.Fuzz(func(t *testing.T, col, val string) {
		if col == "" {
			col = "c"
		}
		a := Build(r, []string{col, "user.name"}, []any{val, []any{val, "x"}}, []string{col}, alertTime)
		b, err := a.Doc.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("invalid JSON %q: %v", b, err)
		}
		if _, kept := a.Doc.Get(col); kept {
			// encoding/json replaces each invalid byte with U+FFFD, as
			// converting to []rune does.
			if _, ok := m[string([]rune(col))]; !ok {
				t.Errorf("column %q lost in JSON %s", col, b)
			}
		}
		for _, r := range string(b) {
			if r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidi(r) {
				t.Fatalf("raw %U in JSON %q", r, b)
			}
		}
		var out bytes.Buffer
		w := NewTableWriter(&out)
		w.Write(a)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for _, r := range out.String() {
			if (unicode.IsControl(r) && r != '\n') || isBidi(r) {
				t.Fatalf("raw %U in table %q", r, out.String())
			}
		}
	})
}
