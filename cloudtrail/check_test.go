package cloudtrail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestRecordCheck covers what the reader learns about a record while
// splitting it (Record.Checked, Record.EventTime), in both the layouts that
// scan records differently: NDJSON lines (a record's members are scanned one
// by one) and a delivery file's Records array (a record is scanned whole).
func TestRecordCheck(t *testing.T) {
	cases := []struct {
		name    string
		rec     string
		checked bool
		et      string // "" for nil
	}{
		{"plain", `{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventName":"GetObject"}`, true, "2024-01-02T03:04:05Z"},
		{"no eventTime", `{"eventName":"GetObject"}`, true, ""},
		{"empty object", `{}`, true, ""},
		{"eventTime not a string", `{"eventTime":5,"a":"b"}`, true, ""},
		{"eventTime null", `{"eventTime":null}`, true, ""},
		{"eventTime escaped", `{"eventTime":"2024-01-02T03:04:05\u005a"}`, true, ""},
		{"eventTime an object", `{"eventTime":{"x":"2024-01-02T03:04:05Z"}}`, true, ""},
		{"eventTime an array", `{"eventTime":["2024-01-02T03:04:05Z"]}`, true, ""},
		{"eventTime empty container then string", `{"eventTime":{},"x":"y"}`, true, ""},
		{"nested eventTime ignored", `{"requestParameters":{"eventTime":"nested"},"eventTime":"top"}`, true, "top"},
		{"nested eventTime only", `{"requestParameters":{"eventTime":"nested"}}`, true, ""},
		{"eventTime after nested", `{"a":[{"b":1},{"c":[]}],"eventTime":"t"}`, true, "t"},
		{"duplicate at top", `{"eventName":"a","eventTime":"t","eventName":"b"}`, false, ""},
		{"duplicate nested", `{"requestParameters":{"k":1,"x":2,"k":3},"eventTime":"t"}`, false, ""},
		{"duplicate in array element", `{"a":[{"k":1},{"k":2,"k":3}],"eventTime":"t"}`, false, ""},
		{"same key in sibling objects", `{"a":{"k":1},"b":{"k":2},"eventTime":"t"}`, true, "t"},
		{"same key at two depths", `{"k":{"k":{"k":1}},"eventTime":"t"}`, true, "t"},
		{"same signature, different keys", `{"ab":1,"bb":2,"eventTime":"t"}`, true, "t"},
		{"many keys", manyKeys(100, false), true, ""},
		{"many keys with a duplicate", manyKeys(100, true), false, ""},
		{"escaped key", `{"event\u004eame":"a","eventTime":"t"}`, false, ""},
		{"non-ASCII key", `{"é":"a","eventTime":"t"}`, false, ""},
	}
	for _, tc := range cases {
		for _, layout := range []string{"ndjson", "records"} {
			t.Run(tc.name+"/"+layout, func(t *testing.T) {
				input := tc.rec + "\n"
				if layout == "records" {
					input = `{"Records":[{"eventName":"first","eventName":"dup"},` + tc.rec + `]}`
				}
				var got []Record
				r := Reader{OnProblem: func(p Problem) { t.Errorf("problem: %v", p) }}
				_, err := r.ReadStream(context.Background(), "in", strings.NewReader(input), func(rec Record) error {
					rec.Raw = bytes.Clone(rec.Raw)
					rec.EventTime = bytes.Clone(rec.EventTime)
					got = append(got, rec)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if layout == "records" {
					if len(got) != 2 || got[0].Checked {
						t.Fatalf("first record of the array: got %d records, Checked %v; want its duplicate found", len(got), len(got) > 0 && got[0].Checked)
					}
					got = got[1:]
				}
				if len(got) != 1 || string(got[0].Raw) != tc.rec {
					t.Fatalf("got %d records, want 1 (%q)", len(got), tc.rec)
				}
				if got[0].Checked != tc.checked {
					t.Errorf("Checked = %v, want %v", got[0].Checked, tc.checked)
				}
				if string(got[0].EventTime) != tc.et || (tc.et == "") != (got[0].EventTime == nil) {
					t.Errorf("EventTime = %q, want %q", got[0].EventTime, tc.et)
				}
			})
		}
	}
}

// manyKeys is a record with n distinct keys, the first repeated at the end
// when dup is set: more keys than the signature has bits.
func manyKeys(n int, dup bool) string {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"key` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1`)
	}
	if dup {
		sb.WriteString(`,"keya` + "a" + `":2`)
	}
	sb.WriteString("}")
	return sb.String()
}

// Reader.Skim turns away lines of NDJSON of records without checking them,
// but only lines shaped like one whole object; the others are read as ever,
// so a damaged line is still reported. Sequential and parallel reads agree.
func TestSkim(t *testing.T) {
	lines := []string{
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Keep"}`,     // 0: first line: never skimmed
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Drop"}`,     // 1: skimmed
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Keep"}`,     // 2: wanted
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Drop","x":`, // 3: cut: reported
		`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Drop\""}`,   // 4: backslash: checked, passed on
		`{"eventName":"Drop","eventName":"dup"}`,                      // 5: skimmed unchecked
		`  {"eventName":"Drop"}  `,                                    // 6: skimmed
		`{"eventName":"Drop" "x"}`,                                    // 7: bad but shaped: skimmed
		`"Drop"`,                                                      // 8: not an object: reported
	}
	input := strings.Join(lines, "\n") + "\n"
	for _, workers := range []int{0, 2} {
		var got []string
		var probs []Problem
		r := Reader{
			OnProblem: func(p Problem) { probs = append(probs, p) },
			Skim:      func(line []byte) bool { return !bytes.Contains(line, []byte("Drop")) },
		}
		var st Stats
		var err error
		fn := func(rec Record) error { got = append(got, fmt.Sprint(rec.Index)); return nil }
		if workers == 0 {
			st, err = r.ReadStream(context.Background(), "in", strings.NewReader(input), fn)
		} else {
			p := t.TempDir() + "/in.ndjson"
			must(t, os.WriteFile(p, []byte(input), 0o644))
			st, err = r.ReadParallel(context.Background(), []string{p}, workers, func(_ int, rec Record) error { return fn(rec) })
			sort.Strings(got)
		}
		must(t, err)
		if fmt.Sprint(got) != "[0 2 4]" || st.Records != 7 || st.Skimmed != 4 || st.SkippedRecords != 2 || len(probs) != 2 ||
			probs[0].Index != 3 && probs[1].Index != 3 {
			t.Errorf("workers %d: records %v, stats %+v, problems %v", workers, got, st, probs)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An object with very many keys, all of one signature (same length and end
// bytes), is checked in linear time: a hostile record must not make the
// reader quadratic.
func TestRecordCheckManyKeysLinear(t *testing.T) {
	for _, dup := range []bool{false, true} {
		var sb strings.Builder
		sb.WriteString(`{"eventTime":"t","m":{`)
		const n = 200_000
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `"a%06db":1`, i)
		}
		if dup {
			sb.WriteString(`,"a000007b":2`)
		}
		sb.WriteString("}}\n")
		start := time.Now()
		var got []Record
		r := Reader{OnProblem: func(p Problem) { t.Errorf("problem: %v", p) }}
		_, err := r.ReadStream(context.Background(), "in", strings.NewReader(sb.String()), func(rec Record) error {
			got = append(got, Record{Checked: rec.Checked})
			return nil
		})
		must(t, err)
		if len(got) != 1 || got[0].Checked == dup {
			t.Errorf("dup %v: records %+v", dup, got)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("dup %v: %d keys took %s", dup, n, d)
		}
	}
}
