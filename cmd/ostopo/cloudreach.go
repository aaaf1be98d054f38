package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ostopo/ostopo/netinspect/fleet"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cloudReach are the flags that name the nodes of a live cloud for a
// command that reads (or repairs) all of them over ssh: -i INVENTORY
// [--limit PATTERN] or --ssh HOSTS, with --ssh-config, and where the
// nodes' snapshots are kept.
type cloudReach struct {
	inventory, limit, sshConfig, collectDir string
	ssh                                     []string
}

// register adds the flags; verb says what the command does to the nodes
// ("repair", "trace across").
func (c *cloudReach) register(f *pflag.FlagSet, verb string) {
	f.StringVarP(&c.inventory, "inventory", "i", "", verb+" every node of this Ansible `INVENTORY` (kolla-ansible's multinode file)")
	f.StringVar(&c.limit, "limit", "", "with -i: only the hosts this Ansible `PATTERN` names too")
	f.StringSliceVar(&c.ssh, "ssh", nil, verb+" these `HOSTS` (comma-separated), reached with the system ssh client (~/.ssh/config applies)")
	f.StringVar(&c.collectDir, "collect-dir", "", "with -i/--ssh: keep the nodes' snapshots in `DIR` (default: a new directory under $TMPDIR, printed)")
	f.StringVar(&c.sshConfig, "ssh-config", "", "with -i/--ssh: ssh configuration `FILE` (ssh -F; default ~/.ssh/config)")
}

// wanted says whether the command works on the cloud's nodes.
func (c *cloudReach) wanted() bool { return c.inventory != "" || len(c.ssh) > 0 }

// check refuses flags that do not go together; extra are the command's
// own flags that need -i or --ssh.
func (c *cloudReach) check(cmd *cobra.Command, a *app, extra ...string) error {
	if !c.wanted() {
		for _, name := range append([]string{"limit", "collect-dir", "ssh-config"}, extra...) {
			if cmd.Flags().Changed(name) {
				return usageError(cmd, "--%s goes with -i INVENTORY or --ssh HOSTS", name)
			}
		}
		return nil
	}
	switch {
	case c.inventory != "" && len(c.ssh) > 0:
		return usageError(cmd, "-i and --ssh are two ways to name the nodes: give one")
	case c.limit != "" && c.inventory == "":
		return usageError(cmd, "--limit goes with -i INVENTORY")
	case !a.g.live():
		return usageError(cmd, "-i/--ssh collect the nodes themselves: not with --replay, --replay-dir, --sos, --from-dir or --demo")
	}
	return nil
}

// hosts are the nodes -i (with --limit) or --ssh name.
func (c *cloudReach) hosts() ([]fleet.Host, error) {
	if len(c.ssh) > 0 {
		return fleet.ParseHostList(c.ssh)
	}
	return fleet.InventoryHosts(c.inventory, c.limit)
}

// dir is --collect-dir, made when missing, or a new directory under
// $TMPDIR named after the command; it is said on standard error.
func (c *cloudReach) dir(a *app, prefix string, nodes int) (string, error) {
	dir := c.collectDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", prefix); err != nil {
			return "", fmt.Errorf("collect dir: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("--collect-dir: %w", err)
	}
	fmt.Fprintf(a.stderr, "collecting %d node(s) into %s\n", nodes, dir)
	return dir, nil
}

// collect brings every node's snapshot into dir with the system ssh
// client (as ostopo collect --ssh does), one progress line per node, and
// writes collect.json.
func (c *cloudReach) collect(ctx context.Context, a *app, ssh *fleet.SSH, hosts []fleet.Host, bin, dir string) (*fleet.Report, error) {
	rep, err := ssh.Collect(ctx, hosts, fleet.Options{Dir: dir, Binary: bin, MaxInput: int64(a.g.maxInput),
		Progress: func(r fleet.Result) {
			line := "collected " + r.Host + ": " + string(r.Status)
			if r.Message != "" {
				line += ": " + r.Message
			}
			fmt.Fprintln(a.stderr, safetext.Term(line))
		}})
	if err != nil {
		return nil, err
	}
	return rep, fleet.WriteReport(dir, rep)
}

// collectCloud collects the nodes reach names into its directory and
// returns it, for a command that then reads it as a cloud (--replay-dir).
// Nodes that could not be collected are said on standard error (and in
// collect.json); the cloud without them leaves their part unknown.
func (a *app) collectCloud(ctx context.Context, reach *cloudReach, prefix string) (string, error) {
	hosts, err := reach.hosts()
	if err != nil {
		return "", fail(exitUsage, "%s", oneLine(err.Error()))
	}
	if len(hosts) == 0 {
		return "", fail(exitUsage, "no host to collect (check -i and --limit)")
	}
	bin, err := os.Executable()
	if err != nil {
		return "", fail(exitFail, "the ostopo binary to run on the nodes: %v", err)
	}
	dir, err := reach.dir(a, prefix, len(hosts))
	if err != nil {
		return "", fail(exitFail, "%v", err)
	}
	rep, err := reach.collect(ctx, a, &fleet.SSH{ConfigFile: reach.sshConfig}, hosts, bin, dir)
	if err != nil {
		return "", fail(exitFail, "collect: %v", err)
	}
	if ok, _, _ := rep.Counts(); ok == 0 {
		return "", fail(exitUnknown, "no node could be collected (see %s)", dir)
	}
	return dir, nil
}
