package latecorpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Content is the delivery file's content as CloudTrail writes it: gzip of
// {"Records":[...]}. It is the same bytes every time.
func (c *Corpus) Content(f File) []byte {
	var raw bytes.Buffer
	raw.WriteString(`{"Records":[`)
	for i, e := range f.Events {
		if i > 0 {
			raw.WriteByte(',')
		}
		raw.Write(c.Events[e].Record)
	}
	raw.WriteString("]}")
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression) // a valid level: no error
	zw.Write(raw.Bytes())                                       // writes to a bytes.Buffer do not fail
	zw.Close()
	return out.Bytes()
}

// WriteTrail writes every delivery file below dir (dir/AWSLogs/...) and
// returns their paths in delivery order. Each file's modification time is
// set to the time in its name, plus a millisecond per file before it in
// delivery order, so that sorting by modification time gives delivery
// order too.
func (c *Corpus) WriteTrail(dir string) ([]string, error) {
	paths := make([]string, 0, len(c.Files))
	for i, f := range c.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, c.Content(f), 0o644); err != nil {
			return nil, err
		}
		mt := f.Delivery.Add(timeMillis(i))
		if err := os.Chtimes(p, mt, mt); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteNDJSON writes every event to path as NDJSON, one compact record per
// line, in an order shuffled by the corpus's seed (not time order, not
// delivery order).
func (c *Corpus) WriteNDJSON(path string) error {
	order := make([]int, len(c.Events))
	for i := range order {
		order[i] = i
	}
	r := rand.New(rand.NewPCG(c.Options.Seed, 0x6e646a73))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, i := range order {
		w.Write(c.Events[i].Record)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Write writes the corpus to out as out/trail/AWSLogs/... (delivery files,
// see WriteTrail) and out/events.ndjson (WriteNDJSON). Point trailql at
// out/trail or at out/events.ndjson, not at out: that would read every
// event twice.
func (c *Corpus) Write(out string) error {
	if _, err := c.WriteTrail(filepath.Join(out, "trail")); err != nil {
		return err
	}
	return c.WriteNDJSON(filepath.Join(out, "events.ndjson"))
}

func timeMillis(n int) time.Duration { return time.Duration(n) * time.Millisecond }
