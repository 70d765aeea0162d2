package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/trailql/trailql/cloudtrail"
)

// inputReport collects what happened to the input of a run, for the summary
// line and the exit status: nothing is dropped silently.
type inputReport struct {
	stats    cloudtrail.Stats
	unmapped int   // records read but rejected by the ECS mapping
	late     int64 // rows that reached STATS after their window was evaluated
	start    time.Time
	stderr   io.Writer
}

func newInputReport(stderr io.Writer) *inputReport {
	r := &inputReport{start: time.Now(), stderr: stderr}
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		// A progress line may be on screen: erase it before each message.
		r.stderr = &lineClearer{f}
	}
	return r
}

// lineClearer erases the current terminal line before each write, so that
// messages never run into the progress line.
type lineClearer struct{ f *os.File }

func (c *lineClearer) Write(p []byte) (int, error) {
	if _, err := c.f.WriteString("\r\033[K"); err != nil {
		return 0, err
	}
	return c.f.Write(p)
}

// problem reports one unreadable file or record on stderr.
func (r *inputReport) problem(p cloudtrail.Problem) {
	if !p.Skipped {
		// Recovered: nothing was lost (a missing comma, a symlink loop).
		fmt.Fprintf(r.stderr, "trailql: warning: %s\n", p.Error())
		return
	}
	fmt.Fprintf(r.stderr, "trailql: skipped %s\n", p.Error())
}

// recordProblem reports a record that was read but could not be mapped.
func (r *inputReport) recordProblem(rec cloudtrail.Record, err error) {
	r.unmapped++
	fmt.Fprintf(r.stderr, "trailql: skipped %s: record %d: %v\n", rec.File, rec.Index, err)
}

// skipped is the number of input items (records and whole files) not evaluated.
func (r *inputReport) skipped() int {
	return r.stats.SkippedRecords + r.stats.SkippedFiles + r.unmapped + int(r.late)
}

// summary prints the one-line run summary on stderr.
func (r *inputReport) summary(what string) {
	s := r.stats
	var b strings.Builder
	fmt.Fprintf(&b, "trailql: %d files", s.Files)
	if s.DigestFiles > 0 {
		fmt.Fprintf(&b, " (%d digest files skipped)", s.DigestFiles)
	}
	if s.PrunedFiles > 0 {
		fmt.Fprintf(&b, " (%d delivery files outside --since/--until not opened)", s.PrunedFiles)
	}
	if s.DeclinedFiles > 0 {
		fmt.Fprintf(&b, " (%d s3:// objects outside CloudTrail's key layout not read)", s.DeclinedFiles)
	}
	fmt.Fprintf(&b, ", %d records, %d skipped records, %d skipped files, %s in %s",
		s.Records, s.SkippedRecords+r.unmapped, s.SkippedFiles, what, time.Since(r.start).Round(time.Millisecond))
	if s.Skimmed > 0 {
		fmt.Fprintf(&b, "; %d NDJSON lines that no rule can match were counted, not checked (--skim)", s.Skimmed)
	}
	b.WriteString("\n")
	io.WriteString(r.stderr, b.String()) // one write: see lineClearer
}

// status is the error that gives the run's exit status once output is done.
func (r *inputReport) status() error {
	if r.skipped() > 0 {
		return withStatus(exitSkipped, errPartial)
	}
	return nil
}

// terminalWidth is the width of the terminal f, or 0 when f is not one.
func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// isTerminal reports whether f is a terminal, to pick human or machine output.
func isTerminal(f *os.File) bool {
	// A character device is not enough: /dev/null is one.
	return term.IsTerminal(int(f.Fd()))
}

// plural writes a count with its noun: "1 rule", "2 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
