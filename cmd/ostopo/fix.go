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
	plan, err := routefix.NewPlan(snap, dev, gateway)
	if err != nil {
		fmt.Fprintf(stderr, "ostopo fix: %v\n", err)
		return exitUsage
	}
	live := !g.demo && g.replay == ""
	if live && plan.OK() {
		c := routefix.Check{What: "gateway answers (ARP on " + plan.Dev + ")", OK: true, Detail: plan.Gateway + " answers"}
		if err := routefix.Verify(nsPath, plan.Dev, plan.Gateway, ""); err != nil {
			c.OK, c.Detail = false, err.Error()
		}
		plan.Checks = append(plan.Checks, c)
	}
	per := routefix.PersistFor(etcDir, plan)
	io.WriteString(stdout, planText(snap.Host, nsName, plan, routefix.Diagnose(snap), per, apply, persist))
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
	if persist && per.File != "" {
		if err := os.MkdirAll(filepath.Dir(per.File), 0o755); err == nil {
			err = writeFileAtomic(per.File, func(w io.Writer) error { _, err := io.WriteString(w, per.Content); return err })
		}
		if err != nil {
			fmt.Fprintf(stderr, "ostopo fix: --persist: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "persisted for %s: %s\n", per.Manager, per.File)
	}
	return exitOK
}

// confirm asks for a typed "yes" within the timeout; silence or anything
// else restores the old routes (like netplan try).
func confirm(ctx context.Context, yes bool, timeout time.Duration, stderr io.Writer) (bool, error) {
	if yes {
		return true, nil
	}
	fmt.Fprintf(stderr, "type yes within %s to keep the new route (anything else, or nothing, restores the old one): ", timeout)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		return strings.TrimSpace(s) == "yes", nil
	case <-time.After(timeout):
		fmt.Fprintln(stderr)
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func planText(host, ns string, p *routefix.Plan, findings []routefix.Finding, per routefix.Persistence, apply, persist bool) string {
	var b strings.Builder
	where := host
	if ns != "" {
		where += " (namespace " + ns + ")"
	}
	fmt.Fprintf(&b, "ostopo fix default-route on %s\n\n", where)
	for _, f := range findings {
		fmt.Fprintf(&b, "finding: %s\n", f.Text())
	}
	b.WriteString("\nroutes before:\n")
	if len(p.Before) == 0 {
		b.WriteString("  (no default route)\n")
	}
	for _, r := range p.Before {
		fmt.Fprintf(&b, "  %s\n", routefix.RouteText(r))
	}
	fmt.Fprintf(&b, "route after:\n  %s\n", routefix.RouteText(p.After))
	cmd := p.Command
	if ns != "" {
		cmd = strings.Replace(cmd, "ip route", "ip -n "+ns+" route", 1)
	}
	fmt.Fprintf(&b, "equivalent command:\n  %s\n\npre-checks:\n", cmd)
	for _, c := range p.Checks {
		mark := "✓"
		if !c.OK {
			mark = "✗"
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", mark, c.What, c.Detail)
	}
	fmt.Fprintf(&b, "\nreminder: %s\n", p.Reminder)
	fmt.Fprintf(&b, "boot-time: %s\n", per.Explain)
	switch {
	case !apply:
		b.WriteString("\nnothing changed (plan only): add --apply to change it; it is journalled and rolled back unless confirmed.\n")
	case !persist:
		b.WriteString("\nthe change lasts until reboot; --persist also writes the boot-time configuration above.\n")
	}
	return b.String()
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
