package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// End-to-end tests of the issue "Reliability: hostile input, fuzzing, and
// honest errors": good CloudTrail files mixed with every kind of bad input
// give every alert of the good files, one stderr line per bad item, no Go
// panic, dead letters for everything skipped, and exit status 3.

// copyTree copies directory src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// alertIDs returns the sorted kibana.alert.uuid of NDJSON alerts: they are
// derived from the rule and the alert's group or row, not from the run.
func alertIDs(t *testing.T, stdout string) []string {
	t.Helper()
	var ids []string
	for _, a := range ndjsonAlerts(t, stdout) {
		id, _ := a["kibana.alert.uuid"].(string)
		if id == "" {
			t.Fatalf("alert without kibana.alert.uuid: %v", a)
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// benign is a console sign-in: a good record that raises no seed alert.
func benign(name string) string {
	return `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"},"eventTime":"2026-11-02T09:00:00Z","eventSource":"signin.amazonaws.com","eventName":"` +
		name + `","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"Mozilla/5.0","eventID":"gen-` + name + `","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}`
}

// nested is a record whose requestParameters nest depth levels of arrays.
func nested(name string, depth int) string {
	r := benign(name)
	return r[:len(r)-1] + `,"requestParameters":{"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}}"
}

// hostile writes the bad items that are too large, or impossible, to commit:
// they are generated at test time (issue item 1). It returns the stderr
// line fragments each must produce, one line each.
func hostile(t *testing.T, dir string) map[string]string {
	t.Helper()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := map[string]string{}
	// A 40 MB string in one record, between two good records.
	huge := benign("HugeString")
	huge = huge[:len(huge)-1] + `,"requestParameters":{"policy":"` + strings.Repeat("A", 40<<20) + `"}}`
	p := write("huge.ndjson", []byte(benign("BeforeHuge")+"\n"+huge+"\n"+benign("AfterHuge")+"\n"))
	want[p+": record 1: record of 41943"] = "larger than the maximum record size 16 MiB (--max-record-size); skipped"
	// Deep nesting: 5000 levels inside a delivery file, 100000 in NDJSON
	// (past the scanner's own 10000 bound).
	p = write("deep.json", []byte(`{"Records":[`+benign("BeforeDeep")+","+nested("Deep", 5000)+","+benign("AfterDeep")+"]}"))
	want[p+": record 1: line 1, column"] = "nested deeper than 256 levels, the maximum depth (--max-depth); resumed at the next record"
	p = write("deeper.ndjson", []byte(nested("Deeper", 100000)+"\n"+benign("AfterDeeper")+"\n"))
	want[p+": record 0: line 1, column"] = "nested deeper than 256 levels"
	// Duplicate keys deep inside, and a record at the mapper's depth limit.
	p = write("nested-ok.ndjson", []byte(nested("Nested200", 200)+"\n"))
	_ = p
	// A directory symbolic link loop.
	if err := os.Symlink("..", filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	want[filepath.Join(dir, "loop")+": directory already read (symbolic link loop?)"] = "skipped"
	// An unreadable file. Root reads anything, so there a dangling link
	// stands in for it: both fail when opened, after the walk listed them.
	p = write("unreadable.json", []byte(benign("Unreadable")+"\n"))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(p); err == nil {
		f.Close()
		os.Remove(p)
		if err := os.Symlink(filepath.Join(dir, "no-such-target"), p); err != nil {
			t.Fatal(err)
		}
		want[p+": stat: no such file or directory"] = ""
	} else {
		want[p+": open: permission denied"] = ""
	}
	return want
}

// badCorpus lists, for testdata/bad, the stderr line fragment of each bad
// item (one line each); the key is relative to the corpus directory.
var badCorpus = map[string]string{
	"binary.json: not a JSON log file: it starts with '\\x89'":           "",
	"corrupt.json.gz: read failed after 0 records: flate: corrupt input": "",
	"duplicate-keys.ndjson: record 0: duplicate key \"eventName\"":       "",
	"duplicate-keys.ndjson: record 1: duplicate key \"type\"":            "",
	"empty.json: empty file":                                                                             "",
	"eventtime.ndjson: record 0: record has no eventTime":                                                "",
	"eventtime.ndjson: record 1: invalid eventTime \"1730000000\": not an ISO-8601 date":                 "",
	"eventtime.ndjson: record 2: invalid eventTime \"{t=2026-11-02T09:00:00Z}\"":                         "",
	"eventtime.ndjson: record 3: invalid eventTime \"[2026-11-02T09:00:00Z]\"":                           "",
	"eventtime.ndjson: record 4: invalid eventTime \"yesterday at noon\"":                                "",
	"eventtime.ndjson: record 5: invalid eventTime \"2026-13-45T99:00:00Z\"":                             "",
	"eventtime.ndjson: record 6: record has no eventTime":                                                "",
	"eventtime.ndjson: record 7: record has no eventTime":                                                "",
	"garbled-record.json: record 1: line 1, column 544: invalid JSON: invalid control character '\\x01'": "resumed at the next record",
	"gzip-of-text.json.gz: not a JSON log file: it starts with 'T'":                                      "",
	"nul-bytes.ndjson: record 0: line 1, column 261: invalid JSON: invalid control character '\\x00'":    "",
	"nul-bytes.ndjson: record 1: line 2, column 1: invalid JSON: invalid character '\\x00'":              "",
	"records-not-array.json: line 1, column 12: \"Records\" is not an array but an object":               "",
	"records-scalars.json: record 1: not a JSON object but a string":                                     "",
	"records-scalars.json: record 2: not a JSON object but a number":                                     "",
	"records-scalars.json: record 3: not a JSON object but null":                                         "",
	"records-scalars.json: record 4: not a JSON object but a boolean":                                    "",
	"records-scalars.json: record 5: not a JSON object but an array":                                     "",
	"top-level-scalars.ndjson: record 0: not a JSON object but a string":                                 "",
	"top-level-scalars.ndjson: record 1: not a JSON object but a number":                                 "",
	// [1,"x"] on a line is an array of records (as Stratus Red Team writes):
	// its two elements are records 2 and 3.
	"top-level-scalars.ndjson: record 2: not a JSON object but a number": "",
	"top-level-scalars.ndjson: record 3: not a JSON object but a string": "",
	"top-level-scalars.ndjson: record 4: not a JSON object but null":     "",
	"truncated.json.gz: read failed after 0 records: unexpected EOF":     "",
}

// goodInBad counts the good records inside testdata/bad's files, which
// must be read although bad data sits next to them (records-empty.json
// has none and is no problem: CloudTrail writes empty Records arrays).
const goodInBad = 11

// noCrash fails when stderr shows a Go panic or stack trace.
func noCrash(t *testing.T, stderr string) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", "runtime.", "fatal error", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Fatalf("stderr shows a crash (%q):\n%.3000s", bad, stderr)
		}
	}
}

// oneLineEach checks that each expected fragment is on exactly one stderr
// line, and that every "skipped" line is expected: nothing more, nothing less.
func oneLineEach(t *testing.T, stderr string, want map[string]string) {
	t.Helper()
	lines := strings.Split(stderr, "\n")
	used := make([]bool, len(lines))
	for frag, also := range want {
		n := 0
		for i, l := range lines {
			if strings.Contains(l, frag) && strings.Contains(l, also) {
				n++
				used[i] = true
			}
		}
		if n != 1 {
			t.Errorf("%d stderr lines report %q (with %q), want 1", n, frag, also)
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "trailql: skipped ") && !used[i] {
			t.Errorf("unexpected stderr line: %.300s", l)
		}
	}
}

var summaryRE = regexp.MustCompile(`trailql: (\d+) files.*, (\d+) records, (\d+) skipped records, (\d+) skipped files, (\d+) alerts`)

func TestReliabilityHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 80 MB")
	}
	base := trailql(t, "", "detect", "--format", "ndjson", "../../examples")
	if base.code != 0 {
		t.Fatalf("examples: exit %d\n%s", base.code, base.stderr)
	}
	wantIDs := alertIDs(t, base.stdout)
	baseSum := summaryRE.FindStringSubmatch(base.stderr)
	if len(wantIDs) == 0 || baseSum == nil {
		t.Fatalf("examples raise %d alerts; summary %q", len(wantIDs), base.stderr)
	}

	// The good files and the bad ones side by side in one tree, so that the
	// walk meets them interleaved.
	in, dl := filepath.Join(t.TempDir(), "in"), filepath.Join(t.TempDir(), "dead")
	copyTree(t, "../../examples", in)
	badDir := filepath.Join(in, "AWSLogs", "bad")
	copyTree(t, "../../testdata/bad", badDir)
	os.RemoveAll(filepath.Join(badDir, "rules")) // TOML is skipped as "not a JSON log file": tested below
	want := map[string]string{}
	for frag, also := range badCorpus {
		want[filepath.Join(badDir, frag)] = also
	}
	gen := filepath.Join(in, "AWSLogs", "generated")
	os.MkdirAll(gen, 0o755)
	for frag, also := range hostile(t, gen) {
		want[frag] = also
	}

	r := trailql(t, "", "detect", "--format", "ndjson", "--dead-letter", dl, in)
	noCrash(t, r.stderr)
	if r.code != exitSkipped {
		t.Errorf("exit %d, want %d (some input skipped)", r.code, exitSkipped)
	}
	if got := alertIDs(t, r.stdout); strings.Join(got, " ") != strings.Join(wantIDs, " ") {
		t.Errorf("alerts %v\nwant the good files' %v", got, wantIDs)
	}
	oneLineEach(t, r.stderr, want)

	// The summary counts the good records read and every bad item.
	sum := summaryRE.FindStringSubmatch(r.stderr)
	if sum == nil {
		t.Fatalf("no summary line:\n%s", r.stderr)
	}
	var files, recs, skRecs, skFiles, baseRecs int
	fmt.Sscan(sum[1]+" "+sum[2]+" "+sum[3]+" "+sum[4], &files, &recs, &skRecs, &skFiles)
	fmt.Sscan(baseSum[2], &baseRecs)
	// Generated good records: BeforeHuge, AfterHuge, BeforeDeep, AfterDeep,
	// AfterDeeper, Nested200. Skipped records are counted in both numbers
	// when the mapping (not the reader) rejected them.
	mapped := recs - (skRecs - countReaderSkips(r.stderr))
	if wantGood := baseRecs + goodInBad + 6; mapped != wantGood {
		t.Errorf("%d records mapped, want %d good ones (summary %q)", mapped, wantGood, sum[0])
	}
	if got, wantN := skRecs+skFiles, len(want)-1; got != wantN { // the loop is a warning, not a skip
		t.Errorf("summary counts %d skipped items, want %d: %q", got, wantN, sum[0])
	}

	// Dead letters: one sidecar per skipped item; records byte for byte.
	whys, _ := filepath.Glob(filepath.Join(dl, "*.why.json"))
	if len(whys) != skRecs+skFiles {
		t.Errorf("%d dead-letter sidecars, want %d", len(whys), skRecs+skFiles)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("trailql: %d skipped items kept in %s", skRecs+skFiles, dl)) {
		t.Errorf("stderr does not say where dead letters went:\n%.2000s", r.stderr)
	}
	hugeLetters, _ := filepath.Glob(filepath.Join(dl, "*huge.ndjson.1.json"))
	if len(hugeLetters) != 1 {
		t.Fatalf("huge record dead letters: %v", hugeLetters)
	}
	if fi, err := os.Stat(hugeLetters[0]); err != nil || fi.Size() < 40<<20 {
		t.Errorf("the huge record was not kept whole: %v %v", fi, err)
	}
	var why struct {
		File, Reason string
		Index        int
	}
	b, _ := os.ReadFile(strings.TrimSuffix(hugeLetters[0], ".json") + ".why.json")
	if err := json.Unmarshal(b, &why); err != nil || why.Index != 1 || !strings.HasSuffix(why.File, "huge.ndjson") || !strings.Contains(why.Reason, "--max-record-size") {
		t.Errorf("sidecar %s: %+v %v", b, why, err)
	}
	orig, _ := os.ReadFile(filepath.Join(badDir, "truncated.json.gz"))
	copies, _ := filepath.Glob(filepath.Join(dl, "*truncated.json.gz"))
	if len(copies) != 1 {
		t.Fatalf("truncated gzip copies: %v", copies)
	}
	if got, _ := os.ReadFile(copies[0]); !bytes.Equal(got, orig) {
		t.Errorf("the unreadable gzip file was not copied unchanged")
	}
}

// countReaderSkips counts stderr lines of records the reader skipped (as
// opposed to records the mapping rejected), from their reasons.
func countReaderSkips(stderr string) int {
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "trailql: skipped ") || !strings.Contains(l, ": record ") {
			continue
		}
		if !strings.Contains(l, "eventTime") && !strings.Contains(l, "duplicate key") {
			n++
		}
	}
	return n
}

// The limit flags change what is skipped; bad values are usage errors.
func TestReliabilityLimitFlags(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.ndjson")
	mid := nested("Mid", 20)
	mid = mid[:len(mid)-1] + `,"responseElements":{"s":"` + strings.Repeat("B", 600<<10) + `"}}`
	os.WriteFile(p, []byte(benign("A")+"\n"+mid+"\n"+benign("B")+"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 0, "3 events printed"},
		{[]string{"--max-record-size", "512KiB"}, 3, "record 1: record of 61"},
		{[]string{"--max-record-size", "524288"}, 3, "larger than the maximum record size 512 KiB (--max-record-size)"},
		{[]string{"--max-record-size", "1MB"}, 0, "3 events printed"},
		{[]string{"--max-depth", "10"}, 3, "record 1: line 2, column"},
		{[]string{"--max-depth", "10"}, 3, "nested deeper than 10 levels, the maximum depth (--max-depth)"},
		{[]string{"--max-depth", "0"}, 2, "--max-depth 0: want 1 to 300"},
		{[]string{"--max-depth", "1000"}, 2, "want 1 to 300"},
		{[]string{"--max-record-size", "lots"}, 2, "invalid argument \"lots\" for \"--max-record-size\""},
		{[]string{"--max-record-size", "2GiB"}, 2, "more than the 1GiB"},
		{[]string{"--dead-letter", filepath.Join(p, "x")}, 2, "--dead-letter:"},
	} {
		args := append(append([]string{"ecs"}, tc.args...), p)
		r := trailql(t, "", args...)
		noCrash(t, r.stderr)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %.500q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// Rules are input too (issue item 5): each bad rule is one line naming
// file:line:col; the others run and raise their alerts; the exit status is
// 2 because coverage is missing; --strict stops before reading input.
func TestReliabilityBadRules(t *testing.T) {
	rules := t.TempDir()
	copyTree(t, "../../testdata/bad/rules", rules)
	seed, err := os.ReadFile("../../rule/bundled/seed/discovery_multiple_discovery_api_calls_via_cli.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rules, "seed.toml"), seed, 0o644)
	base := trailql(t, "", "detect", "--format", "ndjson", "../../examples")
	wantIDs := alertIDs(t, base.stdout)

	badRules := map[string]string{
		filepath.Join(rules, "malformed-toml.toml") + ":7:16: invalid TOML":                                         "",
		filepath.Join(rules, "wrong-type.toml") + ":8:1: rule.risk_score":                                           "",
		filepath.Join(rules, "query-does-not-parse.toml") + ":12:1: ":                                               "",
		filepath.Join(rules, "unknown-field.toml") + ":12:9: Unknown column [no.such.field]":                        "",
		filepath.Join(rules, "query-wrong-type.toml") + ":11:9: first argument of [event.action > 42] is [keyword]": "",
	}
	r := trailql(t, "", "detect", "--format", "ndjson", "--rules", rules, "../../examples")
	noCrash(t, r.stderr)
	if r.code != exitUsage || !strings.Contains(r.stderr, "5 rules were not run") {
		t.Errorf("exit %d, want 2 with a count of the rules not run:\n%s", r.code, r.stderr)
	}
	if got := alertIDs(t, r.stdout); strings.Join(got, " ") != strings.Join(wantIDs, " ") {
		t.Errorf("the good rule's alerts %v, want %v", got, wantIDs)
	}
	oneLineEach(t, r.stderr, badRules)

	r = trailql(t, "", "detect", "--format", "ndjson", "--strict", "--rules", rules, "../../examples")
	if r.code != exitUsage || r.stdout != "" || strings.Contains(r.stderr, "records") || !strings.Contains(r.stderr, "--strict stops before reading input") {
		t.Errorf("--strict: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	os.Remove(filepath.Join(rules, "seed.toml"))
	r = trailql(t, "", "detect", "--format", "ndjson", "--rules", rules, "../../examples")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no usable rule") || strings.Contains(r.stderr, "records") {
		t.Errorf("no good rule: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
