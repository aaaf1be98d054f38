package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// cmdFix: `ostopo fix default-route` (plan; --apply changes it) and
// `ostopo fix rollback`.
func cmdFix(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "ostopo fix: want default-route or rollback (see ostopo fix default-route -h)")
		return exitUsage
	}
	switch args[0] {
	case "default-route":
		return fixDefaultRoute(ctx, args[1:], stdout, stderr)
	case "rollback":
		return fixRollback(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ostopo fix: unknown fix %q (default-route, rollback)\n", args[0])
	return exitUsage
}

func fixDefaultRoute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var dev, gateway, nsName, probe, stateDir, etcDir string
	var apply, yes, persist bool
	var timeout time.Duration
	fs := flag.NewFlagSet("fix default-route", flag.ContinueOnError)
	g.register(fs)
	fs.StringVar(&dev, "dev", "", "management `NIC` to carry the default route (default: the first candidate)")
	fs.StringVar(&gateway, "gateway", "", "gateway `IP` on the management network (must forward and NAT)")
	fs.StringVar(&nsName, "netns", "", "change this named `namespace` instead of the one ostopo runs in")
	fs.BoolVar(&apply, "apply", false, "change the route (default: show the plan only)")
	fs.BoolVar(&yes, "yes", false, "with --apply: keep the new route without asking (for scripts)")
	fs.DurationVar(&timeout, "confirm-timeout", 60*time.Second, "with --apply: restore the old routes unless confirmed within `duration`")
	fs.StringVar(&probe, "probe", "", "with --apply: also require a TCP connection to `HOST:PORT` to succeed")
	fs.StringVar(&stateDir, "state-dir", "/var/lib/ostopo", "journal and change log `dir`")
	fs.BoolVar(&persist, "persist", false, "also write the boot-time configuration for the node's network manager")
	fs.StringVar(&etcDir, "etc-dir", "/etc", "configuration `dir` for --persist")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	nsPath := ""
	if nsName != "" {
		nsPath = filepath.Join("/run/netns", nsName)
		g.rootNetns = nsPath
	}
	if g.readonly && (apply || persist) {
		fmt.Fprintln(stderr, "ostopo fix: --readonly: refusing to change the node")
		return exitFail
	}
	snap, code := loadSnapshot(ctx, &g, stderr)
	if snap == nil {
		return code
	}
	live := !g.demo && g.replay == ""
	plan, err := checkedPlan(snap, nsPath, dev, gateway, live)
	if err != nil {
		fmt.Fprintf(stderr, "ostopo fix: %v\n", err)
		return exitUsage
	}
	per := routefix.PersistFor(etcDir, plan)
	text := plan.Text(snap.Host, nsName, routefix.Diagnose(snap), per)
	switch {
	case !apply:
		text += "\nnothing changed (plan only): add --apply to change it; it is journalled and rolled back unless confirmed.\n"
	case !persist:
		text += "\nthe change lasts until reboot; --persist also writes the boot-time configuration above.\n"
	}
	io.WriteString(stdout, text)
	if !plan.OK() {
		fmt.Fprintln(stderr, "ostopo fix: a pre-check failed: nothing changed")
		return exitFail
	}
	if !apply {
		return exitOK
	}
	if !live {
		fmt.Fprintln(stderr, "ostopo fix: --apply works on the live node, not on a replay")
		return exitUsage
	}
	err = routefix.Apply(ctx, plan, routefix.ApplyOptions{
		NetnsPath: nsPath, StateDir: stateDir, Probe: probe,
		Confirm: func(ctx context.Context) (bool, error) { return confirm(ctx, yes, timeout, stderr) },
		Say:     func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) },
	})
	if err != nil {
		fmt.Fprintf(stderr, "ostopo fix: %v\n", err)
		if errors.Is(err, routefix.ErrNotRoot) {
			return exitUsage
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "kept: %s (journal and log in %s; undo with: ostopo fix rollback --state-dir %s)\n", plan.Command, stateDir, stateDir)
	if persist {
		if err := per.Write(stateDir); err != nil {
			fmt.Fprintf(stderr, "ostopo fix: --persist: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "persisted for %s: %s\n", per.Manager, per.File)
	}
	return exitOK
}

// checkedPlan is the plan with every pre-check, including whether the
// gateway answers when ostopo is on the live node (a replay cannot ask).
func checkedPlan(snap *topo.Snapshot, nsPath, dev, gateway string, live bool) (*routefix.Plan, error) {
	plan, err := routefix.NewPlan(snap, dev, gateway)
	if err != nil {
		return nil, err
	}
	switch {
	case !live:
		plan.Checks = append(plan.Checks, routefix.Check{What: "gateway answers", OK: true, Skipped: true, Detail: "not checked: a replay cannot ask the network"})
	case plan.OK():
		c := routefix.Check{What: "gateway answers (ARP on " + plan.Dev + ")", OK: true, Detail: plan.Gateway + " answers"}
		if err := routefix.Verify(nsPath, plan.Dev, plan.Gateway, ""); err != nil {
			c.OK, c.Detail = false, err.Error()
		}
		plan.Checks = append(plan.Checks, c)
	}
	return plan, nil
}

// liveFixer drives the repair from the TUI on the live node.
type liveFixer struct {
	nsPath, stateDir, etcDir string
	timeout                  time.Duration
}

func (f liveFixer) Plan(_ context.Context, snap *topo.Snapshot, dev, gateway string) (*routefix.Plan, string, error) {
	plan, err := checkedPlan(snap, f.nsPath, dev, gateway, true)
	if err != nil {
		return nil, "", err
	}
	ns := ""
	if f.nsPath != "" {
		ns = filepath.Base(f.nsPath)
	}
	text := plan.Text(snap.Host, ns, routefix.Diagnose(snap), routefix.PersistFor(f.etcDir, plan))
	text += "\nthe change lasts until reboot (ostopo fix default-route --persist writes the boot-time configuration); journal and log in " + f.stateDir + "\n"
	return plan, text, nil
}

func (f liveFixer) Apply(ctx context.Context, plan *routefix.Plan, confirm func(context.Context) (bool, error), say func(string)) error {
	return routefix.Apply(ctx, plan, routefix.ApplyOptions{NetnsPath: f.nsPath, StateDir: f.stateDir, Confirm: confirm,
		Say: func(format string, a ...any) { say(fmt.Sprintf(format, a...)) }})
}

func (f liveFixer) ConfirmTimeout() time.Duration { return f.timeout }

// confirm asks for a typed "yes" within the timeout; silence or anything
// else restores the old routes (like netplan try).
func confirm(ctx context.Context, yes bool, timeout time.Duration, stderr io.Writer) (bool, error) {
	if yes {
		return true, nil
	}
	fmt.Fprintf(stderr, "type yes within %s to keep the new route (anything else, or nothing, restores the old one): ", timeout)
	type answer struct {
		text string
		err  error
	}
	line := make(chan answer, 1)
	go func() {
		s, err := bufio.NewReader(os.Stdin).ReadString('\n')
		line <- answer{s, err}
	}()
	select {
	case a := <-line:
		if a.err != nil && a.text == "" {
			// Nobody can answer (stdin closed, e.g. </dev/null in a script):
			// waiting out the timeout would only keep the node changed longer.
			fmt.Fprintln(stderr, "no answer possible (stdin closed); use --yes in scripts")
			return false, nil
		}
		return strings.TrimSpace(a.text) == "yes", nil
	case <-time.After(timeout):
		fmt.Fprintln(stderr)
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// fixRollback restores the routes of the last applied fix from its journal.
func fixRollback(args []string, stdout, stderr io.Writer) int {
	var g globals
	var stateDir string
	fs := flag.NewFlagSet("fix rollback", flag.ContinueOnError)
	g.register(fs)
	fs.StringVar(&stateDir, "state-dir", "/var/lib/ostopo", "journal `dir` of the fix to undo")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if g.readonly {
		fmt.Fprintln(stderr, "ostopo fix: --readonly: refusing to change the node")
		return exitFail
	}
	j, err := routefix.Rollback(stateDir)
	if err != nil {
		fmt.Fprintf(stderr, "ostopo fix rollback: %v\n", err)
		if errors.Is(err, routefix.ErrNotRoot) {
			return exitUsage
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "restored %d default route(s) of the fix started %s (now %s)\n", len(j.Before), j.Started.Format(time.RFC3339), j.State)
	return exitOK
}
