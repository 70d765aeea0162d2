package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
	path string
	st   fileState
}

// poll scans once and hands on the files found stable, oldest first.
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
		ready = append(ready, readyFile{p, st})
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
	// their names, across accounts and regions, as detect reads a tree, so
	// that a backlog comes in the order the events happened; other files
	// first, oldest first.
	sort.Slice(ready, func(i, j int) bool {
		a, b := ready[i], ready[j]
		ta, oka := keyTime(a.path)
		tb, okb := keyTime(b.path)
		switch {
		case oka != okb:
			return okb
		case oka && !ta.Equal(tb):
			return ta.Before(tb)
		case !oka && !a.st.mtime.Equal(b.st.mtime):
			return a.st.mtime.Before(b.st.mtime)
		}
		return a.path < b.path
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
