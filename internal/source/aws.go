package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// loadAWS loads the SDK's default configuration: credentials from the default
// chain (environment, shared files, SSO, web identity, container and instance
// roles), region from region if set, else the environment or profile. Nothing
// here logs credentials.
func loadAWS(ctx context.Context, opts Options, region string) (aws.Config, error) {
	var lo []func(*config.LoadOptions) error
	if region != "" {
		lo = append(lo, config.WithRegion(region))
	}
	// The SDK logs to stderr by default (checksum notes at DEBUG, retries):
	// route it into the caller's logger at debug level instead.
	lg := opts.Logger
	lo = append(lo, config.WithLogger(logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		lg.Debug("aws: " + fmt.Sprintf(format, v...))
	})))
	if opts.HTTPClient != nil {
		lo = append(lo, config.WithHTTPClient(opts.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if opts.EndpointURL == "" {
			return cfg, errors.New("no AWS region: set --region, AWS_REGION or a profile region")
		}
		cfg.Region = "us-east-1" // S3-compatible stores mostly ignore it, but signing needs one
	}
	return cfg, nil
}

// newS3Client makes an S3 client, path-style for a custom endpoint (most
// S3-compatible stores have no virtual-host buckets).
func newS3Client(cfg aws.Config, opts Options) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(opts.EndpointURL)
			o.UsePathStyle = true
		}
	})
}

// NewS3Client makes an S3 client as the S3 source does (the default
// credential chain, opts.Region, opts.EndpointURL), for other readers of a
// trail bucket (trailql verify).
func NewS3Client(ctx context.Context, opts Options) (*s3.Client, error) {
	cfg, err := AWSConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	return newS3Client(cfg, opts), nil
}

// AWSConfig loads the AWS configuration as the sources do, for clients of
// other AWS services (CloudTrail's ListPublicKeys).
func AWSConfig(ctx context.Context, opts Options) (aws.Config, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return loadAWS(ctx, opts, opts.Region)
}
