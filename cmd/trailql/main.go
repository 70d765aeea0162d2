// Command trailql runs Elastic's ES|QL detection rules on AWS CloudTrail logs.
//
// This package only wires the library packages to a command line; the work
// is done in cloudtrail (reading), ecs (mapping), esql (the query engine),
// rule (rule files), detect (rule execution) and alert (documents, output).
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit statuses. They are part of the interface: scripts branch on them.
const (
	exitOK      = 0 // all input read, command succeeded
	exitError   = 1 // the command failed (I/O error on output, internal error)
	exitUsage   = 2 // bad command line, or a rule or query that does not compile
	exitSkipped = 3 // the command ran, but some input was skipped (reported on stderr)
)

// exitError carries an exit status through cobra's error return.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus attaches an exit status to an error.
func withStatus(code int, err error) error {
	if err == nil {
		return nil
	}
	return &statusError{code: code, err: err}
}

// usageErrorf is an error in how the command was called.
func usageErrorf(format string, args ...any) error {
	return withStatus(exitUsage, fmt.Errorf(format, args...))
}

func main() {
	startupGC()
	os.Exit(run(os.Args[1:]))
}

// startupGC lets the heap grow to 16 MB before the first collection, then
// hands over to the usual GOGC=100. Go's first goal is 4 MB: a run over a
// small input (the bundled rules, their plans, the user-agent automaton:
// 9 MB at most) collected 4 times before it ended, 15-25% of its CPU time
// on 2 cores. A long run only starts collecting a little later. A GOGC in
// the environment is left to rule alone.
func startupGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(400) // the first goal is 4 MB x GOGC/100
	// The cleanup runs after the first collection, which finds the
	// sentinel unreachable. (A pointer in it keeps it off the tiny
	// allocator, whose blocks may outlive it.)
	type sentinel struct{ p *int }
	runtime.AddCleanup(&sentinel{p: new(int)}, func(int) { debug.SetGCPercent(100) }, 0)
}

// run executes the command line and returns the exit status.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var se *statusError
	if errors.As(err, &se) {
		if se.err != errPartial {
			fmt.Fprintln(os.Stderr, "trailql:", se.err)
		}
		return se.code
	}
	// cobra's own errors (unknown flag, missing argument) are usage errors.
	fmt.Fprintln(os.Stderr, "trailql:", err)
	return exitUsage
}

// errPartial signals exitSkipped after the problems were already reported.
var errPartial = errors.New("some input was skipped")

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "trailql",
		Short: "Run Elastic's ES|QL detection rules on AWS CloudTrail logs",
		Long: `trailql reads AWS CloudTrail logs (delivery files, gzip or plain, NDJSON, stdin)
and runs Elastic's ES|QL detection rules on them, giving the alerts Elastic
Security would give on the same events, with no Elasticsearch.

Exit status: 0 success; 1 failure; 2 usage, rule or query error (with
--rules, a rule that fails to load or compile is reported and the others run);
3 some input was skipped (the rest was processed and alerts were printed);
4 verify found a file that fails integrity validation.`,
		Version:       readBuildInfo().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newDetectCmd(), newQueryCmd(), newWatchCmd(), newRulesCmd(), newECSCmd(), newVerifyCmd(), newFieldsCmd(), newVersionCmd(), newInvestigateCmd(), newIngestCmd())
	return root
}
