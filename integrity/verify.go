package integrity

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kind is what a finding says of a file.
type Kind string

// The kinds of finding.
const (
	// Modified: a log file's content does not have the hash its digest
	// lists, or a digest is not a digest file or not where it says it is.
	Modified Kind = "modified"
	// Missing: a digest lists a log file that is not there.
	Missing Kind = "missing"
	// NotInDigest: a log file that no digest lists, although digests cover
	// its time: added, or delivered while validation was off.
	NotInDigest Kind = "not-in-digest"
	// BadSignature: a digest's signature does not verify (it was changed
	// or forged), or no public key of the period has its fingerprint.
	BadSignature Kind = "bad-signature"
	// ChainBroken: a digest's previous digest is missing, or its hash or
	// signature is not the one the next digest records.
	ChainBroken Kind = "chain-broken"
	// NoSignature: a digest copy without its S3 metadata; its signature
	// cannot be checked (its hashes and chain still are).
	NoSignature Kind = "no-signature"
)

// Finding is one file that fails validation.
type Finding struct {
	File   string `json:"file"`
	Kind   Kind   `json:"kind"`
	Detail string `json:"detail"`
	// Digest is the digest file that the finding comes from, if any.
	Digest string `json:"digest,omitempty"`
}

func (f Finding) String() string {
	s := string(f.Kind) + " " + f.File + ": " + f.Detail
	if f.Digest != "" {
		s += " (digest " + f.Digest + ")"
	}
	return s
}

// Report is the outcome of a validation.
type Report struct {
	Digests  int       // digest files checked
	LogFiles int       // log files checked against a digest
	Findings []Finding // in file order
}

// Intact reports whether nothing failed validation.
func (r *Report) Intact() bool { return len(r.Findings) == 0 }

// Options configure Verify.
type Options struct {
	// Since and Until, when set, limit the digests checked to those whose
	// hour ends within [Since, Until].
	Since, Until time.Time
	// Keys gives the public keys; nil checks no signature (each digest is
	// then a BadSignature finding unless it has no signature at all).
	Keys KeySource
}

// digestSlack is how long before the newest digest's end a log file may be
// delivered and still be left for the next digest.
const digestSlack = 15 * time.Minute

// logNameTime finds the delivery time in a log file's name.
var logNameTime = regexp.MustCompile(`_CloudTrail_([a-z0-9-]+)_([0-9]{8}T[0-9]{4}Z)_`)

// digestName parts: account, region, trail, home region, end time.
var digestName = regexp.MustCompile(`^(.*)/([0-9]+)_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z0-9-]+)_([0-9]{8}T[0-9]{6}Z)(_backfill)?\.json\.gz$`)

// checked is a digest read and parsed.
type checked struct {
	obj   Object
	d     *Digest
	sig   string // from the metadata, "" when none
	chain string // account, region and trail
}

// Verify validates the trail in store (package doc).
func Verify(ctx context.Context, store Store, opts Options) (*Report, error) {
	objs, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	logs := map[string]Object{}
	var digests []*checked
	byKey := map[string]*checked{}
	for _, o := range objs {
		if !strings.Contains(o.Key, "/CloudTrail-Digest/") {
			if strings.Contains(o.Key, "/CloudTrail/") {
				logs[o.Key] = o
			}
			continue
		}
		if strings.HasSuffix(o.Key, ".metadata.json") {
			continue
		}
		// The chain: the digests of one account, region and trail. A name
		// not in CloudTrail's pattern still counts, by its folder.
		chain := accountRegion(o.Key)
		if m := digestName.FindStringSubmatch(o.Key); m != nil {
			chain = m[1] + "/" + m[2] + "/" + m[3] + "/" + m[4]
		}
		data, meta, err := o.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		d, err := ParseDigest(data)
		if err != nil {
			rep.add(Finding{File: o.Name, Kind: Modified, Detail: err.Error()})
			continue
		}
		c := &checked{obj: o, d: d, sig: meta["signature"], chain: chain}
		byKey[o.Key] = c
		if (!opts.Since.IsZero() && d.end.Before(opts.Since)) || (!opts.Until.IsZero() && d.end.After(opts.Until)) {
			continue
		}
		digests = append(digests, c)
	}
	slices.SortFunc(digests, func(a, b *checked) int { return a.d.end.Compare(b.d.end) })
	var keys *Keys
	signed := slices.ContainsFunc(digests, func(c *checked) bool { return c.sig != "" })
	if opts.Keys != nil && signed { // a copy without signatures needs no key (nor AWS access)
		if keys, err = opts.Keys.PublicKeys(ctx, digests[0].d.start.Add(-time.Hour), digests[len(digests)-1].d.end.Add(time.Hour)); err != nil {
			return nil, err
		}
	}
	listed := map[string]bool{}
	// covered: per account and region, the span of time the checked
	// digests cover; a log file delivered in it must be listed.
	covered := map[string][2]time.Time{}
	for i, c := range digests {
		rep.Digests++
		rep.checkDigest(c, keys)
		rep.checkChain(c, byKey, i == 0 || firstOfChain(digests[:i], c.chain))
		for _, lf := range c.d.LogFiles {
			key, ok := trailKey(lf.S3Object)
			if !ok {
				key = lf.S3Object
			}
			listed[key] = true
			rep.LogFiles++
			o, ok := logs[key]
			if !ok {
				rep.add(Finding{File: "s3://" + lf.S3Bucket + "/" + lf.S3Object, Kind: Missing, Detail: "listed by its digest, not found", Digest: c.obj.Name})
				continue
			}
			data, _, err := o.Read(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.Name, err)
			}
			raw, err := inflate(data, maxObjectSize)
			if err != nil || !strings.EqualFold(sha256Hex(raw), lf.HashValue) {
				rep.add(Finding{File: o.Name, Kind: Modified, Detail: "content differs from the SHA-256 its digest lists", Digest: c.obj.Name})
			}
		}
		region := accountRegion(c.obj.Key)
		span, ok := covered[region]
		if !ok || c.d.start.Before(span[0]) {
			span[0] = c.d.start
		}
		if c.d.end.After(span[1]) {
			span[1] = c.d.end
		}
		covered[region] = span
	}
	for key, o := range logs {
		if listed[key] {
			continue
		}
		m := logNameTime.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		t, err := time.Parse("20060102T1504Z", m[2])
		span, ok := covered[accountRegion(key)]
		// A file delivered just before the last digest's end may be listed
		// by the next digest, not written yet: not a finding.
		if err != nil || !ok || t.Before(span[0]) || !t.Before(span[1].Add(-digestSlack)) {
			continue
		}
		rep.add(Finding{File: o.Name, Kind: NotInDigest, Detail: "no digest lists this log file, though digests cover its delivery time"})
	}
	slices.SortStableFunc(rep.Findings, func(a, b Finding) int {
		return strings.Compare(a.File+string(a.Kind), b.File+string(b.Kind))
	})
	return rep, nil
}

// checkDigest checks a digest's place and signature.
func (r *Report) checkDigest(c *checked, keys *Keys) {
	d := c.d
	if key, ok := trailKey(d.S3Object); !ok || key != c.obj.Key {
		r.add(Finding{File: c.obj.Name, Kind: Modified, Detail: "the digest says it is " + d.S3Bucket + "/" + d.S3Object})
	}
	if c.sig == "" {
		r.add(Finding{File: c.obj.Name, Kind: NoSignature, Detail: "no signature metadata (a copy without the S3 object metadata): hashes checked, signature not"})
		return
	}
	sig, err := hex.DecodeString(c.sig)
	if err != nil {
		r.add(Finding{File: c.obj.Name, Kind: BadSignature, Detail: "signature metadata is not hex"})
		return
	}
	cands := keys.candidates(d.PublicKeyFingerprint)
	if len(cands) == 0 {
		r.add(Finding{File: c.obj.Name, Kind: BadSignature, Detail: "no public key with fingerprint " + d.PublicKeyFingerprint + " for the period"})
		return
	}
	sum := sha256.Sum256([]byte(d.SignedString()))
	for _, pub := range cands {
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil {
			return
		}
	}
	r.add(Finding{File: c.obj.Name, Kind: BadSignature, Detail: "the signature does not verify: the digest was changed or forged"})
}

// checkChain checks a digest against the previous one it names. The first
// digest checked of a chain may name one outside the period: not a finding.
func (r *Report) checkChain(c *checked, byKey map[string]*checked, first bool) {
	d := c.d
	if d.PreviousS3Object == nil || *d.PreviousS3Object == "" {
		return // the start of a chain (logging or validation was off before)
	}
	key, _ := trailKey(*d.PreviousS3Object)
	prev, ok := byKey[key]
	if !ok {
		if !first {
			r.add(Finding{File: c.obj.Name, Kind: ChainBroken, Detail: "its previous digest " + *d.PreviousS3Object + " is missing"})
		}
		return
	}
	if d.PreviousHashValue == nil || !strings.EqualFold(*d.PreviousHashValue, prev.d.rawHash) {
		r.add(Finding{File: c.obj.Name, Kind: ChainBroken, Detail: "the previous digest's SHA-256 is not the one recorded: " + prev.obj.Name + " was changed"})
	}
	if prev.sig != "" && (d.PreviousSignature == nil || !strings.EqualFold(*d.PreviousSignature, prev.sig)) {
		r.add(Finding{File: c.obj.Name, Kind: ChainBroken, Detail: "the previous digest's signature is not the one recorded: " + prev.obj.Name + " was replaced"})
	}
}

// firstOfChain reports whether no earlier digest belongs to chain.
func firstOfChain(earlier []*checked, chain string) bool {
	return !slices.ContainsFunc(earlier, func(c *checked) bool { return c.chain == chain })
}

// accountRegion is the AWSLogs/[org/]<account>/<kind>/<region> part of a
// key, with the kind folder left out, so that logs and digests meet.
func accountRegion(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		if (p == "CloudTrail" || p == "CloudTrail-Digest") && i+1 < len(parts) {
			return strings.Join(parts[:i], "/") + "/" + parts[i+1]
		}
	}
	return ""
}

func (r *Report) add(f Finding) { r.Findings = append(r.Findings, f) }
