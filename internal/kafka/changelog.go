package kafka

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The changelog topic holds each partition's engine state, as Kafka
// Streams backs its state stores: the blobs of detect.Live's checkpoint
// (its meta and one blob per window) and the offset the state is at, each
// under "<topic>/<key>" in the partition of the same number, a deleted
// blob as a tombstone. It is compacted: it keeps the newest value of each
// key, so reading a partition to its end gives the state as of the last
// checkpoint. A member writes it in one transaction with the offsets the
// state is at (a commit is all there or not at all, and the group fences a
// member it gave up on); a member that is assigned a partition reads it,
// so the windows an old owner held (open ones, and evaluated ones late
// events may still amend, up to the amend horizon) go on exactly, however
// long the rules look back, and no event is counted twice.

// nextKey is the blob holding the offset a partition's state is at: the
// next record to process.
const nextKey = "kafka.next"

// chunkSize bounds a changelog record: a blob larger (the meta blob holds
// the event ids of the last minutes, for de-duplication) is written in
// chunks, under the brokers' default message size (1 MB).
const chunkSize = 512 << 10

// headerChunks, on a changelog record, says the blob is in that many
// chunks, written just before it under "<key>#<i>".
const headerChunks = "trailql-chunks"

// changelogTopic names the changelog of group for the events topic topic.
func changelogTopic(topic, group string) string {
	return topic + ".changelog." + topicSafe(group)
}

// changelogRecords are the records that write blobs (nil: a deletion) of
// the state of (topic, partition).
func changelogRecords(changelog, topic string, partition int32, blobs map[string][]byte, order []string) []*kgo.Record {
	var out []*kgo.Record
	for _, k := range order {
		b := blobs[k]
		key := topic + "/" + k
		if len(b) <= chunkSize {
			v := b
			if b != nil && len(b) == 0 {
				v = []byte{} // empty, not a tombstone
			}
			out = append(out, &kgo.Record{Topic: changelog, Partition: partition, Key: []byte(key), Value: v})
			continue
		}
		n := 0
		for off := 0; off < len(b); off += chunkSize {
			out = append(out, &kgo.Record{Topic: changelog, Partition: partition, Key: []byte(key + "#" + strconv.Itoa(n)), Value: b[off:min(off+chunkSize, len(b))]})
			n++
		}
		out = append(out, &kgo.Record{Topic: changelog, Partition: partition, Key: []byte(key), Value: []byte{},
			Headers: []kgo.RecordHeader{{Key: headerChunks, Value: []byte(strconv.Itoa(n))}}})
	}
	return out
}

// readChangelog reads partitions of the changelog to their last stable
// offsets (the committed transactions) and returns, per partition, the
// blobs of each topic's state ("<topic>/<key>").
func readChangelog(ctx context.Context, c Config, changelog string, partitions []int32) (map[int32]map[string][]byte, error) {
	out := map[int32]map[string][]byte{}
	if len(partitions) == 0 {
		return out, nil
	}
	// Only committed transactions are state; the commit and abort
	// markers are kept so that reading reaches the last stable offset
	// even when the records before it are markers or aborted.
	cl, err := kgo.NewClient(append(c.clientOpts(), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, changelog)
	if err != nil {
		return nil, fmt.Errorf("changelog %s: %w", changelog, err)
	}
	want := map[int32]kgo.Offset{}
	left := map[int32]int64{} // partition -> end offset still to reach
	for _, p := range partitions {
		out[p] = map[string][]byte{}
		end, ok := ends.Lookup(changelog, p)
		if !ok || end.Err != nil {
			if ok {
				err = end.Err
			}
			return nil, fmt.Errorf("changelog %s partition %d: end offset: %v", changelog, p, err)
		}
		if end.Offset > 0 {
			want[p] = kgo.NewOffset().AtStart()
			left[p] = end.Offset
		}
	}
	if len(left) == 0 {
		return out, nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{changelog: want})
	chunks := map[int32]map[string][]byte{}
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ferr error
		fs.EachError(func(_ string, p int32, err error) {
			ferr = fmt.Errorf("changelog %s partition %d: %w", changelog, p, err)
		})
		if ferr != nil {
			return nil, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := left[r.Partition]; ok && r.Offset+1 >= end {
				delete(left, r.Partition)
			}
			if r.Attrs.IsControl() || r.Offset >= ends[changelog][r.Partition].Offset {
				return // a marker, or past the stable offset read to
			}
			blobs := out[r.Partition]
			key := string(r.Key)
			if i := strings.LastIndexByte(key, '#'); i >= 0 && !strings.Contains(key[i:], "/") {
				if chunks[r.Partition] == nil {
					chunks[r.Partition] = map[string][]byte{}
				}
				chunks[r.Partition][key] = r.Value
			} else if r.Value == nil {
				delete(blobs, key)
			} else if n := header(r, headerChunks); n != "" {
				count, _ := strconv.Atoi(n)
				var b []byte
				for i := 0; i < count; i++ {
					b = append(b, chunks[r.Partition][key+"#"+strconv.Itoa(i)]...)
				}
				blobs[key] = b
			} else {
				blobs[key] = r.Value
			}
		})
	}
	return out, nil
}

// header is the value of a record's header named key ("" when absent).
func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
