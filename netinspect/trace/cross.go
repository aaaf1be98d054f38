package trace

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// A path that crosses nodes (netinspect/cloudtrace) is traced on each
// node it crosses, each trace told who is at the other end of the tunnel
// (Options.From, Options.To), so that each node's half checks its own end
// of the crossing against the other's:
//
//	inbound, the instance's node (From: the router's node): the packet
//	  arrives on the tunnel port whose remote_ip is the router's node,
//	  with the VNI that node sends it with; br-tun table 4 must map that
//	  VNI to the port's local VLAN here.
//	outbound, the instance's node (To: the router's node): after the
//	  chain, br-int → patch-int ⇄ patch-tun → br-tun (table 20 unicast
//	  for the router's MAC, or table 22's flood) → the tunnel port whose
//	  remote_ip is the router's node.
//	outbound, the router's node (From: the instance's node): the packet
//	  arrives on the tunnel from the instance's node, br-tun table 4 maps
//	  the VNI it was sent with to the local VLAN here, br-int delivers it
//	  to the router's qr- port; then the router, SNAT, qg-, the provider
//	  side, as on one node.

// Peer is the node at the other end of a tunnel on a path crossing nodes.
type Peer struct {
	// Node names it ("netnode"); RemoteIP is its tunnel address: the
	// remote_ip of this node's tunnel port to it.
	Node     string `json:"node,omitempty"`
	RemoteIP string `json:"remote_ip"`
	// TunnelID is, for From, the VNI the other node sends the packet
	// with (0: this node's own for the network).
	TunnelID int `json:"tunnel_id,omitempty"`
	// NetworkID is the network the path is on: tenants' subnets may
	// overlap, the instance port is the one on this network.
	NetworkID string `json:"network_id,omitempty"`
	// MAC is, for To, where the frame is addressed: the router's qr-
	// port on the other node ("": unknown, and the walk follows a
	// broadcast, the instance's ARP for its gateway).
	MAC string `json:"mac,omitempty"`
	// DstIP is the address the packet is for beyond the router, for the
	// packets the trace follows ("" will do).
	DstIP string `json:"dst_ip,omitempty"`
}

// name is "netnode (10.30.0.11)", or the address alone.
func (p *Peer) name() string {
	if p.Node == "" {
		return "the node at " + p.RemoteIP
	}
	return p.Node + " (" + p.RemoteIP + ")"
}

// crossing settles which of From and To apply to the target and returns
// the target to walk: on the instance's node a crossing path enters or
// leaves by the tunnel, not through a router here (the router is the
// other node's), so the target is the port alone.
func (w *walker) crossing(t *target, o Options) *target {
	w.reverse = o.Reverse
	from, to := o.From, o.To
	if from != nil && from.RemoteIP == "" {
		from = nil
	}
	if to != nil && to.RemoteIP == "" {
		to = nil
	}
	local := t.port != nil && t.port.Role == topo.RoleInstance
	switch {
	case !o.Reverse && from != nil && local:
		w.from = from
	case o.Reverse && to != nil && local:
		w.to = to
	case o.Reverse && from != nil && !local && t.router != nil && t.rport == nil:
		w.from = from // the router's node: the packet arrives from the instance's
		return t
	default:
		return t
	}
	p := t.port
	if peer := orPeer(w.from, w.to); peer.NetworkID != "" && p.NetworkID != peer.NetworkID {
		if q := w.instanceWith(t.fixed, peer.NetworkID); q != nil {
			p = q
		}
	}
	return &target{fixed: t.fixed, port: p}
}

func orPeer(a, b *Peer) *Peer {
	if a != nil {
		return a
	}
	return b
}

// arrivesBack reports whether, outbound on the router's node, the packet
// arrives from another node's tunnel: the hops leaving towards the
// instance's node are replaced by that arrival (crossEnds).
func (w *walker) arrivesBack() bool { return w.reverse && w.from != nil }

// peerTunnelID is the VNI a packet arriving from From carries: the one
// the other node sends it with, else this node's own (seg).
func (w *walker) peerTunnelID(seg int) int {
	if w.from != nil && w.from.TunnelID != 0 {
		return w.from.TunnelID
	}
	return seg
}

// peerCarriers is carriers for a packet from From: the one tunnel port
// whose remote_ip is that node.
func (w *walker) peerCarriers(tb string, nw *topo.Network) ([]topo.Tunnel, []string, string) {
	for _, t := range w.n.Tunnels {
		if t.Bridge != tb || t.RemoteIP != w.from.RemoteIP {
			continue
		}
		how := fmt.Sprintf("the packet comes from %s: %s is the tunnel with remote_ip %s", w.from.name(), t.Port, w.from.RemoteIP)
		if len(nw.Flows.FloodPorts) > 0 && !slices.Contains(nw.Flows.FloodPorts, t.Port) {
			how += fmt.Sprintf(" (%s table 22 does not flood local VLAN %d to it: broadcasts from here, an ARP among them, do not reach that node)", tb, nw.LocalVLAN)
		}
		return []topo.Tunnel{t}, nil, how
	}
	return nil, nil, fmt.Sprintf("%s has no tunnel port with remote_ip %s", orWord(tb, "br-tun"), w.from.RemoteIP)
}

// peerArrival marks the tunnel hop of a packet from From broken when no
// tunnel port leads to that node, and names the VNI it was sent with.
func (w *walker) peerArrival(h *Hop, tb string, nw *topo.Network, tuns []topo.Tunnel) {
	if w.from == nil {
		return
	}
	if w.from.TunnelID != 0 {
		h.Evidence = append(h.Evidence, fmt.Sprintf("sent by %s with VNI %d (tun_id=%#x)", w.from.name(), w.from.TunnelID, w.from.TunnelID))
	}
	if len(tuns) > 0 {
		return
	}
	fail(h, fmt.Sprintf("no tunnel port on %s to %s, which sends the packet: frames from it are dropped", tb, w.from.name()),
		fmt.Sprintf("a %s port of %s with options:remote_ip=%s", orWord(nw.NetworkType, "tunnel"), tb, w.from.RemoteIP),
		orWord(w.tunnelsText(tb), "no tunnel port"),
		"ovs-vsctl list-ports "+tb+"; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it recreates its tunnels); check local_ip of the OVS agent on "+orWord(w.from.Node, w.from.RemoteIP))
}

// tunnelsText lists a bridge's tunnel ports and where they lead.
func (w *walker) tunnelsText(tb string) string {
	var out []string
	for _, t := range w.n.Tunnels {
		if t.Bridge == tb {
			out = append(out, t.Port+" → "+t.RemoteIP)
		}
	}
	return strings.Join(out, ", ")
}

// crossEnds adds, outbound, the ends of the crossing: the departure
// towards To after the instance's chain, or the arrival from From before
// the router.
func (w *walker) crossEnds(t *target) {
	switch {
	case w.reverse && w.to != nil && t.port != nil:
		w.depart(t)
	case w.reverse && w.from != nil:
		w.arriveBack(t)
	}
}

// arriveBack puts first, outbound on the router's node, the hops of the
// packet arriving from the instance's node: its tunnel, br-tun (table 4:
// the VNI it was sent with to the local VLAN here), the patch pair and
// br-int up to the router's port (qr-, or a distributed router's sg-).
func (w *walker) arriveBack(t *target) {
	var p *topo.NPort
	if len(w.r.Hops) > 0 {
		if h := w.r.Hops[0]; h.Kind == KindRouterIf || h.Kind == KindRouterSNAT {
			p = w.portByDevice(h.Device)
		}
	}
	if p == nil && t.iface != nil {
		p = w.n.Port(t.iface.Port)
	}
	if p == nil {
		return // no router port here: the router's hop says why
	}
	nw := w.n.Network(p.NetworkID)
	if nw == nil || neutron.TunnelTable(nw.NetworkType) < 0 {
		return // a provider network: the packet does not come by tunnel
	}
	back := &target{fixed: w.from.DstIP}
	start := len(w.r.Hops)
	w.arriveByTunnel(back, p, nw)
	arrival := slices.Clone(w.r.Hops[start:])
	w.r.Hops = append(arrival, w.r.Hops[:start]...)
}

// portByDevice finds the port whose OVS port is that device.
func (w *walker) portByDevice(dev string) *topo.NPort {
	if dev == "" {
		return nil
	}
	for i := range w.n.Ports {
		if p := &w.n.Ports[i]; p.OVSPort == dev || devName(p.Devices.Tap) == dev {
			return p
		}
	}
	return nil
}

// depart adds, outbound on the instance's node, the hops after its
// chain towards To: br-int from the instance's port, the patch pair,
// br-tun's walk to a tunnel port, and that tunnel port, which must lead
// to To.
func (w *walker) depart(t *target) {
	p, to := t.port, w.to
	ib, tb := intBridge(w.n), tunnelBridge(w.n)
	seg := 0
	if nw := w.n.Network(p.NetworkID); nw != nil && nw.SegmentationID != nil {
		seg = *nw.SegmentationID
	}
	dst, what := strings.ToLower(to.MAC), "the router's MAC "+strings.ToLower(to.MAC)
	if dst == "" {
		dst, what = "ff:ff:ff:ff:ff:ff", "a broadcast (the instance's ARP for its gateway: the router's MAC is not known)"
	}
	// br-int: the frame from the instance's port, untagged (the port's
	// tag is applied by NORMAL), through the anti-spoofing tables.
	h := w.add(Hop{Kind: KindIntegration, Bridge: ib, VLAN: p.LocalVLAN})
	b := w.s.OVS.Bridge(ib)
	if b == nil || p.OFPort <= 0 {
		fail(h, orWord(p.OVSPort, p.ID)+" has no OpenFlow port on "+ib, "a port number for "+orWord(p.OVSPort, p.ID), "none", "ovs-vsctl list interface "+orWord(p.OVSPort, "<port>"))
		return
	}
	wk := walkFlows(b, frame{inPort: p.OFPort, src: p.MAC, dst: dst, dstIP: to.DstIP}, firewallTable)
	for _, f := range wk.flows {
		h.Evidence = append(h.Evidence, ib+": "+neutron.FlowText(f))
	}
	h.Evidence = append(h.Evidence, "frame to "+what)
	_, intSide := w.patchSides(tb)
	dump := "ovs-ofctl dump-flows " + ib
	found := "no flow matches it"
	if wk.dropFlow != nil {
		found = neutron.FlowText(wk.dropFlow)
	}
	switch outs := portNames(b, wk.outs); {
	case wk.loop:
		fail(h, ib+" resubmits frames from "+p.OVSPort+" in a loop", "a path to "+orWord(intSide, "patch-tun"), "more than 64 resubmits", dump)
	case !wk.delivered():
		fail(h, fmt.Sprintf("%s drops frames from %s in table %d", ib, orWord(p.OVSPort, p.ID), wk.droppedIn),
			fmt.Sprintf("NORMAL on local VLAN %d towards %s", p.LocalVLAN, orWord(intSide, "patch-tun")), found,
			dump+" table="+strconv.Itoa(wk.droppedIn)+"; "+w.s.AgentRun(topo.AgentOVS).Restart())
	case wk.handedTo > 0:
		h.Evidence = append(h.Evidence, fmt.Sprintf("then the openvswitch firewall's table %d (security groups: its verdict rests on conntrack state, not in the snapshot), which hands what it accepts to NORMAL on local VLAN %d", wk.handedTo, p.LocalVLAN))
	case !wk.normal && intSide != "" && !slices.Contains(outs, intSide):
		fail(h, fmt.Sprintf("%s sends frames from %s to %s, not to %s", ib, p.OVSPort, strings.Join(outs, ", "), intSide),
			"NORMAL or output to "+intSide, neutron.FlowText(wk.flows[len(wk.flows)-1]), dump)
	case wk.normal:
		h.Evidence = append(h.Evidence, fmt.Sprintf("NORMAL: switched on local VLAN %d (%s's tag) to %s: the router is on another node", p.LocalVLAN, orWord(p.OVSPort, "the port"), orWord(intSide, "patch-tun")))
	}
	for i := range w.r.Hops {
		// The chain's packet into br-int is this frame.
		if pk := w.r.Hops[i].Packet; pk != nil && pk.Bridge == ib && pk.InPort == p.OFPort {
			pk.DstMAC, pk.DstIP = dst, to.DstIP
		}
	}
	if tb == "" {
		fail(h, "no tunnel bridge on this node", "br-tun with a tunnel to "+to.name(), "none", "check the OVS agent's tunnel_types and local_ip")
		return
	}
	tunSide, _ := w.patchBetween(tb)
	if ph := &w.r.Hops[len(w.r.Hops)-1]; intSide != "" && tunSide != "" {
		ph.Device = intSide + " ⇄ " + tunSide // in the order the frame crosses it
	}
	// br-tun: table 0 (from patch-int) → 1 (DVR) → 2 → 20 (unicast) or
	// 22 (flood), which loads the VNI and outputs to the tunnel(s).
	h = w.add(Hop{Kind: KindTunnelBridge, Bridge: tb, VLAN: p.LocalVLAN, TunnelID: seg})
	bt := w.s.OVS.Bridge(tb)
	in := -1
	if op := w.ovsPorts[tunSide].Port; op != nil && len(op.Interfaces) > 0 {
		in = op.Interfaces[0].OFPort
	}
	var peer *topo.Tunnel
	for i := range w.n.Tunnels {
		if tun := &w.n.Tunnels[i]; tun.Bridge == tb && tun.RemoteIP == to.RemoteIP {
			peer = tun
		}
	}
	tid := 0
	if bt != nil && in > 0 {
		wk := walkFlows(bt, frame{inPort: in, vlan: p.LocalVLAN, src: p.MAC, dst: dst, dstIP: to.DstIP}, 0)
		for _, f := range wk.flows {
			h.Evidence = append(h.Evidence, tb+": "+neutron.FlowText(f))
			if id, ok := f.SetTunnelID(); ok {
				tid = id
			}
		}
		h.Packet = &Packet{Bridge: tb, InPort: in, VLAN: p.LocalVLAN, SrcMAC: p.MAC, DstMAC: dst, SrcIP: t.fixed, DstIP: to.DstIP}
		dump := "ovs-ofctl dump-flows " + tb
		found := "no flow matches it"
		if wk.dropFlow != nil {
			found = neutron.FlowText(wk.dropFlow)
		}
		outs := portNames(bt, wk.outs)
		next := dump + " table=20 | grep -i " + dst + "; " + dump + " table=22; " + w.s.AgentRun(topo.AgentOVS).Restart() + " (l2population sends its entries again)"
		switch {
		case wk.loop:
			fail(h, tb+" resubmits frames from "+tunSide+" in a loop", "a tunnel port to "+to.name(), "more than 64 resubmits", dump)
		case !wk.delivered():
			fail(h, fmt.Sprintf("%s drops frames to %s on local VLAN %d in table %d", tb, what, p.LocalVLAN, wk.droppedIn),
				"a table 20 unicast or table 22 flood flow to the tunnel to "+to.name(), found, next)
		case peer != nil && !slices.Contains(outs, peer.Port):
			fail(h, fmt.Sprintf("%s sends frames to %s to %s, not to %s (the tunnel to %s)", tb, what, orWord(strings.Join(outs, ", "), "no port"), peer.Port, to.name()),
				"output to "+peer.Port, neutron.FlowText(wk.flows[len(wk.flows)-1]), next)
		case tid != 0 && seg != 0 && tid != seg:
			fail(h, fmt.Sprintf("%s sends the frame with tunnel id %d, but the network's segmentation id is %d", tb, tid, seg),
				fmt.Sprintf("tun_id %#x", seg), neutron.FlowText(wk.flows[len(wk.flows)-1]), next)
		}
	} else {
		fail(h, orWord(tunSide, "patch-int")+" has no OpenFlow port on "+tb, "a port number for "+orWord(tunSide, "patch-int"), "none", "ovs-vsctl list interface "+orWord(tunSide, "patch-int"))
	}
	th := w.add(Hop{Kind: KindTunnel, Bridge: tb, TunnelID: max(tid, 0)})
	if th.TunnelID == 0 {
		th.TunnelID = seg
	}
	w.r.ContinuesAt = append(w.r.ContinuesAt, to.RemoteIP)
	if peer == nil {
		fail(th, fmt.Sprintf("no tunnel port on %s to %s, the node the path goes on to", tb, to.name()),
			"a tunnel port of "+tb+" with options:remote_ip="+to.RemoteIP, orWord(w.tunnelsText(tb), "no tunnel port"),
			"ovs-vsctl list-ports "+tb+"; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it recreates its tunnels); check local_ip of the OVS agent on "+orWord(to.Node, to.RemoteIP))
		return
	}
	th.Device = peer.Port
	th.Evidence = append(th.Evidence, fmt.Sprintf("OVSDB: %s type=%s local_ip=%s remote_ip=%s", peer.Port, peer.Type, peer.LocalIP, peer.RemoteIP), "to "+to.name())
	if len(peer.Problems) > 0 {
		fail(th, peer.Problems[0], "a working tunnel", peer.Problems[0], "ovs-vsctl list interface "+peer.Port)
	}
}

// patchSides returns the ends of the patch pair between bridge and br-int
// (bridge's, br-int's; "" when there is none), adding no hop.
func (w *walker) patchSides(bridge string) (string, string) {
	ib := intBridge(w.n)
	for _, pp := range w.n.PatchPairs {
		switch {
		case bridge == "":
		case pp.Bridge == bridge && pp.PeerBridge == ib:
			return pp.Port, pp.Peer
		case pp.PeerBridge == bridge && pp.Bridge == ib:
			return pp.Peer, pp.Port
		}
	}
	return "", ""
}
