//go:build linux

package collect

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func labOptions(l *lab.Lab) Options {
	return Options{OVSDB: l.OVSDB(), OVSRunDir: l.RunDir(), NetnsDirs: []string{l.NetnsDir()},
		RootNetns: l.NodePath(), NeutronStateDir: l.StateDir()}
}

// A live snapshot of a lab node holds exactly what the lab built, through
// real OVSDB, ovs-ofctl, netlink in every namespace and iptables-save.
func TestLiveSnapshotMatchesLab(t *testing.T) {
	for _, spec := range []lab.Spec{lab.AllInOne(), lab.Broken()} {
		t.Run(spec.Name, func(t *testing.T) {
			l := labtest.Build(t, spec)
			snap, err := Collect(context.Background(), labOptions(l))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range snap.FailedSources() {
				t.Errorf("source %s failed: %s", s.Name, s.Error)
			}
			for _, d := range spec.Check(snap.Neutron) {
				t.Error(d)
			}
			if snap.Host != spec.Hostname {
				t.Errorf("host = %q, want %q from OVSDB external_ids", snap.Host, spec.Hostname)
			}
			wantNS := 1 + len(spec.Routers)
			for _, n := range spec.Networks {
				if n.DHCP != nil {
					wantNS++
				}
			}
			if len(snap.Namespaces) != wantNS {
				t.Errorf("%d namespaces, want %d (the node once, deduplicated, plus its qdhcp-/qrouter-)", len(snap.Namespaces), wantNS)
			}
			for _, r := range spec.Routers {
				ns := snap.Namespace("qrouter-" + r.ID)
				if ns == nil || ns.NAT == nil || ns.NAT.Backend == "" || len(ns.NAT.Rules) == 0 {
					t.Errorf("router %s: NAT table not read: %+v", r.ID, ns)
				}
			}
		})
	}
}

// Veth peers are named across namespaces (DVR's rfp-/fpr- pair).
func TestVethPeerAcrossNamespaces(t *testing.T) {
	spec := lab.AllInOne()
	l := labtest.Build(t, spec)
	router := "qrouter-" + spec.Routers[0].ID
	out, err := exec.Command("ip", "-n", l.Node, "link", "add", "rfp-0123456789", "type", "veth", "peer", "name", "fpr-0123456789", "netns", router).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	snap, err := Collect(context.Background(), labOptions(l))
	if err != nil {
		t.Fatal(err)
	}
	rfp := snap.Root().Link("rfp-0123456789")
	if rfp == nil || rfp.Peer == nil || rfp.Peer.Namespace != router || rfp.Peer.Name != "fpr-0123456789" {
		t.Fatalf("rfp- peer = %+v, want fpr-0123456789 in %s", rfp, router)
	}
	fpr := snap.Namespace(router).Link("fpr-0123456789")
	if fpr == nil || fpr.Peer == nil || fpr.Peer.Namespace != "" || fpr.Peer.Name != "rfp-0123456789" {
		t.Fatalf("fpr- peer = %+v, want rfp-0123456789 in the node", fpr)
	}
	qvb := snap.Root().Link(spec.Instances[0].Device("qvb"))
	if qvb.Peer == nil || qvb.Peer.Name != spec.Instances[0].Device("qvo") || qvb.Peer.Namespace != "" {
		t.Errorf("qvb peer = %+v", qvb.Peer)
	}
}

// A namespace deleted between listing and reading is recorded as gone (a
// source read, its detail saying so), not as a fact missing; everything
// else is still read.
func TestNamespaceVanishesDuringScan(t *testing.T) {
	spec := lab.ComputeNode()
	l := labtest.Build(t, spec)
	const doomed = "qdhcp-dddddddd-dddd-4ddd-addd-dddddddddddd"
	if out, err := exec.Command("ip", "netns", "add", doomed).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "delete", doomed).Run() })
	mount := filepath.Join(l.NetnsDir(), doomed)
	if err := os.WriteFile(mount, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("/run/netns/"+doomed, mount, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	o := labOptions(l)
	o.afterList = func() {
		syscall.Unmount(mount, syscall.MNT_DETACH)
		os.Remove(mount)
		exec.Command("ip", "netns", "delete", doomed).Run()
	}
	snap, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	src := snap.Source("netlink/" + doomed)
	// Read, not failed: it is not on the node any more, and nothing about
	// the node is unknown for it (doctor must not turn UNKNOWN for that).
	if src == nil || !src.OK || !strings.Contains(src.Detail, "vanished during the scan") {
		t.Fatalf("source for the deleted namespace = %+v", src)
	}
	if snap.Namespace(doomed) != nil {
		t.Error("the deleted namespace still appears")
	}
	if len(snap.FailedSources()) != 0 {
		t.Errorf("sources failed: %+v", snap.FailedSources())
	}
	if diffs := spec.Check(snap.Neutron); len(diffs) > 0 {
		t.Errorf("the rest of the node was not read: %v", diffs)
	}
}

// Without an OVSDB socket the snapshot still holds the kernel's facts and
// says precisely what is missing.
func TestMissingOVSDBSocket(t *testing.T) {
	spec := lab.ComputeNode()
	l := labtest.Build(t, spec)
	o := labOptions(l)
	o.OVSDB = "unix:" + filepath.Join(t.TempDir(), "db.sock")
	snap, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	src := snap.Source("ovsdb")
	if src == nil || src.OK || !strings.Contains(src.Error, "connect to OVSDB unix:") || !strings.Contains(src.Error, "no such file") {
		t.Fatalf("ovsdb source = %+v", src)
	}
	if r := snap.Root(); r == nil || r.Link("eth1") == nil {
		t.Error("the node's own links were not read")
	}
	if len(snap.OVS.Bridges) != 0 || snap.Neutron.Ports == nil {
		t.Errorf("bridges %d, ports %v", len(snap.OVS.Bridges), snap.Neutron.Ports)
	}
	// Chains still show from the kernel alone; where each qvo is plugged
	// is unknown (OVSDB was not read), not a problem: "not on br-int"
	// would be a verdict on a fact that was never read.
	var chains int
	for _, p := range snap.Neutron.Ports {
		if p.Role != topo.RoleInstance {
			continue
		}
		chains++
		if len(p.Problems) > 0 || !strings.Contains(strings.Join(p.Unknown, "; "), "on br-int: unknown (ovsdb not read)") {
			t.Errorf("port %s: problems %q, unknown %q", p.ID, p.Problems, p.Unknown)
		}
	}
	if chains != len(spec.Instances) {
		t.Errorf("%d instance chains read from the kernel, want %d", chains, len(spec.Instances))
	}
}

// Out of time: the snapshot keeps what was read and names what was not.
func TestDeadlineKeepsWhatWasRead(t *testing.T) {
	l := labtest.Build(t, lab.ComputeNode())
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	snap, err := Collect(ctx, labOptions(l))
	if err != nil {
		t.Fatalf("Collect after the deadline: %v", err)
	}
	failed := map[string]string{}
	for _, s := range snap.FailedSources() {
		failed[s.Name] = s.Error
	}
	if e := failed["ovsdb"]; !strings.Contains(e, "timeout") && !strings.Contains(e, "deadline exceeded") {
		t.Errorf("ovsdb source error = %q, want a timeout", e)
	}
	if e := failed["netlink/(root)"]; !strings.Contains(e, "deadline exceeded") {
		t.Errorf("root namespace source error = %q, want deadline exceeded", e)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, labOptions(l)); err == nil {
		t.Error("a canceled collection returned a snapshot")
	}
}

// Flows are dumped from the bridges' management sockets before OVSDB
// answers; a bridge that refuses OpenFlow 1.0 is dumped again with the
// protocol OVSDB names, and a socket no bridge owns is read for nothing.
func TestEarlyFlowDumps(t *testing.T) {
	l := labtest.Build(t, lab.ComputeNode())
	ctx := context.Background()
	vsctl := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ovs-vsctl", append([]string{"--db=" + l.OVSDB()}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ovs-vsctl %v: %v: %s", args, err, out)
		}
	}
	vsctl("set", "Bridge", "br-tun", "protocols=OpenFlow13")
	ghost, err := net.Listen("unix", filepath.Join(l.RunDir(), "br-ghost.mgmt"))
	if err != nil {
		t.Fatal(err)
	}
	ghost.(*net.UnixListener).SetUnlinkOnClose(false)
	ghost.Close() // the socket file stays, nobody listens: a crashed bridge's leftover
	want, err := exec.Command("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "unix:"+filepath.Join(l.RunDir(), "br-tun.mgmt")).Output()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Collect(ctx, labOptions(l))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.FailedSources() {
		t.Errorf("source %s failed: %s", s.Name, s.Error)
	}
	if s := snap.Source("openflow/br-ghost"); s != nil {
		t.Errorf("a socket no bridge owns became a source: %+v", s)
	}
	tun := snap.OVS.Bridge("br-tun")
	if tun == nil {
		t.Fatal("no br-tun")
	}
	if n := strings.Count(string(want), "actions="); len(tun.Flows) != n || n == 0 {
		t.Errorf("br-tun (OpenFlow13 only): %d flows read, ovs-ofctl -O OpenFlow13 shows %d", len(tun.Flows), n)
	}
}
