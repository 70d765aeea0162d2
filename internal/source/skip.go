package source

import (
	"path"
	"strings"
)

// isDigestKey reports a CloudTrail digest file, by its folder
// (AWSLogs/<account>/CloudTrail-Digest/...) or its name
// (<account>_CloudTrail-Digest_<region>_...): digests hold hashes, not events.
func isDigestKey(key string) bool {
	return strings.Contains(key, "CloudTrail-Digest")
}

// isTempName reports names a writer uses before the file is complete, or that
// are not logs at all: dot files (rsync's .name.XXXX, editors), "~" backups,
// and the usual partial-download suffixes. Renaming a finished file into
// place is the safe way to drop files into a watched directory.
func isTempName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || strings.HasSuffix(name, "~") {
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".tmp", ".temp", ".part", ".partial", ".swp", ".crdownload", ".download", ".filepart":
		return true
	}
	return false
}

// isDocName reports documentation kept beside logs (as the cloudtrail reader
// skips it on a walk).
func isDocName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".md", ".txt", ".rst":
		return true
	}
	switch strings.ToUpper(strings.TrimSuffix(name, path.Ext(name))) {
	case "LICENSE", "LICENCE", "README", "NOTICE", "COPYING", "AUTHORS":
		return true
	}
	return false
}
