package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/internal/kafka"
	"github.com/trailql/trailql/internal/sink"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/internal/watch"
)

// kafkaGroupConfig checks a watch of kafka://...?group=NAME: a member of a
// consumer group reads that topic (and the repartition topics its rules
// need) and nothing else, and runs as a daemon.
func kafkaGroupConfig(f watchFlags, specs []string) (*kafka.Config, error) {
	if len(specs) != 1 {
		return nil, usageErrorf("a kafka:// source is watched alone (a consumer group member reads the topic and nothing else): %s", strings.Join(specs, " "))
	}
	c, err := kafka.ParseURL(specs[0])
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if c.Group == "" {
		return nil, usageErrorf("%s: watch reads a topic in a consumer group: add ?group=NAME", specs[0])
	}
	if err := c.Check(); err != nil {
		return nil, usageErrorf("%s: %v", specs[0], err)
	}
	if f.once {
		return nil, usageErrorf("--once does not apply to a kafka:// source: the group's members run until stopped")
	}
	if f.verify {
		return nil, usageErrorf("--verify does not apply to a kafka:// source: run it where the trail's files are")
	}
	return &c, nil
}

// runKafkaGroup runs watch as a member of a consumer group.
func runKafkaGroup(ctx context.Context, c kafka.Config, compiled []*detect.Compiled, live detect.LiveOptions, store *state.Store, sinks []sink.Sink,
	log *slog.Logger, reg *prometheus.Registry, health *watch.Health, member *kafka.Member, reload <-chan struct{},
	loadRules func() ([]*detect.Compiled, detect.LiveOptions, error), commitEvery time.Duration) error {
	plan, err := kafka.NewPlan(c.Topic, compiled)
	if err != nil {
		return withStatus(exitUsage, err)
	}
	return kafka.RunGroup(ctx, kafka.GroupConfig{
		Kafka: c, Plan: plan, Live: live, Store: store, Sinks: sinks, Logger: log, Registry: reg,
		Health: health, Member: member, Reload: reload, LoadRules: loadRules, CommitEvery: commitEvery,
	})
}
