package source

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 listings overlap. Each is a round trip (tens of milliseconds), and a
// bucket is listed per account and region: an organisation of a few hundred
// accounts has thousands of them, and one after the other they took
// minutes to discover and to start listing (at every watch poll, and before
// a hunt read its first object). Discovery walks the accounts at once, and
// each poll lists the first page of every account and region at once;
// listConcurrency bounds the requests in flight. What the listings hold is
// still handled in one goroutine, in order: only the requests overlap.

// listConcurrency is how many S3 listing requests one source has in flight.
const listConcurrency = 16

// listing makes one listing request when one of the source's
// listConcurrency slots is free.
func (s *s3Source) listing(ctx context.Context, next func(context.Context, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)) (*s3.ListObjectsV2Output, error) {
	s.semOnce.Do(func() { s.sem = make(chan struct{}, listConcurrency) })
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	return next(ctx)
}

// subwalk is the walk of one folder of the layout, in its own goroutine.
type subwalk struct {
	lv  level
	l   leaf
	out []leaf
	err error
}

// walkAll walks folders at once and appends their leaves to out, in the
// folders' order; the first error in that order is returned. A goroutine
// waiting for its folders holds no listing slot, so nesting cannot
// deadlock.
func (s *s3Source) walkAll(ctx context.Context, subs []*subwalk, out *[]leaf) error {
	var wg sync.WaitGroup
	for _, sw := range subs {
		if sw.lv == lvRegion || sw.lv == lvUnknown {
			sw.out = []leaf{sw.l} // a leaf: nothing to list
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw.err = s.walk(ctx, sw.lv, sw.l, &sw.out)
		}()
	}
	wg.Wait()
	for _, sw := range subs {
		if sw.err != nil {
			return sw.err
		}
		*out = append(*out, sw.out...)
	}
	return nil
}

// listedPage is a listing page fetched ahead of its handling.
type listedPage struct {
	page *s3.ListObjectsV2Output
	err  error
}

// firstPages lists the first page of every leaf at once; fill handles them
// in order. A leaf whose listing has no page is left alone.
func (s *s3Source) firstPages(ctx context.Context, cursors []*leafCursor) {
	var wg sync.WaitGroup
	for _, c := range cursors {
		if c.first != nil || !c.pages.HasMorePages() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			page, err := s.listing(ctx, c.pages.NextPage)
			c.first = &listedPage{page, err}
		}()
	}
	wg.Wait()
}

// nextPage is the leaf's first page if it was listed ahead, else the next
// one listed now.
func (c *leafCursor) nextPage(ctx context.Context) (*s3.ListObjectsV2Output, error) {
	if p := c.first; p != nil {
		c.first = nil
		return p.page, p.err
	}
	return c.pages.NextPage(ctx)
}
