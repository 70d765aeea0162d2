package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// dirSource watches a directory tree by polling. A file is handed on once its
// size and modification time are unchanged between two scans, so a file still
// being written is not read half (a writer that pauses longer than the poll
// interval defeats this: write to a dot or .tmp name and rename instead).
type dirSource struct {
	spec string // as given: Object.Source
	root string // absolute
	opts Options

	seen map[string]fileState // not yet done: what the last scan saw
	done map[string]bool      // processed or found done in Checkpoints
}

type fileState struct {
	size  int64
	mtime time.Time
}

func newDirSource(spec string, opts Options) (*dirSource, error) {
	root, err := filepath.Abs(spec)
	if err == nil {
		// A root that is a symbolic link is walked where it points
		// (links below the root are not followed: no loops).
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", spec, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", spec, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %q: not a directory (watch reads directories, s3:// and sqs://)", spec)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	return &dirSource{spec: spec, root: root, opts: opts, seen: map[string]fileState{}, done: map[string]bool{}}, nil
}

// Run scans the tree every PollInterval until ctx is done.
func (d *dirSource) Run(ctx context.Context, fn func(context.Context, Object) error) error {
	for {
		if err := d.poll(ctx, fn); err != nil {
			return stopped(ctx, err)
		}
		if d.opts.Once {
			return nil
		}
		if !sleep(ctx, d.opts.PollInterval) {
			return ctx.Err()
		}
	}
}

type readyFile struct {
	path  string
	st    fileState
	at    time.Time // delivery time in the name
	timed bool      // the name has one
}

// poll scans once and hands on the files found stable, in delivery-time
// order.
func (d *dirSource) poll(ctx context.Context, fn func(context.Context, Object) error) error {
	var ready []readyFile
	now := map[string]fileState{}
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p != d.root {
				d.opts.Logger.Warn("watch: cannot read", "path", p, "err", err)
				return nil // a file or directory removed during the scan, or unreadable
			}
			return err
		}
		if p == d.root {
			return nil
		}
		name := e.Name()
		if isTempName(name) || isDigestKey(name) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if e.IsDir() || isDocName(name) || d.done[p] {
			return nil
		}
		fi, err := os.Stat(p) // follows a symbolic link to a file
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			return nil // an empty file is most likely about to be written
		}
		st := fileState{fi.Size(), fi.ModTime()}
		now[p] = st
		// A file is read once its size and time held over two scans (a
		// writer is done with it); once, what is there is read as it is.
		if prev, ok := d.seen[p]; !d.opts.Once && (!ok || prev != st) {
			return nil
		}
		ok, err := d.opts.Checkpoints.Done(d.spec, p)
		if err != nil {
			return Fatal(fmt.Errorf("checkpoints: %w", err))
		}
		if ok {
			d.done[p] = true
			delete(now, p)
			return nil
		}
		at, timed := keyTime(p)
		ready = append(ready, readyFile{p, st, at, timed})
		return nil
	})
	if err != nil {
		if isFatal(ctx, err) {
			return err
		}
		d.opts.Logger.Warn("watch: cannot scan directory", "dir", d.root, "err", err)
		return nil
	}
	d.seen = now
	// CloudTrail delivery files go in the order of the delivery time in
	// their names, across accounts and regions, so that a backlog comes in
	// the order its events happened; files without such a name first, as
	// detect reads them. Among those, the oldest first: a watched folder
	// receives them over time, so their modification time is the best hint
	// of their order that there is (detect, reading a tree at rest, keeps
	// their walk order). Ties keep the walk order (by name), as detect.
	slices.SortStableFunc(ready, func(a, b readyFile) int {
		if c := deliveryCmp(a.at, a.timed, b.at, b.timed); c != 0 || a.timed {
			return c
		}
		return a.st.mtime.Compare(b.st.mtime)
	})
	for _, f := range ready {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := f.path
		obj := Object{Source: d.spec, Key: p, Size: f.st.size, Open: func(context.Context) (io.ReadCloser, error) {
			return os.Open(p)
		}}
		if err := fn(ctx, obj); err != nil {
			if isFatal(ctx, err) {
				return err
			}
			d.opts.Logger.Warn("watch: object failed; will retry", "key", p, "err", err)
			continue
		}
		d.done[p] = true
		delete(d.seen, p)
	}
	return nil
}
