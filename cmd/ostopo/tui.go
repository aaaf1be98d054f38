package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	"github.com/ostopo/ostopo/ui"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/theme"
)

// cmdTUI opens the interactive debugger (ostopo with no subcommand).
func cmdTUI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var watch time.Duration
	var view, filter, keysFile string
	var plain bool
	var stateDir, baselineFile string
	var confirmTimeout time.Duration
	fs := flag.NewFlagSet("ostopo", flag.ContinueOnError)
	g.register(fs)
	fs.DurationVar(&watch, "watch", 0, "refresh the live node every `interval` (e.g. 5s)")
	fs.StringVar(&view, "view", "topology", "open this `view` (topology, networks, namespaces, ports, flows, problems)")
	fs.StringVar(&filter, "filter", "", "start with this filter `text`")
	fs.StringVar(&keysFile, "keys", defaultKeysFile(), "key bindings `file` (JSON: {\"quit\": [\"q\"]})")
	fs.StringVar(&stateDir, "state-dir", "/var/lib/ostopo", "journal and change log `dir` of the default-route repair (F)")
	fs.DurationVar(&confirmTimeout, "confirm-timeout", 60*time.Second, "the repair (F) restores the old routes unless kept within `duration`")
	fs.StringVar(&baselineFile, "baseline", "", "mark (•) what differs from this snapshot `file`")
	fs.BoolVar(&plain, "plain", false, "print the view as text and exit (also when stdout is not a terminal)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	keys := theme.DefaultKeyMap()
	if err := loadKeys(keysFile, &keys); err != nil {
		fmt.Fprintf(stderr, "ostopo: %v\n", err)
		return exitUsage
	}
	src, note := chooseSource(&g)
	var baseline *topo.Snapshot
	if baselineFile != "" {
		b, err := readSnapshotFile(baselineFile)
		if err != nil {
			fmt.Fprintf(stderr, "ostopo: --baseline: %v\n", err)
			return exitUsage
		}
		baseline = b
	}

	f, isFile := stdout.(*os.File)
	if plain || !isFile || !isatty.IsTerminal(f.Fd()) {
		return printPlain(ctx, src, view, filter, stdout, stderr)
	}
	renderer := lipgloss.NewRenderer(f)
	if os.Getenv("NO_COLOR") != "" {
		renderer.SetColorProfile(termenv.Ascii)
	}
	var fixer ui.Fixer
	if src.Live() && !g.readonly {
		fixer = liveFixer{nsPath: g.rootNetns, stateDir: stateDir, etcDir: "/etc", timeout: confirmTimeout}
	}
	model := ui.New(ctx, ui.Options{
		Source: src, Keys: keys, Styles: theme.DefaultStyles(renderer),
		Watch: watch, View: view, Filter: filter, Clipboard: f,
		Fixer: fixer, ReadOnly: g.readonly,
		Baseline: baseline, BaselineName: filepath.Base(baselineFile),
	})
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx), tea.WithOutput(f))
	_, err := p.Run()
	if !model.WaitForRepair(30 * time.Second) {
		fmt.Fprintf(stderr, "ostopo: the default-route repair did not finish restoring; run: ostopo fix rollback --state-dir %s\n", stateDir)
		return exitFail
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "ostopo: terminal UI: %v\n", err)
		return exitFail
	}
	if note != "" {
		fmt.Fprintln(stderr, "ostopo: "+note)
	}
	return exitOK
}

// chooseSource picks replay, demo or the live node. With no source given
// on a machine that is no Neutron node (no OVSDB socket anywhere), it opens
// the demo and says so, so a first run shows something true to life.
func chooseSource(g *globals) (ui.Source, string) {
	switch {
	case g.demo:
		return demoSource{}, ""
	case g.replay != "":
		return replaySource{path: g.replay}, ""
	case g.ovsdb == "":
		if _, _, err := ovs.ResolveSocket(""); err != nil {
			return demoSource{note: true}, "no Open vSwitch on this machine, so this was the demo snapshot (--demo); on a node, run as root"
		}
	}
	return liveSource{opts: g.collectOptions(), timeout: g.timeout}, ""
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

type replaySource struct{ path string }

func (s replaySource) Snapshot(context.Context) (*topo.Snapshot, error) {
	return readSnapshotFile(s.path)
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
func printPlain(ctx context.Context, src ui.Source, view, filter string, stdout, stderr io.Writer) int {
	snap, err := src.Snapshot(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "ostopo: %v\n", err)
		return exitFail
	}
	rows, ok := ui.ViewRows(snap, view)
	if !ok {
		fmt.Fprintf(stderr, "ostopo: unknown view %q (topology, networks, namespaces, ports, flows, problems)\n", view)
		return exitUsage
	}
	term := strings.ToLower(filter)
	var b strings.Builder
	for _, r := range rows {
		if r.Matches(term) || r.Class == render.Header {
			b.WriteString(r.Text)
			b.WriteByte('\n')
		}
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		fmt.Fprintf(stderr, "ostopo: write standard output: %v\n", err)
		return exitFail
	}
	return exitOK
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
