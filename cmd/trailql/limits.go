package main

import (
	"errors"
	"fmt"
	"github.com/trailql/trailql/rule"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/internal/deadletter"
)

// maxMapperDepth is the deepest JSON the ECS mapper's parser accepts
// (valyala/fastjson's MaxDepth): a larger --max-depth would only move the
// error from the reader to the mapper.
const maxMapperDepth = 300

// inputLimits holds the reliability flags of commands that read input:
// resource limits, where skipped input is kept, and how bad rules are
// treated (issue "Reliability: hostile input, fuzzing, and honest errors").
type inputLimits struct {
	deadLetter    string
	maxRecordSize byteSize
	maxDepth      int
	strict        bool

	stderr   io.Writer
	dl       *deadletter.Writer
	kept     int // dead letters written
	dlErrors int // dead letters that could not be written
	badRules int // rules reported and not run

	mu sync.Mutex // recordProblem is called by parallel workers
}

// addInputFlags registers --dead-letter, --max-record-size and --max-depth
// on fs, and --strict when the command runs rule files.
func addInputFlags(fs *pflag.FlagSet, rules bool) *inputLimits {
	l := &inputLimits{maxRecordSize: cloudtrail.DefaultMaxRecordSize, stderr: os.Stderr}
	fs.StringVar(&l.deadLetter, "dead-letter", "", "write skipped records and unreadable files unchanged to `DIR`, each with a .why.json sidecar")
	fs.Var(&l.maxRecordSize, "max-record-size", "skip records larger than `SIZE` (bytes, or with a unit: 512KiB, 16MiB; KB/MB/GB are powers of 1000)")
	fs.IntVar(&l.maxDepth, "max-depth", cloudtrail.DefaultMaxDepth, "skip records nesting objects and arrays deeper than `N` levels (at most 300)")
	if rules {
		fs.BoolVar(&l.strict, "strict", false, "stop before reading input if any rule fails to load or compile (default: report it, run the others, exit 2)")
	}
	return l
}

// apply checks the flags and configures r: its limits, and dead letters for
// every problem after r.OnProblem (which must be set first) reported it.
// Its error is a usage error, given before any input is read.
func (l *inputLimits) apply(r *cloudtrail.Reader) error {
	if l.maxDepth < 1 || l.maxDepth > maxMapperDepth {
		return usageErrorf("--max-depth %d: want 1 to %d (%d is the most the ECS mapping's JSON parser accepts)", l.maxDepth, maxMapperDepth, maxMapperDepth)
	}
	r.MaxRecordSize = int(l.maxRecordSize)
	r.MaxDepth = l.maxDepth
	if l.deadLetter == "" {
		return nil
	}
	w, err := deadletter.New(l.deadLetter)
	if err != nil {
		return withStatus(exitUsage, fmt.Errorf("--dead-letter: %w", err))
	}
	l.dl = w
	r.MaxProblemRaw = -1 // records are kept whole, not cut to 64 KiB
	next := r.OnProblem
	r.OnProblem = func(p cloudtrail.Problem) {
		if next != nil {
			next(p)
		}
		if p.Skipped {
			l.kept++
			l.deadLetterError(w.Problem(p))
		}
	}
	return nil
}

// recordProblem reports a record that was read but rejected (by the ECS
// mapping), and keeps it as a dead letter.
// Workers reading in parallel call it concurrently.
func (l *inputLimits) recordProblem(rep *inputReport, rec cloudtrail.Record, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rep.recordProblem(rec, err)
	if l.dl != nil {
		l.kept++
		l.deadLetterError(l.dl.Record(rec.File, rec.Index, rec.Raw, err.Error()))
	}
}

// deadLetterError reports a dead letter that could not be written; the run
// goes on (the item was reported on stderr already).
func (l *inputLimits) deadLetterError(err error) {
	if err != nil {
		l.dlErrors++
		fmt.Fprintln(l.stderr, "trailql:", err)
	}
}

// ruleErrors handles the errors of rule.Load or detect.Compile, which
// return the rules that did load or compile beside the joined errors of
// those that did not. Each error is printed on stderr, one line each
// ("trailql: FILE:LINE:COL: message"). With --strict, or when no rule is
// left, the returned error ends the command (exit 2) before any input is
// read; otherwise the other rules run and status turns the exit status to 2
// at the end.
func (l *inputLimits) ruleErrors(err error, usable int) error {
	if err == nil {
		return nil
	}
	// Rules of other types (a detection-rules checkout holds KQL, EQL and
	// machine-learning rules too) are counted as skipped, not failed.
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var failed []error
	other := 0
	for _, e := range errs {
		if rule.IsUnsupported(e) {
			other++
		} else {
			failed = append(failed, e)
		}
	}
	if other > 0 {
		fmt.Fprintf(l.stderr, "trailql: %d rules are not ES|QL rules and were skipped\n", other)
	}
	if len(failed) == 0 {
		if usable == 0 {
			return usageErrorf("no ES|QL rule to run")
		}
		return nil
	}
	err = errors.Join(failed...)
	n := len(failed)
	l.badRules += n
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(l.stderr, "trailql:", line)
	}
	switch {
	case l.strict:
		return usageErrorf("%d rules failed to load or compile; --strict stops before reading input", n)
	case usable == 0:
		return usageErrorf("no usable rule: %d failed to load or compile", n)
	}
	return nil
}

// status gives the command's final error from the input report's one: a bad
// rule (exit 2) outranks skipped input (exit 3), since alerts that rule
// should have raised are missing. It also says where dead letters went.
func (l *inputLimits) status(inputErr error) error {
	if l.dl != nil && (l.kept > 0 || l.dlErrors > 0) {
		msg := fmt.Sprintf("trailql: %d skipped items kept in %s", l.kept-l.dlErrors, l.dl.Dir())
		if l.dlErrors > 0 {
			msg += fmt.Sprintf(" (%d could not be written)", l.dlErrors)
		}
		fmt.Fprintln(l.stderr, msg)
	}
	if l.badRules > 0 {
		return usageErrorf("%d rules were not run because of the errors above (--strict stops before reading input)", l.badRules)
	}
	return inputErr
}

// byteSize is a --max-record-size value: a count of bytes, written with an
// optional unit.
type byteSize int

// sizeUnits are the units byteSize accepts, case-insensitively. K, M and G
// alone are the binary units, as in most command-line tools.
var sizeUnits = []struct {
	name string
	mult int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1}, {"", 1},
}

// maxRecordSizeLimit is the largest record the reader can hold: a
// multi-line document is read whole up to 1 GiB.
const maxRecordSizeLimit = 1 << 30

// Set parses "16MiB", "512KB", "1048576".
func (s *byteSize) Set(v string) error {
	n, err := parseSize(v, maxRecordSizeLimit, "the 1GiB the reader can hold")
	if err == nil {
		*s = byteSize(n)
	}
	return err
}

// parseSize parses a positive size with an optional unit, at most max
// (named by what).
func parseSize(v string, max int64, what string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(v))
	for _, u := range sizeUnits {
		num, ok := strings.CutSuffix(t, u.name)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n <= 0 {
			break
		}
		if n > max/u.mult {
			return 0, fmt.Errorf("%s is more than %s", v, what)
		}
		return n * u.mult, nil
	}
	return 0, errors.New("want a positive number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB)")
}

// String renders the size as it would be typed: 16MiB, 512KiB or bytes.
func (s *byteSize) String() string {
	n := int64(*s)
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}

// Type names the value in --help.
func (s *byteSize) Type() string { return "size" }
