package cloudtrail

import (
	"context"
	"io"
	"time"
)

// Remote reads logs that are not files, such as s3://bucket/prefix: Read and
// ReadParallel hand it the paths it Handles, and read the objects it lists
// as they read files (gzip or not, delivery files or NDJSON; bad input
// reported with the object's name), in the order it lists them. This
// package knows no storage service: the command line plugs one in (trailql
// detect s3://...).
type Remote interface {
	// Handles reports whether path is one the Remote reads.
	Handles(path string) bool
	// List calls each with every log object below path, in delivery-time
	// order (as a directory's files are read), and returns each's error.
	// since and until are the Reader's: the Reader prunes objects whose
	// names put them outside, but a Remote that can skip them without
	// listing them should.
	List(ctx context.Context, path string, since, until time.Time, each func(RemoteObject) error) error
}

// RemoteObject is one object a Remote lists, or one it will not read.
type RemoteObject struct {
	// Name identifies the object in problems and records (s3://bucket/key).
	Name string
	// Open returns its bytes as stored.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Decline, when not "", says why the Remote does not read the object
	// (its key is not in CloudTrail's log layout, say): it is counted in
	// Stats.DeclinedFiles and reported as a Problem that loses nothing, as
	// it was left out on purpose. Open is not called.
	Decline string
	// Err, when set, is input the Remote could not even list (Name is then
	// the part not listed, s3://bucket/prefix/): it is reported as a
	// skipped file, as an unreadable directory is, and reading goes on with
	// the rest. Open is not called.
	Err error
}

// remoteAhead is how many objects of a remote path are opened ahead of
// their reading. Opening one is a round trip (tens of milliseconds to S3)
// that reading a local file does not wait for: with objects opened only
// when a worker takes them, a hunt over a bucket runs at workers/latency
// objects a second, a fraction of what the CPUs could read. Opened ahead,
// the requests overlap while the objects are still read in order. Each is
// streamed when read: ahead of that, an open object holds no more than
// its response's first bytes.
const remoteAhead = 16

// aheadObject is a listed object, being opened if it is to be read.
type aheadObject struct {
	o      RemoteObject
	opened chan openResult // nil: not to be opened (see wanted)
}

type openResult struct {
	rc  io.ReadCloser
	err error
}

// discard closes the object if it was opened, and never read.
func (a aheadObject) discard() {
	if a.opened != nil {
		if r := <-a.opened; r.rc != nil {
			r.rc.Close()
		}
	}
}

// remote reads the objects of a remote path, after the files gathered so
// far (which come before it, as standard input does). The listing runs
// ahead of the reading, opening up to remoteAhead objects before they are
// read; the reading takes them in the order listed and does all the
// counting and reporting.
func (u *run) remote(p string) error {
	if err := u.flush(); err != nil {
		return err
	}
	listCtx, stopListing := context.WithCancel(u.ctx)
	defer stopListing()
	queue := make(chan aheadObject, remoteAhead)
	var listErr error
	go func() {
		defer close(queue)
		listErr = u.r.Remote.List(listCtx, p, u.r.Since, u.r.Until, func(o RemoteObject) error {
			a := aheadObject{o: o}
			if u.wanted(o) {
				a.opened = make(chan openResult, 1)
				go func() {
					// u.ctx, not listCtx: the body is read after the
					// listing has ended.
					rc, err := o.Open(u.ctx)
					a.opened <- openResult{rc, err}
				}()
			}
			select {
			case queue <- a:
				return nil
			case <-listCtx.Done():
				a.discard()
				return listCtx.Err()
			}
		})
	}()
	var err error
	for a := range queue { // until the listing ends, stopped or not
		if err != nil {
			a.discard()
			continue
		}
		if err = u.listed(a); err != nil {
			stopListing()
		}
	}
	if err != nil {
		return err
	}
	return listErr
}

// wanted reports whether a listed object is to be read. It reads nothing
// the reading changes, so the listing may ask it ahead.
func (u *run) wanted(o RemoteObject) bool {
	return o.Err == nil && o.Decline == "" && !isDigestPath(o.Name) && !u.r.pruned(o.Name)
}

// listed reads, counts or reports one listed object.
func (u *run) listed(a aheadObject) error {
	if err := u.ctx.Err(); err != nil {
		a.discard()
		return err
	}
	o := a.o
	switch {
	case o.Err != nil:
		u.fileProblem(o.Name, o.Err.Error())
	case o.Decline != "":
		u.st.DeclinedFiles++
		u.r.report(Problem{File: o.Name, Index: -1, Reason: o.Decline})
	case isDigestPath(o.Name):
		u.st.DigestFiles++
	case u.r.pruned(o.Name):
		u.st.PrunedFiles++
	default:
		open := func(context.Context) (io.ReadCloser, error) {
			r := <-a.opened
			return r.rc, r.err
		}
		if u.dispatch != nil {
			return u.dispatch(o.Name, open)
		}
		return u.object(o.Name, open)
	}
	return nil
}

// object opens and reads one remote object.
func (u *run) object(name string, open func(context.Context) (io.ReadCloser, error)) error {
	in, err := open(u.ctx)
	if err != nil {
		if u.ctx.Err() != nil {
			return u.ctx.Err()
		}
		u.fileProblem(name, err.Error())
		return nil
	}
	defer in.Close()
	return u.stream(name, in)
}
