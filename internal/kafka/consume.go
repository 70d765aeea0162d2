package kafka

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/trailql/trailql/internal/source"
)

// DefaultReplay is how far back a member reads a partition it is assigned:
// the live engine's amend horizon, as far as a late event can change an
// alert.
const DefaultReplay = 24 * time.Hour

// Source is a source.Source over a topic, in a consumer group: each poll's
// records of one partition are one object (NDJSON of the raw records),
// handed on in offset order, with the newest watermark the partition
// carried. Offsets are committed after the objects' effects are (watch
// commits them before the callback returns).
type Source struct {
	spec   string
	cfg    Config
	replay time.Duration
	log    *slog.Logger

	owned   prometheus.Gauge
	lag     *prometheus.GaugeVec
	mu      sync.Mutex
	lost    bool // the group was lost (session timeout): /healthz says so
	members map[int32]bool
}

// NewSource makes the source of spec (kafka://.../TOPIC?group=NAME). reg,
// when set, gets the partition ownership and lag metrics.
func NewSource(spec string, replay time.Duration, log *slog.Logger, reg prometheus.Registerer) (*Source, error) {
	c, err := ParseURL(spec)
	if err != nil {
		return nil, err
	}
	if c.Group == "" {
		return nil, fmt.Errorf("%q: watch reads a topic in a consumer group: add ?group=NAME", spec)
	}
	if replay <= 0 {
		replay = DefaultReplay
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{spec: spec, cfg: c, replay: replay, log: log, members: map[int32]bool{},
		owned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_kafka_partitions_owned", Help: "Partitions of the topic this member owns."}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "trailql_kafka_consumer_lag",
			Help: "Records of a partition not yet processed by this member (high watermark minus the next offset)."}, []string{"partition"})}
	if reg != nil {
		reg.MustRegister(s.owned, s.lag)
	}
	return s, nil
}

// Lost reports whether this member lost its group membership and has not
// been assigned partitions since (a health check fails on it).
func (s *Source) Lost() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// Run joins the group and hands on each poll's records until ctx is done.
func (s *Source) Run(ctx context.Context, fn func(context.Context, source.Object) error) error {
	opts := append(s.cfg.clientOpts(),
		kgo.ConsumerGroup(s.cfg.Group), kgo.ConsumeTopics(s.cfg.Topic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.DisableAutoCommit(),
		kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(time.Second),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// A partition assigned is read again from the replay horizon: the
		// state a member keeps is rebuilt, never trusted to be complete.
		kgo.AdjustFetchOffsetsFn(func(_ context.Context, m map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			from := time.Now().Add(-s.replay).UnixMilli()
			for _, ps := range m {
				for p := range ps {
					ps[p] = kgo.NewOffset().AfterMilli(from)
				}
			}
			return m, nil
		}),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { s.assign(a[s.cfg.Topic], true) }),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				s.log.Warn("kafka: committing before a revocation", "err", err)
			}
			s.assign(r[s.cfg.Topic], false)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) {
			s.assign(l[s.cfg.Topic], false)
			s.mu.Lock()
			s.lost = true
			s.mu.Unlock()
			s.log.Warn("kafka: lost the group's partitions (session timeout?); they are read again when reassigned", "partitions", l[s.cfg.Topic])
		}),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return source.Fatal(fmt.Errorf("%s: %w", s.spec, err))
	}
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fetches.IsClientClosed() {
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			s.log.Warn("kafka: fetch", "topic", t, "partition", p, "err", err)
		})
		var ferr error
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if ferr != nil || len(fp.Records) == 0 {
				return
			}
			if err := s.object(ctx, fp, fn); err != nil {
				ferr = err
				return
			}
			last := fp.Records[len(fp.Records)-1].Offset
			s.lag.WithLabelValues(strconv.Itoa(int(fp.Partition))).Set(float64(max(fp.HighWatermark-last-1, 0)))
		})
		if ferr != nil {
			// The objects' effects are committed up to the failed one;
			// the member stops and its partitions go to the others,
			// who read them again.
			return source.Fatal(ferr)
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("kafka: committing offsets", "err", err)
		}
	}
}

// object hands one partition's fetched records on as one object.
func (s *Source) object(ctx context.Context, fp kgo.FetchTopicPartition, fn func(context.Context, source.Object) error) error {
	var body bytes.Buffer
	var wm int64
	first, last := fp.Records[0].Offset, fp.Records[len(fp.Records)-1].Offset
	for _, r := range fp.Records {
		if isWatermark(r) {
			for _, h := range r.Headers {
				if h.Key == HeaderWatermark {
					if v, err := strconv.ParseInt(string(h.Value), 10, 64); err == nil {
						wm = max(wm, v)
					}
				}
			}
			continue
		}
		body.Write(r.Value)
		body.WriteByte('\n')
	}
	data := body.Bytes()
	obj := source.Object{Source: s.spec, Key: fmt.Sprintf("kafka://%s/%d/%d-%d", s.cfg.Topic, fp.Partition, first, last), Size: int64(len(data)),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	if wm > 0 {
		obj.Watermark = time.UnixMilli(wm)
	}
	return fn(ctx, obj)
}

// assign records partitions gained or given up.
func (s *Source) assign(ps []int32, gained bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		if gained {
			s.members[p] = true
		} else {
			delete(s.members, p)
			s.lag.DeleteLabelValues(strconv.Itoa(int(p)))
		}
	}
	if gained {
		s.lost = false
		s.log.Info("kafka: partitions assigned; reading them again from the replay horizon", "partitions", ps, "replay", s.replay)
	}
	s.owned.Set(float64(len(s.members)))
}
