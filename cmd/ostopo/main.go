// Command ostopo is a terminal debugger for OpenStack Neutron ML2/Open
// vSwitch nodes. This package holds the command line (cobra) and the
// wiring; every feature lives in netinspect/ and ui/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	stopProfile := startProfile()
	if isOneShot(os.Args[1:]) {
		oneShotGC()
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status. stdout
// and stderr receive everything the command prints; when stdout is a
// terminal (an *os.File) the TUI draws on it.
//
// Everything printed goes through a safetext.Writer: whatever a snapshot's
// names hold, no control character reaches the reader's terminal raw (the
// formatters escape each field too, so a newline cannot forge a line; the
// writer is the net under them). The TUI draws on the terminal itself and
// escapes every string it shows (package ui).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out, errOut := safetext.NewWriter(stdout), safetext.NewWriter(stderr)
	defer out.Close()
	defer errOut.Close()
	a := &app{stdout: out, stderr: errOut, terminal: stdout}
	root := newRoot(a)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.msg != "" {
			fmt.Fprintf(errOut, "%s: %s\n", cmd.CommandPath(), e.msg)
		}
		return e.code
	}
	// Anything else is cobra's: an unknown command or flag, a missing or
	// stray argument. One line, and where to read more.
	fmt.Fprintf(errOut, "%s: %v (see %s --help)\n", cmd.CommandPath(), usageText(root, err), cmd.CommandPath())
	return usageExit(cmd)
}

// exitError ends a command with an exit status and, unless msg is empty, a
// one-line message that run prints after the command's name.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// fail ends a command with code and a message.
func fail(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// exitWith ends a command with code and nothing more to say (the command
// printed its answer already).
func exitWith(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// usageError is a mistake in the command line, found by ostopo rather than
// by cobra (a flag value out of range, a missing -o).
func usageError(cmd *cobra.Command, format string, a ...any) error {
	return &exitError{code: usageExit(cmd), msg: fmt.Sprintf(format, a...) + " (see " + cmd.CommandPath() + " --help)"}
}

// isOneShot says whether args run a command that ends by itself, as
// opposed to the interactive debugger.
func isOneShot(args []string) bool {
	cmd, _, err := newRoot(&app{}).Find(args)
	return err == nil && cmd.HasParent()
}

// startProfile writes a CPU profile to $OSTOPO_CPUPROFILE, for working on
// the speed targets (bench/) with the real binary.
func startProfile() func() {
	path := os.Getenv("OSTOPO_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ostopo: OSTOPO_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "ostopo: OSTOPO_CPUPROFILE: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// oneShotGC lets a command that runs once and exits collect garbage less
// often. Such a run keeps nearly all it allocates (the snapshot) until it
// writes its answer, so at Go's default (GOGC=100) the collector marks the
// growing snapshot again every time the heap doubles: 11 collections and
// a tenth of `ostopo snapshot`'s CPU on a 1000-instance node. At 800 the
// first collection waits for a 32 MB heap, which a 1000-instance snapshot
// (25 MB allocated in all) does not reach: the one collection 400 made
// came 140 ms into a 170 ms run, with a stop-the-world pause of up to
// 8 ms, and cost more than the page faults of the memory it let the last
// 30 ms reuse (1-3% of the run; peak RSS 30 -> 34 MB). The soft limit
// stops a far bigger node from growing to nine times its live heap. The
// TUI runs for hours and keeps Go's defaults; GOGC or GOMEMLIMIT in the
// environment win.
func oneShotGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(oneShotGCPercent)
	debug.SetMemoryLimit(256 << 20)
}

const oneShotGCPercent = 800

// lastPhaseGC stops collecting garbage for a one-shot command's last
// phase: what it allocates then (the encoded document, the Neutron view)
// lives until the process exits, so a collection there only marks the
// whole snapshot once more while the answer waits: 2-3% of `ostopo
// snapshot` on a 1000-instance node, for no change in peak RSS. The soft
// memory limit set by oneShotGC still holds. A process oneShotGC did not
// tune (a test calling run, GOGC in the environment) is left as it is.
func lastPhaseGC() {
	if prev := debug.SetGCPercent(-1); prev != oneShotGCPercent {
		debug.SetGCPercent(prev)
	}
}
