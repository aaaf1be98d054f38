// Command ostopo is a terminal debugger for OpenStack Neutron ML2/Open
// vSwitch nodes. This file holds flags and wiring only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/ostopo/ostopo/netinspect/collect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	stopProfile := startProfile()
	if !isTUI(os.Args[1:]) {
		oneShotGC()
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
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

// Exit codes shared by every command.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// globals are the flags every command accepts.
type globals struct {
	replay          string
	demo            bool
	readonly        bool
	ovsdb           string
	ovsRunDir       string
	netnsDirs       listFlag
	rootNetns       string
	neutronStateDir string
	timeout         time.Duration
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.replay, "replay", "", "work from a recorded snapshot `FILE` instead of the live node")
	fs.BoolVar(&g.demo, "demo", false, "work from the embedded demo snapshot (an all-in-one lab node)")
	fs.BoolVar(&g.readonly, "readonly", false, "refuse every action that changes the node")
	fs.StringVar(&g.ovsdb, "ovsdb", "", "OVSDB `target` (default unix:/run/openvswitch/db.sock, then /var/run/...)")
	fs.StringVar(&g.ovsRunDir, "ovs-rundir", os.Getenv("OVS_RUNDIR"), "OVS run `dir` holding <bridge>.mgmt sockets (OVS_RUNDIR)")
	fs.Var(&g.netnsDirs, "netns-dir", "`dir` of named network namespaces (repeatable; default /run/netns, /var/run/netns)")
	fs.StringVar(&g.rootNetns, "root-netns", "", "`path` of the node's own namespace (default: the one ostopo runs in)")
	fs.StringVar(&g.neutronStateDir, "neutron-state-dir", "", "Neutron agents' state_path `dir` (default /var/lib/neutron, or kolla's volume)")
	fs.DurationVar(&g.timeout, "timeout", 30*time.Second, "give up reading the node after this `duration`")
}

func (g *globals) collectOptions() collect.Options {
	return collect.Options{
		OVSDB: g.ovsdb, OVSRunDir: g.ovsRunDir, NetnsDirs: g.netnsDirs,
		RootNetns: g.rootNetns, NeutronStateDir: g.neutronStateDir,
	}
}

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

const usage = `usage: ostopo [flags]            the interactive debugger (terminal UI)
       ostopo <command> [flags]

ostopo alone opens the TUI on the node (as root), on --replay FILE or on
--demo; with no Open vSwitch on the machine it opens the demo. Its own flags:
--watch INTERVAL, --view NAME, --filter TEXT, --keys FILE, --plain.

commands:
  snapshot [-o FILE]   read the node (or --replay FILE) and write the snapshot JSON
  trace IP [--json] [--reverse]
                       follow a floating IP, fixed IP or port id hop by hop;
                       exit 0 complete, 1 broken, 2 bad input
  doctor [--json]      list what is wrong on the node; exit 0 clean,
                       1 warnings, 2 errors, 3 node unreadable
  fix default-route [--dev NIC] [--gateway IP] [--apply [--yes] [--probe H:P]]
                       send the host's default route through the management NIC;
                       a plan unless --apply, journalled, rolled back unless confirmed
  fix rollback         restore the routes from the last fix's journal
  report -o FILE [--format html|md|svg|dot|json]
                       a report for a ticket: self-contained HTML (drawing and
                       tables), Markdown tables, the topology as SVG or dot
  diff OLD NEW [--json]
                       what changed between two snapshots, by Neutron object;
                       exit 0 same, 1 changed, 2 bad input

global flags (every command):
  --replay FILE            work from a recorded snapshot instead of the node
  --demo                   work from the embedded demo snapshot (an all-in-one node)
  --readonly               refuse every action that changes the node
  --ovsdb TARGET           OVSDB socket (unix:/run/openvswitch/db.sock)
  --ovs-rundir DIR         where <bridge>.mgmt sockets live (OVS_RUNDIR)
  --netns-dir DIR          where named namespaces live (/run/netns)
  --neutron-state-dir DIR  the agents' state_path (/var/lib/neutron)
  --timeout DURATION       give up reading the node after this long (30s)

run "ostopo <command> -h" for a command's own flags.
`

// commands maps subcommand names to their implementations.
func commands() map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"snapshot": cmdSnapshot,
		"trace":    cmdTrace,
		"doctor":   cmdDoctor,
		"fix":      cmdFix,
		"diff":     cmdDiff,
		"report":   cmdReport,
	}
}

// isTUI says whether the arguments start the interactive debugger (no
// command, only flags) rather than a command.
func isTUI(args []string) bool {
	return len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "-help" && args[0] != "--help"
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if isTUI(args) {
		return cmdTUI(ctx, args, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ostopo: unknown command %q (see ostopo --help)\n", args[0])
		return exitUsage
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// parseFlags parses a command's flags and turns flag errors into one line.
// It returns false with the exit code when the command must stop.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "usage: ostopo %s [flags]\n", fs.Name())
		fs.PrintDefaults()
		return exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "ostopo %s: %v (see ostopo %s -h)\n", fs.Name(), err, fs.Name())
		return exitUsage, false
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "ostopo %s: unexpected argument %q (see ostopo %s -h)\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, false
	}
	return exitOK, true
}
