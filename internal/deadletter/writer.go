package deadletter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

// Why is the sidecar written beside each dead letter.
type Why struct {
	File   string `json:"file"`   // the input path as given, or "-" for standard input
	Index  int    `json:"index"`  // record index in the file, -1 for the whole file
	Reason string `json:"reason"` // why it was skipped, as reported on stderr
	Time   string `json:"time"`   // when it was written, RFC 3339 UTC
	// Data is the name (in the same directory) of the file holding the
	// skipped bytes: the record, or a copy of the whole input file. It is
	// empty when there are no bytes to keep (a directory, a file that cannot
	// be opened, standard input with nothing read).
	Data string `json:"data,omitempty"`
	// WholeFile reports that Data is a copy of the entire input file, as
	// stored (gzip stays gzip), not just the record.
	WholeFile bool `json:"whole_file,omitempty"`
	// Partial reports that Data holds only the first bytes of the record:
	// they were cut before reaching the writer and the input file could not
	// be copied (standard input).
	Partial bool `json:"partial,omitempty"`
}

// Writer writes dead letters into one directory. It is safe for concurrent use.
type Writer struct {
	dir string
	now func() time.Time

	mu     sync.Mutex
	copies map[string]string // input path -> name of its whole-file copy
}

// New returns a Writer for dir, creating the directory (and parents) if
// needed, and fails early when it cannot be created or is not a directory.
func New(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("dead-letter directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("dead-letter directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("dead-letter directory %s is not a directory", dir)
	}
	return &Writer{dir: dir, now: time.Now, copies: map[string]string{}}, nil
}

// Dir is the directory dead letters go to.
func (w *Writer) Dir() string { return w.dir }

// Problem keeps the input a cloudtrail.Problem skipped. Warnings (Skipped
// false) lose nothing and are ignored. The error, if any, says what could not
// be written; the caller reports it and goes on.
func (w *Writer) Problem(p cloudtrail.Problem) error {
	if !p.Skipped {
		return nil
	}
	if p.Index < 0 {
		return w.file(p.File, p.Reason, p.Raw)
	}
	if p.Raw == nil || p.Truncated {
		return w.partial(p)
	}
	return w.Record(p.File, p.Index, p.Raw, p.Reason)
}

// Record keeps one whole record that was read but skipped (for example
// rejected by the ECS mapping): raw is written unchanged.
func (w *Writer) Record(file string, index int, raw []byte, reason string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	base := Name(file) + "." + strconv.Itoa(index)
	why := Why{File: file, Index: index, Reason: reason}
	name, err := w.create(base, ".json", raw)
	if err != nil {
		return err
	}
	why.Data = name
	return w.sidecar(strings.TrimSuffix(name, ".json"), why)
}

// file keeps a whole input file: a copy of it when it is a regular file,
// else the bytes the problem carried (a "Records" value of standard input).
func (w *Writer) file(path, reason string, raw []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	why := Why{File: path, Index: -1, Reason: reason}
	data, cerr := w.copyFile(path)
	switch {
	case data != "":
		why.Data, why.WholeFile = data, true
	case raw != nil:
		name, err := w.create(Name(path)+".part", ".json", raw)
		if err != nil {
			return err
		}
		why.Data = name
	}
	// The sidecar is written even when there is nothing to copy: it records
	// that the input was skipped and why.
	base := Name(path)
	if why.Data != "" {
		base = strings.TrimSuffix(why.Data, ".json")
		if why.WholeFile {
			base = why.Data // x.json.gz -> x.json.gz.why.json
		}
	}
	if err := w.sidecar(base, why); err != nil {
		return errors.Join(cerr, err)
	}
	return cerr
}

// partial keeps a record whose bytes are not all in the Problem: the whole
// input file is copied (once), or what bytes there are, marked partial.
func (w *Writer) partial(p cloudtrail.Problem) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	why := Why{File: p.File, Index: p.Index, Reason: p.Reason}
	base := Name(p.File) + "." + strconv.Itoa(p.Index)
	data, cerr := w.copyFile(p.File)
	if data != "" {
		why.Data, why.WholeFile = data, true
		cerr = nil
	} else if p.Raw != nil {
		name, err := w.create(base, ".json", p.Raw)
		if err != nil {
			return errors.Join(cerr, err)
		}
		why.Data, why.Partial = name, true
		base = strings.TrimSuffix(name, ".json")
	}
	if err := w.sidecar(base, why); err != nil {
		return errors.Join(cerr, err)
	}
	return cerr
}

// copyFile copies input path into the directory once, and returns the
// copy's name, or "" when path is not a regular file that can be read.
func (w *Writer) copyFile(path string) (string, error) {
	if name, ok := w.copies[path]; ok {
		return name, nil
	}
	if path == "-" {
		return "", nil
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", nil // nothing to copy: the sidecar says why
	}
	in, err := os.Open(path)
	if err != nil {
		return "", nil // unreadable: the Problem already says so
	}
	defer in.Close()
	out, name, err := w.open(Name(path), "")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(filepath.Join(w.dir, name))
		return "", fmt.Errorf("dead letter: copying %s: %w", path, err)
	}
	w.copies[path] = name
	return name, nil
}

// create writes data to a new file base+ext (or base-N+ext) and returns its name.
func (w *Writer) create(base, ext string, data []byte) (string, error) {
	f, name, err := w.open(base, ext)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(filepath.Join(w.dir, name))
		return "", fmt.Errorf("dead letter: writing %s: %w", name, err)
	}
	return name, nil
}

// sidecar writes why as base.why.json (r.3.json's sidecar is r.3.why.json).
func (w *Writer) sidecar(base string, why Why) error {
	why.Time = w.now().UTC().Format(time.RFC3339Nano)
	b, err := json.MarshalIndent(why, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.create(base, ".why.json", append(b, '\n'))
	return err
}

// open creates a new file named base+ext in the directory, or base-2+ext,
// base-3+ext, ... when taken; O_EXCL never overwrites and never follows a
// symbolic link at the name.
func (w *Writer) open(base, ext string) (*os.File, string, error) {
	for n := 1; ; n++ {
		name := base + ext
		if n > 1 {
			name = base + "-" + strconv.Itoa(n) + ext
		}
		f, err := os.OpenFile(filepath.Join(w.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) || n >= 10000 {
			return nil, "", fmt.Errorf("dead letter: %w", err)
		}
	}
}
