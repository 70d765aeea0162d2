// Command profile runs the seed rule over CloudTrail files the way
// `trailql detect` does (cloudtrail.Reader -> detect.Detector) and writes a
// CPU profile, so that hot spots can be found with `go tool pprof` without
// adding profiling flags to cmd/trailql.
//
// Usage: profile [-cpuprofile cpu.out] [-memprofile mem.out] PATH...
// (PROFILE_BUNDLED=1: all bundled rules; PROFILE_RULE=FILE: one rule file.)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/rule"
)

func main() {
	cpu := flag.String("cpuprofile", "", "write a CPU profile to this file")
	mem := flag.String("memprofile", "", "write a heap profile (in-use and alloc samples) to this file, taken before Finish")
	peak := flag.String("peakprofile", "", "write a heap profile to this file whenever the live heap reaches a new high (checked every 20 ms): what is live at the peak")
	flag.Parse()
	if *peak != "" {
		go watchPeak(*peak)
	}
	if err := run(*cpu, *mem, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(cpu, mem string, paths []string) error {
	if len(paths) == 0 {
		return fmt.Errorf("no input paths")
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	now := start.UTC()
	rules := []*rule.Rule{rule.Seed()}
	if os.Getenv("PROFILE_BUNDLED") != "" {
		rules = rule.Bundled()
	}
	if f := os.Getenv("PROFILE_RULE"); f != "" {
		r, err := rule.LoadFile(f)
		if err != nil {
			return err
		}
		rules = []*rule.Rule{r}
	}
	compiled, err := detect.Compile(rules, now)
	if err != nil {
		return err
	}
	// PROFILE_SKIM=1 profiles `detect --skim`.
	// PROFILE_HELD=BYTES bounds the rows rules hold (detect --memory-limit
	// gives a quarter of its value).
	held, _ := strconv.ParseInt(os.Getenv("PROFILE_HELD"), 10, 64)
	det := detect.New(compiled, detect.Options{Now: now, Workers: runtime.NumCPU(), AllowedLateness: detect.DefaultHuntLateness,
		Skim: os.Getenv("PROFILE_SKIM") != "", MemoryLimit: held})
	var bad atomic.Int64
	reader := &cloudtrail.Reader{OnProblem: func(cloudtrail.Problem) { bad.Add(1) }}
	stats, err := det.Read(context.Background(), reader, paths, func(cloudtrail.Record, error) { bad.Add(1) })
	if err != nil {
		return err
	}
	// The heap is profiled before Finish, while the detector holds every open
	// group: what stays live there is what makes peak RSS grow with the input.
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if mem != "" {
		if err := writeHeap(mem); err != nil {
			return err
		}
	}
	read := time.Since(start)
	alerts, err := det.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "profile: %d records, %d alerts, %d problems in %.3fs (Finish %.3fs); live heap before Finish %.1f MiB\n",
		stats.Records, len(alerts), bad.Load(), time.Since(start).Seconds(), (time.Since(start) - read).Seconds(), float64(ms.HeapAlloc)/(1<<20))
	return nil
}

// writeHeap writes the heap profile (in-use and allocated samples) to path.
func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// watchPeak writes the heap profile to path each time the heap in use after
// a collection reaches a new high, so that the file ends up describing the
// peak (which, for long lookbacks, falls inside Finish).
func watchPeak(path string) {
	var high uint64
	var last uint32
	for range time.Tick(20 * time.Millisecond) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.NumGC == last {
			continue
		}
		last = ms.NumGC
		if ms.HeapAlloc > high {
			high = ms.HeapAlloc
			if err := writeHeap(path); err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
				return
			}
		}
	}
}
