// Package kafka runs trailql's detection over Kafka, partitioned by actor
// (docs/kafka-scaleout.md, README "Scale-out on Kafka").
//
// trailql ingest (Ingester) produces each raw CloudTrail record to the
// events topic keyed by its userIdentity.arn, so that every group of a
// rule grouped by the ARN lands on one partition; a rule grouped by other
// keys gets a repartition topic of its own, which ingest fills keyed by
// that rule's keys (route.go, Plan). Watermark records carry event time to
// every partition, so quiet ones still close their windows.
//
// trailql watch kafka://...?group=NAME (RunGroup) is a member of a
// consumer group: for each partition it owns it runs the rules of that
// partition's topic in an engine of its own (detect.Live, as every other
// mode), and commits its state, alerts and offset to its store, the state
// to a compacted changelog topic, then the offset to the group
// (changelog.go). A partition assigned is restored from the changelog, so
// a member that takes over from one that died goes on from the state its
// last commit saved: no event counted twice or lost, each alert under its
// one deterministic id.
package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/aws"
)

// Record headers and keys on the topic.
const (
	// HeaderIngested is the ingest time (Unix milliseconds, decimal).
	HeaderIngested = "trailql-ingested"
	// HeaderEventID is the record's eventID.
	HeaderEventID = "trailql-event-id"
	// HeaderObject names the log object the record came from.
	HeaderObject = "trailql-object"
	// HeaderWatermark marks a watermark control record: the newest event
	// time (Unix milliseconds) the ingest has produced, sent to every
	// partition so that quiet partitions still see time pass.
	HeaderWatermark = "trailql-watermark"
)

// NoARNKey is the key of records without a userIdentity.arn: one fixed key,
// so that ES|QL's null group stays on one partition.
var NoARNKey = []byte("\x00trailql:no-arn")

// watermarkKey is the key of watermark control records.
var watermarkKey = []byte("\x00trailql:watermark")

// Config is a kafka://BROKER[,BROKER...]/TOPIC[?OPTIONS] URL: the brokers,
// the topic and, for watch, the consumer group; the options (ParseURL)
// configure TLS, MSK IAM and group membership.
type Config struct {
	Brokers []string
	Topic   string
	// Group is the consumer group watch joins (?group=NAME).
	Group string
	// TLS connects with TLS (?tls=1, implied by the other tls- options and
	// by MSK IAM), verifying the brokers against the system's roots or
	// TLSCA (?tls-ca=PEM), with the client certificate TLSCert/TLSKey
	// (?tls-cert=PEM&tls-key=PEM) and TLSServerName (?tls-server-name=).
	TLS                    bool
	TLSCA, TLSCert, TLSKey string
	TLSServerName          string
	// MSKIAM authenticates with AWS MSK IAM (SASL AWS_MSK_IAM over TLS,
	// ?sasl=aws-msk-iam), credentials from the AWS default chain, in
	// Region (?region=) when given.
	MSKIAM bool
	Region string
	// InstanceID is the member's static group membership id
	// (?instance=ID, KIP-345): a member that restarts within the session
	// timeout gets its partitions back without a rebalance.
	InstanceID string
	// SessionTimeout is how long the group waits for a silent member
	// before giving its partitions to the others (?session-timeout=,
	// default 10s): the takeover delay after a crash.
	SessionTimeout time.Duration
}

// DefaultSessionTimeout is the group session timeout: a member silent
// this long is presumed dead and its partitions move.
const DefaultSessionTimeout = 10 * time.Second

// ParseURL reads a kafka:// URL.
func ParseURL(spec string) (Config, error) {
	u, err := url.Parse(spec)
	if err != nil || u.Scheme != "kafka" || u.Host == "" {
		return Config{}, fmt.Errorf("%q: want kafka://BROKER[,BROKER...]/TOPIC", spec)
	}
	c := Config{Brokers: strings.Split(u.Host, ","), Topic: strings.Trim(u.Path, "/"), SessionTimeout: DefaultSessionTimeout}
	if c.Topic == "" || strings.Contains(c.Topic, "/") || topicSafe(c.Topic) != c.Topic || len(c.Topic) > 200 {
		return Config{}, fmt.Errorf("%q: want one topic after the brokers (letters, digits, '.', '_', '-'; at most 200)", spec)
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "group", "tls", "tls-ca", "tls-cert", "tls-key", "tls-server-name", "sasl", "region", "instance", "session-timeout":
		default:
			return Config{}, fmt.Errorf("%q: unknown option %q", spec, k)
		}
	}
	c.Group = q.Get("group")
	switch q.Get("tls") {
	case "", "0", "false":
	case "1", "true":
		c.TLS = true
	default:
		return Config{}, fmt.Errorf("%q: tls=%q: want 1 or 0", spec, q.Get("tls"))
	}
	c.TLSCA, c.TLSCert, c.TLSKey, c.TLSServerName = q.Get("tls-ca"), q.Get("tls-cert"), q.Get("tls-key"), q.Get("tls-server-name")
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, fmt.Errorf("%q: tls-cert and tls-key go together", spec)
	}
	if c.TLSCA != "" || c.TLSCert != "" || c.TLSServerName != "" {
		c.TLS = true
	}
	switch q.Get("sasl") {
	case "":
	case "aws-msk-iam":
		c.MSKIAM, c.TLS = true, true
	default:
		return Config{}, fmt.Errorf("%q: unknown sasl %q (want aws-msk-iam)", spec, q.Get("sasl"))
	}
	c.Region = q.Get("region")
	c.InstanceID = q.Get("instance")
	if v := q.Get("session-timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return Config{}, fmt.Errorf("%q: session-timeout=%q: want a duration of at least 1s", spec, v)
		}
		c.SessionTimeout = d
	}
	return c, nil
}

// tlsConfig is the TLS configuration of c (nil without TLS).
func (c Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("tls-ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls-ca %s: no PEM certificate", c.TLSCA)
		}
	}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("tls-cert/tls-key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// clientOpts are the connection options of c: brokers, TLS, MSK IAM.
// (tlsConfig's errors are found by Check before.)
func (c Config) clientOpts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...), kgo.ClientID("trailql")}
	if tc, err := c.tlsConfig(); err == nil && tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if c.MSKIAM {
		region := c.Region
		opts = append(opts, kgo.SASL(aws.ManagedStreamingIAM(func(ctx context.Context) (aws.Auth, error) {
			var lo []func(*config.LoadOptions) error
			if region != "" {
				lo = append(lo, config.WithRegion(region))
			}
			cfg, err := config.LoadDefaultConfig(ctx, lo...)
			if err != nil {
				return aws.Auth{}, err
			}
			creds, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				return aws.Auth{}, err
			}
			return aws.Auth{AccessKey: creds.AccessKeyID, SecretKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}, nil
		})))
	}
	return opts
}

// Check reads the files the URL names (TLS certificates), so that a
// mistake is reported at start rather than as a connection failure.
func (c Config) Check() error {
	_, err := c.tlsConfig()
	return err
}

// isWatermark reports a watermark control record.
func isWatermark(r *kgo.Record) bool {
	return string(r.Key) == string(watermarkKey)
}
