//go:build !unix

package cloudtrail

import "io/fs"

// fileKeyOf has no inode numbers to offer here; the walk falls back to
// comparing with the directories on its current path.
func fileKeyOf(fs.FileInfo) (fileKey, bool) { return fileKey{}, false }
