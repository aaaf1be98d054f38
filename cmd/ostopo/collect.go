package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ostopo/ostopo/netinspect/fleet"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/spf13/cobra"
)

// collectExitStatus is collect's row of the exit status table
// (exitStatuses).
func collectExitStatus() exitStatus {
	return exitStatus{"collect", [5]string{
		"every host's snapshot was collected",
		"some hosts failed or were unreachable; the others' snapshots are written (DIR/collect.json says which)",
		"usage or bad input (a flag, an inventory that cannot be read, no host to collect)",
		"no host could be collected (every host failed or was unreachable, or ansible-playbook itself failed)",
		"-"}}
}

// Exit statuses of collect beyond exitOK, exitFail and exitUsage.
const exitNoneCollected = 3

const collectLong = `collect brings a snapshot of every node of the cloud into DIR, one file per
host (DIR/<inventory_hostname>.json), and DIR/collect.json with each host's
result: ok, unreachable or failed, with the message of ssh, Ansible or the
node. With -i INVENTORY (kolla-ansible's multinode INI file) it runs a
playbook shipped inside ostopo with ansible-playbook on the inventory's
network, compute and control hosts (--limit PATTERN as ansible-playbook
takes it): it puts this ostopo binary on each host (in
/var/tmp/ostopo-<checksum>/, sent only when that checksum is not there),
runs ostopo snapshot there as root (become; sudo when the user is not root),
fetches the snapshot and removes it from the host, --forks hosts at a time.
The host variable ostopo_flags adds arguments to the remote ostopo snapshot
(e.g. ostopo_flags="--ovsdb unix:/x/db.sock --neutron-state-dir /x/state"):
split on white space, no shell. --print-playbook prints the playbook for
those who run it themselves.

Without Ansible (--ssh host1,host2 with [user@]host[:port] each, or -i when
ansible-playbook is not installed, or --via ssh) it does the same with the
system ssh client: ~/.ssh/config applies (--ssh-config FILE for another),
BatchMode, sudo -n when the user is not root.

One line per host on standard error as its result arrives; an unreachable or
failing host never stops the others. A snapshot reaches DIR only whole and
checked (it must decode within --max-input); a host that is not ok this time
has an earlier run's DIR/<host>.json renamed to <host>.json.stale.
collect.json (schema ostopo.collect/v1) holds via (ansible or ssh), started,
seconds, and per host: host, address, status, message (escaped, bounded),
snapshot (the file name) and seconds.`

func newCollectCmd(a *app) *cobra.Command {
	var inventory, limit, dir, via, sshConfig, remoteDir string
	var sshHosts []string
	var forks int
	var printPlaybook, become bool
	var connectTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "collect (-i INVENTORY [--limit PATTERN] | --ssh HOSTS) -o DIR [--forks N] [--via auto|ansible|ssh] [--ssh-config FILE] [--connect-timeout D] [--remote-dir DIR] [--become=false] | --print-playbook",
		Short: "collect a snapshot of every node of the cloud into a directory, through Ansible (kolla's inventory) or ssh",
		Long:  collectLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if printPlaybook {
				if _, err := a.stdout.Write([]byte(fleet.Playbook)); err != nil {
					return fail(exitFail, "write standard output: %v", err)
				}
				return nil
			}
			switch {
			case !a.g.live():
				return usageError(cmd, "collect reads live nodes: --replay, --replay-dir and --demo do not apply")
			case inventory == "" && len(sshHosts) == 0:
				return usageError(cmd, "want -i INVENTORY or --ssh HOSTS")
			case inventory != "" && len(sshHosts) > 0:
				return usageError(cmd, "-i and --ssh are two sources of hosts: give one")
			case limit != "" && inventory == "":
				return usageError(cmd, "--limit goes with -i INVENTORY")
			case dir == "":
				return usageError(cmd, "want -o DIR, the directory for the snapshots")
			case forks < 1:
				return usageError(cmd, "--forks %d: want 1 or more", forks)
			case via != "auto" && via != "ansible" && via != "ssh":
				return usageError(cmd, "--via %q: want auto, ansible or ssh", via)
			case via == "ansible" && inventory == "":
				return usageError(cmd, "--via ansible needs -i INVENTORY")
			case connectTimeout <= 0:
				return usageError(cmd, "--connect-timeout %s: want a duration above zero", connectTimeout)
			}
			var hosts []fleet.Host
			var err error
			if inventory != "" {
				hosts, err = fleet.InventoryHosts(inventory, limit)
			} else {
				hosts, err = fleet.ParseHostList(sshHosts)
			}
			if err != nil {
				return fail(exitUsage, "%s", oneLine(err.Error()))
			}
			if len(hosts) == 0 {
				if inventory != "" {
					return fail(exitUsage, "%s: no host of the network, compute or control groups matches --limit %q", inventory, limit)
				}
				return usageError(cmd, "--ssh: no host")
			}
			if err := fleet.CheckHostNames(hosts); err != nil {
				return fail(exitUsage, "%s", oneLine(err.Error()))
			}
			if sshConfig != "" {
				if _, err := os.Stat(sshConfig); err != nil {
					return fail(exitUsage, "--ssh-config: %v", err)
				}
			}
			bin, err := os.Executable()
			if err != nil {
				return fail(exitFail, "the ostopo binary to send: %v", err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fail(exitUsage, "-o %s: %v", dir, err)
			}
			opts := fleet.Options{
				Dir: dir, Binary: bin, Forks: forks, MaxInput: int64(a.g.maxInput),
				Progress: func(r fleet.Result) { a.collectProgress(r) },
				Warn:     func(line string) { fmt.Fprintf(a.stderr, "ostopo collect: %s\n", safetext.Term(line)) },
			}
			common := remoteSnapshotFlags(cmd, &a.g)
			ctx := cmd.Context()
			ansible := &fleet.Ansible{Inventory: inventory, Limit: limit, SSHConfig: sshConfig, NoBecome: !become,
				RemoteBase: remoteDir, CommonFlags: common}
			useAnsible := inventory != "" && via != "ssh"
			if useAnsible && !ansible.Installed() {
				if via == "ansible" {
					return fail(exitUsage, "--via ansible: ansible-playbook is not installed")
				}
				a.warn("ansible-playbook is not installed: collecting through ssh")
				useAnsible = false
			}
			var rep *fleet.Report
			var runErr error
			if useAnsible {
				rep, runErr = ansible.Collect(ctx, hosts, opts)
			} else {
				rep, runErr = collectSSH(ctx, hosts, opts, sshTransport{config: sshConfig, become: become, remoteDir: remoteDir, timeout: connectTimeout}, common)
				if rep != nil {
					rep.Inventory, rep.Limit = inventory, limit
				}
			}
			if rep == nil {
				return fail(exitFail, "%s", oneLine(runErr.Error()))
			}
			if err := fleet.WriteReport(dir, rep); err != nil {
				return fail(exitFail, "%v", err)
			}
			ok, failed, unreachable := rep.Counts()
			fmt.Fprintf(a.stdout, "collected %d of %d hosts into %s (%d unreachable, %d failed); results in %s\n",
				ok, len(rep.Hosts), safetext.Term(dir), unreachable, failed, safetext.Term(filepath.Join(dir, fleet.ReportFile)))
			switch {
			case runErr != nil && ok == 0:
				return fail(exitNoneCollected, "%s", oneLine(runErr.Error()))
			case ok == 0:
				return exitWith(exitNoneCollected)
			case ok < len(rep.Hosts):
				return exitWith(exitFail)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&inventory, "inventory", "i", "", "collect the network, compute and control hosts of this Ansible INI `INVENTORY` (kolla-ansible's multinode file)")
	f.StringVar(&limit, "limit", "", "with -i: only the hosts this Ansible `PATTERN` names too (host, group, glob, ~regex, !exclude, &intersection, @file)")
	f.StringSliceVar(&sshHosts, "ssh", nil, "collect these `HOSTS` ([user@]host[:port], comma-separated) through the system ssh client, no inventory")
	f.StringVarP(&dir, "output", "o", "", "the `DIR` for the snapshots (<host>.json) and collect.json; made when missing")
	f.IntVar(&forks, "forks", 5, "work on `N` hosts at once (Ansible's forks)")
	f.StringVar(&via, "via", "auto", "`HOW` to reach the hosts of -i: ansible (ansible-playbook), ssh (the ssh client), auto (ansible when installed)")
	f.StringVar(&sshConfig, "ssh-config", "", "ssh configuration `FILE` (ssh -F; default ~/.ssh/config), for Ansible's ssh too")
	f.StringVar(&remoteDir, "remote-dir", "/var/tmp", "on each host, put the ostopo binary in ostopo-<checksum>/ under this `DIR`")
	f.BoolVar(&become, "become", true, "run ostopo snapshot as root on each host (sudo -n when the user is not root); --become=false runs it as the user")
	f.DurationVar(&connectTimeout, "connect-timeout", 10*time.Second, "with ssh: give up connecting to a host after this `DURATION`")
	f.BoolVar(&printPlaybook, "print-playbook", false, "print the Ansible playbook collect runs, and exit")
	return cmd
}

// collectProgress prints one host's result as it arrives.
func (a *app) collectProgress(r fleet.Result) {
	line := fmt.Sprintf("ostopo collect: %s %s (%.1fs)", safetext.Term(r.Host), r.Status, r.Seconds)
	if r.Message != "" {
		line += ": " + safetext.Term(r.Message)
	}
	fmt.Fprintln(a.stderr, line)
}

// remoteSnapshotFlags are the global flags given to collect that tell
// ostopo snapshot on each host where to read: they go to every host,
// before its own ostopo_flags (which win).
func remoteSnapshotFlags(cmd *cobra.Command, g *globals) []string {
	var out []string
	fl := cmd.Flags()
	add := func(name, value string) {
		if fl.Changed(name) {
			out = append(out, "--"+name+"="+value)
		}
	}
	add("ovsdb", g.ovsdb)
	add("ovs-rundir", g.ovsRunDir)
	for _, d := range g.netnsDirs {
		if fl.Changed("netns-dir") {
			out = append(out, "--netns-dir="+d)
		}
	}
	add("root-netns", g.rootNetns)
	add("neutron-state-dir", g.neutronStateDir)
	add("timeout", g.timeout.String())
	return out
}

// sshTransport is how collect reaches hosts without Ansible.
type sshTransport struct {
	config, remoteDir string
	become            bool
	timeout           time.Duration
}

func collectSSH(ctx context.Context, hosts []fleet.Host, opts fleet.Options, t sshTransport, common []string) (*fleet.Report, error) {
	ssh := &fleet.SSH{ConfigFile: t.config, RemoteDir: t.remoteDir, ConnectTimeout: t.timeout}
	withFlags := make([]fleet.Host, len(hosts))
	for i, h := range hosts {
		if !t.become {
			h.Become = false
		}
		h.Flags = append(append([]string{}, common...), h.Flags...)
		withFlags[i] = h
	}
	rep, err := ssh.Collect(ctx, withFlags, opts)
	if err != nil {
		return nil, err
	}
	return rep, nil
}
