package cloudtrail

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// fileKey identifies a directory by device and inode, so that a directory
// reached again through a symbolic link is not walked twice (no loops).
type fileKey struct{ dev, ino uint64 }

// dirInfo is a directory on the current walk path, for systems without inodes.
type dirInfo = fs.FileInfo

// The named paths are gathered first, directories walked, and the files
// then read in time order (timeOrder) across all of them: several accounts'
// or regions' trees given side by side interleave in time. Standard input is
// read where it is named, after the files named before it.

// gather adds the files of a named path to those to read (flush).
func (u *run) gather(p string) error { return u.path(p, true) }

// flush reads the gathered files, in time order.
func (u *run) flush() error {
	files := timeOrder(u.found)
	u.found = nil
	for _, f := range files {
		if err := u.read(f); err != nil {
			return err
		}
	}
	return nil
}

// path gathers a named path or a walked one. Named paths are read whatever
// their type; walked ones only when they are regular files.
func (u *run) path(p string, named bool) error {
	if err := u.ctx.Err(); err != nil {
		return err
	}
	if named && u.r.Remote != nil && u.r.Remote.Handles(p) {
		return u.remote(p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		u.fileProblem(p, osReason(err))
		return nil
	}
	if fi.IsDir() {
		return u.dir(p, fi)
	}
	if !named && !fi.Mode().IsRegular() {
		return nil
	}
	if isDigestPath(p) { // CloudTrail's S3 layout keeps digests apart: no need to open them
		u.st.DigestFiles++
		return nil
	}
	if u.r.pruned(p) {
		u.st.PrunedFiles++
		return nil
	}
	u.found = append(u.found, p)
	return nil
}

// read reads one file here, or hands it to a worker (ReadParallel).
func (u *run) read(p string) error {
	if u.dispatch != nil {
		return u.dispatch(p, nil)
	}
	return u.file(p)
}

// file opens and reads one file.
func (u *run) file(p string) error {
	in, err := os.Open(p)
	if err != nil {
		u.fileProblem(p, osReason(err))
		return nil
	}
	defer in.Close()
	return u.stream(p, in)
}

// dir walks a directory in sorted order (os.ReadDir sorts by name, so the
// S3 layout's YYYY/MM/DD comes out in date order), skipping dot entries.
func (u *run) dir(p string, fi fs.FileInfo) error {
	if u.visited(fi) {
		u.r.report(Problem{File: p, Index: -1, Reason: "directory already read (symbolic link loop?); skipped"})
		return nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		u.fileProblem(p, osReason(err)) // entries read before the error are still walked
	}
	u.parents = append(u.parents, fi)
	defer func() { u.parents = u.parents[:len(u.parents)-1] }()
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || isDocFile(e.Name()) {
			continue
		}
		if err := u.path(filepath.Join(p, e.Name()), false); err != nil {
			return err
		}
	}
	return nil
}

// visited records directory fi and reports whether it was seen before: by
// device and inode where the system has them, else (Windows) by comparing
// with the directories on the current path, which still ends loops.
func (u *run) visited(fi fs.FileInfo) bool {
	if key, ok := fileKeyOf(fi); ok {
		if u.seen[key] {
			return true
		}
		u.seen[key] = true
		return false
	}
	for _, a := range u.parents {
		if os.SameFile(a, fi) {
			return true
		}
	}
	return false
}

// isDigestPath reports a path inside CloudTrail's digest folder
// (AWSLogs/<account>/CloudTrail-Digest/...).
func isDigestPath(p string) bool {
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if part == "CloudTrail-Digest" {
			return true
		}
	}
	return false
}

// osReason words an os error without repeating the path (Problem.File has it).
func osReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// isDocFile reports documentation kept beside logs (README.md, LICENSE,
// NOTES.txt, as the public data sets and examples/ have), which a walk skips
// quietly. This is the only decision taken on names: CloudTrail never names a
// log like this, and anything else is judged by its content.
func isDocFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".md", ".txt", ".rst":
		return true
	}
	switch strings.ToUpper(strings.TrimSuffix(name, filepath.Ext(name))) {
	case "LICENSE", "LICENCE", "README", "NOTICE", "COPYING", "AUTHORS":
		return true
	}
	return false
}
