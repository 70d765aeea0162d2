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

// remote reads the objects of a remote path, after the files gathered so
// far (which come before it, as standard input does).
func (u *run) remote(p string) error {
	if err := u.flush(); err != nil {
		return err
	}
	return u.r.Remote.List(u.ctx, p, u.r.Since, u.r.Until, func(o RemoteObject) error {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		switch {
		case o.Err != nil:
			u.fileProblem(o.Name, o.Err.Error())
			return nil
		case o.Decline != "":
			u.st.DeclinedFiles++
			u.r.report(Problem{File: o.Name, Index: -1, Reason: o.Decline})
			return nil
		}
		if isDigestPath(o.Name) {
			u.st.DigestFiles++
			return nil
		}
		if u.r.pruned(o.Name) {
			u.st.PrunedFiles++
			return nil
		}
		if u.dispatch != nil {
			return u.dispatch(o.Name, o.Open)
		}
		return u.object(o.Name, o.Open)
	})
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
