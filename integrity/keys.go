package integrity

import (
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Keys are the public keys digests may be signed with, by fingerprint.
// Keys without a known fingerprint (a file whose name does not give one)
// are tried for any digest.
type Keys struct {
	byFingerprint map[string]*rsa.PublicKey
	any           []*rsa.PublicKey
}

// KeySource gives the keys CloudTrail used between two times (ListPublicKeys).
type KeySource interface {
	PublicKeys(ctx context.Context, start, end time.Time) (*Keys, error)
}

// NewKeys returns an empty key set.
func NewKeys() *Keys { return &Keys{byFingerprint: map[string]*rsa.PublicKey{}} }

// Add adds a DER or PEM encoded RSA public key (PKCS#1, as CloudTrail
// serves them, or PKIX). fingerprint may be "": the key is then tried for
// every digest.
func (k *Keys) Add(fingerprint string, data []byte) error {
	pub, err := parsePublicKey(data)
	if err != nil {
		return err
	}
	if fingerprint == "" {
		k.any = append(k.any, pub)
		return nil
	}
	k.byFingerprint[strings.ToLower(fingerprint)] = pub
	return nil
}

// candidates are the keys to try for a digest's fingerprint.
func (k *Keys) candidates(fingerprint string) []*rsa.PublicKey {
	if k == nil {
		return nil
	}
	var out []*rsa.PublicKey
	if pub, ok := k.byFingerprint[strings.ToLower(fingerprint)]; ok {
		out = append(out, pub)
	}
	return append(out, k.any...)
}

// Len is the number of keys.
func (k *Keys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.byFingerprint) + len(k.any)
}

func parsePublicKey(data []byte) (*rsa.PublicKey, error) {
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	if pub, err := x509.ParsePKCS1PublicKey(data); err == nil {
		return pub, nil
	}
	key, err := x509.ParsePKIXPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("not an RSA public key (PKCS#1 or PKIX, DER or PEM)")
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA public key")
	}
	return pub, nil
}

// Fingerprint is the fingerprint this package gives a DER key that came
// without one: the hex MD5 of its DER bytes. (CloudTrail's own
// fingerprints come with the keys from ListPublicKeys; LoadKeyDir takes
// them from the file names.)
func Fingerprint(der []byte) string {
	s := md5.Sum(der)
	return hex.EncodeToString(s[:])
}

// LoadKeyDir reads the public keys in dir (*.pem, *.der, *.pub), for
// offline validation. A file named <fingerprint>.<ext>, the fingerprint as
// CloudTrail writes it in digests (32 hex digits), is used for that
// fingerprint; any other is tried for every digest.
func LoadKeyDir(dir string) (*Keys, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	keys := NewKeys()
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".pem" && ext != ".der" && ext != ".pub") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		fp := strings.TrimSuffix(e.Name(), ext)
		if !isHexFingerprint(fp) {
			fp = ""
		}
		if err := keys.Add(fp, data); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, e.Name()), err)
		}
	}
	if keys.Len() == 0 {
		return nil, fmt.Errorf("%s: no public key (*.pem, *.der, *.pub)", dir)
	}
	return keys, nil
}

func isHexFingerprint(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// StaticKeys is a KeySource of fixed keys (LoadKeyDir's).
type StaticKeys struct{ Keys *Keys }

// PublicKeys returns the fixed keys, whatever the period.
func (s StaticKeys) PublicKeys(context.Context, time.Time, time.Time) (*Keys, error) {
	return s.Keys, nil
}
