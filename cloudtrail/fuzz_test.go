package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes as one input. It must not panic or hang;
// every record passed on must be a valid JSON object; indexes must increase;
// and on single-line valid JSON the records must be exactly what
// encoding/json finds.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"delivery.json", "pretty-array.json", "records.ndjson", "deliveries.ndjson", "single-record.json", "digest.json.gz"} {
		f.Add(fixture(f, name))
	}
	f.Add(gz(f, fixture(f, "delivery.json")))
	for _, s := range []string{
		`{"Records":[{"a":1},"x",{"b":tru},{"eventTime":"t"}]}`,
		"{\"Records\":[\n{\"eventName\":1},\n{\"eventName\":2}\n]}",
		`[{"eventID":1} {"eventID":2}]`, "{\"a\":1\n{\"b\":2}\n", `{"Records":null}`, "\ufeff[]", "[\n",
		`{"digestStartTime":1,"digestEndTime":2}`, `{"a":"\u00"}`, "\x1f\x8b",
		"{\"eventTime\":\"\x82\"}", // invalid UTF-8 in eventTime (found by fuzzing)
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var st Stats
		var raws [][]byte
		last := -1
		r := &Reader{OnProblem: func(p Problem) {
			if p.Index < -1 || p.Reason == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}}
		u := newRun(r, context.Background(), func(rec Record) error {
			if len(rec.Raw) == 0 || rec.Raw[0] != '{' || !json.Valid(rec.Raw) {
				t.Fatalf("record %d is not a JSON object: %q", rec.Index, rec.Raw)
			}
			// Indexes increase; in NDJSON of records the values of one
			// line share its number.
			if rec.Index < last {
				t.Fatalf("index %d after %d", rec.Index, last)
			}
			last = rec.Index
			checkFacts(t, rec)
			raws = append(raws, bytes.Clone(rec.Raw))
			return nil
		}, &st)
		if err := u.stream("fuzz", bytes.NewReader(data)); err != nil {
			t.Fatalf("fatal error %v", err)
		}
		if st.Records != len(raws) || st.Files != 1 {
			t.Fatalf("stats %+v for %d records", st, len(raws))
		}
		limited(t, data)
		parallelAgrees(t, data)
		if want, ok := expected(data); ok {
			if len(want) != len(raws) {
				t.Fatalf("%d records, encoding/json finds %d", len(raws), len(want))
			}
			for i := range want {
				if !bytes.Equal(want[i], raws[i]) {
					t.Fatalf("record %d: %q, encoding/json: %q", i, raws[i], want[i])
				}
			}
		}
	})
}

// expected gives the records of single-line valid JSON as encoding/json sees
// them, when the input is unambiguous (one value; "Records" spelled plainly).
func expected(data []byte) ([][]byte, bool) {
	if !json.Valid(data) || bytes.ContainsAny(data, "\n") || bytes.Contains(data, []byte("digest")) {
		return nil, false
	}
	v := bytes.TrimSpace(data)
	if len(v) == 0 {
		return nil, false
	}
	var elems []json.RawMessage
	switch v[0] {
	case '[':
		if json.Unmarshal(v, &elems) != nil {
			return nil, false
		}
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil {
			return nil, false
		}
		recs, has := m["Records"]
		switch n := bytes.Count(v, []byte(`"Records"`)); {
		case !has && n == 0 && !bytes.Contains(v, []byte(`\u`)):
			return [][]byte{v}, true
		case has && n == 1 && len(recs) > 0 && recs[0] == '[':
			if json.Unmarshal(recs, &elems) != nil {
				return nil, false
			}
		default:
			return nil, false
		}
	default:
		return nil, false
	}
	var out [][]byte
	for _, e := range elems {
		if e[0] == '{' {
			out = append(out, e)
		}
	}
	return out, true
}

// limited reads data again with small limits (issue "Reliability", item 4):
// no record passed on may break them, whatever the input.
func limited(t *testing.T, data []byte) {
	const size, depth = 64, 3
	r := &Reader{MaxRecordSize: size, MaxDepth: depth, OnProblem: func(p Problem) {
		if p.Reason == "" || p.Skipped && p.Index < -1 {
			t.Fatalf("bad problem %+v", p)
		}
	}}
	var st Stats
	u := newRun(r, context.Background(), func(rec Record) error {
		if len(rec.Raw) > size {
			t.Fatalf("record of %d bytes passed a %d-byte limit", len(rec.Raw), size)
		}
		if d := nesting(rec.Raw); d > depth {
			t.Fatalf("record nesting %d levels passed a %d-level limit: %q", d, depth, rec.Raw)
		}
		return nil
	}, &st)
	if err := u.stream("fuzz", bytes.NewReader(data)); err != nil {
		t.Fatalf("fatal error %v", err)
	}
}

// nesting is the deepest nesting of containers in valid JSON b.
func nesting(b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	d, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			d++
			deepest = max(deepest, d)
		case json.Delim('}'), json.Delim(']'):
			d--
		}
	}
}

// checkFacts checks what the reader's scan says of a record
// (Record.Checked, Record.EventTime) against encoding/json.
func checkFacts(t *testing.T, rec Record) {
	if !rec.Checked {
		if rec.EventTime != nil {
			t.Fatalf("EventTime %q on a record not Checked", rec.EventTime)
		}
		return
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(rec.Raw, &top); err != nil {
		t.Fatalf("Checked record does not decode: %v", err)
	}
	et, has := top["eventTime"]
	var s string
	isString := has && json.Unmarshal(et, &s) == nil && len(et) > 0 && et[0] == '"'
	switch {
	case rec.EventTime == nil:
		if isString && !bytes.Contains(et, []byte(`\`)) && bytes.Count(rec.Raw, []byte(`"eventTime"`)) == 1 {
			t.Fatalf("eventTime %s not found in %q", et, rec.Raw)
		}
	case !isString || string(et[1:len(et)-1]) != string(rec.EventTime):
		// EventTime is the string's contents as written (invalid UTF-8
		// included, which encoding/json would decode as U+FFFD).
		t.Fatalf("EventTime %q, encoding/json: %s", rec.EventTime, et)
	}
}

// parallelAgrees reads data as a file sequentially and with ReadParallel
// (which shares NDJSON lines out to workers): the same records, indexes,
// stats and problems.
func parallelAgrees(t *testing.T, data []byte) {
	if len(data) > 16<<10 {
		return // a file per input: keep the fuzzer fast
	}
	p := filepath.Join(t.TempDir(), "fuzz")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r1, s1, p1 := readAll(t, []string{p}, 0)
	r2, s2, p2 := readAll(t, []string{p}, 2)
	if fmt.Sprint(r1) != fmt.Sprint(r2) || s1 != s2 || fmt.Sprint(p1) != fmt.Sprint(p2) {
		t.Fatalf("parallel read differs:\n%v %+v %v\nsequential:\n%v %+v %v", r2, s2, p2, r1, s1, p1)
	}
}
