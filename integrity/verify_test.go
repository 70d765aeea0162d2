package integrity_test

import (
	"context"
	"fmt"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/integrity/integritytest"
	"sort"
	"strings"
	"testing"
)

// Each kind of tampering is found, exactly, and nothing on an intact trail
// (issue "Logs you can trust").
func TestVerifyLocalCopy(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(tr *integritytest.Trail)
		want   []string // "kind file-suffix", sorted
	}{
		{"intact", func(*integritytest.Trail) {}, nil},
		{"log file edited", func(tr *integritytest.Trail) {
			tr.Files[tr.Logs[1][1]] = integritytest.Gzip([]byte(`{"Records":[]}`))
		}, []string{"modified " + tr0(1, 1)}},
		{"log file deleted", func(tr *integritytest.Trail) { delete(tr.Files, tr.Logs[0][2]) }, []string{"missing " + tr0(0, 2)}},
		{"log file added", func(tr *integritytest.Trail) {
			k := strings.Replace(tr.Logs[1][0], "_0100.json.gz", "_0199.json.gz", 1)
			tr.Files[k] = integritytest.Gzip([]byte(`{"Records":[]}`))
		}, []string{"not-in-digest _0199.json.gz"}},
		{"forged digest", func(tr *integritytest.Trail) {
			raw := integritytest.Inflate(tr.Files[tr.Digests[1]])
			tr.Files[tr.Digests[1]] = integritytest.Gzip([]byte(strings.Replace(string(raw), `"hashValue":"`, `"hashValue":"00`, 1)))
		}, []string{"bad-signature " + dg(1), "chain-broken " + dg(2), "modified " + tr0(1, 0)}},
		{"digest deleted", func(tr *integritytest.Trail) { delete(tr.Files, tr.Digests[1]) }, []string{
			"chain-broken " + dg(2), "not-in-digest " + tr0(1, 0), "not-in-digest " + tr0(1, 1), "not-in-digest " + tr0(1, 2)}},
		{"digest replaced by one signed with another key", func(tr *integritytest.Trail) {
			tr.Meta[tr.Digests[2]]["signature"] = strings.Repeat("ab", 256)
		}, []string{"bad-signature " + dg(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := integritytest.New(t, 3)
			c.tamper(tr)
			dir := t.TempDir()
			tr.WriteDir(t, dir, true)
			keys, err := integrity.LoadKeyDir(tr.KeyDir(t))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := integrity.Verify(context.Background(), integrity.DirStore{Root: dir}, integrity.Options{Keys: integrity.StaticKeys{keys}})
			if err != nil {
				t.Fatal(err)
			}
			assertFindings(t, rep, c.want)
			if rep.Digests != 3 && c.name != "digest deleted" {
				t.Errorf("%d digests checked, want 3", rep.Digests)
			}
		})
	}
}

// A copy without the digests' S3 metadata: no-signature for each digest,
// while the hashes are still checked.
func TestVerifyWithoutMetadata(t *testing.T) {
	tr := integritytest.New(t, 2)
	tr.Files[tr.Logs[0][0]] = integritytest.Gzip([]byte(`{"Records":[{"eventName":"DeleteTrail"}]}`))
	dir := t.TempDir()
	tr.WriteDir(t, dir, false)
	rep, err := integrity.Verify(context.Background(), integrity.DirStore{Root: dir}, integrity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, rep, []string{"modified " + tr0(0, 0), "no-signature " + dg(0), "no-signature " + dg(1)})
}

// tr0 and dg name the test trail's files by their distinctive suffixes.
func tr0(hour, slot int) string { return fmt.Sprintf("_%02d%02d.json.gz", hour, slot*20) }
func dg(hour int) string        { return fmt.Sprintf("T%02d0000Z.json.gz", 9+hour) }

func assertFindings(t *testing.T, rep *integrity.Report, want []string) {
	t.Helper()
	var got []string
	for _, f := range rep.Findings {
		got = append(got, string(f.Kind)+" "+f.File)
	}
	sort.Strings(got)
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(got[i], strings.Fields(want[i])[0]+" ") && strings.HasSuffix(got[i], strings.Fields(want[i])[1])
	}
	if !ok {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// A log file planted in the last digest's hour is found too, unless it is
// named in the last minutes before that digest's end (the next digest may
// list it).
func TestVerifyPlantedInLastHour(t *testing.T) {
	for _, c := range []struct {
		stamp string
		found bool
	}{{"20261102T1010Z", true}, {"20261102T1055Z", false}} {
		tr := integritytest.New(t, 3)
		k := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/2026/11/02/%s_CloudTrail_%s_%s_planted.json.gz", tr.Account, tr.Region, tr.Account, tr.Region, c.stamp)
		tr.Files[k] = integritytest.Gzip([]byte(`{"Records":[]}`))
		dir := t.TempDir()
		tr.WriteDir(t, dir, true)
		keys, err := integrity.LoadKeyDir(tr.KeyDir(t))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := integrity.Verify(context.Background(), integrity.DirStore{Root: dir}, integrity.Options{Keys: integrity.StaticKeys{Keys: keys}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(rep.Findings) == 1 && rep.Findings[0].Kind == integrity.NotInDigest; got != c.found {
			t.Errorf("%s: findings %v, want not-in-digest: %v", c.stamp, rep.Findings, c.found)
		}
	}
}
