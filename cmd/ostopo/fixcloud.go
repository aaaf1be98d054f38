package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ostopo/ostopo/netinspect/cloudfix"
	"github.com/ostopo/ostopo/netinspect/fleet"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cloudFixHelp is the cloud half of fix default-route's help.
const cloudFixHelp = `With -i INVENTORY (kolla-ansible's multinode file; --limit PATTERN as
ansible-playbook takes it) or --ssh host1,host2, it repairs the whole cloud:
it collects every node over ssh (the inventory's ansible_host, ansible_user,
ansible_port, ansible_become and ostopo_flags apply, ostopo_remote_base
says where the binary goes and ostopo_state_dir where the node journals,
over --state-dir; snapshots and collect.json in --collect-dir), plans each one (which have the trap, the
change on each, which are right already, which could not be read), and with --apply
changes the nodes that need it one at a time, a canary first (--canary NODE,
else the first), stopping at the first node that does not end changed. On
each node ostopo itself applies, verifies that the gateway answers, and
waits --confirm-timeout for the confirmation over the connection; it is
sent only once a new ssh connection reached the node and read the planned
default route there. A node cut off by its change gets no confirmation and
restores its old routes by itself; its journal stays on the node
(in --state-dir when given, else the node's /var/lib/ostopo, where ostopo
fix rollback undoes a kept change). Each node
ends changed, already-right, rolled-back, failed, refused, unreachable,
unknown or not-attempted (docs/cloudfix.md); --json prints the summary as
JSON. Exit status across the cloud: 0 when every node is changed or already
right (a plan: every node can be planned), else 1; 2 for usage errors.`

// cloudFixFlags are fix default-route's flags for the whole cloud.
type cloudFixFlags struct {
	cloudReach
	canary string
	asJSON bool
}

func (c *cloudFixFlags) register(f *pflag.FlagSet) {
	c.cloudReach.register(f, "repair")
	f.StringVar(&c.canary, "canary", "", "with -i/--ssh: change this `NODE` first, it must need the change (default: the first node that does; the plan marks it)")
	f.BoolVar(&c.asJSON, "json", false, "with -i/--ssh: print the plan or the summary as JSON")
}

// refuseAlone refuses the cloud flags without -i or --ssh.
func (c *cloudFixFlags) refuseAlone(cmd *cobra.Command, a *app) error {
	return c.check(cmd, a, "canary", "json")
}

// cloudRepair is the repair as the single-node flags gave it.
type cloudRepair struct {
	gateway, dev, probe, stateDir string
	apply                         bool
	timeout                       time.Duration
	// refused are the single-node flags that were given, and make no
	// sense across the cloud.
	refused map[string]bool
}

// runFixCloud is fix default-route -i/--ssh.
func runFixCloud(ctx context.Context, cmd *cobra.Command, a *app, c *cloudFixFlags, r cloudRepair) error {
	for _, name := range []string{"--netns", "--yes", "--persist", "--confirm-token"} {
		if r.refused[name] {
			return usageError(cmd, "%s is for one node: not with -i or --ssh", name)
		}
	}
	if err := c.check(cmd, a); err != nil {
		return err
	}
	if a.g.readonly && r.apply {
		return fail(exitFail, "--readonly: refusing to change the nodes")
	}
	if _, err := netip.ParseAddr(r.gateway); err != nil {
		return usageError(cmd, "gateway %q is not an IPv4 or IPv6 address (give --gateway, a host on the management network that forwards and NATs)", r.gateway)
	}
	hosts, err := c.hosts()
	if err != nil {
		return usageError(cmd, "%s", oneLine(err.Error()))
	}
	if len(hosts) == 0 {
		return usageError(cmd, "no host to repair (check -i and --limit)")
	}
	if c.canary != "" && !slices.ContainsFunc(hosts, func(h fleet.Host) bool { return h.Name == c.canary }) {
		return usageError(cmd, "--canary %s: not one of the hosts to repair", c.canary)
	}
	bin, err := os.Executable()
	if err != nil {
		return fail(exitFail, "the ostopo binary to install on the nodes: %v", err)
	}
	ssh := &fleet.SSH{ConfigFile: c.sshConfig}
	dir, err := c.dir(a, "ostopo-fix-", len(hosts))
	if err != nil {
		return fail(exitFail, "%v", err)
	}
	nodes, err := collectForFix(ctx, a, &c.cloudReach, ssh, hosts, bin, dir)
	if err != nil {
		return fail(exitFail, "collect: %v", err)
	}
	byName := map[string]fleet.Host{}
	for _, h := range hosts {
		byName[h.Name] = h
	}
	o := cloudfix.Options{
		Gateway: r.gateway, Dev: r.dev, Apply: r.apply, Canary: c.canary, LocalBinary: bin,
		ConfirmTimeout: r.timeout, Probe: r.probe,
		RemoteFlags:      func(node string) []string { return byName[node].Flags },
		RemoteStateDirOf: func(node string) string { return byName[node].StateDir },
	}
	if cmd.Flags().Changed("state-dir") {
		o.RemoteStateDir = r.stateDir
	}
	progress := func(ev cloudfix.Event) {
		fmt.Fprintln(a.stderr, safetext.Term(progressLine(ev)))
	}
	s, err := cloudfix.Run(ctx, nodes, fleetTransport{ssh: ssh, hosts: byName}, o, progress)
	if err != nil {
		var oe *cloudfix.OptionError
		if errors.As(err, &oe) {
			return usageError(cmd, "%s", safetext.Term(err.Error()))
		}
		return fail(exitFail, "%v", err)
	}
	if c.asJSON {
		if err := writeJSON(a.stdout, s); err != nil {
			return fail(exitFail, "%v", err)
		}
	} else {
		text := s.Text()
		if !r.apply {
			text += "\nnothing changed (plan only): add --apply to change the nodes that need it, one at a time, a canary first.\n"
		}
		fmt.Fprint(a.stdout, text)
	}
	if !s.OK() {
		return exitWith(exitFail)
	}
	return nil
}

// progressLine is one line on standard error per step of the run.
func progressLine(ev cloudfix.Event) string {
	switch ev.Step {
	case cloudfix.StepStart:
		what := ev.Node
		if ev.Result.Canary {
			what += " (canary)"
		}
		return "applying on " + what + " ..."
	case cloudfix.StepApplied:
		return ev.Node + ": applied and verified on the node; reading it over a new connection before confirming"
	case cloudfix.StepConfirmed:
		return ev.Node + ": changed (confirmed)"
	}
	return ev.Node + ": " + string(ev.Result.State) + ": " + ev.Result.Why
}

// fleetTransport is fleet's ssh client as cloudfix's Transport: nodes by
// inventory name, ssh's own failures marked unreachable.
type fleetTransport struct {
	ssh   *fleet.SSH
	hosts map[string]fleet.Host
}

func (t fleetTransport) host(node string) (fleet.Host, error) {
	h, ok := t.hosts[node]
	if !ok {
		return fleet.Host{}, fmt.Errorf("%s: not a node of this run", node)
	}
	return h, nil
}

func mark(err error) error {
	if err != nil && fleet.IsUnreachable(err) {
		return cloudfix.Unreachable(err)
	}
	return err
}

func (t fleetTransport) Start(ctx context.Context, node string, argv []string) (*cloudfix.Session, error) {
	h, err := t.host(node)
	if err != nil {
		return nil, err
	}
	s, err := t.ssh.Start(ctx, h, argv)
	if err != nil {
		return nil, mark(err)
	}
	return &cloudfix.Session{Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr, Wait: func() error { return mark(s.Wait()) }}, nil
}

func (t fleetTransport) Run(ctx context.Context, node string, argv []string) ([]byte, error) {
	h, err := t.host(node)
	if err != nil {
		return nil, err
	}
	out, err := t.ssh.Run(ctx, h, argv)
	return out, mark(err)
}

func (t fleetTransport) Put(ctx context.Context, node, localBinary string) (string, error) {
	h, err := t.host(node)
	if err != nil {
		return "", err
	}
	p, err := t.ssh.Put(ctx, h, localBinary)
	return p, mark(err)
}

// collectForFix collects every node with fleet's ssh collection (as
// ostopo collect --ssh does: the same client the repair then uses) into
// dir, with collect.json, and reads each snapshot back within
// --max-input. A node that could not be collected is a cloudfix.Node
// without a snapshot, saying why.
func collectForFix(ctx context.Context, a *app, c *cloudReach, ssh *fleet.SSH, hosts []fleet.Host, bin, dir string) ([]cloudfix.Node, error) {
	rep, err := c.collect(ctx, a, ssh, hosts, bin, dir)
	if err != nil {
		return nil, err
	}
	byHost := map[string]fleet.Result{}
	for _, r := range rep.Hosts {
		byHost[r.Host] = r
	}
	nodes := make([]cloudfix.Node, len(hosts))
	for i, h := range hosts {
		n := cloudfix.Node{Name: h.Name}
		r, ok := byHost[h.Name]
		switch {
		case !ok:
			n.Problem = "no collection result"
		case r.Status == fleet.StatusOK:
			snap, err := readSnapshotFile(filepath.Join(dir, filepath.Base(r.Snapshot)), int64(a.g.maxInput))
			if err != nil {
				n.Problem = oneLine(err.Error())
			}
			n.Snapshot = snap
		default:
			n.Unreachable, n.Problem = r.Status == fleet.StatusUnreachable, r.Message
		}
		nodes[i] = n
	}
	return nodes, nil
}
