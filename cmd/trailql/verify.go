package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/spf13/cobra"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/internal/source"
)

// exitTampered is verify's status when a file fails validation.
const exitTampered = 4

type verifyFlags struct {
	since, until string
	publicKeys   string
	format       string
	endpointURL  string
	region       string
}

func newVerifyCmd() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [flags] PATH|s3://BUCKET[/PREFIX]",
		Short: "Validate CloudTrail log file integrity with the trail's signed digest files",
		Long: `verify checks a trail's log files against CloudTrail's hourly digest files,
as "aws cloudtrail validate-logs" does: each digest's RSA signature (from its S3
metadata, with CloudTrail's public keys or --public-keys), the chain of digests,
and each log file's SHA-256. It prints one line per finding (modified, missing,
not-in-digest, bad-signature, chain-broken, no-signature) and exits 4 when
anything fails validation.

A local copy has lost the digests' S3 metadata: their signatures cannot be
checked (no-signature), unless a <digest>.metadata.json sidecar holds it;
hashes and the chain still are.`,
		Example: `  trailql verify s3://my-trail-bucket/AWSLogs/
  trailql verify --since 2026-11-01 --until 2026-11-03 --public-keys keys/ ./AWSLogs
  trailql verify --format ndjson s3://my-trail-bucket > findings.ndjson`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "check digests whose hour ends at or after `TIME` (RFC 3339, a date, or -DURATION from now)")
	fl.StringVar(&f.until, "until", "", "check digests whose hour ends at or before `TIME`")
	fl.StringVar(&f.publicKeys, "public-keys", "", "read CloudTrail's public keys from `DIR` (<fingerprint>.der|.pem) instead of ListPublicKeys")
	fl.StringVar(&f.format, "format", "text", "output `FORMAT`: text or ndjson")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "S3 endpoint `URL` for S3-compatible stores")
	fl.StringVar(&f.region, "region", "", "AWS region (default: from the AWS configuration)")
	return cmd
}

func runVerify(ctx context.Context, f verifyFlags, target string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.format != "text" && f.format != "ndjson" {
		return usageErrorf("unknown --format %q (want text or ndjson)", f.format)
	}
	var opts integrity.Options
	var err error
	if opts.Since, err = parseWhen(f.since); err != nil {
		return usageErrorf("--since: %v", err)
	}
	if opts.Until, err = parseWhen(f.until); err != nil {
		return usageErrorf("--until: %v", err)
	}
	srcOpts := source.Options{EndpointURL: f.endpointURL, Region: f.region}
	if opts.Keys, err = keySource(f.publicKeys, srcOpts); err != nil {
		return err
	}
	var store integrity.Store
	if strings.HasPrefix(target, "s3://") {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(target, "s3://"), "/")
		client, err := source.NewS3Client(ctx, srcOpts)
		if err != nil {
			return withStatus(exitError, err)
		}
		store = integrity.S3Store{Client: client, Bucket: bucket, Prefix: prefix}
	} else {
		if _, err := os.Stat(target); err != nil {
			return usageErrorf("%v", err)
		}
		store = integrity.DirStore{Root: target}
	}
	rep, err := integrity.Verify(ctx, store, opts)
	if err != nil {
		return withStatus(exitError, err)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, fd := range rep.Findings {
		if f.format == "ndjson" {
			err = enc.Encode(fd)
		} else {
			_, err = fmt.Println(sanitize(strings.ReplaceAll(fd.String(), "\n", `\n`))) // keys are untrusted
		}
		if err != nil {
			return withStatus(exitError, err)
		}
	}
	counts := map[integrity.Kind]int{}
	for _, fd := range rep.Findings {
		counts[fd.Kind]++
	}
	var parts []string
	for _, k := range []integrity.Kind{integrity.Modified, integrity.Missing, integrity.NotInDigest, integrity.BadSignature, integrity.ChainBroken, integrity.NoSignature} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	verdict := "intact"
	if len(parts) > 0 {
		verdict = strings.Join(parts, ", ")
	}
	fmt.Fprintf(os.Stderr, "trailql: verify: %d digest files, %d log files checked: %s\n", rep.Digests, rep.LogFiles, verdict)
	if rep.Digests == 0 {
		// Nothing proven is not "intact": say so in the status too.
		fmt.Fprintln(os.Stderr, "trailql: verify: no digest file found: nothing could be validated (is log file validation on for this trail?)")
		return withStatus(exitTampered, errPartial)
	}
	if !rep.Intact() {
		return withStatus(exitTampered, errPartial)
	}
	return nil
}

// keySource is where digests' public keys come from: --public-keys DIR,
// else CloudTrail's ListPublicKeys when a signed digest needs them.
func keySource(dir string, opts source.Options) (integrity.KeySource, error) {
	if dir == "" {
		return lazyCloudTrailKeys{opts: opts}, nil
	}
	keys, err := integrity.LoadKeyDir(dir)
	if err != nil {
		return nil, usageErrorf("--public-keys: %v", err)
	}
	return integrity.StaticKeys{Keys: keys}, nil
}

// verifyDirs validates the trails in the directories among paths, for
// detect --verify: their findings become alerts. Files and stdin carry no
// digests to check against and are left out.
func verifyDirs(ctx context.Context, paths []string, keys integrity.KeySource) (*integrity.Report, error) {
	var stores []integrity.Store
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			stores = append(stores, integrity.DirStore{Root: p})
		}
	}
	return verifyAll(ctx, stores, integrity.Options{Keys: keys})
}

// lazyCloudTrailKeys asks CloudTrail for public keys only when a signed
// digest needs them, so that a local copy needs no AWS access.
type lazyCloudTrailKeys struct{ opts source.Options }

func (l lazyCloudTrailKeys) PublicKeys(ctx context.Context, start, end time.Time) (*integrity.Keys, error) {
	cfg, err := source.AWSConfig(ctx, l.opts)
	if err != nil {
		return nil, err
	}
	return integrity.CloudTrailKeys{Client: cloudtrail.NewFromConfig(cfg)}.PublicKeys(ctx, start, end)
}

// parseWhen reads a time flag: RFC 3339, a date (UTC midnight), or a
// negative duration from now ("-24h").
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, "-") {
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or -DURATION", s)
		}
		return time.Now().UTC().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or -DURATION", s)
}

// verifySources builds watch --verify's validation: the trails of the
// directory and s3:// sources (an SQS queue lists nothing to check).
//
// The first validation checks the digests from since on (all when zero);
// later ones, every hour, only the digests of the last three hours: the
// hourly digest is what is new, and older files were checked already.
func verifySources(ctx context.Context, specs []string, opts source.Options, keysDir string, since time.Time) (func(context.Context) (*integrity.Report, error), error) {
	keys, err := keySource(keysDir, opts)
	if err != nil {
		return nil, err
	}
	var stores []integrity.Store
	for _, spec := range specs {
		switch {
		case strings.HasPrefix(spec, "s3://"):
			client, err := source.NewS3Client(ctx, opts)
			if err != nil {
				return nil, withStatus(exitError, err)
			}
			bucket, prefix, _ := strings.Cut(strings.TrimPrefix(spec, "s3://"), "/")
			stores = append(stores, integrity.S3Store{Client: client, Bucket: bucket, Prefix: prefix})
		default:
			if fi, err := os.Stat(spec); err == nil && fi.IsDir() {
				stores = append(stores, integrity.DirStore{Root: spec})
			}
		}
	}
	if len(stores) == 0 {
		return nil, usageErrorf("--verify: no directory or s3:// source to validate")
	}
	first := true
	return func(ctx context.Context) (*integrity.Report, error) {
		vopts := integrity.Options{Keys: keys, Since: since}
		if !first {
			vopts.Since = time.Now().Add(-3 * time.Hour)
		}
		first = false
		return verifyAll(ctx, stores, vopts)
	}, nil
}

// verifyAll validates several trails into one report.
func verifyAll(ctx context.Context, stores []integrity.Store, opts integrity.Options) (*integrity.Report, error) {
	all := &integrity.Report{}
	for _, st := range stores {
		rep, err := integrity.Verify(ctx, st, opts)
		if err != nil {
			return nil, err
		}
		all.Digests += rep.Digests
		all.LogFiles += rep.LogFiles
		all.Findings = append(all.Findings, rep.Findings...)
	}
	return all, nil
}
