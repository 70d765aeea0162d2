package sink

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/trailql/trailql/internal/state"
)

// writerSink writes each alert document as one NDJSON line: stdout and
// file sinks.
type writerSink struct {
	name string
	mu   sync.Mutex
	w    io.Writer
	f    *os.File // the file of a file sink, synced per Send and closed
	path string   // a file sink's absolute path, for Reopen
	// ocsf writes OCSF Detection Findings instead of alert documents.
	ocsf bool
	line []byte
	// written holds "id\x00version" of every alert already in the file:
	// a version the file has is not appended again, so a crash between the
	// write and the outbox's Delivered mark never duplicates a line.
	written map[string]bool
}

// NewWriter is a sink writing each alert document as one JSON line to w
// (NDJSON), one write per alert. Name is "stdout" for os.Stdout.
func NewWriter(name string, w io.Writer) Sink {
	return &writerSink{name: name, w: w}
}

// NewStdout writes alerts as NDJSON to standard output.
func NewStdout() Sink { return NewWriter("stdout", os.Stdout) }

// NewFile appends alerts as NDJSON to the file at path, created with mode
// 0600 if missing (alerts name identities and addresses). Each alert is
// one write, so it reaches the file at once, and the file is fsynced
// before Send returns, so a delivery marked done is on disk. A last line
// cut short by a crash is ended before the first new one, so a reader
// loses at most that line, never the next.
func NewFile(path string) (Sink, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sink file: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sink file: %w", err)
	}
	if err := endLastLine(f, abs); err != nil {
		f.Close()
		return nil, fmt.Errorf("sink file: %w", err)
	}
	written, err := writtenVersions(abs)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sink file: %w", err)
	}
	return &writerSink{name: "file:" + abs, w: f, f: f, path: abs, written: written}, nil
}

// Reopener is a sink that can reopen its output: the file sink after
// logrotate has moved the file away (trailql watch does it on SIGHUP).
type Reopener interface {
	Reopen() error
}

// Reopen opens the file at the sink's path anew (creating it), so that
// alerts go to the new file after a rotation. The versions written before
// are remembered: a delivery is never written twice, into either file.
func (s *writerSink) Reopen() error {
	if s.path == "" {
		return nil
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("%s: reopen: %w", s.name, err)
	}
	if err := endLastLine(f, s.path); err != nil {
		f.Close()
		return fmt.Errorf("%s: reopen: %w", s.name, err)
	}
	s.mu.Lock()
	old := s.f
	s.f, s.w = f, f
	s.mu.Unlock()
	return old.Close()
}

// writtenVersions reads the alert ids and versions already in the file.
// Lines that are not alerts (cut short by a crash, or foreign) are ignored.
func writtenVersions(path string) (map[string]bool, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		if key, ok := ocsfVersion(sc.Bytes()); ok {
			seen[key] = true
			continue
		}
		var head struct {
			ID string `json:"kibana.alert.uuid"`
		}
		if json.Unmarshal(sc.Bytes(), &head) != nil || head.ID == "" {
			continue
		}
		if v, err := state.Version(sc.Bytes()); err == nil {
			seen[head.ID+"\x00"+v] = true
		}
	}
	return seen, sc.Err()
}

// endLastLine appends a newline when the file's last byte is not one.
func endLastLine(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 || !fi.Mode().IsRegular() {
		return err
	}
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	var last [1]byte
	if _, err := r.ReadAt(last[:], fi.Size()-1); err != nil {
		return err
	}
	if last[0] != '\n' {
		_, err = f.Write([]byte{'\n'})
	}
	return err
}

func (s *writerSink) Name() string { return s.name }

// Send writes the deliveries in order; on a write error the earlier ones
// are kept (and synced) and the rest reported not attempted.
func (s *writerSink) Send(ctx context.Context, ds []state.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var be *BatchError
	for i, d := range ds {
		key := d.AlertID + "\x00" + d.Version
		if s.written[key] {
			continue // this version is in the file already
		}
		var err error
		if err = ctx.Err(); err == nil {
			doc := d.Doc
			if s.ocsf {
				doc, err = ocsfFinding(d)
			}
			if err == nil {
				s.line = appendLine(s.line[:0], doc)
				_, err = s.w.Write(s.line)
			}
		}
		if err == nil && s.written != nil {
			s.written[key] = true
		}
		if err != nil {
			be = &BatchError{Errs: make([]error, len(ds))}
			be.Errs[i] = fmt.Errorf("%s: %w", s.name, err)
			for j := i + 1; j < len(ds); j++ {
				be.Errs[j] = ErrNotAttempted
			}
			break
		}
	}
	if s.f != nil {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("%s: sync: %w", s.name, err)
		}
	}
	if be != nil {
		return be
	}
	return nil
}

// appendLine appends doc as a single line: documents from
// alert.Document are compact already; anything else is compacted.
func appendLine(dst, doc []byte) []byte {
	if bytes.IndexByte(doc, '\n') >= 0 || bytes.IndexByte(doc, '\r') >= 0 {
		var b bytes.Buffer
		if json.Compact(&b, doc) == nil {
			doc = b.Bytes()
		}
	}
	dst = append(dst, doc...)
	return append(dst, '\n')
}

func (s *writerSink) Close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}
