package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ostopo/ostopo/netinspect/cloudfix"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/spf13/cobra"
)

// newFixCmd: `ostopo fix default-route` (a plan; --apply changes it) and
// `ostopo fix rollback`.
func newFixCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fix default-route|rollback",
		Short: "repairs, planned first: the default route through the management NIC, and its rollback",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(cmd, "want default-route or rollback")
			}
			return usageError(cmd, "unknown fix %q (default-route, rollback)", args[0])
		},
	}
	cmd.AddCommand(newFixDefaultRouteCmd(a), newFixRollbackCmd(a))
	return cmd
}

const defaultStateDir = "/var/lib/ostopo"

func newFixDefaultRouteCmd(a *app) *cobra.Command {
	var dev, gateway, nsName, probe, stateDir, etcDir, token string
	var apply, yes, persist bool
	var timeout time.Duration
	cloud := &cloudFixFlags{}
	cmd := &cobra.Command{
		Use:   "default-route --gateway IP [--dev NIC] [--netns NAME] [--apply [--yes] [--confirm-timeout D] [--probe HOST:PORT]] [--persist [--etc-dir DIR]] [--state-dir DIR] | (-i INVENTORY [--limit PATTERN] | --ssh HOSTS) --gateway IP [--dev NIC] [--canary NODE] [--apply [--confirm-timeout D] [--probe HOST:PORT]] [--state-dir DIR] [--collect-dir DIR] [--ssh-config FILE] [--json]",
		Short: "send the host's default route through the management NIC (the kolla trap): a plan unless --apply",
		Long: `default-route repairs the trap where the node's default route leaves
through the provider NIC plugged into br-ex (kolla-ansible's
neutron_external_interface, or the NIC of bridge_mappings on a packaged
node): it shows the finding, the routes before and after, the equivalent ip
route command and the pre-checks.
The gateway must be another machine on the management network that forwards
and NATs: its network, broadcast, unspecified, multicast and loopback
addresses, and the node's own, are refused. Nothing changes without --apply,
which journals the routes in --state-dir, replaces the route over netlink,
verifies the gateway (and --probe), and restores the old routes unless you
type yes within --confirm-timeout (like netplan try). Every change and
rollback is logged in fix.log; ostopo fix rollback undoes it.

` + cloudFixHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if timeout <= 0 {
				return usageError(cmd, "--confirm-timeout %s: want a duration above zero", timeout)
			}
			if cloud.wanted() {
				return runFixCloud(ctx, cmd, a, cloud, cloudRepair{gateway: gateway, dev: dev, apply: apply, timeout: timeout, probe: probe,
					stateDir: stateDir, refused: map[string]bool{"--netns": nsName != "", "--yes": yes, "--persist": persist, "--confirm-token": token != ""}})
			}
			if err := cloud.refuseAlone(cmd, a); err != nil {
				return err
			}
			// With --confirm-token the confirmation comes over the
			// connection from ostopo fix default-route -i/--ssh.
			var confirmer *cloudfix.Confirmer
			outcome := cloudfix.OutcomeUnchanged
			if token != "" {
				switch {
				case !apply || yes:
					return usageError(cmd, "--confirm-token goes with --apply, without --yes")
				case !cloudfix.ValidToken(token):
					return usageError(cmd, "--confirm-token: want 32 to 128 lowercase hex digits")
				}
				// The connection can die at any moment: a hangup must not
				// end ostopo, nor a write to a broken pipe (Go exits on
				// SIGPIPE from standard output unless it is handled), so
				// that the rollback always runs.
				signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
				confirmer = cloudfix.NewConfirmer(os.Stdin, token)
				defer func() { fmt.Fprintln(a.stdout, cloudfix.ResultLine(token, outcome)) }()
			}
			if a.g.readonly && (apply || persist) {
				return fail(exitFail, "--readonly: refusing to change the node")
			}
			if apply && !a.g.live() {
				return usageError(cmd, "--apply works on the live node, not on a replay or the demo")
			}
			nsPath := ""
			if nsName != "" && a.g.live() {
				// Planning from the namespace ostopo runs in instead
				// would repair the wrong node.
				p, err := routefix.FindNetns(ctx, nsName, a.g.netnsDirs)
				if err != nil {
					return usageError(cmd, "%v", err)
				}
				nsPath = p
				a.g.rootNetns = p
			}
			snap, lerr := a.load(ctx)
			if lerr != nil {
				return lerr.exit(exitUsage, exitFail)
			}
			if !a.g.live() {
				if err := routefix.SnapshotNetns(snap, nsName); err != nil {
					return usageError(cmd, "%v", err)
				}
			}
			plan, err := checkedPlan(ctx, snap, nsPath, dev, gateway, a.g.live())
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			per := routefix.PersistFor(etcDir, plan)
			text := plan.Text(snap.Host, nsName, routefix.Diagnose(snap), per)
			switch {
			case !apply:
				text += "\nnothing changed (plan only): add --apply to change it; it is journalled and rolled back unless confirmed.\n"
			case !persist:
				text += "\nthe change lasts until reboot; --persist also writes the boot-time configuration above.\n"
			}
			io.WriteString(a.stdout, text)
			if !plan.OK() {
				return fail(exitFail, "a pre-check failed: nothing changed")
			}
			if !apply {
				return nil
			}
			ask := func(ctx context.Context) (bool, error) { return confirm(ctx, yes, timeout, a.stderr) }
			if confirmer != nil {
				if confirmer.Ended() {
					return fail(exitFail, "the connection's input ended before the change (nobody left to confirm it): nothing changed")
				}
				ask = func(ctx context.Context) (bool, error) {
					return confirmer.Confirm(ctx, a.stdout, timeout, func(format string, args ...any) { fmt.Fprintf(a.stderr, format+"\n", args...) })
				}
			}
			started := time.Now()
			err = routefix.Apply(ctx, plan, routefix.ApplyOptions{
				NetnsPath: nsPath, StateDir: stateDir, Probe: probe, Confirm: ask,
				Say: func(format string, args ...any) { fmt.Fprintf(a.stdout, format+"\n", args...) },
			})
			if confirmer != nil {
				outcome = appliedOutcome(stateDir, started, err)
			}
			if err != nil {
				if errors.Is(err, routefix.ErrNotRoot) {
					return fail(exitUsage, "%v", err)
				}
				return fail(exitFail, "%v", err)
			}
			fmt.Fprintf(a.stdout, "kept: %s (journal and log in %s; undo with: ostopo fix rollback --state-dir %s)\n", plan.Command, stateDir, stateDir)
			if persist {
				if err := per.Write(stateDir); err != nil {
					return fail(exitFail, "--persist: %v", err)
				}
				fmt.Fprintf(a.stdout, "persisted for %s: %s\n", per.Manager, per.File)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dev, "dev", "", "management `NIC` to carry the default route (default: the first candidate)")
	f.StringVar(&gateway, "gateway", "", "gateway `IP` on the management network (another machine that forwards and NATs)")
	f.StringVar(&nsName, "netns", "", "change this named `NAMESPACE` instead of the one ostopo runs in (it must exist)")
	f.BoolVar(&apply, "apply", false, "change the route (default: show the plan only)")
	f.BoolVar(&yes, "yes", false, "with --apply: keep the new route without asking (for scripts)")
	f.DurationVar(&timeout, "confirm-timeout", 60*time.Second, "with --apply: restore the old routes unless confirmed within `DURATION`")
	f.StringVar(&probe, "probe", "", "with --apply: also require a TCP connection to `HOST:PORT` to succeed")
	f.StringVar(&stateDir, "state-dir", defaultStateDir, "journal and change log `DIR`")
	f.BoolVar(&persist, "persist", false, "also write the boot-time configuration for the node's network manager")
	f.StringVar(&etcDir, "etc-dir", "/etc", "configuration `DIR` that --persist writes under (netplan, NetworkManager, ifupdown)")
	f.StringVar(&token, "confirm-token", "", "with --apply: the confirmation comes over standard input as the line \"ostopo-confirm `TOKEN`\" after ostopo asks \"ostopo-confirm? TOKEN\" (how fix default-route -i/--ssh drives each node; docs/cloudfix.md)")
	// The orchestrator's, not the operator's: docs/cloudfix.md.
	f.MarkHidden("confirm-token")
	cloud.register(f)
	return cmd
}

// appliedOutcome is what Apply did to the node, from its journal: a
// journal this run wrote says rolled back or failed (the change stands,
// or may); none means nothing was changed.
func appliedOutcome(stateDir string, started time.Time, applyErr error) cloudfix.Outcome {
	if applyErr == nil {
		return cloudfix.OutcomeKept
	}
	j, err := routefix.ReadJournal(stateDir)
	if err != nil || j.PID != os.Getpid() || j.Started.Before(started.Add(-time.Second)) {
		return cloudfix.OutcomeUnchanged
	}
	switch j.State {
	case routefix.StateRolled:
		return cloudfix.OutcomeRolledBack
	case routefix.StateConfirmed:
		return cloudfix.OutcomeKept
	}
	return cloudfix.OutcomeFailed
}

// checkedPlan is the plan with every pre-check, including whether the
// gateway answers when ostopo is on the live node (a replay cannot ask).
func checkedPlan(ctx context.Context, snap *topo.Snapshot, nsPath, dev, gateway string, live bool) (*routefix.Plan, error) {
	plan, err := routefix.NewPlan(snap, dev, gateway)
	if err != nil {
		return nil, err
	}
	switch {
	case !live:
		plan.Checks = append(plan.Checks, routefix.Check{What: "gateway answers", OK: true, Skipped: true, Detail: "not checked: a replay cannot ask the network"})
	case plan.OK():
		how := "ARP"
		if plan.Family == 6 {
			how = "neighbour solicitation"
		}
		c := routefix.Check{What: "gateway answers (" + how + " on " + plan.Dev + ")", OK: true, Detail: plan.Gateway + " answers"}
		if err := routefix.Verify(ctx, nsPath, plan.Dev, plan.Gateway, ""); err != nil {
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

func (f liveFixer) Plan(ctx context.Context, snap *topo.Snapshot, dev, gateway string) (*routefix.Plan, string, error) {
	plan, err := checkedPlan(ctx, snap, f.nsPath, dev, gateway, true)
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

// newFixRollbackCmd restores the routes of the last applied fix from its
// journal.
func newFixRollbackCmd(a *app) *cobra.Command {
	var stateDir string
	cmd := &cobra.Command{
		Use:   "rollback [--state-dir DIR]",
		Short: "restore the routes the last fix journalled, also after ostopo was killed mid-way",
		Long: `rollback restores the default routes the last fix default-route --apply
journalled in --state-dir, also after ostopo was killed while it waited for
a "yes". It says what it really did: the routes restored and where, or that
there is nothing to roll back (no journal, or one rolled back already). It
works on the live node only.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case !a.g.live():
				return usageError(cmd, "rollback restores the live node's routes: --replay and --demo have none to restore")
			case a.g.readonly:
				return fail(exitFail, "--readonly: refusing to change the node")
			}
			res, err := routefix.Rollback(cmd.Context(), stateDir)
			if err != nil {
				if errors.Is(err, routefix.ErrNotRoot) {
					return fail(exitUsage, "%v", err)
				}
				return fail(exitFail, "%v", err)
			}
			if res.Outcome == routefix.RollbackNoJournal {
				return fail(exitFail, "%s", res.Text())
			}
			fmt.Fprintln(a.stdout, res.Text())
			return nil
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", defaultStateDir, "journal `DIR` of the fix to undo")
	return cmd
}
