// Package collect reads a live node into a topo.Snapshot: OVSDB and
// OpenFlow (package ovs), every network namespace through netlink, NAT rules
// of router namespaces, and the Neutron agents' files. It is the only place
// that does live I/O for a snapshot.
package collect

import (
	"runtime"
	"time"

	"github.com/ostopo/ostopo/netinspect/run"
)

// Options say where to read the node from. The zero value reads the node
// ostopo runs on with the usual paths.
type Options struct {
	// OVSDB is the database target (unix:/path or tcp:host:port); "" tries
	// the default sockets.
	OVSDB string
	// OVSRunDir is exported to ovs-ofctl as OVS_RUNDIR.
	OVSRunDir string
	// NetnsDirs are scanned for named namespaces; nil uses /run/netns and
	// /var/run/netns.
	NetnsDirs []string
	// RootNetns is the path of the node's own namespace; "" is the one
	// ostopo runs in.
	RootNetns string
	// NeutronStateDir is the agents' state_path; "" searches the usual
	// places (bare metal and kolla's named volume).
	NeutronStateDir string
	// RootDir is where the node's files that tell how it runs its agents
	// (/etc/kolla, /etc/neutron, systemd unit files, container engines'
	// dirs) are read under; "" is /.
	RootDir string
	// ProcDir is where the node's processes are listed for its agents;
	// "" is /proc, whatever RootDir is.
	ProcDir string
	// Runner runs ovs-ofctl and iptables-save; nil runs them on the host.
	Runner run.Runner
	// Parallel bounds how many namespaces are read at once.
	Parallel int
	// Now stamps the snapshot; nil is time.Now.
	Now func() time.Time

	// netnsDirsNamed says NetnsDirs came from the caller, not the
	// defaults: then a missing dir is an error.
	netnsDirsNamed bool
	// l3Containers names the containers iptables-save may run in when
	// the host has none (deployRead.l3Containers); nil is kolla's.
	l3Containers func() []string
	// afterList runs between listing namespaces and reading them; tests
	// use it to delete a namespace mid-scan for real.
	afterList func()
}

// DefaultNetnsDirs are where `ip netns` keeps its bind mounts.
func DefaultNetnsDirs() []string { return []string{"/run/netns", "/var/run/netns"} }

func (o Options) withDefaults() Options {
	o.netnsDirsNamed = o.NetnsDirs != nil
	if o.NetnsDirs == nil {
		o.NetnsDirs = DefaultNetnsDirs()
	}
	if o.Runner == nil {
		o.Runner = run.Exec()
	}
	if o.Parallel <= 0 {
		// Each reader is a thread busy in the kernel's netlink dumps. More
		// of them than the CPUs can run crowd out ovsdb-server and
		// ovs-vswitchd, whose answers the snapshot waits for: on 2 CPUs, 4
		// readers made the 1000-instance snapshot 3-5% faster than 8.
		o.Parallel = min(8, 2*runtime.NumCPU())
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
