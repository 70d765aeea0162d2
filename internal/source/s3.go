package source

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Source polls a bucket that CloudTrail delivers to. It discovers the
// accounts and regions below the prefix (its leaves) and lists each with its
// own checkpoint (the greatest key up to which every object is done), so a
// new account or region is picked up and one busy or failing region does
// not hold back the others' resumption points; the listings are merged so
// that what they hold is handed on in delivery-time order (readLeaves).
type s3Source struct {
	spec, bucket, prefix string
	opts                 Options
	client               *s3.Client // set by Run (or by tests)

	leaves     []leaf
	discovered time.Time
	state      map[string]*leafState // by checkpoint name
	start      time.Time             // where a leaf without a checkpoint starts (resolveStart)

	semOnce sync.Once
	sem     chan struct{} // listing slots (s3parallel.go)
}

// leafState is what the source remembers of one listing during a run.
type leafState struct {
	loaded bool
	cp     string          // checkpoint: the greatest key up to which all are done
	done   map[string]bool // keys processed or found done, at or after the listing start
}

func newS3Source(spec string, opts Options) (*s3Source, error) {
	bucket, prefix, err := parseS3(spec)
	if err != nil {
		return nil, err
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Minute
	}
	return &s3Source{spec: spec, bucket: bucket, prefix: prefix, opts: opts, state: map[string]*leafState{}}, nil
}

// parseS3 splits "s3://bucket/prefix"; a non-empty prefix is taken as a
// folder ("AWSLogs" means "AWSLogs/").
func parseS3(spec string) (bucket, prefix string, err error) {
	rest := spec[len("s3://"):]
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("source %q: no bucket name", spec)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// Run lists the bucket every PollInterval until ctx is done.
func (s *s3Source) Run(ctx context.Context, fn func(context.Context, Object) error) error {
	if s.client == nil {
		cfg, err := loadAWS(ctx, s.opts, s.opts.Region)
		if err != nil {
			return fmt.Errorf("source %s: %w", s.spec, err)
		}
		s.client = newS3Client(cfg, s.opts)
	}
	first := true
	for {
		if err := s.poll(ctx, fn, first); err != nil {
			return stopped(ctx, err)
		}
		first = false
		if s.opts.Once {
			return nil
		}
		if !sleep(ctx, s.opts.PollInterval) {
			return ctx.Err()
		}
	}
}

// poll discovers the layout when due, then reads what is new in each leaf.
// A failed first discovery is fatal (a wrong bucket or missing permission
// should stop `watch` at once); later failures are logged and retried.
func (s *s3Source) poll(ctx context.Context, fn func(context.Context, Object) error, first bool) error {
	if first || time.Since(s.discovered) >= 10*s.opts.PollInterval {
		leaves, err := s.discover(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil && first:
			return fmt.Errorf("source %s: %w", s.spec, err)
		case err != nil:
			s.opts.Logger.Warn("watch: S3 discovery failed; will retry", "source", s.spec, "err", err)
		default:
			s.leaves, s.discovered = leaves, time.Now()
		}
	}
	if first {
		if err := s.resolveStart(); err != nil {
			return err
		}
	}
	return s.readLeaves(ctx, fn)
}

// discover walks the layout below the prefix with delimiter listings.
func (s *s3Source) discover(ctx context.Context) ([]leaf, error) {
	lv, l := levelOf(s.prefix)
	var out []leaf
	if err := s.walk(ctx, lv, l, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 && lv == lvRoot {
		// No AWSLogs/ below: a bucket of copied logs, say. One listing of
		// everything, in key order, is the best that can be done.
		any, err := s.hasKeys(ctx, s.prefix)
		if err != nil {
			return nil, err
		}
		if any {
			msg := "watch: no AWSLogs/ layout below the prefix; listing it as one"
			if !s.opts.AnyKey {
				// Listed all the same, so that each key is counted as
				// skipped; this line says why the source reads nothing.
				msg = "watch: no AWSLogs/ layout below the prefix; its keys are skipped (give --any-key to read them)"
			}
			s.opts.Logger.Warn(msg, "source", s.spec)
			out = append(out, leaf{prefix: s.prefix})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].prefix < out[j].prefix })
	return out, nil
}

func (s *s3Source) walk(ctx context.Context, lv level, l leaf, out *[]leaf) error {
	if lv == lvRegion || lv == lvUnknown {
		*out = append(*out, l)
		return nil
	}
	children, err := s.children(ctx, l.prefix)
	if err != nil {
		return err
	}
	var subs []*subwalk
	for _, c := range children {
		if lv == lvRoot && c != "AWSLogs" {
			continue // the user's prefix must reach the trail's own prefix
		}
		cl := l
		cl.prefix = l.prefix + c + "/"
		next, ok := descend(lv, c, &cl)
		if !ok {
			continue
		}
		subs = append(subs, &subwalk{lv: next, l: cl})
	}
	return s.walkAll(ctx, subs, out)
}

// children lists the "folders" directly below prefix.
func (s *s3Source) children(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := s.listing(ctx, p.NextPage)
		if err != nil {
			return nil, err
		}
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if name != "" {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

func (s *s3Source) hasKeys(ctx context.Context, prefix string) (bool, error) {
	page, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return false, err
	}
	return len(page.Contents) > 0, nil
}

// readLeaves lists every leaf from its start key and hands on the objects
// not yet done in delivery-time order across all leaves (the time in the
// key names, then the key): a backlog (a fresh state on a bucket with
// history, a restart after an outage) then comes in the order its events
// happened, across accounts and regions, as detect reads a tree, instead of
// one region's whole backlog before the next region's.
//
// S3 lists a leaf's keys in name order, which below an account and region
// is delivery-time order (YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_...),
// so the leaves' listings are merged as they are paged (a k-way merge on a
// heap of their heads): memory holds one page per leaf, not the backlog. A
// leaf outside the layout lists in key order and is merged by its head's
// time as it comes; its own keys are not re-sorted.
//
// A leaf stops at its first callback error, for this poll: its checkpoint
// then never passes an object not done, since a leaf's objects are handed on
// in key order and the checkpoint is the last of them done. The other leaves
// go on (one object failing, a sink refusing a record, should not hold back
// every account), and the next poll lists the failed object again, since
// its leaf's listing starts at or before the checkpoint. A listing error drops its leaf from this poll. A fatal error
// ends the poll at once; every checkpoint is then at a key up to which all
// is done, and a restart reads the rest.
func (s *s3Source) readLeaves(ctx context.Context, fn func(context.Context, Object) error) error {
	var h cursorHeap
	cursors := make([]*leafCursor, 0, len(s.leaves))
	for _, l := range s.leaves {
		c, err := s.openLeaf(l)
		if err != nil {
			return err
		}
		cursors = append(cursors, c)
	}
	s.firstPages(ctx, cursors)
	for _, c := range cursors {
		if err := s.advance(ctx, c); err != nil {
			return err
		}
		if c.head() != nil {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := h[0]
		o := c.pop()
		if err := s.hand(ctx, c, o, fn); err != nil {
			if isFatal(ctx, err) {
				return err
			}
			s.opts.Logger.Warn("watch: object failed; will retry", "key", "s3://"+s.bucket+"/"+aws.ToString(o.Key), "err", err)
			c.stop()
		} else if err := s.advance(ctx, c); err != nil {
			return err
		}
		if c.head() == nil {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return nil
}

// advance lists a leaf's next page when its buffer is empty; a listing
// error other than a fatal one stops the leaf for this poll.
func (s *s3Source) advance(ctx context.Context, c *leafCursor) error {
	err := c.fill(ctx)
	switch {
	case err == nil:
		return nil
	case isFatal(ctx, err):
		return err
	}
	s.opts.Logger.Warn("watch: S3 listing failed; will retry", "source", s.spec, "prefix", c.leaf.prefix, "err", err)
	if s.opts.OnListError != nil {
		s.opts.OnListError(c.name, err)
	}
	c.stop()
	return nil
}

// cursorHeap orders leaves by their next object (container/heap).
type cursorHeap []*leafCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].before(h[j]) }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*leafCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// hand gives one listed object to fn unless it is done, then records it
// done and advances the leaf's checkpoint.
func (s *s3Source) hand(ctx context.Context, c *leafCursor, o types.Object, fn func(context.Context, Object) error) error {
	key := aws.ToString(o.Key)
	st := c.st
	obj := s.object(key, aws.ToInt64(o.Size))
	done, err := s.opts.Checkpoints.Done(s.spec, obj.Key)
	if err != nil {
		return Fatal(fmt.Errorf("checkpoints: %w", err))
	}
	if !done {
		if err := fn(ctx, obj); err != nil {
			return err
		}
	}
	st.done[key] = true
	if key > st.cp {
		if err := s.opts.Checkpoints.SetCheckpoint(c.name, key); err != nil {
			return Fatal(fmt.Errorf("checkpoints: %w", err))
		}
		st.cp = key
	}
	return nil
}

// leafCursor pages through one leaf's listing.
type leafCursor struct {
	opts    Options
	bucket  string
	leaf    leaf
	name    string // s3://bucket/prefix: the checkpoint's name
	st      *leafState
	start   string
	pages   *s3.ListObjectsV2Paginator
	buf     []types.Object // listed, not yet handed on
	ended   bool           // no page after this one can hold a key wanted (Options.Until)
	first   *listedPage    // the first page, listed ahead (firstPages); nil once taken
	headAt  time.Time      // delivery time in buf[0]'s key
	headOK  bool           // buf[0]'s key has one
	stopped bool
}

// openLeaf prepares a leaf's listing from its checkpoint.
func (s *s3Source) openLeaf(l leaf) (*leafCursor, error) {
	name := "s3://" + s.bucket + "/" + l.prefix
	st := s.state[name]
	if st == nil {
		st = &leafState{done: map[string]bool{}}
		s.state[name] = st
	}
	if !st.loaded {
		cp, err := s.opts.Checkpoints.Checkpoint(name)
		if err != nil {
			return nil, Fatal(fmt.Errorf("checkpoints: %w", err))
		}
		st.cp, st.loaded = cp, true
	}
	start := s.startAfter(l, st.cp)
	for k := range st.done { // forget what the listing no longer reaches
		if k <= start {
			delete(st.done, k)
		}
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(l.prefix)}
	if start != "" {
		in.StartAfter = aws.String(start)
	}
	return &leafCursor{opts: s.opts, bucket: s.bucket, leaf: l, name: name, st: st, start: start, pages: s3.NewListObjectsV2Paginator(s.client, in)}, nil
}

// fill lists the next page when the buffer is empty, keeping the objects
// to hand on (not before the start, not folders, digests or done).
func (c *leafCursor) fill(ctx context.Context) error {
	for !c.stopped && !c.ended && len(c.buf) == 0 && (c.first != nil || c.pages.HasMorePages()) {
		page, err := c.nextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if key <= c.start || strings.HasSuffix(key, "/") || isDigestKey(key) || c.st.done[key] {
				continue
			}
			if c.pastUntil(key) {
				c.ended = true // the keys after it are later still
				break
			}
			if !c.opts.wantKey("s3://"+c.bucket+"/"+key, key) {
				c.st.done[key] = true // counted once, not at every poll
				continue
			}
			c.buf = append(c.buf, o)
		}
		c.setHead()
	}
	return nil
}

func (c *leafCursor) head() *types.Object {
	if c.stopped || len(c.buf) == 0 {
		return nil
	}
	return &c.buf[0]
}

func (c *leafCursor) pop() types.Object {
	o := c.buf[0]
	c.buf = c.buf[1:]
	c.setHead()
	return o
}

func (c *leafCursor) setHead() {
	c.headAt, c.headOK = time.Time{}, false
	if len(c.buf) > 0 {
		c.headAt, c.headOK = keyTime(aws.ToString(c.buf[0].Key))
	}
}

// before orders leaf heads by delivery time, then key; a key without a time
// comes first, as detect reads files without one first.
func (c *leafCursor) before(d *leafCursor) bool {
	if n := deliveryCmp(c.headAt, c.headOK, d.headAt, d.headOK); n != 0 {
		return n < 0
	}
	return aws.ToString(c.buf[0].Key) < aws.ToString(d.buf[0].Key)
}

// stop ends the leaf's listing for this poll.
func (c *leafCursor) stop() { c.stopped = true }

// startAfter is where a leaf's listing starts: Lookback before the
// checkpoint (late deliveries sort before it), the checkpoint itself when
// key names carry no time, or the source's first start (resolveStart) for a
// leaf never read; never before Since.
func (s *s3Source) startAfter(l leaf, cp string) string {
	if cp == "" {
		if s.start.IsZero() {
			return ""
		}
		return l.startKey(s.start)
	}
	since := ""
	if !s.opts.Since.IsZero() {
		since = l.startKey(s.opts.Since)
	}
	start := cp
	if t, ok := keyTime(cp); ok && s.opts.Lookback > 0 {
		if k := l.startKey(t.Add(-s.opts.Lookback)); k != "" && k < cp {
			start = k
		}
	}
	return max(start, since) // never look back before Since
}

// object describes one S3 object; Open fetches it as stored.
func (s *s3Source) object(key string, size int64) Object {
	return s3Object(s.client, s.spec, s.bucket, key, size)
}

func s3Object(c *s3.Client, spec, bucket, key string, size int64) Object {
	return Object{
		Source: spec,
		Key:    "s3://" + bucket + "/" + key,
		Size:   size,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
			}
			return out.Body, nil
		},
	}
}
