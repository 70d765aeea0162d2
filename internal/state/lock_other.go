//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package state

import "os"

// lockFile is a no-op where flock(2) is unavailable: SQLite's own locking
// still keeps the file consistent, but two daemons on one state database
// would each process every input.
func lockFile(path string) (*os.File, error) { return nil, nil }
