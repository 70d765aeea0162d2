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
	"github.com/trailql/trailql/internal/kafka"
	"github.com/trailql/trailql/internal/source"
	"github.com/trailql/trailql/internal/state"
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

An object is marked done (its S3 checkpoint advanced, its SQS message deleted) only
after the brokers acknowledged all its records. After each object a watermark (the
newest event time produced) goes to every partition, so that quiet partitions still
close their windows. A missing topic is created with --partitions; an existing
topic keeps its count (adding partitions would move keys and split open windows).`,
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
	in, err := kafka.NewIngester(cfg)
	if err != nil {
		return usageErrorf("--to: %v", err)
	}
	defer in.Close()
	in.OnProblem = func(p cloudtrail.Problem) { log.Warn("skipped input", "problem", p.Error()) }
	partitions, err := in.EnsureTopic(ctx, f.partitions)
	if err != nil {
		return withStatus(exitError, err)
	}
	log.Info("ingesting", "topic", cfg.Topic, "partitions", partitions)
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
				n, err := in.Object(ctx, obj.Key, rc, partitions)
				if err != nil {
					return err
				}
				log.Debug("object produced", "object", obj.Key, "records", n)
				return store.Batch(func(tx *state.Tx) error { return tx.MarkDone(obj.Source, obj.Key, "") })
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", spec, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	fmt.Fprintf(os.Stderr, "trailql: ingest: %s produced to %s\n", plural(int(in.Records), "record"), strings.Join(cfg.Brokers, ",")+"/"+cfg.Topic)
	if len(all) > 0 {
		return withStatus(exitError, errors.Join(all...))
	}
	return nil
}
