package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is --memory-limit: the memory a hunt or a daemon aims to stay
// within. It is the Go runtime's soft memory limit (the collector works
// harder near it; GOMEMLIMIT in the environment takes precedence), and a
// share of it bounds the rows the rules hold for their windows, beyond
// which they go to a spill file (detect.Options.MemoryLimit). 0: no limit.
type memoryLimit int64

// maxMemoryLimit bounds the flag to something a machine may have.
const maxMemoryLimit = 1 << 50

// defaultMemoryLimit is detect's --memory-limit: all bundled rules over a
// million records stay under 150 MB of peak RSS with it (bench/run.sh -B),
// for about a quarter more time than without a limit.
const defaultMemoryLimit = 120 << 20

// defaultWatchMemoryLimit is watch's: a daemon also holds its sources'
// and sinks' buffers, and has time to spare.
const defaultWatchMemoryLimit = 256 << 20

// The part of the limit the rules' held rows may take (1/share): the rest
// is for the records in flight, the aggregation state of the runs, and the
// collector's headroom. A hunt's is a sixteenth: its held rows are mostly
// records held raw, packed, which runs seldom read, and with an eighth a
// hunt over a million records held more than over half a million (peak
// RSS +14%; a sixteenth: flat, in the same time). A daemon's is an eighth:
// it reads its windows back from the state database.
const (
	detectHeldShare = 16
	watchHeldShare  = 8
)

func (m *memoryLimit) Set(v string) error {
	if v == "0" {
		*m = 0
		return nil
	}
	n, err := parseSize(v, maxMemoryLimit, "1PiB")
	if err == nil {
		*m = memoryLimit(n)
	}
	return err
}

func (m *memoryLimit) String() string {
	if *m == 0 {
		return "0"
	}
	s := byteSize(*m)
	return s.String()
}

// Type names the value in --help.
func (m *memoryLimit) Type() string { return "size" }

// apply sets the runtime's soft limit and returns the budget of held rows,
// 1/share of the limit (0: none).
func (m memoryLimit) apply(share int64) int64 {
	if m <= 0 {
		return 0
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(m))
	}
	return int64(m) / share
}
