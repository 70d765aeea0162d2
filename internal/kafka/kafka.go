// Package kafka runs trailql's detection over a Kafka topic, partitioned by
// actor (docs/kafka-scaleout.md): trailql ingest produces each raw
// CloudTrail record to the topic, keyed by its userIdentity.arn, so that
// every group of a rule grouped by the ARN lands on one partition; trailql
// watch kafka://... consumes the topic in a consumer group, each member
// running the same live engine as every other mode over the partitions it
// owns.
//
// State is a cache that can be rebuilt: when a member is assigned a
// partition (at start, or taking over from a member that died), it reads
// the partition again from --replay (default 24h, the amend horizon) before
// now, by the records' ingest time. Events it already has are recognised by
// their event id (the live engine's checkpointed de-duplication) and count
// once; events it never saw rebuild the windows the old owner had. Alerts
// keep their deterministic ids, so an alert re-derived by the new owner is
// the same alert, and sinks that keep documents (file, Elasticsearch)
// recognise a version they have.
package kafka

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"

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

// Config is a kafka://BROKER[,BROKER...]/TOPIC[?group=NAME&tls=1&sasl=aws-msk-iam&region=R] URL.
type Config struct {
	Brokers []string
	Topic   string
	Group   string
	TLS     bool
	// MSKIAM authenticates with AWS MSK IAM (SASL AWS_MSK_IAM over TLS),
	// credentials from the AWS default chain.
	MSKIAM bool
	Region string
}

// ParseURL reads a kafka:// URL.
func ParseURL(spec string) (Config, error) {
	u, err := url.Parse(spec)
	if err != nil || u.Scheme != "kafka" || u.Host == "" {
		return Config{}, fmt.Errorf("%q: want kafka://BROKER[,BROKER...]/TOPIC", spec)
	}
	c := Config{Brokers: strings.Split(u.Host, ","), Topic: strings.Trim(u.Path, "/")}
	if c.Topic == "" || strings.Contains(c.Topic, "/") {
		return Config{}, fmt.Errorf("%q: want one topic after the brokers", spec)
	}
	q := u.Query()
	c.Group = q.Get("group")
	c.TLS = q.Get("tls") == "1" || q.Get("tls") == "true"
	switch q.Get("sasl") {
	case "":
	case "aws-msk-iam":
		c.MSKIAM, c.TLS = true, true
	default:
		return Config{}, fmt.Errorf("%q: unknown sasl %q (want aws-msk-iam)", spec, q.Get("sasl"))
	}
	c.Region = q.Get("region")
	for k := range q {
		switch k {
		case "group", "tls", "sasl", "region":
		default:
			return Config{}, fmt.Errorf("%q: unknown option %q", spec, k)
		}
	}
	return c, nil
}

// clientOpts are the connection options of c: brokers, TLS, MSK IAM.
func (c Config) clientOpts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...), kgo.ClientID("trailql")}
	if c.TLS {
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
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

// partitioner sends watermark records to the partition they name and every
// other record by the hash of its key (Kafka's murmur2, as the Java client
// does, so that other producers agree).
type partitioner struct{}

func (partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return topicPartitioner{kgo.StickyKeyPartitioner(nil).ForTopic(t)}
}

type topicPartitioner struct{ keyed kgo.TopicPartitioner }

func (topicPartitioner) RequiresConsistency(*kgo.Record) bool { return true }

func (p topicPartitioner) Partition(r *kgo.Record, n int) int {
	if isWatermark(r) {
		return int(r.Partition)
	}
	return p.keyed.Partition(r, n)
}

// isWatermark reports a watermark control record.
func isWatermark(r *kgo.Record) bool {
	return string(r.Key) == string(watermarkKey)
}
