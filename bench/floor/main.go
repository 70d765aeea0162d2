// Command floor measures the I/O floor a CloudTrail reader cannot beat: it
// decompresses every *.gz file under the given paths on all cores (with
// github.com/klauspost/compress/gzip, the decompressor trailql uses) and
// discards the bytes; other files are read and discarded. It prints the number
// of files, compressed and uncompressed bytes.
//
// Usage: floor PATH...
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: floor PATH...")
		os.Exit(2)
	}
	files, err := collect(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	var in, out atomic.Int64
	var firstErr error
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			var zr gzip.Reader
			for p := range work {
				n, m, err := drain(p, &zr, buf)
				in.Add(n)
				out.Add(m)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range files {
		work <- p
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "floor:", firstErr)
		os.Exit(1)
	}
	fmt.Printf("files=%d read_bytes=%d decompressed_bytes=%d\n", len(files), in.Load(), out.Load())
}

// collect walks the paths and returns every regular file under them.
func collect(paths []string) ([]string, error) {
	var files []string
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// drain reads one file to the end, gunzipping it when its name ends in .gz,
// and returns the bytes read from disk and the bytes produced. The gzip
// reader is reused (Reset) so that the floor measures inflate, not allocation.
func drain(p string, zr *gzip.Reader, buf []byte) (int64, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	if !strings.HasSuffix(p, ".gz") {
		m, err := io.CopyBuffer(io.Discard, onlyReader{f}, buf)
		return m, m, err
	}
	if err := zr.Reset(f); err != nil {
		return st.Size(), 0, fmt.Errorf("%s: %w", p, err)
	}
	m, err := io.CopyBuffer(io.Discard, onlyReader{zr}, buf)
	if err != nil {
		err = fmt.Errorf("%s: %w", p, err)
	}
	return st.Size(), m, err
}

// onlyReader hides WriterTo so that io.CopyBuffer really uses our buffer
// rather than a fresh one per call.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
