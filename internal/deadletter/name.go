package deadletter

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxName bounds the sanitised source name, well under the 255-byte limit
// of common file systems once ".<index>-<n>.why.json" is added.
const maxName = 160

// Name turns an input path into one safe file name: every byte other than
// ASCII letters, digits, '.', '-' and '_' becomes '_' (so '/', '\\', NUL and
// control characters cannot reach the file system), a leading '.' becomes
// '_' (no hidden files, no "." or ".."), and standard input ("-") is
// "stdin". Path separators become '_' rather than being dropped, so that
// AWSLogs/a/x.json and AWSLogs/b/x.json stay apart. A name too long is cut
// from the front (the file's own name is at the end) behind a hash of the
// whole path, so different long paths stay different.
func Name(path string) string {
	if path == "-" {
		return "stdin"
	}
	path = strings.TrimLeft(path, "/\\")
	for strings.HasPrefix(path, "./") || strings.HasPrefix(path, "../") {
		path = path[strings.IndexByte(path, '/')+1:]
	}
	b := []byte(path)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "input"
	}
	if b[0] == '.' {
		b[0] = '_'
	}
	if len(b) > maxName {
		sum := sha256.Sum256([]byte(path))
		tail := b[len(b)-(maxName-17):]
		b = append([]byte(hex.EncodeToString(sum[:8])+"_"), tail...)
	}
	return string(b)
}
