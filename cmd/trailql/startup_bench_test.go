package main

import (
	"os/exec"
	"testing"
	"time"
)

// BenchmarkStartupBundled runs the built binary as a user does, a fresh
// process each time: `trailql detect --rules bundled` over the examples
// (all of them, and the 43-record NDJSON file), and `trailql version`
// (process start and package initialisation alone). Besides the wall time
// per run (ns/op) it reports the CPU time (user and system, cpu-ms/op),
// which depends less on what else the machine runs.
func BenchmarkStartupBundled(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"examples", []string{"detect", "-q", "--rules", "bundled", "../../examples"}},
		{"ndjson43", []string{"detect", "-q", "--rules", "bundled", "../../examples/ndjson/cloudtrail.ndjson"}},
		{"seed-ndjson43", []string{"detect", "-q", "../../examples/ndjson/cloudtrail.ndjson"}},
		{"version", []string{"version"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(binary, bc.args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", bc.args, err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
