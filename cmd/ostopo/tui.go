package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	"github.com/ostopo/ostopo/ui"
	"github.com/ostopo/ostopo/ui/theme"
	"github.com/spf13/cobra"
)

// newTUICmd is the root command: the interactive debugger, or with
// --plain (or when standard output is not a terminal) a view printed as
// text.
func newTUICmd(a *app) *cobra.Command {
	var watch, confirmTimeout time.Duration
	var view, filter, keysFile, stateDir, baselineFile string
	var plain bool
	cmd := &cobra.Command{
		// The debugger takes no arguments: a word here is a mistyped command.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if watch < 0 || confirmTimeout <= 0 {
				return usageError(cmd, "--watch and --confirm-timeout want a duration above zero (--watch 0 is off)")
			}
			if view != "" && !ui.IsView(view) {
				return usageError(cmd, "unknown view %q (%s)", view, strings.Join(viewNames(), ", "))
			}
			keys := theme.DefaultKeyMap()
			if err := loadKeys(keysFile, &keys); err != nil {
				return usageError(cmd, "%v", err)
			}
			var baseline *topo.Snapshot
			if baselineFile != "" {
				b, err := readSnapshotFile(baselineFile, int64(a.g.maxInput))
				if err != nil {
					return fail(exitUsage, "--baseline: %v", err)
				}
				baseline = b
			}
			f, isFile := a.terminal.(*os.File)
			if plain || !isFile || !isatty.IsTerminal(f.Fd()) {
				return a.printPlain(ctx, view, filter)
			}
			var src ui.Source
			var clouds ui.CloudSource
			note := ""
			if a.g.cloudReplay() {
				clouds = cloudSource{a: a}
			} else {
				src, note = chooseSource(a)
			}
			renderer := lipgloss.NewRenderer(f)
			if os.Getenv("NO_COLOR") != "" {
				renderer.SetColorProfile(termenv.Ascii)
			}
			var fixer ui.Fixer
			var verifier ui.Verifier
			if src != nil && src.Live() {
				verifier = liveVerifier{ovsRunDir: a.g.ovsRunDir}
				if !a.g.readonly {
					fixer = liveFixer{nsPath: a.g.rootNetns, stateDir: stateDir, etcDir: "/etc", timeout: confirmTimeout}
				}
			}
			model := ui.New(ctx, ui.Options{
				Source: src, Cloud: clouds, Keys: keys, Styles: theme.DefaultStyles(renderer),
				Watch: watch, View: view, Filter: filter, Clipboard: f,
				Fixer: fixer, Verifier: verifier, ReadOnly: a.g.readonly,
				Baseline: baseline, BaselineName: baselineName(baselineFile),
			})
			p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx), tea.WithOutput(f))
			_, err := p.Run()
			if !model.WaitForRepair(30 * time.Second) {
				return fail(exitFail, "the default-route repair did not finish restoring; run: ostopo fix rollback --state-dir %s", stateDir)
			}
			if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
				return fail(exitFail, "terminal UI: %v", err)
			}
			if note != "" {
				fmt.Fprintln(a.stderr, "ostopo: "+note)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&watch, "watch", 0, "refresh the live node every `INTERVAL` and mark (•) what changed (e.g. 5s)")
	f.StringVar(&view, "view", "", "open this `VIEW`: "+strings.Join(viewNames(), ", ")+" (default topology; on a cloud of several nodes, nodes)")
	f.StringVar(&filter, "filter", "", "start with this filter `TEXT` (names, UUID prefixes, IPs, MACs, VLANs)")
	f.StringVar(&keysFile, "keys", defaultKeysFile(), "key bindings `FILE` (JSON: {\"quit\": [\"q\", \"ctrl+q\"]})")
	f.StringVar(&stateDir, "state-dir", defaultStateDir, "journal and change log `DIR` of the default-route repair (F)")
	f.DurationVar(&confirmTimeout, "confirm-timeout", 60*time.Second, "the repair (F) restores the old routes unless kept within `DURATION`")
	f.StringVar(&baselineFile, "baseline", "", "mark (•) what differs from this snapshot `FILE` (taken before a change)")
	f.BoolVar(&plain, "plain", false, "print the view as text and exit (also when standard output is not a terminal)")
	return cmd
}

// viewNames are the views --view takes: a node's, then a cloud's.
func viewNames() []string { return append(ui.ViewNames(), ui.CloudViewNames()...) }

// cloudSource reads the recordings of a cloud (--replay-dir, several
// --replay) for the TUI, in its command: as loadCloud does, without the
// warnings on standard error, which the TUI's screen would overwrite (the
// Nodes view says what each node did not read).
type cloudSource struct{ a *app }

func (s cloudSource) Cloud(ctx context.Context) (*cloud.Cloud, error) {
	quiet := *s.a
	quiet.stderr = io.Discard
	c, lerr := quiet.loadCloud(ctx)
	if lerr != nil {
		return nil, lerr
	}
	return c, nil
}

func (s cloudSource) Describe() string {
	if d := s.a.g.replayDir; d != "" {
		return d
	}
	return fmt.Sprintf("%d snapshots", len(s.a.g.replays))
}

// baselineName is what the breadcrumb calls the --baseline file.
func baselineName(file string) string {
	if file == "" {
		return ""
	}
	return filepath.Base(file)
}

// chooseSource picks replay, demo or the live node. With no source given
// on a machine that is no Neutron node (no OVSDB socket anywhere), it opens
// the demo and says so, so a first run shows something true to life.
func chooseSource(a *app) (ui.Source, string) {
	switch {
	case a.g.demo:
		return demoSource{}, ""
	case a.g.replay != "":
		return replaySource{path: a.g.replay, limit: int64(a.g.maxInput)}, ""
	case a.g.imported():
		return importSource{g: &a.g}, ""
	case a.noNode():
		return demoSource{note: true}, demoNote
	}
	return liveSource{opts: a.g.collectOptions(), timeout: a.g.timeout}, ""
}

const demoNote = "no Open vSwitch on this machine, so this was the demo snapshot (--demo); on a node, run as root"

// noNode says whether ostopo was given no source on a machine that is no
// Neutron node (no OVSDB socket anywhere): then it opens the demo.
func (a *app) noNode() bool {
	if !a.g.live() || a.g.ovsdb != "" {
		return false
	}
	_, _, err := ovs.ResolveSocket("")
	return err != nil
}

type liveSource struct {
	opts    collect.Options
	timeout time.Duration
}

func (s liveSource) Snapshot(ctx context.Context) (*topo.Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return collect.Collect(ctx, s.opts)
}
func (liveSource) Live() bool           { return true }
func (liveSource) Describe() string     { return "the node" }
func (s replaySource) Live() bool       { return false }
func (s replaySource) Describe() string { return s.path }

type replaySource struct {
	path  string
	limit int64
}

func (s replaySource) Snapshot(context.Context) (*topo.Snapshot, error) {
	return readSnapshotFile(s.path, s.limit)
}

type demoSource struct{ note bool }

func (demoSource) Snapshot(context.Context) (*topo.Snapshot, error) {
	s, err := fixtures.Load("aio")
	if err != nil {
		return nil, err
	}
	s.Host += " (demo)"
	return s, nil
}
func (demoSource) Live() bool       { return false }
func (demoSource) Describe() string { return "the demo snapshot" }

// printPlain writes a view's rows as text: for pipes, scripts and --plain.
// The sources that were not read are warned about (load), so a view with
// every port "on no bridge" is never taken for the truth.
func (a *app) printPlain(ctx context.Context, view, filter string) error {
	if a.g.cloudReplay() {
		c, lerr := a.loadCloud(ctx)
		if lerr != nil {
			return lerr.exit(exitUsage, exitFail)
		}
		if view == "" {
			view = "nodes"
		}
		text, err := ui.PlainCloud(c, view, filter)
		if err != nil {
			return fail(exitUsage, "%v", err)
		}
		if _, err := io.WriteString(a.stdout, text); err != nil {
			return fail(exitFail, "write standard output: %v", err)
		}
		return nil
	}
	if view == "" {
		view = "topology"
	}
	note := ""
	if a.noNode() {
		a.g.demo, note = true, demoNote
	}
	snap, lerr := a.load(ctx)
	if lerr != nil {
		return lerr.exit(exitUsage, exitFail)
	}
	if note != "" {
		fmt.Fprintln(a.stderr, "ostopo: "+note)
	}
	text, err := ui.PlainText(snap, view, filter)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	if _, err := io.WriteString(a.stdout, text); err != nil {
		return fail(exitFail, "write standard output: %v", err)
	}
	return nil
}

func defaultKeysFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ostopo", "keys.json")
}

// loadKeys applies a key bindings file; a missing default file is fine.
func loadKeys(path string, keys *theme.KeyMap) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && path == defaultKeysFile() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("key bindings: %w", err)
	}
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("key bindings %s: %w", path, err)
	}
	if err := keys.Rebind(m); err != nil {
		return fmt.Errorf("key bindings %s: %w", path, err)
	}
	return nil
}
