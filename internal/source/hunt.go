package source

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

// S3Remote lets a hunt (trailql detect, query, investigate) read
// s3://bucket/prefix paths with the S3 source watch uses: the same layout
// discovery (accounts, regions, organisation trails), the same key filter
// (IsTrailKey, unless Options.AnyKey) and the same delivery-time order
// across accounts and regions, listed once from Since (keys before it are
// not even listed) and stopped after the last key Until can need. Objects
// are streamed as they are read, never downloaded whole first.
type S3Remote struct {
	Options Options
}

// Handles reports an s3:// path.
func (S3Remote) Handles(path string) bool {
	return len(path) > 5 && strings.EqualFold(path[:5], "s3://")
}

// errPastUntil stops a listing whose next keys are all too late.
var errPastUntil = errors.New("past --until")

// List hands each object below path to each, in delivery-time order. A
// missing bucket or a denied listing is an error naming the path.
func (r S3Remote) List(ctx context.Context, path string, since, until time.Time, each func(cloudtrail.RemoteObject) error) error {
	opts := r.Options
	opts.Once = true
	opts.Since = since
	opts.Lookback = -1                        // one listing: no checkpoint to look back from
	opts.Checkpoints = NewMemoryCheckpoints() // a hunt keeps no state
	s, err := Open("s3://"+path[5:], opts)
	if err != nil {
		return err
	}
	err = s.Run(ctx, func(ctx context.Context, o Object) error {
		if t, ok := cloudtrail.DeliveryTime(o.Key); ok && !until.IsZero() && t.After(until.Add(cloudtrail.LateDelivery)) {
			// Keys come in delivery-time order: none after this one is
			// needed either.
			return Fatal(errPastUntil)
		}
		if err := each(cloudtrail.RemoteObject{Name: o.Key, Open: o.Open}); err != nil {
			return Fatal(err)
		}
		return nil
	})
	if errors.Is(err, errPastUntil) {
		return nil
	}
	return err
}
