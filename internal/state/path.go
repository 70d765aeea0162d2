package state

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the state database lives when --state is not
// given: $XDG_STATE_HOME/trailql/state.db, else ~/.local/state/trailql/state.db
// (the XDG Base Directory specification's state directory: "data that
// should persist between restarts but is not important enough to be
// stored in XDG_DATA_HOME"), or %LocalAppData%\trailql\state.db on
// Windows. It falls back to ./trailql-state.db when no home is known.
func DefaultPath() string {
	// The XDG spec ignores relative values ("If an implementation
	// encounters a relative path in any of these variables it should
	// consider the path invalid and ignore it").
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "trailql", "state.db")
	}
	if runtime.GOOS == "windows" {
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "trailql", "state.db")
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "state", "trailql", "state.db")
	}
	return "trailql-state.db"
}
