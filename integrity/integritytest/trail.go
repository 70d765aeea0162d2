// Package integritytest writes CloudTrail trails with signed digest files,
// in the format AWS documents (package integrity), for tests: an intact
// trail to tamper with, and its public key.
package integritytest

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailql/trailql/integrity"
)

// Trail is a trail the tests write and sign themselves, in the format
// AWS documents (package doc): log files delivered every 20 minutes, one
// digest an hour listing them, chained and signed with the test's key.
type Trail struct {
	Bucket, Account, Region, Name string
	Key                           *rsa.PrivateKey
	Fingerprint                   string
	// Files maps S3 keys to stored content; Meta, digest keys to their S3
	// user metadata (signature, signature-algorithm).
	Files map[string][]byte
	Meta  map[string]map[string]string
	// Digests are the digest keys in order; Logs[i] the log keys Digests[i]
	// lists.
	Digests []string
	Logs    [][]string
}

// key signs every test trail (generating one per trail is slow).
var key = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

// Gzip compresses b as CloudTrail stores files.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// New makes a trail of hours of logs (one every 20 minutes, from
// 2026-11-02T08:00Z) and hourly digests, chained and signed.
func New(t testing.TB, hours int) *Trail {
	t.Helper()
	tr := &Trail{Bucket: "trail-bucket", Account: "111122223333", Region: "us-east-1", Name: "main", Key: key,
		Files: map[string][]byte{}, Meta: map[string]map[string]string{}}
	tr.Fingerprint = integrity.Fingerprint(x509.MarshalPKCS1PublicKey(&tr.Key.PublicKey))
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	prevKey, prevSig, prevHash := "", "", ""
	for h := 0; h < hours; h++ {
		hourStart := start.Add(time.Duration(h) * time.Hour)
		var entries []map[string]any
		var logs []string
		for m := 0; m < 60; m += 20 {
			at := hourStart.Add(time.Duration(m) * time.Minute)
			key := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%02d%02d.json.gz", tr.Account, tr.Region,
				at.Format("2006/01/02"), tr.Account, tr.Region, at.Format("20060102T1504Z"), h, m)
			raw := []byte(fmt.Sprintf(`{"Records":[{"eventTime":%q,"eventName":"DescribeInstances","eventID":"e-%d-%d"}]}`, at.Format(time.RFC3339), h, m))
			tr.Files[key] = Gzip(raw)
			sum := sha256.Sum256(raw)
			entries = append(entries, map[string]any{"s3Bucket": tr.Bucket, "s3Object": key, "hashValue": hex.EncodeToString(sum[:]),
				"hashAlgorithm": "SHA-256", "newestEventTime": at.Format(time.RFC3339), "oldestEventTime": at.Format(time.RFC3339)})
			logs = append(logs, key)
		}
		end := hourStart.Add(time.Hour)
		dkey := fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", tr.Account, tr.Region,
			end.Format("2006/01/02"), tr.Account, tr.Region, tr.Name, tr.Region, end.Format("20060102T150405Z"))
		d := map[string]any{"awsAccountId": tr.Account, "digestStartTime": hourStart.Format(time.RFC3339), "digestEndTime": end.Format(time.RFC3339),
			"digestS3Bucket": tr.Bucket, "digestS3Object": dkey, "digestPublicKeyFingerprint": tr.Fingerprint,
			"digestSignatureAlgorithm": "SHA256withRSA", "logFiles": entries,
			"previousDigestS3Bucket": nil, "previousDigestS3Object": nil, "previousDigestHashValue": nil,
			"previousDigestHashAlgorithm": nil, "previousDigestSignature": nil}
		if prevKey != "" {
			d["previousDigestS3Bucket"], d["previousDigestS3Object"] = tr.Bucket, prevKey
			d["previousDigestHashValue"], d["previousDigestHashAlgorithm"], d["previousDigestSignature"] = prevHash, "SHA-256", prevSig
		}
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		sig := tr.sign(t, raw)
		tr.Files[dkey] = Gzip(raw)
		tr.Meta[dkey] = map[string]string{"signature": sig, "signature-algorithm": "SHA256withRSA"}
		tr.Digests = append(tr.Digests, dkey)
		tr.Logs = append(tr.Logs, logs)
		prevKey, prevSig, prevHash = dkey, sig, hex.EncodeToString(sha256Sum(raw))
	}
	return tr
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// Inflate undoes Gzip.
func Inflate(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, _ := io.ReadAll(zr)
	return out
}

// sign signs a digest's uncompressed content as CloudTrail does.
func (tr *Trail) sign(t testing.TB, raw []byte) string {
	t.Helper()
	d, err := integrity.ParseDigest(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(d.SignedString()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, tr.Key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sig)
}

// WriteDir writes the trail as a local copy below dir; with sidecars, the
// digests' metadata beside them (<digest>.metadata.json).
func (tr *Trail) WriteDir(t testing.TB, dir string, sidecars bool) {
	t.Helper()
	for key, data := range tr.Files {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if m, ok := tr.Meta[key]; ok && sidecars {
			b, _ := json.Marshal(m)
			if err := os.WriteFile(p+".metadata.json", b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// KeyDir writes the trail's public key as <fingerprint>.der in a temporary
// directory, for --public-keys.
func (tr *Trail) KeyDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, tr.Fingerprint+".der"), x509.MarshalPKCS1PublicKey(&tr.Key.PublicKey), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
