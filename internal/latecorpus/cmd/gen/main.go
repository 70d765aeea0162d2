// Command gen writes a late-delivery CloudTrail corpus (package latecorpus):
//
//	go run ./internal/latecorpus/cmd/gen -seed 1 -out /tmp/late
//
// gives /tmp/late/trail/AWSLogs/... (gzip delivery files in the S3 layout,
// some events delivered 40 to 120 minutes late) and /tmp/late/events.ndjson
// (the same events, one per line, shuffled), and prints the corpus's stats
// and its discovery bursts. Compare
//
//	trailql detect --format ndjson /tmp/late/trail
//	trailql detect --format ndjson /tmp/late/events.ndjson
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/latecorpus"
)

func main() {
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same corpus")
	out := flag.String("out", "", "output `DIR` (required)")
	start := flag.String("start", latecorpus.DefaultStart.Format(time.RFC3339), "first event time (RFC 3339)")
	duration := flag.Duration("duration", latecorpus.DefaultDuration, "span of event times")
	rate := flag.Float64("rate", latecorpus.DefaultRate, "background events per second")
	bursts := flag.Int("bursts", latecorpus.DefaultBursts, "discovery bursts")
	quiet := flag.Bool("q", false, "print the stats only, not the bursts")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -out DIR [-seed N] [-start T] [-duration D] [-rate R] [-bursts N] [-q]")
		os.Exit(2)
	}
	t0, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: -start:", err)
		os.Exit(2)
	}
	c := latecorpus.Generate(latecorpus.Options{Seed: *seed, Start: t0, Duration: *duration, Rate: *rate, Bursts: *bursts})
	if err := c.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Println(c.Stats())
	if *quiet {
		return
	}
	for _, b := range c.Bursts {
		note := "alerts"
		switch {
		case !b.Alerts():
			note = "never alerts"
		case !b.AlertsWithoutLate():
			note = "missing if late events are dropped"
		case len(b.OnTimeActions) < len(b.Actions):
			note = "shrinks if late events are dropped"
		}
		fmt.Printf("%s %s: %d actions (%d on time), %d events (%d late); %s\n  %s\n",
			b.Window.Format("15:04:05Z"), b.ARN, len(b.Actions), len(b.OnTimeActions), b.Events, b.LateEvents, note,
			strings.Join(b.Actions, " "))
	}
}
