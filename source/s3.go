package source

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Source polls a bucket that CloudTrail delivers to. It discovers the
// accounts and regions below the prefix and lists each with its own
// checkpoint (the last key read), so a new account or region is picked up
// and one busy region does not hold back the others' resumption points.
type s3Source struct {
	spec, bucket, prefix string
	opts                 Options
	client               *s3.Client // set by Run (or by tests)

	leaves     []leaf
	discovered time.Time
	state      map[string]*leafState // by checkpoint name
}

// leafState is what the source remembers of one listing during a run.
type leafState struct {
	loaded bool
	cp     string          // checkpoint: the greatest key processed
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
	for _, l := range s.leaves {
		if err := s.readLeaf(ctx, l, fn); err != nil {
			if isFatal(ctx, err) {
				return err
			}
			s.opts.Logger.Warn("watch: S3 listing failed; will retry", "source", s.spec, "prefix", l.prefix, "err", err)
		}
	}
	return nil
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
			s.opts.Logger.Warn("watch: no AWSLogs/ layout below the prefix; listing it as one", "source", s.spec)
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
		if err := s.walk(ctx, next, cl, out); err != nil {
			return err
		}
	}
	return nil
}

// children lists the "folders" directly below prefix.
func (s *s3Source) children(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
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

// readLeaf lists one leaf from its start key and hands on the objects not yet
// done, in key order. It stops at the first callback error so that the
// checkpoint never passes an object that failed.
func (s *s3Source) readLeaf(ctx context.Context, l leaf, fn func(context.Context, Object) error) error {
	name := "s3://" + s.bucket + "/" + l.prefix
	st := s.state[name]
	if st == nil {
		st = &leafState{done: map[string]bool{}}
		s.state[name] = st
	}
	if !st.loaded {
		cp, err := s.opts.Checkpoints.Checkpoint(name)
		if err != nil {
			return Fatal(fmt.Errorf("checkpoints: %w", err))
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
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if key <= start || strings.HasSuffix(key, "/") || isDigestKey(key) || st.done[key] {
				continue
			}
			obj := s.object(key, aws.ToInt64(o.Size))
			done, err := s.opts.Checkpoints.Done(s.spec, obj.Key)
			if err != nil {
				return Fatal(fmt.Errorf("checkpoints: %w", err))
			}
			if !done {
				if err := fn(ctx, obj); err != nil {
					if isFatal(ctx, err) {
						return err
					}
					s.opts.Logger.Warn("watch: object failed; will retry", "key", obj.Key, "err", err)
					return nil
				}
			}
			st.done[key] = true
			if key > st.cp {
				if err := s.opts.Checkpoints.SetCheckpoint(name, key); err != nil {
					return Fatal(fmt.Errorf("checkpoints: %w", err))
				}
				st.cp = key
			}
		}
	}
	return nil
}

// startAfter is where a leaf's listing starts: Lookback before the
// checkpoint (late deliveries sort before it), the checkpoint itself when
// key names carry no time, or Since for a leaf never read; never before Since.
func (s *s3Source) startAfter(l leaf, cp string) string {
	since := ""
	if !s.opts.Since.IsZero() {
		since = l.startKey(s.opts.Since)
	}
	if cp == "" {
		return since
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
