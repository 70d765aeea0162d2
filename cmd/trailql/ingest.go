package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/internal/kafka"
	"github.com/trailql/trailql/internal/source"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/rule"
)

type ingestFlags struct {
	to           string
	partitions   int32
	once         bool
	statePath    string
	endpointURL  string
	region       string
	since        string
	anyKey       bool
	pollInterval time.Duration
	logFormat    string
	logLevel     string
	rules        []string
	filter       *rule.Filter
	namespace    string
	watermarks   time.Duration
}

func newIngestCmd() *cobra.Command {
	var f ingestFlags
	cmd := &cobra.Command{
		Use:   "ingest --to kafka://BROKER[,BROKER...]/TOPIC [flags] SOURCE...",
		Short: "Produce CloudTrail records from the sources watch reads to a Kafka topic, keyed by actor",
		Long: `ingest reads the sources trailql watch reads (a directory, s3://bucket/prefix, an SQS
queue) with the same checkpoints, and produces each raw CloudTrail record (its exact
bytes) to the Kafka topic, keyed by userIdentity.arn (records without one share a fixed
key), with the ingest time, the event id and the object's name in headers. Several
trailql watch kafka://... processes in one consumer group then share the topic's
partitions (see the README's Kafka section).

Rules whose groups are not keyed by the ARN (BY source.ip, an access key, a computed
key) read a repartition topic of their own, TOPIC.rekey.<rule_id>.<hash>, which ingest
fills with the records that reach the rule's STATS, keyed by the rule's BY keys: give
ingest the rules the detectors run (--rules, --rule-id, --tag, ...; the default is the
seed rule, keyed by the ARN, which needs none).

Each object's records are produced in one Kafka transaction, and the detectors read
committed records only: an object is marked done (its S3 checkpoint advanced, its SQS
message deleted) only once its transaction committed, and one read again after a
crash or a failed read is on the topic once. The newest event time acknowledged goes
as a watermark record to every partition (every --watermark-interval while it moves,
and at the end), so that quiet partitions still close their windows. A missing topic is
created with --partitions; an existing topic keeps its count (adding partitions would
move keys and split open windows).`,
		Example: `  trailql ingest --once --to kafka://localhost:9092/trailql.events AWSLogs/
  trailql ingest --to kafka://b-1.msk:9098/trailql.events?sasl=aws-msk-iam s3://my-trail-bucket/AWSLogs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngest(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "the topic: kafka://BROKER[,BROKER...]/TOPIC (?tls=1, ?sasl=aws-msk-iam&region=R)")
	fl.Int32Var(&f.partitions, "partitions", kafka.DefaultPartitions, "partitions of the topic when ingest creates it")
	fl.BoolVar(&f.once, "once", false, "read what the sources hold now, exit when the brokers acknowledged all of it")
	fl.StringVar(&f.statePath, "state", "", "state database `PATH` for the sources' checkpoints (default: ingest.db beside watch's state)")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "S3/SQS endpoint `URL` for S3-compatible stores")
	fl.StringVar(&f.region, "region", "", "AWS region (default: from the AWS configuration)")
	fl.StringVar(&f.since, "since", "", "where an s3:// source without saved progress starts (as for watch; \"all\" for the bucket's beginning)")
	fl.BoolVar(&f.anyKey, "any-key", false, "read S3 and SQS objects whose keys are not in CloudTrail's log layout too")
	fl.DurationVar(&f.pollInterval, "poll-interval", 0, "time between scans of a directory or listings of a bucket (default 5s, 1m)")
	fl.StringVar(&f.logFormat, "log-format", "text", "log `FORMAT` on stderr: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn or error")
	fl.StringArrayVar(&f.rules, "rules", nil, "the detectors' rules `FILE|DIR|bundled` (repeatable; default: the seed rule): those not keyed by the ARN get a repartition topic")
	fl.StringVar(&f.namespace, "namespace", "default", "data_stream.namespace given to events (as the detectors' --namespace: rules may filter on it)")
	fl.DurationVar(&f.watermarks, "watermark-interval", 2*time.Second, "how often the newest event time acknowledged goes to every partition while it moves")
	f.filter = addRuleFilterFlags(fl)
	return cmd
}

func runIngest(ctx context.Context, f ingestFlags, specs []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := newLogger(f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	cfg, err := kafka.ParseURL(f.to)
	if err != nil {
		return usageErrorf("--to: %v", err)
	}
	if f.partitions < 1 {
		return usageErrorf("--partitions %d: want a positive number", f.partitions)
	}
	var since time.Time
	if f.since != "all" {
		if since, err = parseWhen(f.since); err != nil {
			return usageErrorf("--since: %v", err)
		}
	}
	if f.statePath == "" {
		f.statePath = filepath.Join(filepath.Dir(state.DefaultPath()), "ingest.db")
	}
	if err := os.MkdirAll(filepath.Dir(f.statePath), 0o700); err != nil {
		return withStatus(exitError, err)
	}
	store, err := state.Open(f.statePath)
	if err != nil {
		return withStatus(exitError, err)
	}
	defer store.Close()
	if err := cfg.Check(); err != nil {
		return usageErrorf("--to: %v", err)
	}
	rules, err := loadRules(f.rules, &inputLimits{stderr: os.Stderr})
	if err != nil {
		return err
	}
	if rules, err = filterRules(rules, f.filter); err != nil {
		return err
	}
	compiled, err := detect.Compile(rules, time.Now().UTC())
	if err != nil {
		return withStatus(exitUsage, err)
	}
	plan, err := kafka.NewPlan(cfg.Topic, compiled)
	if err != nil {
		return withStatus(exitUsage, err)
	}
	for _, r := range plan.Routes {
		log.Info("rule repartitioned", "rule", r.Rule.Rule.Name, "topic", r.Topic, "keys", r.Keys, "note", r.Why())
	}
	in, err := kafka.NewIngester(cfg, plan.Routes, detect.Options{Namespace: f.namespace}, kafka.IngestTransactionalID(f.statePath))
	if err != nil {
		return usageErrorf("--to: %v", err)
	}
	defer in.Close()
	in.OnProblem = func(p cloudtrail.Problem) { log.Warn("skipped input", "problem", p.Error()) }
	partitions, err := in.EnsureTopics(ctx, f.partitions)
	if err != nil {
		return withStatus(exitError, err)
	}
	log.Info("ingesting", "topic", cfg.Topic, "partitions", partitions, "repartitioned", len(plan.Routes))
	wctx, stopWM := context.WithCancel(ctx)
	defer stopWM()
	go in.RunWatermarks(wctx, f.watermarks, func(err error) { log.Warn("kafka: watermark", "err", err) })
	var wg sync.WaitGroup
	errs := make(chan error, len(specs))
	for _, spec := range specs {
		src, err := source.Open(spec, source.Options{Checkpoints: store, PollInterval: f.pollInterval, EndpointURL: f.endpointURL,
			Region: f.region, Logger: log, AnyKey: f.anyKey, Once: f.once, Since: since})
		if err != nil {
			return usageErrorf("%s: %v", spec, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := src.Run(ctx, func(ctx context.Context, obj source.Object) error {
				if done, err := store.Done(obj.Source, obj.Key); err != nil || done {
					return err
				}
				rc, err := obj.Open(ctx)
				if err != nil {
					return err
				}
				defer rc.Close()
				n, err := in.Object(ctx, obj.Key, rc)
				if err != nil {
					return err
				}
				log.Debug("object produced", "object", obj.Key, "records", n)
				// Acknowledged by the brokers: only now is the object
				// done (the S3 checkpoint moves, the SQS message goes).
				return store.Batch(func(tx *state.Tx) error { return tx.MarkDone(obj.Source, obj.Key, "") })
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", spec, err)
			}
		}()
	}
	wg.Wait()
	stopWM()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	// The last watermark: what was read is all there is for now.
	wmctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := in.Watermark(wmctx); err != nil {
		all = append(all, err)
	}
	fmt.Fprintf(os.Stderr, "trailql: ingest: %s produced to %s", plural(int(in.Records.Load()), "record"), strings.Join(cfg.Brokers, ",")+"/"+cfg.Topic)
	if n := in.Routed.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, " (and %s to %s)", plural(int(n), "record"), plural(len(plan.Routes), "repartition topic"))
	}
	fmt.Fprintln(os.Stderr)
	if len(all) > 0 {
		return withStatus(exitError, errors.Join(all...))
	}
	return nil
}
