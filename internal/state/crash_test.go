//go:build unix

package state

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run the watch loop in a child process (this test binary
// re-executed with crashEnv set) and kill it with SIGKILL: no deferred
// function, no Close, no flush runs, exactly as with kill -9 or the OOM
// killer. The parent then reopens the database and checks that every
// object is either fully applied (done-mark, snapshot, alert, outbox) or
// not at all, and that a resumed run ends in the state of one clean run.

const (
	crashEnv    = "TRAILQL_STATE_CRASH_DB"     // database path for the child
	crashKillAt = "TRAILQL_STATE_CRASH_KILLAT" // object index at which the child kills itself mid-transaction
	crashN      = "TRAILQL_STATE_CRASH_N"      // objects to process
)

var crashSinks = []string{"stdout", "webhook:hooks.example#1"}

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for the crash tests")
	}
	n, _ := strconv.Atoi(os.Getenv(crashN))
	killAt := -1
	if v := os.Getenv(crashKillAt); v != "" {
		killAt, _ = strconv.Atoi(v)
	}
	s, err := Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	s.SetSinks(crashSinks...)
	e, err := restoreToy(s)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	for i := 0; i < n; i++ {
		var hook func()
		if i == killAt {
			// Every write of the batch is done, the commit is not.
			hook = func() { syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }
		}
		skipped, err := e.process(s, i, hook)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		if !skipped {
			fmt.Println("committed", i)
		}
	}
	fmt.Println("finished")
	os.Exit(0) // no Close: a clean exit must not be needed either
}

func startChild(t *testing.T, path string, n, killAt int) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashN+"="+strconv.Itoa(n))
	if killAt >= 0 {
		cmd.Env = append(cmd.Env, crashKillAt+"="+strconv.Itoa(killAt))
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// reopenCheck opens the database after a child died and checks the
// all-or-nothing invariant; it returns how many objects are done.
func reopenCheck(t *testing.T, path string) int {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer s.Close()
	var ok string
	if err := s.readRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	done, err := checkToyConsistent(s, crashSinks)
	if err != nil {
		t.Fatalf("after crash: %v", err)
	}
	return done
}

// TestCrashMidTransaction kills the child inside the batch of object 7,
// after all its writes: none of object 7's effects may survive, all of
// objects 0-6 must.
func TestCrashMidTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd, out := startChild(t, path, 12, 7)
	var last string
	for out.Scan() {
		last = out.Text()
	}
	err := cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if err == nil || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v (last line %q)", err, last)
	}
	if last != "committed 6" {
		t.Fatalf("child's last line %q, want committed 6", last)
	}
	if done := reopenCheck(t, path); done != 7 {
		t.Fatalf("done = %d after a crash in object 7's batch, want 7", done)
	}
	// A resumed run completes the rest and matches one clean run.
	cmd, out = startChild(t, path, 12, -1)
	var lines []string
	for out.Scan() {
		lines = append(lines, out.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if lines[0] != "committed 7" || lines[len(lines)-1] != "finished" {
		t.Errorf("resume output %v: want it to start at object 7", lines)
	}
	if done := reopenCheck(t, path); done != 12 {
		t.Fatalf("done = %d after resume, want 12", done)
	}
}

// TestCrashAtRandomMoments kills the child from outside at random moments
// (mid-batch, mid-commit, between batches), five times in a row, each run
// resuming the previous one's database; the invariant must hold after
// every kill, and the last, unkilled run must end in one clean run's state.
func TestCrashAtRandomMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const n = 60
	path := filepath.Join(t.TempDir(), "state.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	prev := 0
	for round := 0; round < 5; round++ {
		cmd, out := startChild(t, path, n, -1)
		// Let it commit at least one object, then kill it after a random
		// delay: the moment falls anywhere in the loop.
		if !out.Scan() {
			cmd.Wait()
			t.Fatalf("round %d: child printed nothing", round)
		}
		if strings.HasPrefix(out.Text(), "finished") {
			cmd.Wait()
			break
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		cmd.Process.Kill() // SIGKILL
		for out.Scan() {
		}
		cmd.Wait()
		done := reopenCheck(t, path)
		if done < prev {
			t.Fatalf("round %d: done went back from %d to %d", round, prev, done)
		}
		t.Logf("round %d: killed with %d/%d objects done", round, done, n)
		prev = done
	}
	cmd, out := startChild(t, path, n, -1)
	for out.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v", err)
	}
	if done := reopenCheck(t, path); done != n {
		t.Fatalf("done = %d, want %d", done, n)
	}
}
