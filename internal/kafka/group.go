package kafka

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/internal/sink"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/internal/watch"
)

// GroupConfig is what RunGroup needs, wired by the caller.
type GroupConfig struct {
	// Kafka is the events topic, the group and the connection.
	Kafka Config
	// Plan routes the rules to the events topic and repartition topics
	// (NewPlan over the compiled rules).
	Plan *Plan
	// Live configures each partition's engine (lateness, amend horizon).
	Live detect.LiveOptions
	// Store is the member's state database; its sinks must be set.
	Store *state.Store
	// Sinks deliver alerts from the store's outbox.
	Sinks []sink.Sink
	// Logger receives the member's logs.
	Logger *slog.Logger
	// Registry, when set, gets the member's metrics.
	Registry *prometheus.Registry
	// Health, when set, is kept up to date for /readyz.
	Health *watch.Health
	// Member, when set, is kept up to date for /healthz.
	Member *Member
	// Tick is how long a partition with nothing new waits before the wall
	// clock moves the watermark of its scheduled rules (default 10s), as
	// watch does between objects.
	Tick time.Duration
	// CommitEvery is how often the state, alerts and offsets of what was
	// read are committed (default 1s): what a crash makes the next owner
	// read again.
	CommitEvery time.Duration
	// Reload, when a value comes on it (SIGHUP), reloads the rules with
	// LoadRules and reopens the sinks that can.
	Reload    <-chan struct{}
	LoadRules func() ([]*detect.Compiled, detect.LiveOptions, error)
}

// ErrRouteTopic is the error of RunGroup when a rule's repartition topic
// does not exist: ingest was not given that rule (or another version of
// it), so its events would never come.
var ErrRouteTopic = errors.New("no repartition topic")

// Member is a group member's standing, for /healthz.
type Member struct {
	mu    sync.Mutex
	lost  bool
	owned int
}

// Lost reports whether the member lost its group (a session timeout, a
// fatal group error) and has no partitions back yet: it is not doing its
// share, and a health check should say so.
func (m *Member) Lost() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lost
}

func (m *Member) set(lost bool, owned int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.lost, m.owned = lost, owned
	m.mu.Unlock()
}

// tp is a topic partition.
type tp struct {
	topic string
	p     int32
}

func (t tp) String() string { return t.topic + "/" + strconv.Itoa(int(t.p)) }

// partition is one owned partition: its own engine, over its own events,
// and where its state is in the member's store and in the topic.
type partition struct {
	tp
	ns    string // namespace of its state in the store
	live  *detect.Live
	route *Route // nil on the events topic
	next  int64  // the state covers the records before next
	epoch int32  // leader epoch of the last record read
	dirty bool   // read since the last commit
	last  time.Time
	sched bool // has scheduled rules (the wall clock moves them when idle)
	// idleFlush: the next commit evaluates by the wall clock too.
	idleFlush bool
}

// group is a running member.
type group struct {
	cfg       GroupConfig
	log       *slog.Logger
	changelog string
	sess      *kgo.GroupTransactSession
	cl        *kgo.Client // the session's
	m         *groupMetrics
	hurry     atomic.Bool // a rebalance waits: commit before allowing it

	mu     sync.Mutex // parts and the engines: the poll loop and the group's callbacks
	parts  map[tp]*partition
	plan   *Plan
	live   detect.LiveOptions
	budget *detect.MemoryBudget // the rows every partition's engine holds (nil: no limit)
	fatal  error                // a callback's failure, returned by the loop
	nparts int                  // partitions of each topic
}

// RunGroup joins the consumer group and runs the rules over the partitions
// the group gives this member until ctx is done (it returns nil) or it
// cannot go on safely (it returns why). Each owned partition has its own
// live engine (detect.Live, as every other mode), its state in the
// member's store under a namespace of its own and in the changelog topic.
// Every CommitEvery, for each partition read: the engine's state, the
// alerts it raised or updated and the offset are committed to the store in
// one transaction, the state is written to the changelog, and only then is
// the offset committed to the group. A partition assigned is restored from
// the changelog (or from the store, when it left this member with nothing
// read by another since) and goes on from the offset its state is at.
func RunGroup(ctx context.Context, cfg GroupConfig) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Second
	}
	if cfg.CommitEvery <= 0 {
		cfg.CommitEvery = time.Second
	}
	if cfg.Kafka.Group == "" {
		return fmt.Errorf("kafka://%s: watch reads a topic in a consumer group: add ?group=NAME", cfg.Kafka.Topic)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	g := &group{cfg: cfg, log: cfg.Logger, parts: map[tp]*partition{}, plan: cfg.Plan, live: cfg.Live,
		changelog: changelogTopic(cfg.Kafka.Topic, cfg.Kafka.Group), m: newGroupMetrics(reg)}
	if cfg.Live.MemoryLimit > 0 {
		// One budget for every partition's engine: --memory-limit is the
		// process's, however many partitions it owns.
		g.budget = detect.NewMemoryBudget(cfg.Live.MemoryLimit)
	}
	var names []string
	for _, s := range cfg.Sinks {
		names = append(names, s.Name())
		watch.RegisterSinkMetrics(reg, cfg.Store, s.Name())
	}
	cfg.Health.Attach(cfg.Store, names)

	topics := g.plan.Topics()
	if err := g.prepare(ctx); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	dispatcher := sink.NewDispatcher(cfg.Store, cfg.Sinks, sink.DispatcherOptions{Logger: cfg.Logger})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := dispatcher.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("dispatcher", "err", err)
		}
	}()
	defer wg.Wait()

	opts := append(cfg.Kafka.clientOpts(),
		kgo.ConsumerGroup(cfg.Kafka.Group), kgo.ConsumeTopics(topics...),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		// No rebalance between a poll and the commit of what it read: a
		// member commits for the partitions it read, then lets them go.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) { g.hurry.Store(true) }),
		kgo.SessionTimeout(cfg.Kafka.SessionTimeout), kgo.HeartbeatInterval(min(cfg.Kafka.SessionTimeout/6, 3*time.Second)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Each commit is a transaction: the changelog records of the
		// state and the offsets it is at, together or not at all. The
		// group fences a member it has given up on (a zombie: paused past
		// its session), so it cannot overwrite its successor's state.
		kgo.TransactionalID(transactionalID(cfg.Kafka.Group, cfg.Kafka.InstanceID, cfg.Store.Path())),
		kgo.TransactionTimeout(cfg.Kafka.SessionTimeout),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// The transactions' markers take offsets too: seeing them moves a
		// partition's position past them, so that its lag reaches 0.
		kgo.KeepControlRecords(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression(), kgo.NoCompression()),
		kgo.AdjustFetchOffsetsFn(g.assigned),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) { g.owned(false) }),
		kgo.OnPartitionsRevoked(g.revoked),
		kgo.OnPartitionsLost(g.lost),
	)
	if cfg.Kafka.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.Kafka.InstanceID))
	}
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return err
	}
	g.sess, g.cl = sess, sess.Client()
	g.log.Info("joining the consumer group", "group", cfg.Kafka.Group, "topics", topics, "changelog", g.changelog,
		"rules", len(g.plan.Main), "repartitioned", len(g.plan.Routes))
	err = g.loop(ctx)
	if err == nil {
		// A last commit of what was read, then leave: the partitions go
		// to the other members with nothing to read again.
		g.mu.Lock()
		err = g.commitNow(ctx)
		g.mu.Unlock()
	}
	sess.CloseAllowingRebalance()
	stop()
	return err
}

// transactionalID is the member's transactional id: the same for the same
// member (its instance id, or its host and state file) so that a restart
// fences the transaction its previous run left open at once, instead of
// after the transaction timeout.
func transactionalID(group, instance, statePath string) string {
	who := instance
	if who == "" {
		host, _ := os.Hostname()
		abs, _ := filepath.Abs(statePath)
		sum := sha256.Sum256([]byte(host + "\x00" + abs))
		who = hex.EncodeToString(sum[:6])
	}
	return "trailql-" + group + "-" + who
}

// prepare waits for the events topic (ingest creates it), checks the
// repartition topics (ingest must be given the same rules) and creates the
// changelog topic.
func (g *group) prepare(ctx context.Context) error {
	cl, err := kgo.NewClient(g.cfg.Kafka.clientOpts()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for warned := false; ; {
		md, err := adm.ListTopics(ctx, g.cfg.Kafka.Topic)
		if err == nil {
			if td, ok := md[g.cfg.Kafka.Topic]; ok && td.Err == nil && len(td.Partitions) > 0 {
				g.nparts = len(td.Partitions)
				break
			}
		}
		if !warned {
			g.log.Warn("waiting for the events topic: trailql ingest creates it", "topic", g.cfg.Kafka.Topic, "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	for _, r := range g.plan.Routes {
		n, err := partitionCount(ctx, adm, r.Topic)
		if err != nil {
			return fmt.Errorf("%w: rule %q groups by other keys than the ARN and reads topic %s, which trailql ingest fills when given the same rules (--rules ...): %v",
				ErrRouteTopic, r.Rule.Rule.Name, r.Topic, err)
		}
		if int(n) != g.nparts {
			return fmt.Errorf("topic %s has %d partitions, %s %d", r.Topic, n, g.cfg.Kafka.Topic, g.nparts)
		}
		if why := r.Why(); why != "" {
			g.log.Info("rule repartitioned", "rule", r.Rule.Rule.Name, "topic", r.Topic, "keys", r.Keys, "note", why)
		} else {
			g.log.Info("rule repartitioned", "rule", r.Rule.Rule.Name, "topic", r.Topic, "keys", r.Keys)
		}
	}
	compact := "compact"
	n, err := ensureTopic(ctx, adm, g.changelog, int32(g.nparts), map[string]*string{"cleanup.policy": &compact})
	if err != nil {
		return err
	}
	if int(n) != g.nparts {
		return fmt.Errorf("changelog topic %s has %d partitions, %s %d", g.changelog, n, g.cfg.Kafka.Topic, g.nparts)
	}
	return nil
}

// loop polls and processes until ctx is done or a failure.
func (g *group) loop(ctx context.Context) error {
	lastCommit := time.Now()
	for {
		pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		fs := g.sess.PollRecords(pctx, 5000)
		cancel()
		if fs.IsClientClosed() {
			return nil
		}
		// What a poll returned is processed even when stopping: the
		// last commit commits the offsets of every record polled.
		g.mu.Lock()
		err := g.fatal
		if err == nil {
			err = g.process(fs)
		}
		if err == nil && (time.Since(lastCommit) >= g.cfg.CommitEvery || g.hurry.Swap(false)) {
			g.idle()
			err = g.commitNow(ctx)
			lastCommit = time.Now()
		}
		g.mu.Unlock()
		if err != nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-g.cfg.Reload:
			g.reload(ctx)
		default:
		}
		g.sess.AllowRebalance()
	}
}

// process feeds each partition's records to its engine.
func (g *group) process(fs kgo.Fetches) error {
	var err error
	fs.EachError(func(t string, p int32, e error) {
		if errors.Is(e, context.DeadlineExceeded) || errors.Is(e, context.Canceled) {
			return
		}
		g.log.Warn("kafka: fetch", "topic", t, "partition", p, "err", e)
	})
	fs.EachPartition(func(fp kgo.FetchTopicPartition) {
		if err != nil || len(fp.Records) == 0 {
			return
		}
		pt := g.parts[tp{fp.Topic, fp.Partition}]
		if pt == nil {
			return // not ours (any more): never committed here
		}
		for _, r := range fp.Records {
			if r.Offset < pt.next {
				continue // before the state's offset (a restore moved the start)
			}
			if r.Attrs.IsControl() {
				// A commit or abort marker: nothing to read.
			} else if string(r.Key) == string(watermarkKey) {
				if ms, perr := strconv.ParseInt(header(r, HeaderWatermark), 10, 64); perr == nil {
					pt.live.Advance(time.UnixMilli(ms))
				}
			} else {
				g.m.events.Inc()
				perr := pt.live.Process(r.Value)
				var bad *detect.RecordError
				if errors.As(perr, &bad) {
					g.m.skipped.Inc()
					g.log.Warn("skipped record", "topic", fp.Topic, "partition", fp.Partition, "offset", r.Offset, "err", perr)
				} else if perr != nil {
					err = fmt.Errorf("%s offset %d: %w", pt.tp, r.Offset, perr)
					return
				}
			}
			pt.next, pt.epoch, pt.dirty, pt.last = r.Offset+1, r.LeaderEpoch, true, time.Now()
		}
		g.m.lag.WithLabelValues(fp.Topic, strconv.Itoa(int(fp.Partition))).Set(float64(max(fp.HighWatermark-pt.next, 0)))
	})
	return err
}

// idle lets the wall clock move the scheduled rules of partitions with
// nothing new for a tick (watch does so between objects), so that a
// scheduled run is executed on time however quiet the partition.
func (g *group) idle() {
	for _, pt := range g.parts {
		if pt.sched && time.Since(pt.last) >= g.cfg.Tick {
			pt.dirty = true
			pt.last = time.Now()
			pt.idleFlush = true
		}
	}
}

// commit commits the partitions read since the last commit, in this
// order: the engines evaluate, and their changed state goes to the
// changelog in one transaction with the offsets read (TxnOffsetCommit);
// once it committed, the state, the alerts raised or updated and the
// offset go to the store in one transaction. A crash before the
// transaction commits leaves the last commit's state and offsets for the
// next owner; a crash after it, a store behind the changelog, which the
// next owner (this member again, or another) restores from, sending its
// alerts again. A transaction the group aborts (a rebalance, a member it
// gave up on) leaves nothing: the partitions go back to their committed
// state and offsets and are read again.
func (g *group) commit(ctx context.Context) error {
	type pending struct {
		pt     *partition
		alerts []detect.LiveAlert
		cw     *changeWriter
	}
	var todo []pending
	var recs []*kgo.Record
	for _, pt := range g.parts {
		if !pt.dirty {
			continue
		}
		flush := pt.live.Flush
		if pt.idleFlush {
			flush = pt.live.FlushIdle
			pt.idleFlush = false
		}
		alerts, err := flush()
		if err != nil {
			return fmt.Errorf("%s: %w", pt.tp, err)
		}
		cw := &changeWriter{blobs: map[string][]byte{}}
		if err := pt.live.Checkpoint(cw); err != nil {
			return fmt.Errorf("%s: %w", pt.tp, err)
		}
		cw.PutBlob(nextKey, []byte(strconv.FormatInt(pt.next, 10)))
		recs = append(recs, changelogRecords(g.changelog, pt.topic, pt.p, cw.blobs, cw.order)...)
		todo = append(todo, pending{pt, alerts, cw})
	}
	if len(todo) == 0 {
		return nil
	}
	// The transaction's own time: evaluating may take long (a backlog, a
	// window read back from the store), writing must not wait for it.
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	if err := g.sess.Begin(); err != nil {
		return fmt.Errorf("kafka: beginning a transaction: %w", err)
	}
	perr := g.cl.ProduceSync(ctx, recs...).FirstErr()
	try := kgo.TryCommit
	if perr != nil {
		try = kgo.TryAbort
	}
	committed, err := g.sess.End(ctx, try)
	switch {
	case perr != nil:
		return fmt.Errorf("writing the changelog %s: %w", g.changelog, perr)
	case err != nil:
		return fmt.Errorf("kafka: ending a transaction: %w", err)
	case !committed:
		// The group rebalanced or gave up on this member: what was read
		// since the last commit is read again, from the committed state.
		g.m.aborts.Inc()
		offsets := map[string]map[int32]kgo.EpochOffset{}
		for _, c := range todo {
			if g.parts[c.pt.tp] != c.pt {
				continue // revoked or lost meanwhile
			}
			if err := g.restore(c.pt, false); err != nil {
				return err
			}
			c.pt.dirty = false
			if offsets[c.pt.topic] == nil {
				offsets[c.pt.topic] = map[int32]kgo.EpochOffset{}
			}
			offsets[c.pt.topic][c.pt.p] = kgo.EpochOffset{Epoch: -1, Offset: c.pt.next}
		}
		g.cl.SetOffsets(offsets)
		g.log.Info("kafka: commit aborted (a rebalance): reading again from the committed offsets", "partitions", len(offsets))
		return nil
	}
	g.m.commits.Inc()
	for _, c := range todo {
		pt := c.pt
		err := g.cfg.Store.Batch(func(tx *state.Tx) error {
			for _, k := range c.cw.order {
				var err error
				if b := c.cw.blobs[k]; b == nil {
					err = tx.DeleteBlob(pt.ns, k)
				} else {
					err = tx.PutBlob(pt.ns, k, b)
				}
				if err != nil {
					return err
				}
			}
			for _, a := range c.alerts {
				if pt.route != nil && !pt.route.Owns(a.Alert, pt.p, g.nparts) {
					continue
				}
				if err := g.upsert(tx, a.Alert.ID, a.Doc, a.Rule.Name); err != nil {
					return err
				}
			}
			return nil
		})
		g.cfg.Health.Commit(err)
		if err != nil {
			// The changelog has the state: a restart restores it from
			// there and sends its alerts again.
			return fmt.Errorf("%s: committing the state: %w", pt.tp, err)
		}
		g.cfg.Health.Object("kafka://"+pt.topic, nil, pt.live.Newest())
		pt.dirty = false
		g.m.buckets.WithLabelValues(pt.topic, strconv.Itoa(int(pt.p))).Set(float64(pt.live.OpenBuckets()))
	}
	return nil
}

// commitTimeout bounds a commit's Kafka transaction.
const commitTimeout = 30 * time.Second

// commitNow commits, not cancelled with ctx: a transaction left half-way
// by a shutdown would hold the partitions' offsets until it timed out.
func (g *group) commitNow(ctx context.Context) error {
	return g.commit(context.WithoutCancel(ctx))
}

// upsert records an alert version for the sinks.
func (g *group) upsert(tx *state.Tx, id string, doc any, rule string) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	changed, err := tx.Upsert(id, b)
	if err == nil && changed {
		g.m.alerts.WithLabelValues(rule).Inc()
	}
	return err
}

// assigned is the group's AdjustFetchOffsetsFn: for each partition newly
// assigned, it restores the engine and says where to read from, the offset
// its state is at.
func (g *group) assigned(ctx context.Context, m map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var fromChangelog []tp
	committed := map[tp]int64{}
	for t, ps := range m {
		for p, o := range ps {
			k := tp{t, p}
			committed[k] = o.EpochOffset().Offset
			pt, err := g.newPartition(k)
			if err != nil {
				g.fatal = err
				return nil, err
			}
			// The fast path: this member's own state of the partition,
			// at the offset the group has (it left this member and
			// nobody read it since, or a restart with the same store).
			if next, ok, err := g.localNext(pt.ns); err == nil && ok && next == committed[k] && next >= 0 {
				if err := g.restore(pt, false); err != nil {
					g.fatal = err
					return nil, err
				}
				g.drop(k)
				g.parts[k] = pt
				ps[p] = kgo.NewOffset().At(next)
				g.m.restores.WithLabelValues("local").Inc()
				g.log.Info("kafka: partition assigned", "partition", k, "from", next, "state", "local")
				continue
			}
			fromChangelog = append(fromChangelog, k)
		}
	}
	if len(fromChangelog) == 0 {
		g.owned(false)
		return m, nil
	}
	var nums []int32
	for _, k := range fromChangelog {
		if !slices.Contains(nums, k.p) {
			nums = append(nums, k.p)
		}
	}
	blobs, err := readChangelog(ctx, g.cfg.Kafka, g.changelog, nums)
	if err != nil {
		g.fatal = err
		return nil, err
	}
	for _, k := range fromChangelog {
		pt, _ := g.newPartition(k)
		mine := map[string][]byte{}
		prefix := k.topic + "/"
		for key, b := range blobs[k.p] {
			if len(key) > len(prefix) && key[:len(prefix)] == prefix {
				mine[key[len(prefix):]] = b
			}
		}
		// The store gets the changelog's state, replacing its own.
		err := g.cfg.Store.Batch(func(tx *state.Tx) error {
			old, err := tx.GetBlobs(pt.ns)
			if err != nil {
				return err
			}
			for key := range old {
				if err := tx.DeleteBlob(pt.ns, key); err != nil {
					return err
				}
			}
			for key, b := range mine {
				if err := tx.PutBlob(pt.ns, key, b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			g.fatal = err
			return nil, err
		}
		next, ok := int64(-1), false
		if b, has := mine[nextKey]; has {
			next, err = strconv.ParseInt(string(b), 10, 64)
			ok = err == nil
		}
		if err := g.restore(pt, ok); err != nil {
			g.fatal = err
			return nil, err
		}
		g.drop(k)
		g.parts[k] = pt
		switch {
		case ok:
			m[k.topic][k.p] = kgo.NewOffset().At(next)
			g.m.restores.WithLabelValues("changelog").Inc()
			if c := committed[k]; c > next {
				g.log.Warn("kafka: the changelog is behind the group's offset: reading again from the state's", "partition", k, "state", next, "committed", c)
			}
		default:
			if committed[k] > 0 {
				g.log.Warn("kafka: a committed offset but no state in the changelog: reading the partition from its start", "partition", k, "committed", committed[k])
			}
			m[k.topic][k.p] = kgo.NewOffset().AtStart()
			g.m.restores.WithLabelValues("empty").Inc()
		}
		if ok {
			g.log.Info("kafka: partition assigned", "partition", k, "from", next, "state", "changelog")
		} else {
			g.log.Info("kafka: partition assigned", "partition", k, "from", "start", "state", "none")
		}
	}
	g.owned(false)
	return m, nil
}

// newPartition makes the (not yet restored) partition k.
func (g *group) newPartition(k tp) (*partition, error) {
	pt := &partition{tp: k, ns: "kafka/" + k.topic + "/" + strconv.Itoa(int(k.p)), route: g.plan.Route(k.topic), last: time.Now()}
	if g.plan.Rules(k.topic) == nil {
		return nil, fmt.Errorf("kafka: assigned %s, a topic no rule reads", k)
	}
	return pt, nil
}

// localNext reads the offset of the state in the store.
func (g *group) localNext(ns string) (int64, bool, error) {
	b, ok, err := g.cfg.Store.GetBlob(ns, nextKey)
	if err != nil || !ok {
		return 0, false, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil, err
}

// restore builds pt's engine from its state in the store. When the state
// came from another member (resend), every alert it holds is upserted:
// the old owner may have died before its sinks had them.
func (g *group) restore(pt *partition, resend bool) error {
	rules := g.plan.Rules(pt.topic)
	opts := g.live
	r := nsReader{g.cfg.Store, pt.ns}
	opts.State, opts.Budget = r, g.budget
	l, err := detect.NewLive(rules, opts)
	if err != nil {
		return err
	}
	if err := l.Restore(r); err != nil {
		l.Release()
		return fmt.Errorf("%s: %w", pt.tp, err)
	}
	if pt.live != nil {
		pt.live.Release()
	}
	pt.live, pt.sched = l, len(l.Scheduled()) > 0
	// The state is at its offset; no state is at the partition's start.
	pt.next = 0
	if next, ok, err := g.localNext(pt.ns); err != nil {
		return err
	} else if ok {
		pt.next = next
	}
	if !resend {
		return nil
	}
	alerts := l.Alerts()
	err = g.cfg.Store.Batch(func(tx *state.Tx) error {
		for _, a := range alerts {
			if pt.route != nil && !pt.route.Owns(a, pt.p, g.nparts) {
				continue
			}
			if err := g.upsert(tx, a.ID, a.Doc, a.Rule.Name); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// revoked forgets the partitions the group takes away. What was read of
// them since the last commit (which the loop makes just before it lets a
// rebalance happen) is read again by their next owner; their state stays
// in the store: if one comes back with nothing read by another member
// since, it goes on from there.
func (g *group) revoked(_ context.Context, _ *kgo.Client, r map[string][]int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var gone []string
	for t, ps := range r {
		for _, p := range ps {
			g.drop(tp{t, p})
			gone = append(gone, tp{t, p}.String())
		}
	}
	if len(gone) == 0 {
		return
	}
	slices.Sort(gone)
	g.log.Info("kafka: partitions revoked", "partitions", fmt.Sprint(gone))
	g.owned(false)
}

// drop forgets partition k: its engine's rows leave the budget.
func (g *group) drop(k tp) {
	if pt := g.parts[k]; pt != nil && pt.live != nil {
		pt.live.Release()
	}
	delete(g.parts, k)
	g.m.lag.DeleteLabelValues(k.topic, strconv.Itoa(int(k.p)))
	g.m.buckets.DeleteLabelValues(k.topic, strconv.Itoa(int(k.p)))
}

// lost forgets partitions the member lost (a session timeout): nothing is
// committed, since another member owns them now.
func (g *group) lost(_ context.Context, _ *kgo.Client, l map[string][]int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for t, ps := range l {
		for _, p := range ps {
			g.drop(tp{t, p})
		}
	}
	g.log.Warn("kafka: lost the group's partitions (session timeout?); the group gives them to other members")
	g.owned(true)
}

// owned updates the ownership metrics and the member's standing.
func (g *group) owned(lost bool) {
	g.m.owned.Reset()
	for k := range g.parts {
		g.m.owned.WithLabelValues(k.topic, strconv.Itoa(int(k.p))).Set(1)
	}
	g.m.lostGauge.Set(0)
	if lost {
		g.m.lostGauge.Set(1)
	}
	g.cfg.Member.set(lost, len(g.parts))
}

// reload swaps in the rules LoadRules gives: each engine is rebuilt from
// its committed state (committed first). Rules that need other topics
// than the running ones need a restart.
func (g *group) reload(ctx context.Context) {
	for _, s := range g.cfg.Sinks {
		if r, ok := s.(sink.Reopener); ok {
			if err := r.Reopen(); err != nil {
				g.log.Error("reopening a sink failed", "sink", s.Name(), "err", err)
			}
		}
	}
	if g.cfg.LoadRules == nil {
		return
	}
	rules, opts, err := g.cfg.LoadRules()
	if err != nil {
		g.log.Error("reload failed; the running rules stay", "err", err)
		return
	}
	plan, err := NewPlan(g.cfg.Kafka.Topic, rules)
	if err != nil {
		g.log.Error("reload failed; the running rules stay", "err", err)
		return
	}
	if !slices.Equal(plan.Topics(), g.plan.Topics()) {
		g.log.Error("reload failed: the new rules read other topics (restart trailql, and give ingest the same rules); the running rules stay",
			"topics", plan.Topics(), "running", g.plan.Topics())
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.commitNow(ctx); err != nil {
		g.log.Error("reload failed; the running rules stay", "err", err)
		return
	}
	oldPlan, oldOpts := g.plan, g.live
	g.plan, g.live = plan, opts
	for _, pt := range g.parts {
		pt.route = plan.Route(pt.topic)
		if err := g.restore(pt, false); err != nil {
			g.plan, g.live = oldPlan, oldOpts
			for _, pt := range g.parts {
				pt.route = oldPlan.Route(pt.topic)
				if rerr := g.restore(pt, false); rerr != nil {
					g.fatal = rerr
				}
			}
			g.log.Error("reload failed; the running rules stay", "err", err)
			return
		}
	}
	g.log.Info("reloaded", "rules", len(rules))
}

// nsReader reads a partition's committed state.
type nsReader struct {
	s  *state.Store
	ns string
}

func (r nsReader) GetBlob(key string) ([]byte, bool, error) { return r.s.GetBlob(r.ns, key) }

// changeWriter takes a checkpoint in memory: for the changelog, then,
// once that committed, for the store.
type changeWriter struct {
	blobs map[string][]byte // nil: deleted
	order []string
}

func (w *changeWriter) PutBlob(key string, b []byte) error {
	if b == nil {
		b = []byte{}
	}
	w.note(key, b)
	return nil
}

func (w *changeWriter) DeleteBlob(key string) error {
	w.note(key, nil)
	return nil
}

func (w *changeWriter) note(key string, b []byte) {
	if _, ok := w.blobs[key]; !ok {
		w.order = append(w.order, key)
	}
	w.blobs[key] = b
}

// groupMetrics are a member's Prometheus metrics.
type groupMetrics struct {
	events, skipped, commits, aborts prometheus.Counter
	alerts, restores                 *prometheus.CounterVec
	owned, lag, buckets              *prometheus.GaugeVec
	lostGauge                        prometheus.Gauge
}

func newGroupMetrics(reg *prometheus.Registry) *groupMetrics {
	m := &groupMetrics{
		events:    prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_events_read_total", Help: "CloudTrail records read."}),
		skipped:   prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_records_skipped_total", Help: "Records skipped as bad input."}),
		commits:   prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_kafka_commits_total", Help: "Commits of what was read (one transaction: the state to the changelog and the offsets)."}),
		aborts:    prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_kafka_commits_aborted_total", Help: "Commits the group aborted (a rebalance, a member it gave up on): what they covered is read again."}),
		alerts:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trailql_alerts_total", Help: "Alerts raised or updated, by rule."}, []string{"rule"}),
		restores:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trailql_kafka_partition_restores_total", Help: "Partitions assigned, by where their state came from: local (this member's store), changelog, empty (no state yet)."}, []string{"from"}),
		owned:     prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "trailql_kafka_partition_owned", Help: "1 for each partition this member owns."}, []string{"topic", "partition"}),
		lag:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "trailql_kafka_consumer_lag", Help: "Records of an owned partition not yet read (high watermark minus the next offset)."}, []string{"topic", "partition"}),
		buckets:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "trailql_open_buckets", Help: "Time windows held (open, or kept for late events), per owned partition."}, []string{"topic", "partition"}),
		lostGauge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_kafka_group_lost", Help: "1 while this member has lost its consumer group (session timeout) and has no partitions back."}),
	}
	reg.MustRegister(m.events, m.skipped, m.commits, m.aborts, m.alerts, m.restores, m.owned, m.lag, m.buckets, m.lostGauge)
	return m
}
