package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

// S3Remote lets a hunt (trailql detect, query, investigate) read
// s3://bucket/prefix paths with the S3 source watch uses: the same layout
// discovery (accounts, regions, organisation trails), the same key filter
// (IsTrailKey, unless Options.AnyKey) and the same delivery-time order
// across accounts and regions, listed once from Since (keys before it are
// not even listed: S3 starts each account and region's listing after a key
// built from Since) and each account and region's listing ended after the
// last key Until can need (Options.Until). Objects are streamed as they are
// read, never downloaded whole first.
//
// What a watch logs and retries, a hunt reports with the object or prefix
// it concerns, through the Reader: keys outside the layout as declined
// (RemoteObject.Decline); a listing that failed, and a path below which no
// CloudTrail log layout was found (as a missing directory is), as input not
// read (RemoteObject.Err). A missing bucket, denied access or refused
// credentials end the List with an error saying so.
type S3Remote struct {
	Options Options
}

// Handles reports an s3:// path.
func (S3Remote) Handles(path string) bool {
	return len(path) > 5 && strings.EqualFold(path[:5], "s3://")
}

// List hands each object below path to each, in delivery-time order.
func (r S3Remote) List(ctx context.Context, path string, since, until time.Time, each func(cloudtrail.RemoteObject) error) error {
	opts := r.Options
	opts.Once = true
	opts.Since, opts.Until = since, until
	opts.Start = time.Time{}                  // Since alone says where a hunt starts
	opts.Lookback = -1                        // one listing: no checkpoint to look back from
	opts.Checkpoints = NewMemoryCheckpoints() // a hunt keeps no state
	// The callbacks below are called from within Run, on its goroutine; an
	// error of each there ends Run through the next object's callback.
	var listed bool
	var stop error
	tell := func(o cloudtrail.RemoteObject) {
		listed = true
		if stop == nil {
			stop = each(o)
		}
	}
	opts.OnSkip = func(name, reason string) {
		if r.Options.OnSkip != nil {
			r.Options.OnSkip(name, reason)
		}
		tell(cloudtrail.RemoteObject{Name: name, Decline: declineReason(reason)})
	}
	opts.OnListError = func(prefix string, err error) {
		tell(cloudtrail.RemoteObject{Name: prefix, Err: fmt.Errorf("listing failed, its objects from there on not read: %s", describeS3(err, "s3:ListBucket"))})
	}
	spec := "s3://" + path[5:]
	src, err := Open(spec, opts)
	if err != nil {
		return err
	}
	s := src.(*s3Source)
	err = s.Run(ctx, func(ctx context.Context, o Object) error {
		if stop == nil {
			tell(cloudtrail.RemoteObject{Name: o.Key, Open: huntOpen(o)})
		}
		if stop != nil {
			return Fatal(stop)
		}
		return nil
	})
	switch {
	case stop != nil:
		return stop // each's own error, as the Reader gave it
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		// The source's errors start "source SPEC: ", which the path says.
		return &s3Error{msg: path + ": " + strings.TrimPrefix(describeS3(err, "s3:ListBucket"), "source "+spec+": "), err: err}
	case !listed && !slices.ContainsFunc(s.leaves, func(l leaf) bool { return l.account != "" && l.region != "" }):
		// Nothing below the path: a typo, or the wrong level of the
		// bucket. A hunt that reads nothing must not look like a clean one.
		// (A region's listing may be empty because of --since.)
		return each(cloudtrail.RemoteObject{Name: path, Err: errors.New("no CloudTrail logs below it (want [prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/...)")})
	}
	return nil
}

// huntOpen opens an object for the Reader, which names the object in its
// problems: the error says what went wrong, not which object again.
func huntOpen(o Object) func(context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) {
		rc, err := o.Open(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &s3Error{msg: strings.TrimPrefix(describeS3(err, "s3:GetObject"), o.Key+": "), err: err}
		}
		return rc, nil
	}
}

// declineReason says why a hunt does not read a key, and how to.
func declineReason(reason string) string {
	if reason == SkipNotTrailKey {
		return "key not in CloudTrail's log layout; not read (--any-key reads it)"
	}
	return reason + "; not read"
}

// pastUntil reports a key of a listing of one account and region delivered
// more than cloudtrail.LateDelivery after Options.Until: such a listing is
// in delivery-time order (YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_...),
// so no later key is wanted either. Only CloudTrail keys, and only without
// AnyKey, end a listing: other keys have no place in that order, and AnyKey
// asks for them.
func (c *leafCursor) pastUntil(key string) bool {
	if c.opts.Until.IsZero() || c.opts.AnyKey || c.leaf.account == "" || c.leaf.region == "" || !IsTrailKey(key) {
		return false
	}
	t, ok := keyTime(key)
	return ok && t.After(c.opts.Until.Add(cloudtrail.LateDelivery))
}
