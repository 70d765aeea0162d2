package analysis

import (
	"reflect"
	"strings"
	"testing"
)

// TestAnalyzeStandard checks the standard analyzer on the kinds of text
// logs hold, against what Lucene's StandardTokenizer (UAX #29) produces.
func TestAnalyzeStandard(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello World", []string{"hello", "world"}},
		{"wget.exe ran", []string{"wget.exe", "ran"}},         // letters across '.' (WB6/7)
		{"192.168.1.1:8080", []string{"192.168.1.1", "8080"}}, // digits across '.', ':' breaks digits
		{"user@example.com", []string{"user", "example.com"}},
		{"http://example.com/a/b", []string{"http", "example.com", "a", "b"}},
		{"foo_bar-baz", []string{"foo_bar", "baz"}}, // '_' joins (ExtendNumLet), '-' breaks
		{"don't STOP", []string{"don't", "stop"}},
		{"1,000.5 units", []string{"1,000.5", "units"}},
		{"26a24ae4-039d-4ca4", []string{"26a24ae4", "039d", "4ca4"}},
		{"rahc|metsys", []string{"rahc", "metsys"}},
		{"a:b", []string{"a:b"}}, // ':' is MidLetter
		{"end.", []string{"end"}},
		{"--- ___ ...", nil},
		{"日本語", []string{"日", "本", "語"}},
		{"Ünïcödé ÉTÉ", []string{"ünïcödé", "été"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Standard(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Standard(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("a", 300)
	if got := Standard(long); len(got) != 2 || len(got[0]) != 255 || len(got[1]) != 45 {
		t.Errorf("a 300-letter word gives %d tokens", len(got))
	}
}
