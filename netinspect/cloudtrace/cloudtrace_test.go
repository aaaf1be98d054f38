package cloudtrace_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The recorded lab cloud (docs/neutronlab.md): netnode and netnode2
// (dvr_snat network nodes), compute1 (hybrid firewall) and compute2
// (openvswitch firewall), recorded together from one real-Neutron lab.
var labFixtures = []string{"net", "net2", "cmp", "cmp-ovsfw"}

// lab builds the cloud from the recorded snapshots, except those in
// leave out; edit, when set, breaks copies of them and every snapshot's
// Neutron view is derived again, as a snapshot of the broken node would
// have it.
func lab(t *testing.T, edit func(by map[string]*topo.Snapshot), leaveOut ...string) *cloud.Cloud {
	t.Helper()
	by := map[string]*topo.Snapshot{}
	var snaps []*topo.Snapshot
	for _, f := range labFixtures {
		if slices.Contains(leaveOut, f) {
			continue
		}
		s := fixturetest.Load(t, f)
		by[s.Host] = s
		snaps = append(snaps, s)
	}
	if edit != nil {
		edit(by)
		for _, s := range snaps {
			s.Neutron = neutron.Derive(s)
			s.Normalize()
		}
	}
	c, err := cloud.New(snaps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fip is what the snapshots themselves say of a floating IP, independent
// of the trace: the node whose router carries it (not an HA router
// standing by), the node and tap of its instance, the network's local
// VLAN on each and its VNI.
type fip struct {
	ip, fixed          string
	origin, holder     string
	tap                string
	network            string
	originVLAN, hostVL int
	vni                int
	originMAC          string // the instance's router port MAC on origin
}

func (f fip) crosses() bool { return f.origin != f.holder }

// floatingIPs lists every floating IP of the cloud's routers.
func floatingIPs(t *testing.T, c *cloud.Cloud) []fip {
	t.Helper()
	var out []fip
	for _, n := range c.Nodes {
		for _, r := range n.Snap.Neutron.Routers {
			if r.HARole == topo.HARoleStandby {
				continue
			}
			for _, f := range r.FloatingIPs {
				out = append(out, fip{ip: f.FloatingIP, fixed: f.FixedIP, origin: n.Name})
			}
		}
	}
	slices.SortFunc(out, func(a, b fip) int { return strings.Compare(a.ip, b.ip) })
	for i := range out {
		f := &out[i]
		for _, n := range c.Nodes {
			for _, p := range n.Snap.Neutron.Ports {
				if p.Role != topo.RoleInstance || !slices.Contains(p.FixedIPs, f.fixed) {
					continue
				}
				f.holder, f.tap, f.network, f.hostVL = n.Name, p.Devices.Tap.Name, p.NetworkID, p.LocalVLAN
				nw := n.Snap.Neutron.Network(p.NetworkID)
				if nw == nil || nw.SegmentationID == nil {
					t.Fatalf("%s: network %s of %s has no segmentation id", n.Name, p.NetworkID, f.fixed)
				}
				f.vni = *nw.SegmentationID
			}
		}
		if f.holder == "" {
			t.Fatalf("no node hosts %s (floating IP %s)", f.fixed, f.ip)
		}
		o := c.Node(f.origin).Snap
		if nw := o.Neutron.Network(f.network); nw != nil {
			f.originVLAN = nw.LocalVLAN
			if nw.SegmentationID != nil && *nw.SegmentationID != f.vni {
				t.Fatalf("%s: the lab maps network %s to VNI %d on %s and %d on %s", f.ip, f.network, *nw.SegmentationID, f.origin, f.vni, f.holder)
			}
		}
		for _, r := range o.Neutron.Routers {
			for _, i := range r.Interfaces {
				if i.NetworkID == f.network {
					if p := o.Neutron.Port(i.Port); p != nil {
						f.originMAC = p.MAC
					}
				}
			}
		}
	}
	return out
}

func traceOf(t *testing.T, c *cloud.Cloud, target string, reverse bool) *cloudtrace.Result {
	t.Helper()
	r, err := cloudtrace.Trace(c, target, cloudtrace.Options{Reverse: reverse})
	if err != nil {
		t.Fatalf("trace %s (reverse %v): %v", target, reverse, err)
	}
	return r
}

// hopsOn returns the kinds of the hops on node.
func hopsOn(r *cloudtrace.Result, node string) []string {
	var out []string
	for _, h := range r.Hops {
		if h.Node == node {
			out = append(out, h.Kind)
		}
	}
	return out
}

func firstOn(r *cloudtrace.Result, node, kind string) *cloudtrace.Hop {
	for i := range r.Hops {
		if h := &r.Hops[i]; h.Node == node && h.Kind == kind {
			return h
		}
	}
	return nil
}

// Every floating IP of the cloud is traced end to end: from the provider
// NIC of the node whose router holds it to the instance's tap on the
// node that hosts it, naming both nodes' local VLANs and the VNI; the
// one whose instance is on the router's node (a distributed floating IP)
// stays there.
func TestEveryFloatingIPEndToEnd(t *testing.T) {
	c := lab(t, nil)
	fips := floatingIPs(t, c)
	crossing := 0
	for _, f := range fips {
		r := traceOf(t, c, f.ip, false)
		text := cloudtrace.Text(r)
		if !r.Complete || cloudtrace.ExitCode(r, nil) != 0 {
			t.Errorf("%s: not complete:\n%s", f.ip, text)
			continue
		}
		first, last := r.Hops[0], r.Hops[len(r.Hops)-1]
		if first.Node != f.origin || first.Kind != trace.KindProviderNIC {
			t.Errorf("%s: starts with %s on %s, want the provider NIC on %s", f.ip, first.Kind, first.Node, f.origin)
		}
		if last.Node != f.holder || last.Kind != trace.KindTap || last.Device != f.tap {
			t.Errorf("%s: ends with %s %s on %s, want tap %s on %s", f.ip, last.Kind, last.Device, last.Node, f.tap, f.holder)
		}
		if r.FloatingIP != f.ip || r.FixedIP != f.fixed {
			t.Errorf("%s: floating %s fixed %s", f.ip, r.FloatingIP, r.FixedIP)
		}
		if !f.crosses() {
			if len(r.Crossings) != 0 || !slices.Equal(r.Nodes, []string{f.holder}) {
				t.Errorf("%s: stays on %s, yet crossings %+v nodes %v", f.ip, f.holder, r.Crossings, r.Nodes)
			}
			continue
		}
		crossing++
		if !slices.Equal(r.Nodes, []string{f.origin, f.holder}) {
			t.Errorf("%s: nodes %v, want %s then %s", f.ip, r.Nodes, f.origin, f.holder)
		}
		want := cloudtrace.Crossing{From: f.origin, FromVLAN: f.originVLAN, To: f.holder, ToVLAN: f.hostVL, VNI: f.vni}
		if len(r.Crossings) != 1 {
			t.Errorf("%s: crossings %+v", f.ip, r.Crossings)
			continue
		}
		got := r.Crossings[0]
		if got.From != want.From || got.To != want.To || got.FromVLAN != want.FromVLAN || got.ToVLAN != want.ToVLAN || got.VNI != want.VNI {
			t.Errorf("%s: crossing %+v, want %+v", f.ip, got, want)
		}
		if n := c.Node(f.holder); !slices.Contains(n.TunnelIPs, got.ToIP) {
			t.Errorf("%s: crosses to %s, not an address of %s (%v)", f.ip, got.ToIP, f.holder, n.TunnelIPs)
		}
		// Each side's own hops say so too: the origin's br-tun on its
		// VLAN with the VNI, the holder's br-tun mapping the VNI to its
		// own VLAN, and the router only on the origin.
		if h := firstOn(r, f.origin, trace.KindTunnelBridge); h == nil || h.VLAN != f.originVLAN || h.TunnelID != f.vni {
			t.Errorf("%s: origin's br-tun hop %+v", f.ip, h)
		}
		if h := firstOn(r, f.holder, trace.KindTunnelBridge); h == nil || h.VLAN != f.hostVL || h.TunnelID != f.vni ||
			!strings.Contains(strings.Join(h.Evidence, "\n"), fmt.Sprintf("tun_id=%#x actions=mod_vlan_vid:%d", f.vni, f.hostVL)) {
			t.Errorf("%s: holder's br-tun hop %+v", f.ip, h)
		}
		if firstOn(r, f.origin, trace.KindRouter) == nil || firstOn(r, f.holder, trace.KindRouter) != nil {
			t.Errorf("%s: the router hop is not (only) on %s: %v / %v", f.ip, f.origin, hopsOn(r, f.origin), hopsOn(r, f.holder))
		}
		for _, want := range []string{
			fmt.Sprintf("%s (%s) local VLAN %d → ", f.origin, got.FromIP, f.originVLAN),
			fmt.Sprintf("VNI %d → %s (%s) local VLAN %d", f.vni, f.holder, got.ToIP, f.hostVL),
			"path complete:",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", f.ip, want, text)
			}
		}
	}
	if crossing == 0 || crossing == len(fips) {
		t.Fatalf("%d of %d floating IPs cross nodes: the lab has both kinds", crossing, len(fips))
	}
}

// Outbound, each floating IP's path starts at its instance's tap, leaves
// its node by the tunnel to the router's node (br-tun towards the
// router's MAC) and arrives there through br-tun table 4 to the router,
// its SNAT, and the provider NIC.
func TestEveryFloatingIPOutbound(t *testing.T) {
	c := lab(t, nil)
	for _, f := range floatingIPs(t, c) {
		r := traceOf(t, c, f.ip, true)
		text := cloudtrace.Text(r)
		if !r.Complete || r.Direction != "outbound" {
			t.Errorf("%s: not complete:\n%s", f.ip, text)
			continue
		}
		first, last := r.Hops[0], r.Hops[len(r.Hops)-1]
		if first.Node != f.holder || first.Kind != trace.KindTap || first.Device != f.tap {
			t.Errorf("%s: starts with %s %s on %s, want tap %s on %s", f.ip, first.Kind, first.Device, first.Node, f.tap, f.holder)
		}
		if last.Node != f.origin || last.Kind != trace.KindProviderNIC {
			t.Errorf("%s: ends with %s on %s, want the provider NIC on %s", f.ip, last.Kind, last.Node, f.origin)
		}
		rt := firstOn(r, f.origin, trace.KindRouter)
		if rt == nil || !strings.Contains(strings.Join(rt.Evidence, "\n"), "SNAT --to-source "+f.ip) {
			t.Errorf("%s: router hop without its SNAT rule: %+v", f.ip, rt)
		}
		if !f.crosses() {
			if len(r.Crossings) != 0 {
				t.Errorf("%s: crossings %+v", f.ip, r.Crossings)
			}
			continue
		}
		if !slices.Equal(r.Nodes, []string{f.holder, f.origin}) || len(r.Crossings) != 1 {
			t.Errorf("%s: nodes %v crossings %+v", f.ip, r.Nodes, r.Crossings)
			continue
		}
		got := r.Crossings[0]
		if got.From != f.holder || got.To != f.origin || got.FromVLAN != f.hostVL || got.ToVLAN != f.originVLAN || got.VNI != f.vni {
			t.Errorf("%s: crossing %+v", f.ip, got)
		}
		// The holder sends to the router's MAC through the tunnel to the
		// origin; the origin's first hop is that tunnel from the holder.
		tb := firstOn(r, f.holder, trace.KindTunnelBridge)
		if tb == nil || !strings.Contains(strings.Join(tb.Evidence, "\n"), "dl_dst="+f.originMAC) {
			t.Errorf("%s: holder's br-tun does not send to the router's MAC %s: %+v", f.ip, f.originMAC, tb)
		}
		if h := hopsOn(r, f.origin); len(h) < 5 || !slices.Equal(h[:5], []string{trace.KindTunnel, trace.KindTunnelBridge, trace.KindPatch, trace.KindIntegration, trace.KindRouterIf}) {
			t.Errorf("%s: origin's hops %v, want the arrival from the tunnel to qr- first", f.ip, h)
		}
		if h := firstOn(r, f.origin, trace.KindTunnel); h == nil || !strings.Contains(strings.Join(h.Evidence, "\n"), "remote_ip="+got.FromIP) {
			t.Errorf("%s: origin's tunnel hop %+v, want the one from %s", f.ip, h, got.FromIP)
		}
	}
}

// crossingFIPs are the floating IPs whose path crosses nodes.
func crossingFIPs(t *testing.T) []fip {
	var out []fip
	for _, f := range floatingIPs(t, lab(t, nil)) {
		if f.crosses() {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no floating IP crosses nodes")
	}
	return out
}

// wantBroken checks the path is broken first at a hop of kind on node,
// with what was expected, found and the next step, and nothing before it
// broken or unknown.
func wantBroken(t *testing.T, what string, r *cloudtrace.Result, node, kind, problem string) {
	t.Helper()
	text := cloudtrace.Text(r)
	if r.BrokenAt == nil || cloudtrace.ExitCode(r, nil) != 1 {
		t.Errorf("%s: not broken:\n%s", what, text)
		return
	}
	h := r.Hops[*r.BrokenAt]
	if h.Node != node || h.Kind != kind || !strings.Contains(h.Problem, problem) || h.Expected == "" || h.Found == "" || h.Next == "" {
		t.Errorf("%s: broken at %s %s (%q, expected %q, found %q, next %q), want %s on %s (%q):\n%s", what, h.Kind, h.Node, h.Problem, h.Expected, h.Found, h.Next, kind, node, problem, text)
	}
	if r.UnknownAt != nil && *r.UnknownAt < *r.BrokenAt {
		t.Errorf("%s: unknown before the break:\n%s", what, text)
	}
	if want := fmt.Sprintf("path BROKEN at hop %d on %s (%s", *r.BrokenAt+1, node, kind); !strings.Contains(text, want) {
		t.Errorf("%s: text lacks %q:\n%s", what, want, text)
	}
}

// dropFlows removes a bridge's flows of one table whose match holds sub.
func dropFlows(t *testing.T, s *topo.Snapshot, bridge string, table int, sub string) {
	t.Helper()
	b := s.OVS.Bridge(bridge)
	n := len(b.Flows)
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return f.Table == table && strings.Contains(f.Match, sub) })
	if len(b.Flows) == n {
		t.Fatalf("%s: no %s table %d flow matches %q", s.Host, bridge, table, sub)
	}
}

// The compute node's br-tun table 4 flow for the VNI deleted: frames from
// the tunnel are dropped there, and the break is named at that node's
// br-tun hop, the network node's half still clean.
func TestBrokenTable4OnTheComputeNode(t *testing.T) {
	for _, f := range crossingFIPs(t) {
		c := lab(t, func(by map[string]*topo.Snapshot) {
			dropFlows(t, by[f.holder], "br-tun", 4, fmt.Sprintf("tun_id=%#x", f.vni))
		})
		r := traceOf(t, c, f.ip, false)
		wantBroken(t, f.ip, r, f.holder, trace.KindTunnelBridge, fmt.Sprintf("table 4 flow maps tunnel id %d", f.vni))
		if h := r.Hops[*r.BrokenAt]; !strings.Contains(h.Expected, fmt.Sprintf("tun_id=%#x actions=mod_vlan_vid:%d", f.vni, f.hostVL)) {
			t.Errorf("%s: expected %q", f.ip, h.Expected)
		}
		for _, h := range r.Hops {
			if h.Node == f.origin && !h.OK {
				t.Errorf("%s: %s's hop %s is not OK: %s", f.ip, f.origin, h.Kind, h.Problem)
			}
		}
	}
}

// The compute node has the network as another VNI (its OVSDB and its
// br-tun table 4 agree with each other, so on its own it looks clean):
// the VNI the network node sends with is not the one it maps, a break at
// the receiving br-tun hop.
func TestVNIMismatchIsBrokenWhereItArrives(t *testing.T) {
	f := crossingFIPs(t)[0]
	other := f.vni + 1000
	c := lab(t, func(by map[string]*topo.Snapshot) {
		s := by[f.holder]
		b := s.OVS.Bridge("br-tun")
		n := 0
		for i := range b.Flows {
			if fl := &b.Flows[i]; fl.Table == 4 && fl.Match == fmt.Sprintf("tun_id=%#x", f.vni) {
				fl.Match = fmt.Sprintf("tun_id=%#x", other)
				n++
			}
		}
		for _, p := range s.OVS.Bridge("br-int").Ports {
			if p.OtherConfig["net_uuid"] == f.network {
				p.OtherConfig["segmentation_id"] = fmt.Sprint(other)
			}
		}
		if n != 1 {
			t.Fatalf("%d table 4 flows for VNI %d", n, f.vni)
		}
	})
	alone, err := trace.Trace(c.Node(f.holder).Snap, f.fixed, trace.Options{})
	if err != nil || !alone.Complete || alone.Hops[0].TunnelID != other {
		t.Fatalf("%s on its own: %v\n%s", f.holder, err, trace.Text(alone, f.holder))
	}
	r := traceOf(t, c, f.ip, false)
	wantBroken(t, f.ip, r, f.holder, trace.KindTunnelBridge, fmt.Sprintf("tunnel id %d", f.vni))
	if h := firstOn(r, f.holder, trace.KindTunnel); h == nil || !strings.Contains(strings.Join(h.Evidence, "\n"), fmt.Sprintf("with VNI %d", f.vni)) {
		t.Errorf("the tunnel hop does not say which VNI %s sends: %+v", f.origin, h)
	}
}

// dropTunnelPort removes the node's tunnel port to remote from br-tun, as
// OVSDB would be after ovs-vsctl del-port.
func dropTunnelPort(t *testing.T, s *topo.Snapshot, remote string) {
	t.Helper()
	b := s.OVS.Bridge("br-tun")
	n := len(b.Ports)
	b.Ports = slices.DeleteFunc(b.Ports, func(p topo.Port) bool {
		return slices.ContainsFunc(p.Interfaces, func(i topo.Interface) bool { return i.Options["remote_ip"] == remote })
	})
	if len(b.Ports) != n-1 {
		t.Fatalf("%s: %d tunnel ports to %s", s.Host, n-len(b.Ports), remote)
	}
}

// A tunnel port deleted is named on the node that lost it: the compute
// node's (to the network node) breaks the arrival there inbound and the
// departure there outbound; the network node's (to the compute node)
// breaks its br-tun inbound and the arrival there outbound.
func TestBrokenTunnelPort(t *testing.T) {
	for _, f := range crossingFIPs(t) {
		base := lab(t, nil)
		originIP := base.Node(f.origin).TunnelIPs[0]
		holderIP := base.Node(f.holder).TunnelIPs[0]
		c := lab(t, func(by map[string]*topo.Snapshot) { dropTunnelPort(t, by[f.holder], originIP) })
		wantBroken(t, f.ip+" holder's port, inbound", traceOf(t, c, f.ip, false), f.holder, trace.KindTunnel, "no tunnel port on br-tun to "+f.origin)
		wantBroken(t, f.ip+" holder's port, outbound", traceOf(t, c, f.ip, true), f.holder, trace.KindTunnel, "no tunnel port on br-tun to "+f.origin)

		c = lab(t, func(by map[string]*topo.Snapshot) { dropTunnelPort(t, by[f.origin], holderIP) })
		in := traceOf(t, c, f.ip, false)
		wantBroken(t, f.ip+" origin's port, inbound", in, f.origin, trace.KindTunnelBridge, "not a tunnel port")
		if slices.Contains(in.Nodes, f.holder) {
			t.Errorf("%s: the path goes on to %s through a tunnel that is not there", f.ip, f.holder)
		}
		wantBroken(t, f.ip+" origin's port, outbound", traceOf(t, c, f.ip, true), f.origin, trace.KindTunnel, "no tunnel port on br-tun to "+f.holder)
	}
}

// The network node's DNAT rule deleted: the path breaks at its router
// hop, on the network node.
func TestBrokenDNATOnTheNetworkNode(t *testing.T) {
	for _, f := range crossingFIPs(t) {
		c := lab(t, func(by map[string]*topo.Snapshot) {
			s := by[f.origin]
			n := 0
			for i := range s.Namespaces {
				if nat := s.Namespaces[i].NAT; nat != nil {
					k := len(nat.Rules)
					nat.Rules = slices.DeleteFunc(nat.Rules, func(r topo.NATRule) bool { return r.Target == "DNAT" && topo.HostIP(r.Dst) == f.ip })
					n += k - len(nat.Rules)
				}
			}
			if n == 0 {
				t.Fatalf("%s: no DNAT rule for %s", f.origin, f.ip)
			}
		})
		r := traceOf(t, c, f.ip, false)
		wantBroken(t, f.ip, r, f.origin, trace.KindRouter, "no DNAT rule for "+f.ip)
		// The rest of the path is still followed to the instance.
		if last := r.Hops[len(r.Hops)-1]; last.Node != f.holder || last.Kind != trace.KindTap {
			t.Errorf("%s: ends at %s on %s", f.ip, last.Kind, last.Node)
		}
	}
}

// l2population on the network node sends the instance's MAC to another
// compute node than the one hosting it: the break is the network node's
// tunnel hop, naming where the port really is.
func TestMisdirectedTunnel(t *testing.T) {
	var f fip
	for _, x := range crossingFIPs(t) {
		if x.origin == "netnode" && x.holder == "compute1" {
			f = x
			break // 10.1.0.11: its network floods to compute2 too, so netnode alone cannot tell
		}
	}
	if f.ip == "" {
		t.Fatal("no floating IP from netnode to compute1")
	}
	base := lab(t, nil)
	var mac string
	for _, p := range base.Node(f.holder).Snap.Neutron.Ports {
		if slices.Contains(p.FixedIPs, f.fixed) {
			mac = p.MAC
		}
	}
	c := lab(t, func(by map[string]*topo.Snapshot) {
		s := by[f.origin]
		var to1, to2 string
		for _, tun := range s.Neutron.Tunnels {
			switch tun.RemoteIP {
			case base.Node("compute1").TunnelIPs[0]:
				to1 = fmt.Sprint(tun.OFPort)
			case base.Node("compute2").TunnelIPs[0]:
				to2 = fmt.Sprint(tun.OFPort)
			}
		}
		b := s.OVS.Bridge("br-tun")
		n := 0
		for i := range b.Flows {
			if fl := &b.Flows[i]; fl.Table == 20 && strings.Contains(fl.Match, "dl_dst="+mac) {
				fl.Actions = strings.Replace(fl.Actions, "output:"+to1, "output:"+to2, 1)
				n++
			}
		}
		if n == 0 {
			t.Fatalf("no table 20 flow for %s", mac)
		}
	})
	r := traceOf(t, c, f.ip, false)
	wantBroken(t, f.ip, r, f.origin, trace.KindTunnel, "but its port is on compute1")
}

// A tunnel to a node that was not collected: the path ends there as
// unknown, never clean; outbound it starts there, unknown too.
func TestRemoteNodeNotCollected(t *testing.T) {
	full := lab(t, nil)
	var f fip
	for _, x := range floatingIPs(t, full) {
		if x.crosses() && x.holder == "compute1" {
			f = x
		}
	}
	c := lab(t, nil, "cmp") // compute1 left out
	ip := full.Node("compute1").TunnelIPs[0]
	r := traceOf(t, c, f.ip, false)
	text := cloudtrace.Text(r)
	last := r.Hops[len(r.Hops)-1]
	if r.Complete || !r.Unknown || r.BrokenAt != nil || cloudtrace.ExitCode(r, nil) != 3 || last.Kind != cloudtrace.KindNode || last.Node != "" ||
		last.Unknown != ip+" is not in the collected cloud: collect it" {
		t.Errorf("inbound: %+v\n%s", last, text)
	}
	if !strings.Contains(text, "path UNKNOWN at hop "+fmt.Sprint(len(r.Hops))+" on ? (node "+ip+"): "+ip+" is not in the collected cloud: collect it") {
		t.Errorf("text:\n%s", text)
	}
	r = traceOf(t, c, f.ip, true)
	if r.Complete || cloudtrace.ExitCode(r, nil) != 3 || r.Hops[0].Kind != cloudtrace.KindNode || r.Hops[len(r.Hops)-1].Kind != trace.KindProviderNIC {
		t.Errorf("outbound:\n%s", cloudtrace.Text(r))
	}
}

// With only the node where the HA router stands by, the path is that
// node's standby (exit 4), not a break; with both, the standby node is a
// note and not the path.
func TestHAStandby(t *testing.T) {
	full := lab(t, nil)
	var f fip
	for _, x := range floatingIPs(t, full) {
		if x.origin == "netnode2" {
			f = x
		}
	}
	if f.ip == "" {
		t.Fatal("no HA floating IP active on netnode2")
	}
	r := traceOf(t, full, f.ip, false)
	if !r.Complete || slices.Contains(r.Nodes, "netnode") || len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], "netnode: router ") {
		t.Errorf("nodes %v notes %q", r.Nodes, r.Notes)
	}
	c := lab(t, nil, "net2")
	for _, rev := range []bool{false, true} {
		r := traceOf(t, c, f.ip, rev)
		if !r.Standby || r.BrokenAt != nil || cloudtrace.ExitCode(r, nil) != 4 || r.Hops[*r.StandbyAt].Node != "netnode" {
			t.Errorf("reverse %v: standby %v exit %d:\n%s", rev, r.Standby, cloudtrace.ExitCode(r, nil), cloudtrace.Text(r))
		}
	}
}

// A port named by its id is traced from the router that routes to its
// fixed IP, as its fixed IP would be.
func TestPortByID(t *testing.T) {
	c := lab(t, nil)
	f := crossingFIPs(t)[0]
	var id string
	for _, p := range c.Node(f.holder).Snap.Neutron.Ports {
		if slices.Contains(p.FixedIPs, f.fixed) {
			id = p.ID[:8]
		}
	}
	for _, rev := range []bool{false, true} {
		r := traceOf(t, c, id, rev)
		if !r.Complete || len(r.Crossings) != 1 || r.Target != id || r.FixedIP != f.fixed {
			t.Errorf("reverse %v:\n%s", rev, cloudtrace.Text(r))
		}
	}
}

// Input no node has, and input that is no address or port.
func TestErrors(t *testing.T) {
	c := lab(t, nil)
	_, err := cloudtrace.Trace(c, "192.0.2.77", cloudtrace.Options{})
	if cloudtrace.ExitCode(nil, err) != 2 || !errors.Is(err, trace.ErrUnknown) || !strings.Contains(fmt.Sprint(err), "none of the 4 collected nodes") {
		t.Errorf("unknown address: %v", err)
	}
	_, err = cloudtrace.Trace(c, "not-an-address!", cloudtrace.Options{})
	if cloudtrace.ExitCode(nil, err) != 2 || err == nil {
		t.Errorf("bad input: %v", err)
	}
	if _, err := cloudtrace.Trace(nil, "192.0.2.77", cloudtrace.Options{}); err == nil {
		t.Error("no cloud: no error")
	}
	// Found nowhere, but a node could not be read whole: unknown (3),
	// not bad input.
	c = lab(t, func(by map[string]*topo.Snapshot) {
		s := by["compute2"]
		for i := range s.Sources {
			if s.Sources[i].Name == "ovsdb" {
				s.Sources[i].OK, s.Sources[i].Error = false, "permission denied"
			}
		}
	})
	_, err = cloudtrace.Trace(c, "192.0.2.77", cloudtrace.Options{})
	if cloudtrace.ExitCode(nil, err) != 3 || !strings.Contains(fmt.Sprint(err), "not everything was read on compute2") {
		t.Errorf("unread node: %v", err)
	}
}

// Node names and everything else from a snapshot reach the terminal
// escaped; the JSON carries each hop's node.
func TestTextEscapesAndJSON(t *testing.T) {
	f := crossingFIPs(t)[0]
	c := lab(t, func(by map[string]*topo.Snapshot) { by[f.holder].Host = "evil\x1b]0;pwned\a\nnode" })
	r := traceOf(t, c, f.ip, false)
	text := cloudtrace.Text(r)
	if strings.ContainsAny(text, "\x1b\a") || strings.Contains(text, "\nnode") || !strings.Contains(text, `evil\x1b]0;pwned\x07\nnode`) {
		t.Errorf("text not escaped:\n%s", text)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Hops []struct {
			Node string `json:"node"`
			Kind string `json:"kind"`
		} `json:"hops"`
		Crossings []cloudtrace.Crossing `json:"crossings"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Hops) != len(r.Hops) || back.Hops[0].Node != f.origin || back.Hops[0].Kind != trace.KindProviderNIC || len(back.Crossings) != 1 || back.Crossings[0].VNI != f.vni {
		t.Errorf("json: %s", b)
	}
}

// The instance's node did not read its br-tun flows: the arrival there is
// unknown, never broken, and never clean (single-node semantics).
func TestUnreadOnTheReceivingNode(t *testing.T) {
	f := crossingFIPs(t)[0]
	c := lab(t, func(by map[string]*topo.Snapshot) {
		s := by[f.holder]
		s.OVS.Bridge("br-tun").Flows = nil
		for i := range s.Sources {
			if s.Sources[i].Name == "openflow/br-tun" {
				s.Sources[i].OK, s.Sources[i].Error = false, "permission denied"
			}
		}
	})
	r := traceOf(t, c, f.ip, false)
	if r.BrokenAt != nil || !r.Unknown || r.Complete || cloudtrace.ExitCode(r, nil) != 3 {
		t.Fatalf("not unknown:\n%s", cloudtrace.Text(r))
	}
	if h := r.Hops[*r.UnknownAt]; h.Node != f.holder || h.Kind != trace.KindTunnelBridge || !strings.Contains(h.Unknown, "openflow/br-tun") {
		t.Errorf("unknown at %s on %s: %s", h.Kind, h.Node, h.Unknown)
	}
}
