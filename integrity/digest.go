package integrity

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Digest is a CloudTrail digest file.
type Digest struct {
	AccountID             string    `json:"awsAccountId"`
	StartTime             string    `json:"digestStartTime"`
	EndTime               string    `json:"digestEndTime"`
	S3Bucket              string    `json:"digestS3Bucket"`
	S3Object              string    `json:"digestS3Object"`
	PublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	SignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	PreviousS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousS3Object      *string   `json:"previousDigestS3Object"`
	PreviousHashValue     *string   `json:"previousDigestHashValue"`
	PreviousHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousSignature     *string   `json:"previousDigestSignature"`
	LogFiles              []LogFile `json:"logFiles"`
	start, end            time.Time
	raw                   []byte // the uncompressed content, as signed
	rawHash               string // hex SHA-256 of raw
}

// LogFile is a digest's entry for one log file.
type LogFile struct {
	S3Bucket      string `json:"s3Bucket"`
	S3Object      string `json:"s3Object"`
	HashValue     string `json:"hashValue"`
	HashAlgorithm string `json:"hashAlgorithm"`
}

// maxDigestSize bounds a digest file (uncompressed): an hour of a busy
// region lists thousands of log files, a few MB at most.
const maxDigestSize = 256 << 20

// ParseDigest reads a digest file as stored (gzip, or already
// uncompressed) and checks the fields validation needs.
func ParseDigest(stored []byte) (*Digest, error) {
	raw, err := inflate(stored, maxDigestSize)
	if err != nil {
		return nil, err
	}
	var d Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("not a digest file: %w", err)
	}
	for _, f := range []struct{ name, v string }{
		{"digestStartTime", d.StartTime}, {"digestEndTime", d.EndTime}, {"digestS3Bucket", d.S3Bucket},
		{"digestS3Object", d.S3Object}, {"digestPublicKeyFingerprint", d.PublicKeyFingerprint},
	} {
		if f.v == "" {
			return nil, fmt.Errorf("not a digest file: no %s", f.name)
		}
	}
	if d.start, err = time.Parse(time.RFC3339, d.StartTime); err != nil {
		return nil, fmt.Errorf("digestStartTime: %w", err)
	}
	if d.end, err = time.Parse(time.RFC3339, d.EndTime); err != nil {
		return nil, fmt.Errorf("digestEndTime: %w", err)
	}
	d.raw = raw
	d.rawHash = sha256Hex(raw)
	return &d, nil
}

// SignedString is what CloudTrail signs for this digest (package doc).
func (d *Digest) SignedString() string {
	prev := "null"
	if d.PreviousSignature != nil {
		prev = *d.PreviousSignature
	}
	return d.EndTime + "\n" + d.S3Bucket + "/" + d.S3Object + "\n" + d.rawHash + "\n" + prev
}

// Start and End are the hour the digest covers.
func (d *Digest) Start() time.Time { return d.start }

// End is when the digest's hour ended.
func (d *Digest) End() time.Time { return d.end }

// inflate returns content uncompressed: gzip is recognised by its magic
// bytes (concatenated members are read whole), anything else is returned
// as it is. At most limit bytes are accepted.
func inflate(b []byte, limit int64) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, errors.New("uncompressed content too large")
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// trailKey is the S3 key of a CloudTrail object from its AWSLogs/ part,
// whatever the trail's prefix or the local directory above it, so that a
// digest's entries and the files found can be matched.
func trailKey(path string) (string, bool) {
	path = strings.ReplaceAll(path, "\\", "/")
	if strings.HasPrefix(path, "AWSLogs/") {
		return path, true
	}
	i := strings.Index(path, "/AWSLogs/")
	if i < 0 {
		return "", false
	}
	return path[i+1:], true
}
