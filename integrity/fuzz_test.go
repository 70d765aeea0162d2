package integrity_test

import (
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/integrity/integritytest"
	"testing"
)

// FuzzDigest: the digest parser reads untrusted bytes (anyone who can write
// to the bucket): it must never panic, and a digest it accepts must give a
// signed string that names its own place.
func FuzzDigest(f *testing.F) {
	tr := integritytest.New(f, 2)
	for _, k := range tr.Digests {
		f.Add(tr.Files[k])
		raw := integritytest.Inflate(tr.Files[k])
		f.Add(raw)
	}
	f.Add([]byte(`{"digestEndTime":"x"}`))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := integrity.ParseDigest(b)
		if err != nil {
			return
		}
		if d.S3Object == "" || d.End().IsZero() {
			t.Fatalf("accepted a digest without place or time: %+v", d)
		}
		_ = d.SignedString()
	})
}
