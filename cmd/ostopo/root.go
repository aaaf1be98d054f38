package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/spf13/cobra"
)

// app is what every command shares: the global flags and where to print.
type app struct {
	g globals
	// stdout and stderr escape every control character (safetext.Writer).
	stdout, stderr io.Writer
	// terminal is the real standard output: the TUI draws on it when it is
	// a terminal.
	terminal io.Writer
}

// globals are the flags every command accepts (cobra's persistent flags
// of the root command).
type globals struct {
	// replay is the one snapshot file of a single-node replay: the only
	// --replay given, without --replay-dir (set by check). replays are
	// every --replay; replayDir is --replay-dir. More than one file, or
	// a directory, make a cloud (see loadCloud).
	replay          string
	replays         []string
	replayDir       string
	demo            bool
	readonly        bool
	ovsdb           string
	ovsRunDir       string
	netnsDirs       []string
	rootNetns       string
	neutronStateDir string
	timeout         time.Duration
	maxInput        byteSize
	// sos is --sos (a sosreport archive or its directory), fromDir
	// --from-dir (a folder of command outputs): imported into one
	// snapshot (netinspect/sosimport), a recording like --replay.
	sos, fromDir string
}

// live says whether the command reads the node rather than a recording.
func (g *globals) live() bool {
	return !g.demo && g.replay == "" && len(g.replays) == 0 && g.replayDir == "" && !g.imported()
}

// imported says whether the snapshot is imported from what a node left
// behind: --sos or --from-dir.
func (g *globals) imported() bool { return g.sos != "" || g.fromDir != "" }

// cloudReplay says whether the recordings are read as a cloud of many
// snapshots: --replay-dir, or --replay given more than once.
func (g *globals) cloudReplay() bool { return g.replayDir != "" || len(g.replays) > 1 }

func (g *globals) collectOptions() collect.Options {
	return collect.Options{
		OVSDB: g.ovsdb, OVSRunDir: g.ovsRunDir, NetnsDirs: g.netnsDirs,
		RootNetns: g.rootNetns, NeutronStateDir: g.neutronStateDir,
	}
}

func (g *globals) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringArrayVar(&g.replays, "replay", nil, "work from a recorded snapshot `FILE` (plain or gzip JSON) instead of the live node; repeat it for several nodes of one cloud")
	f.StringVar(&g.replayDir, "replay-dir", "", "work from every node snapshot in `DIR` (*.json, *.json.gz, as ostopo collect writes them) as one cloud")
	f.BoolVar(&g.demo, "demo", false, "work from the embedded demo snapshot (an all-in-one lab node)")
	f.StringVar(&g.sos, "sos", "", "work from a sosreport of the node: its `PATH` (.tar.xz, .tar.gz, .tar.bz2, or the unpacked directory); what it did not collect is unknown")
	f.StringVar(&g.fromDir, "from-dir", "", "work from a `DIR` of the node's command outputs with any file names (ovs-vsctl show, ovs-ofctl dump-flows, ip a, iptables-save, ...), each recognised by its content")
	f.BoolVar(&g.readonly, "readonly", false, "refuse every action that changes the node")
	f.StringVar(&g.ovsdb, "ovsdb", "", "OVSDB `TARGET` (default unix:/run/openvswitch/db.sock, then /var/run/...)")
	f.StringVar(&g.ovsRunDir, "ovs-rundir", os.Getenv("OVS_RUNDIR"), "OVS run `DIR` holding <bridge>.mgmt sockets ($OVS_RUNDIR)")
	f.StringSliceVar(&g.netnsDirs, "netns-dir", nil, "`DIR` of named network namespaces; must exist (repeatable; default /run/netns, /var/run/netns)")
	f.StringVar(&g.rootNetns, "root-netns", "", "`PATH` of the node's own namespace (default: the one ostopo runs in)")
	f.StringVar(&g.neutronStateDir, "neutron-state-dir", "", "the Neutron agents' state_path `DIR` (default /var/lib/neutron, or kolla's volume)")
	f.DurationVar(&g.timeout, "timeout", 30*time.Second, "give up reading the node after this `DURATION` (> 0)")
	g.maxInput = topo.DefaultMaxBytes
	f.Var(&g.maxInput, "max-input", "read at most this `SIZE` of a snapshot file, compressed and decompressed (e.g. 512MiB); also of the files read from --sos or --from-dir together")
}

// check refuses global flag values no command can use.
func (g *globals) check(cmd *cobra.Command) error {
	g.resolve()
	switch {
	case g.timeout <= 0:
		return usageError(cmd, "--timeout %s: want a duration above zero, such as 30s", g.timeout)
	case (len(g.replays) > 0 || g.replayDir != "") && g.demo:
		return usageError(cmd, "--replay and --demo are two sources: give one")
	}
	if n := g.sources(); len(n) > 1 {
		return usageError(cmd, "%s are %d sources: give one", strings.Join(n, " and "), len(n))
	}
	for _, d := range g.netnsDirs {
		if d == "" {
			return usageError(cmd, "--netns-dir: empty directory name")
		}
	}
	return nil
}

// sources names the recordings given, one each: --replay (or
// --replay-dir), --demo, --sos, --from-dir.
func (g *globals) sources() []string {
	var n []string
	for _, s := range []struct {
		name string
		set  bool
	}{
		{"--replay", len(g.replays) > 0 || g.replayDir != ""},
		{"--demo", g.demo},
		{"--sos", g.sos != ""},
		{"--from-dir", g.fromDir != ""},
	} {
		if s.set {
			n = append(n, s.name)
		}
	}
	return n
}

// resolve sets replay from replays once the flags are parsed (check does,
// and so do the loaders: shell completion runs no PreRun). An empty
// --replay named no file and meant the live node, as it did when the flag
// took one value; it still does. A file named twice is one node (cobra's
// shell completion parses the flags twice, appending to the array again).
func (g *globals) resolve() {
	var files []string
	for _, f := range g.replays {
		if f != "" && !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	g.replays = files
	g.replay = ""
	if len(g.replays) == 1 && g.replayDir == "" {
		g.replay = g.replays[0]
	}
}

const rootLong = `ostopo reads an OpenStack Neutron node (ML2/Open vSwitch) and shows what
the course diagrams show, live and true: bridges, patch ports and tunnels,
each instance's tap–qbr–qvb⇄qvo chain, local VLANs and the networks they
stand for, DHCP and router namespaces with addresses, routes and NAT. No
Neutron API credentials are needed. How the node runs its agents
(kolla-ansible's containers, distribution packages under systemd, or plain
processes) is told from the node itself, and the hints name what is there:
docker restart neutron_l3_agent, or systemctl restart neutron-l3-agent.

ostopo alone opens the interactive debugger on the node (as root), on
--replay FILE or on --demo; with no Open vSwitch on the machine it opens the
demo. --sos PATH (a sosreport) and --from-dir DIR (a folder of command
outputs) import what a node left behind into a snapshot, a source like
--replay for every command; what they do not hold is marked not collected.
When standard output is not a terminal, or with --plain, it prints the view
as text.

Many nodes' snapshots (--replay-dir DIR, as ostopo collect writes it, or
--replay once per node) are one cloud: ostopo cloud shows its nodes, tunnel
mesh, networks and routers across nodes, ostopo doctor each node's findings
and the problems across nodes.`

// newRoot builds the command tree. Flags may stand before or after a
// command and its arguments (ostopo --demo trace 10.1.0.10 --json).
func newRoot(a *app) *cobra.Command {
	root := newTUICmd(a)
	root.Use = "ostopo [--view VIEW] [--filter TEXT] [--watch INTERVAL] [--baseline FILE] [--keys FILE] [--plain] [--state-dir DIR] [--confirm-timeout DURATION]"
	root.Short = "the interactive debugger (terminal UI); with --plain, or when standard output is not a terminal, the view printed as text"
	root.Long = rootLong + "\n\nExit status:\n" + exitStatusText()
	root.SilenceErrors = true // run prints errors, on one line
	root.SilenceUsage = true
	root.DisableSuggestions = true // usageText suggests on the same line
	root.SuggestionsMinimumDistance = 2
	a.g.register(root)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return a.g.check(cmd) }
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.AddCommand(newSnapshotCmd(a), newTraceCmd(a), newDoctorCmd(a), newFixCmd(a), newReportCmd(a), newDiffCmd(a), newCloudCmd(a), newCollectCmd(a))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Use = "completion bash|zsh|fish"
		c.Short = "print the shell completion script (bash, zsh, fish): commands, flags, views, and for trace the node's IPs and port ids"
		for _, sh := range c.Commands() {
			// PowerShell's script works on Windows only; ostopo reads Linux nodes.
			sh.Hidden = sh.Name() == "powershell"
		}
	}
	registerCompletions(a, root)
	for _, c := range root.Commands() {
		st, ok := exitStatusOf(c.Name())
		for _, cc := range append([]*cobra.Command{c}, c.Commands()...) {
			if ok && cc.Long != "" {
				cc.Long += "\n\nExit status:\n" + st
			}
		}
	}
	return root
}

// noArgs is cobra.NoArgs in ostopo's words.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	return nil
}

// usageText is a usage error as one line, with a suggestion for a
// mistyped command.
func usageText(root *cobra.Command, err error) string {
	msg := err.Error()
	var arg string
	if _, scanErr := fmt.Sscanf(msg, "unknown command %q", &arg); scanErr == nil {
		if s := root.SuggestionsFor(arg); len(s) > 0 {
			return fmt.Sprintf("unknown command %q; did you mean %s?", arg, strings.Join(s, " or "))
		}
		return fmt.Sprintf("unknown command %q", arg)
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// Exit statuses.
const (
	exitOK      = 0
	exitFail    = 1
	exitUsage   = 2
	exitUnknown = 3
)

// usageExit is the status of a usage error: 2, but 3 (UNKNOWN) for doctor,
// as monitoring plugins do: a check that cannot run must not read as
// CRITICAL.
func usageExit(cmd *cobra.Command) int {
	if cmd != nil && cmd.Name() == "doctor" {
		return exitUnknown
	}
	return exitUsage
}

// exitStatus is one row of the exit status table: which commands, and
// what 0, 1, 2, 3 and 4 mean for them.
type exitStatus struct {
	commands string
	meaning  [5]string
}

// exitStatuses is the one table of exit statuses: --help prints it, the
// README holds it (a test compares them), and the commands return them.
func exitStatuses() []exitStatus {
	return []exitStatus{
		{"ostopo, snapshot, report, fix, completion", [5]string{"done", "failed: nothing could be read from the node, a write failed, a pre-check or the repair failed", "usage or bad input (a flag, an argument, a snapshot file, a sosreport or folder of outputs)", "-", "-"}},
		{"doctor", [5]string{"ok: every check ran, nothing found", "warnings only", "errors", "unknown: a check could not run because its facts were not read (and no error was found), or usage or bad input", "-"}},
		{"trace", [5]string{"the path is complete", "the path is broken", "bad input: no such IP or port, an ambiguous id prefix, a usage error, a bad snapshot file", "unreadable: the facts the trace needs were not read",
			"standby: the path runs into an HA router standing by on this node (active on the other L3 agent's node: trace there)"}},
		{"diff", [5]string{"the snapshots are the same", "something changed", "usage or bad input", "-", "-"}},
		{"cloud", [5]string{"clean: every node and every cross-node check read and found nothing", "problems: on a node (its Neutron view, doctor) or across nodes", "usage or bad input (a flag, a snapshot file or directory, two snapshots of one host)",
			"unknown: nothing found, but a fact a check needs was not read", "-"}},
		collectExitStatus(),
	}
}

// exitStatusText is the table for --help.
func exitStatusText() string {
	var b strings.Builder
	for _, s := range exitStatuses() {
		fmt.Fprintf(&b, "  %s\n", s.commands)
		for code, m := range s.meaning {
			if m != "-" {
				fmt.Fprintf(&b, "    %d  %s\n", code, m)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// exitStatusOf is a command's own rows of the table, for its --help.
func exitStatusOf(command string) (string, bool) {
	for _, s := range exitStatuses() {
		for _, c := range strings.Split(s.commands, ", ") {
			if c != command {
				continue
			}
			var b strings.Builder
			for code, m := range s.meaning {
				if m != "-" {
					fmt.Fprintf(&b, "  %d  %s\n", code, m)
				}
			}
			return strings.TrimRight(b.String(), "\n"), true
		}
	}
	return "", false
}

// exitStatusMarkdown is the table for the README.
func exitStatusMarkdown() string {
	var b strings.Builder
	b.WriteString("| command | 0 | 1 | 2 | 3 | 4 |\n|---|---|---|---|---|---|\n")
	for _, s := range exitStatuses() {
		fmt.Fprintf(&b, "| %s | %s |\n", s.commands, strings.Join(s.meaning[:], " | "))
	}
	return b.String()
}

// warn prints one warning line.
func (a *app) warn(format string, args ...any) {
	fmt.Fprintf(a.stderr, "ostopo: warning: "+format+"\n", args...)
}
