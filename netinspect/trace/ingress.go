package trace

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Where a packet for an instance enters the compute node hosting it when
// no router on the node routes to it. The network node's trace ends
// "continues on the node at 10.30.0.21"; this is the rest of that path,
// from where the packet arrives to the instance's chain, as the real
// agents program it:
//
//	tunnel network: vxlan-<remote IP in hex> (tun_id = the VNI) → br-tun
//	  table 0 in_port=<tunnel> → table 4 (3 gre, 6 geneve)
//	  tun_id=<VNI> actions=mod_vlan_vid:<local VLAN>,resubmit(,10)
//	  (resubmit(,9) with enable_distributed_routing: table 9 sends frames
//	  from other nodes' DVR MACs straight to patch-int, the rest on to
//	  table 10) → table 10 learns the sender and outputs to patch-int
//	  → patch-int ⇄ patch-tun → br-int
//	provider network: the NIC → the physical bridge (NORMAL towards
//	  phy-br-*) → phy-br-* ⇄ int-br-* → br-int table 0 priority 3
//	  in_port=int-br-*,dl_vlan=<segment> (vlan_tci=0x0000/0x1fff for
//	  flat) actions=mod_vlan_vid:<local VLAN>
//	then br-int (table 60 NORMAL, or the openvswitch firewall's tables)
//	→ qvo → qvb → qbr → tap (hybrid firewall), or the tap on br-int.

// firewallTable is br-int's first table of the openvswitch firewall
// (71 egress, 81 ingress, …): what it does to a packet rests on
// conntrack state no snapshot holds, so a walk stops there.
const firewallTable = 71

// arrive adds the hops from where a packet for the target's instance
// arrives on this node up to br-int, before its chain (tenant). It adds
// none for a port whose network or VLAN is not known (the port's hop
// says why).
func (w *walker) arrive(t *target) {
	p := t.port
	if p == nil || p.Role != topo.RoleInstance || notBound(p) || p.LocalVLAN == 0 {
		return
	}
	nw := w.n.Network(p.NetworkID)
	start := len(w.r.Hops)
	if (nw == nil || nw.NetworkType == "") && w.networkUnread() {
		// The port's network, its type and segment are its OVS port's
		// other_config, which was not read: where the packet arrives
		// from (a tunnel, a provider NIC) is unknown, and the path is
		// not complete without it.
		h := w.add(Hop{Kind: KindIntegration, Bridge: intBridge(w.n), VLAN: p.LocalVLAN})
		h.Evidence = append(h.Evidence, "arrives from a tunnel or the provider network: which is the network's type, not read")
		w.arrival += len(w.r.Hops) - start
		return
	}
	if nw == nil {
		return
	}
	switch {
	case neutron.TunnelTable(nw.NetworkType) >= 0:
		w.arriveByTunnel(t, p, nw)
	case nw.NetworkType == "vlan" || nw.NetworkType == "flat":
		w.arriveByProvider(t, p, nw)
	}
	w.arrival += len(w.r.Hops) - start
}

// arriveByTunnel adds the tunnel port(s), br-tun, the patch pair and
// br-int for a tunnel network.
func (w *walker) arriveByTunnel(t *target, p *topo.NPort, nw *topo.Network) {
	tb := tunnelBridge(w.n)
	seg := 0
	if nw.SegmentationID != nil {
		seg = *nw.SegmentationID
	}
	seg = w.peerTunnelID(seg) // cross.go: the VNI the other node sends with
	h := w.add(Hop{Kind: KindTunnel, Bridge: tb, TunnelID: seg})
	if tb == "" {
		fail(h, "no tunnel bridge on this node", "br-tun with a tunnel to the node(s) sending the packet", "none",
			"check the OVS agent's tunnel_types and local_ip")
		return
	}
	b := w.s.OVS.Bridge(tb)
	tuns, missing, how := w.carriers(tb, nw)
	var names []string
	for _, tun := range tuns {
		names = append(names, tun.Port)
		h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: %s type=%s local_ip=%s remote_ip=%s ofport %d", tun.Port, tun.Type, tun.LocalIP, tun.RemoteIP, tun.OFPort))
		if b != nil {
			if macs := learnedOn(b, nw.LocalVLAN, tun.OFPort); len(macs) > 0 {
				h.Evidence = append(h.Evidence, fmt.Sprintf("%s: frames from %s arrived on it (table 20 learned flows)", tun.Port, strings.Join(macs, ", ")))
			}
		}
		w.r.ArrivesFrom = append(w.r.ArrivesFrom, tun.RemoteIP)
	}
	h.Device = strings.Join(names, ", ")
	h.Evidence = append(h.Evidence, how)
	w.peerArrival(h, tb, nw, tuns) // cross.go
	switch {
	case len(missing) > 0:
		fail(h, fmt.Sprintf("%s table 22 sends local VLAN %d to port %s, which is not a tunnel port of %s: the tunnel to that node is missing", tb, nw.LocalVLAN, missing[0], tb),
			"a "+nw.NetworkType+" port of "+tb+" with that OpenFlow port number", "no such port",
			"ovs-vsctl list-ports "+tb+"; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it recreates its tunnels)")
	case len(tuns) == 0:
		fail(h, "no tunnel port on "+tb+" carries the network", "a "+nw.NetworkType+" port to the node(s) hosting the network's other ports (the network node's router)", "none",
			"ovs-vsctl list-ports "+tb+"; check l2population and the other nodes' OVS agents (local_ip, tunnel_types)")
	default:
		for _, tun := range tuns {
			if len(tun.Problems) > 0 {
				fail(h, fmt.Sprintf("%s (remote_ip %s): %s", tun.Port, tun.RemoteIP, tun.Problems[0]), "a working tunnel", tun.Problems[0], "ovs-vsctl list interface "+tun.Port)
				break
			}
		}
	}
	if b == nil {
		return
	}
	h = w.add(Hop{Kind: KindTunnelBridge, Bridge: tb, VLAN: nw.LocalVLAN, TunnelID: seg})
	patch := peerPatch(w.n, tb)
	var taken []*topo.Flow
	for _, tun := range tuns {
		if tun.OFPort <= 0 {
			continue
		}
		wk := walkFlows(b, frame{inPort: tun.OFPort, tunID: seg, dst: p.MAC, dstIP: t.fixed}, 0)
		for _, f := range wk.flows {
			if !slices.Contains(taken, f) {
				taken = append(taken, f)
			}
		}
		w.checkTunnelWalk(h, b, wk, tun, nw, p, seg, patch)
		if h.Packet == nil {
			h.Packet = &Packet{Bridge: tb, InPort: tun.OFPort, TunID: seg, DstMAC: p.MAC, DstIP: t.fixed}
		}
	}
	// The tables in order; each tunnel's own table 0 flow among them.
	slices.SortStableFunc(taken, func(a, b *topo.Flow) int { return cmp.Compare(a.Table, b.Table) })
	for _, f := range taken {
		h.Evidence = append(h.Evidence, tb+": "+neutron.FlowText(f))
	}
	if len(taken) == 0 && nw.Flows.TunnelIngress != "" {
		// No tunnel to walk from: the network's mapping still says
		// what its frames would get.
		h.Evidence = append(h.Evidence, tb+": "+nw.Flows.TunnelIngress)
	}
	if n := dvrMACFlows(b, patch); n > 0 {
		h.Evidence = append(h.Evidence, fmt.Sprintf("%s: table 9 sends frames from %d other node(s)' DVR MACs (routed there by a distributed router) straight to %s, unlearned", tb, n, orWord(patch, "patch-int")))
	}
	if _, intSide := w.patchBetween(tb); intSide != "" {
		w.arriveOnIntegration(t, p, intSide, frame{vlan: nw.LocalVLAN}, "")
	}
}

// carriers returns the tunnels the network's frames arrive on: those its
// local VLAN floods to (br-tun table 22; with l2population, the nodes
// hosting the network's other ports, the network node's router among
// them), the ports table 22 names that are no tunnel, and the fact that
// says so. Without a flood flow, any tunnel of the network's type.
func (w *walker) carriers(tb string, nw *topo.Network) (tuns []topo.Tunnel, missing []string, how string) {
	if w.from != nil {
		return w.peerCarriers(tb, nw) // cross.go: the one node sending it
	}
	for _, name := range nw.Flows.FloodPorts {
		i := slices.IndexFunc(w.n.Tunnels, func(t topo.Tunnel) bool { return t.Bridge == tb && t.Port == name })
		if i < 0 {
			missing = append(missing, name)
			continue
		}
		tuns = append(tuns, w.n.Tunnels[i])
	}
	if len(nw.Flows.FloodPorts) > 0 {
		return tuns, missing, fmt.Sprintf("%s: %s (the tunnels carrying local VLAN %d: with l2population, to the nodes hosting the network's other ports)", tb, nw.Flows.TunnelFlood, nw.LocalVLAN)
	}
	for _, t := range w.n.Tunnels {
		if t.Bridge == tb && t.Type == nw.NetworkType {
			tuns = append(tuns, t)
		}
	}
	if unread := neutron.Unread(w.s, "openflow/"+tb); len(unread) > 0 {
		return tuns, nil, fmt.Sprintf("%s: which tunnels carry local VLAN %d is unknown (its flows were not read): any %s tunnel may", tb, nw.LocalVLAN, nw.NetworkType)
	}
	return tuns, nil, fmt.Sprintf("no %s table 22 flow floods local VLAN %d, so no flow names the nodes sending it: any %s tunnel may", tb, nw.LocalVLAN, nw.NetworkType)
}

// checkTunnelWalk marks the br-tun hop broken when a frame from one of the
// network's tunnels does not reach patch-int on the port's local VLAN.
func (w *walker) checkTunnelWalk(h *Hop, b *topo.Bridge, wk *flowWalk, tun topo.Tunnel, nw *topo.Network, p *topo.NPort, seg int, patch string) {
	tb := b.Name
	from := fmt.Sprintf("%s (remote_ip %s)", tun.Port, tun.RemoteIP)
	table := neutron.TunnelTable(nw.NetworkType)
	dump := "ovs-ofctl dump-flows " + tb
	found := "no flow matches it"
	if wk.dropFlow != nil {
		found = neutron.FlowText(wk.dropFlow)
	}
	outs := portNames(b, wk.outs)
	switch {
	case wk.loop:
		fail(h, tb+" resubmits frames from "+from+" in a loop", "a path to "+orWord(patch, "patch-int"), "more than 64 resubmits", dump)
	case !wk.delivered() && wk.droppedIn == 0:
		fail(h, fmt.Sprintf("%s table 0 drops frames arriving on %s", tb, from),
			fmt.Sprintf("table=0, priority=1,in_port=%d actions=resubmit(,%d)", tun.OFPort, table), found,
			dump+" table=0; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it installs a tunnel's flows when it adds the port)")
	case !wk.delivered() && wk.droppedIn == table:
		fail(h, fmt.Sprintf("no %s table %d flow maps tunnel id %d (tun_id=%#x) to local VLAN %d: frames from %s are dropped", tb, table, seg, seg, p.LocalVLAN, from),
			fmt.Sprintf("table=%d, priority=1,tun_id=%#x actions=mod_vlan_vid:%d,resubmit(,10) (resubmit(,9) with DVR)", table, seg, p.LocalVLAN), found,
			dump+" table="+strconv.Itoa(table)+"; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it provisions the network's local VLAN again)")
	case !wk.delivered():
		fail(h, fmt.Sprintf("%s drops frames from %s in table %d", tb, from, wk.droppedIn), "output to "+orWord(patch, "patch-int"), found,
			dump+" table="+strconv.Itoa(wk.droppedIn))
	case !wk.normal && !slices.Contains(outs, patch):
		fail(h, fmt.Sprintf("%s sends frames from %s to %s, not to %s", tb, from, strings.Join(outs, ", "), orWord(patch, "patch-int")),
			"output to "+orWord(patch, "patch-int"), neutron.FlowText(wk.flows[len(wk.flows)-1]), dump)
	case wk.vlan != p.LocalVLAN:
		fail(h, fmt.Sprintf("%s gives tunnel id %d local VLAN %d, but %s is on local VLAN %d", tb, seg, wk.vlan, orWord(p.OVSPort, p.ID), p.LocalVLAN),
			fmt.Sprintf("mod_vlan_vid:%d", p.LocalVLAN), flowsIn(wk, table),
			dump+" table="+strconv.Itoa(table)+"; ovs-vsctl get port "+orWord(p.OVSPort, "<port>")+" tag; "+w.s.AgentRun(topo.AgentOVS).Restart())
	}
}

// arriveByProvider adds the provider NIC, the physical bridge, the patch
// pair and br-int for a flat or VLAN network.
func (w *walker) arriveByProvider(t *target, p *topo.NPort, nw *topo.Network) {
	phys := nw.Bridge
	if phys == "" && nw.PhysicalNetwork != "" {
		// No br-int flow names the bridge (the translation is what is
		// missing): the bridge mapped to the physnet, if any says so.
		for _, br := range w.n.Bridges {
			if br.Role == topo.BridgePhysical && br.PhysicalNetwork == nw.PhysicalNetwork {
				phys = br.Name
			}
		}
	}
	tag, what := 0, "untagged frames"
	if nw.NetworkType == "vlan" && nw.SegmentationID != nil {
		tag, what = *nw.SegmentationID, "VLAN "+strconv.Itoa(*nw.SegmentationID)
	}
	b := w.s.OVS.Bridge(phys)
	if phys == "" || b == nil {
		// The node names a physnet's bridge only in that translation
		// flow (bridge_mappings is not read): without it, no NIC or
		// bridge can be told to be the network's.
		ib := intBridge(w.n)
		h := w.add(Hop{Kind: KindPhysicalBridge, VLAN: tag})
		fail(h, fmt.Sprintf("no %s flow translates %s of physical network %s to local VLAN %d, so no bridge is known to carry it: provider traffic never reaches the port", ib, what, orWord(nw.PhysicalNetwork, "?"), p.LocalVLAN),
			fmt.Sprintf("table=0, priority=3,in_port=int-br-…,%s actions=mod_vlan_vid:%d,resubmit(,…)", vlanMatch(tag), p.LocalVLAN), "none",
			"ovs-ofctl dump-flows "+ib+" table=0; check the OVS agent's bridge_mappings ("+orWord(nw.PhysicalNetwork, "physnet")+":br-…); "+w.s.AgentRun(topo.AgentOVS).Restart())
		return
	}
	nic := w.providerNICHop(phys)
	// The physical bridge carries the frame with the provider's tag (or
	// none): br-int translates it to the local VLAN.
	h := w.add(Hop{Kind: KindPhysicalBridge, Bridge: phys, VLAN: tag})
	physSide := peerPatch(w.n, phys)
	if nic != nil && nic.OFPort > 0 {
		wk := walkFlows(b, frame{inPort: nic.OFPort, vlan: tag, dst: p.MAC, dstIP: t.fixed}, 0)
		for _, f := range wk.flows {
			h.Evidence = append(h.Evidence, phys+": "+neutron.FlowText(f))
		}
		found := "no flow matches it"
		if wk.dropFlow != nil {
			found = neutron.FlowText(wk.dropFlow)
		}
		switch outs := portNames(b, wk.outs); {
		case wk.loop:
			fail(h, phys+" resubmits frames from "+nic.Name+" in a loop", "a path to "+orWord(physSide, "phy-"+phys), "more than 64 resubmits", "ovs-ofctl dump-flows "+phys)
		case !wk.delivered():
			fail(h, fmt.Sprintf("%s drops %s from %s in table %d", phys, what, nic.Name, wk.droppedIn), "NORMAL or output to "+orWord(physSide, "phy-"+phys), found,
				"ovs-ofctl dump-flows "+phys+"; "+w.s.AgentRun(topo.AgentOVS).Restart())
		case !wk.normal && !slices.Contains(outs, physSide):
			fail(h, fmt.Sprintf("%s sends %s from %s to %s, not to %s", phys, what, nic.Name, strings.Join(outs, ", "), orWord(physSide, "phy-"+phys)),
				"NORMAL or output to "+orWord(physSide, "phy-"+phys), neutron.FlowText(wk.flows[len(wk.flows)-1]), "ovs-ofctl dump-flows "+phys)
		}
		h.Packet = &Packet{Bridge: phys, InPort: nic.OFPort, VLAN: tag, DstMAC: p.MAC, DstIP: t.fixed}
	}
	if nw.Flows.PhysEgress != "" {
		h.Evidence = append(h.Evidence, "replies: "+phys+": "+nw.Flows.PhysEgress)
	}
	if _, intSide := w.patchBetween(phys); intSide != "" {
		w.arriveOnIntegration(t, p, intSide, frame{vlan: tag}, what)
	}
}

// arriveOnIntegration adds br-int for a frame entering it from the patch
// port inPort and checks it reaches the instance's port: NORMAL on the
// port's local VLAN, the openvswitch firewall's tables, or an output to
// the port. translated names what br-int table 0 must translate to the
// local VLAN ("VLAN 101", "untagged frames"; "" for frames that arrive
// on it, from br-tun).
func (w *walker) arriveOnIntegration(t *target, p *topo.NPort, inPort string, fr frame, translated string) {
	ib := intBridge(w.n)
	h := w.add(Hop{Kind: KindIntegration, Bridge: ib, VLAN: p.LocalVLAN})
	b := w.s.OVS.Bridge(ib)
	ofport := -1
	if op := w.ovsPorts[inPort].Port; op != nil && len(op.Interfaces) > 0 {
		ofport = op.Interfaces[0].OFPort
	}
	if b == nil || ofport <= 0 {
		fail(h, inPort+" has no OpenFlow port on "+ib, "a port number for "+inPort, "none", "ovs-vsctl list interface "+inPort)
		return
	}
	fr.inPort, fr.dst, fr.dstIP = ofport, p.MAC, t.fixed
	arriving := fr.vlan
	wk := walkFlows(b, fr, firewallTable)
	for _, f := range wk.flows {
		h.Evidence = append(h.Evidence, ib+": "+neutron.FlowText(f))
	}
	if wk.handedTo > 0 {
		h.Evidence = append(h.Evidence, fmt.Sprintf("then the openvswitch firewall's table %d (security groups: its verdict rests on conntrack state, not in the snapshot)", wk.handedTo))
	}
	h.Packet = &Packet{Bridge: ib, InPort: ofport, VLAN: arriving, DstMAC: p.MAC, DstIP: t.fixed}
	found := "no flow matches it"
	if wk.dropFlow != nil {
		found = neutron.FlowText(wk.dropFlow)
	}
	dump := "ovs-ofctl dump-flows " + ib
	port := orWord(p.OVSPort, p.ID)
	switch outs := portNames(b, wk.outs); {
	case wk.loop:
		fail(h, ib+" resubmits frames from "+inPort+" in a loop", "a path to "+port, "more than 64 resubmits", dump)
	case !wk.delivered() && wk.droppedIn == 0 && translated != "":
		fail(h, fmt.Sprintf("no %s flow translates %s from %s to local VLAN %d: table 0 drops them", ib, translated, inPort, p.LocalVLAN),
			fmt.Sprintf("table=0, priority=3,in_port=%d,%s actions=mod_vlan_vid:%d,resubmit(,…)", ofport, vlanMatch(arriving), p.LocalVLAN), found,
			dump+" table=0; "+w.s.AgentRun(topo.AgentOVS).Restart()+" (it provisions the network's local VLAN again)")
	case !wk.delivered():
		fail(h, fmt.Sprintf("%s drops frames from %s in table %d", ib, inPort, wk.droppedIn), "a path to "+port, found, dump+" table="+strconv.Itoa(wk.droppedIn))
	case wk.handedTo > 0:
	case !wk.normal && !slices.Contains(outs, p.OVSPort):
		fail(h, fmt.Sprintf("%s sends frames for %s to %s, not to %s", ib, p.MAC, strings.Join(outs, ", "), port),
			"output to "+port, neutron.FlowText(wk.flows[len(wk.flows)-1]), dump)
	case wk.vlan != p.LocalVLAN:
		fail(h, fmt.Sprintf("%s switches the frame on VLAN %d, but %s is on local VLAN %d", ib, wk.vlan, port, p.LocalVLAN),
			fmt.Sprintf("VLAN %d", p.LocalVLAN), fmt.Sprintf("VLAN %d", wk.vlan), dump+" table=0; ovs-vsctl get port "+port+" tag")
	}
}

// patchBetween adds the patch pair between bridge and br-int, and returns
// its two ends (bridge's, br-int's; "" when there is none).
func (w *walker) patchBetween(bridge string) (string, string) {
	h := w.add(Hop{Kind: KindPatch, Bridge: bridge})
	ib := intBridge(w.n)
	for _, pp := range w.n.PatchPairs {
		var ours, theirs string
		switch {
		case pp.Bridge == bridge && pp.PeerBridge == ib:
			ours, theirs = pp.Port, pp.Peer
		case pp.PeerBridge == bridge && pp.Bridge == ib:
			ours, theirs = pp.Peer, pp.Port
		default:
			continue
		}
		h.Device = ours + " ⇄ " + theirs
		h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: %s options:peer=%s", pp.Port, pp.Peer))
		if len(pp.Problems) > 0 {
			fail(h, pp.Problems[0], ours+" ⇄ "+theirs, pp.Problems[0], "ovs-vsctl list interface "+pp.Port)
		}
		return ours, theirs
	}
	fail(h, "no patch pair between "+bridge+" and "+ib, "two patch ports naming each other", "none", w.s.AgentRun(topo.AgentOVS).Restart()+" (it creates the pair)")
	return "", ""
}

// providerNIC is the provider NIC of a physical bridge ("" for any), with
// its OpenFlow port number.
type providerNIC struct {
	*topo.ProviderNIC
	OFPort int
}

// providerNICHop adds the physical bridge's NIC, checked in the kernel,
// and returns it (nil when the bridge has none).
func (w *walker) providerNICHop(physBridge string) *providerNIC {
	var nic *topo.ProviderNIC
	for i := range w.n.ProviderNICs {
		if physBridge == "" || w.n.ProviderNICs[i].Bridge == physBridge {
			nic = &w.n.ProviderNICs[i]
			break
		}
	}
	h := w.add(Hop{Kind: KindProviderNIC, Bridge: physBridge})
	if nic == nil {
		fail(h, "no provider NIC in the physical bridge", "a NIC (e.g. eth4) as a port of "+orWord(physBridge, "the physical bridge"),
			"no non-patch port on it", "ovs-vsctl add-port "+orWord(physBridge, "br-ex")+" <nic> (kolla: neutron_external_interface)")
		return nil
	}
	h.Device, h.Bridge, h.MTU = nic.Name, nic.Bridge, nic.MTU
	h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: %s is a port of %s", nic.Name, nic.Bridge))
	if nic.InKernel {
		h.Evidence = append(h.Evidence, fmt.Sprintf("kernel: %s up=%v carrier=%v mtu %d", nic.Name, nic.Up, nic.Carrier, nic.MTU))
	}
	l := w.link("", nic.Name)
	switch {
	case !nic.InKernel:
		fail(h, nic.Name+" is in OVSDB but not in the kernel", "a device "+nic.Name, "none", "ip link show "+nic.Name)
	case l != nil:
		// Set down (ip link set up) or up without carrier (the
		// cable, the switch port, a veth's peer): not the same fix.
		if tr := neutron.TroubleOf("", l, "", "", w.link); tr != nil {
			fail(h, tr.Problem, expected(tr), tr.Found, tr.Next)
		}
	case !nic.Up || !nic.Carrier:
		fail(h, nic.Name+" is down or has no carrier", "up with carrier", fmt.Sprintf("up=%v carrier=%v", nic.Up, nic.Carrier), "ip link show "+nic.Name)
	}
	out := &providerNIC{ProviderNIC: nic, OFPort: -1}
	if op := w.ovsPorts[nic.Name].Port; op != nil && len(op.Interfaces) > 0 {
		out.OFPort = op.Interfaces[0].OFPort
	}
	return out
}

// portNames resolves the port numbers a walk output to to the bridge's
// port names (names printed with --names pass through).
func portNames(b *topo.Bridge, outs []string) []string {
	var names []string
	for _, o := range outs {
		name := o
		if n, err := strconv.Atoi(o); err == nil {
			for _, p := range b.Ports {
				for _, i := range p.Interfaces {
					if i.OFPort == n {
						name = p.Name
					}
				}
			}
		}
		names = append(names, name)
	}
	return names
}

// vlanMatch is how br-int table 0 matches a provider frame's tag.
func vlanMatch(tag int) string {
	if tag == 0 {
		return "vlan_tci=0x0000/0x1fff"
	}
	return "dl_vlan=" + strconv.Itoa(tag)
}

// dvrMACFlows counts br-tun table 9's flows sending frames from another
// node's DVR MAC (dl_src=…) straight to patch-int (br_dvr_process: the
// DVR_NOT_LEARN table, present with enable_distributed_routing).
func dvrMACFlows(b *topo.Bridge, patch string) int {
	n := 0
	for i := range b.Flows {
		f := &b.Flows[i]
		if _, ok := f.MatchField("dl_src"); f.Table != 9 || !ok {
			continue
		}
		if outs := portNames(b, f.Outputs()); len(outs) == 1 && outs[0] == patch {
			n++
		}
	}
	return n
}

// flowsIn is the text of the flows a walk took in one table.
func flowsIn(wk *flowWalk, table int) string {
	var out []string
	for _, f := range wk.flows {
		if f.Table == table {
			out = append(out, neutron.FlowText(f))
		}
	}
	return orWord(strings.Join(out, "; "), "no flow of table "+strconv.Itoa(table))
}
