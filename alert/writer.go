package alert

import (
	"errors"
	"io"
	"sync"
)

// Writer receives alerts. Write may be called from several goroutines;
// Close flushes what is buffered and must be called once at the end. Close
// does not close the underlying io.Writer, which the caller owns.
type Writer interface {
	Write(*Alert) error
	Close() error
}

// errClosed is returned by Write after Close.
var errClosed = errors.New("alert: write after Close")

// flusher is implemented by buffered writers such as *bufio.Writer.
type flusher interface{ Flush() error }

// NewNDJSONWriter writes one JSON object per alert and line, and flushes
// after each alert (when w has a Flush method) so a consumer such as
// `jq` or a log shipper sees every alert as soon as it is raised.
func NewNDJSONWriter(w io.Writer) Writer {
	return &ndjsonWriter{w: w}
}

type ndjsonWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool
}

// Write encodes the alert's document on one line.
func (n *ndjsonWriter) Write(a *Alert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	b, err := a.Doc.AppendJSON(n.buf[:0])
	if err != nil {
		return err
	}
	b = append(b, '\n')
	n.buf = b
	if _, err := n.w.Write(b); err != nil {
		return err
	}
	if f, ok := n.w.(flusher); ok {
		return f.Flush()
	}
	return nil
}

// Close flushes the underlying writer if it buffers.
func (n *ndjsonWriter) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	if f, ok := n.w.(flusher); ok {
		return f.Flush()
	}
	return nil
}
