package main

import (
	"fmt"
	"os"
	"time"
)

// progress prints a one-line, self-overwriting count of records processed on
// stderr while a long run goes on, when stderr is a terminal (never in pipes
// or logs). stop erases the line.
func progress(quiet bool, count func() int) (stop func()) {
	if quiet || !isTerminal(os.Stderr) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(os.Stderr, "\r\033[K")
				}
				return
			case <-t.C:
				if time.Since(start) < time.Second {
					continue // short runs need no progress line
				}
				n := count()
				rate := float64(n) / time.Since(start).Seconds()
				fmt.Fprintf(os.Stderr, "\r\033[Ktrailql: %d records, %.0f/s, %s", n, rate, time.Since(start).Round(time.Second))
				shown = true
			}
		}
	}()
	return func() { close(done); <-finished }
}
