package trace

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// unicast is the br-tun table 20 (UCAST_TO_TUN) flow that sends one MAC
// on a local VLAN to one tunnel: programmed by l2population
// (br_tun.install_unicast_to_tun: priority 2, dl_vlan=<lvid>,
// dl_dst=<mac> actions=strip_vlan|pop_vlan, load:…->NXM_NX_TUN_ID[] or
// set_field:…->tun_id, output:<tunnel>) or learned from traffic by table
// 10 (priority 1, vlan_tci=0x0<lvid>/0x0fff, hard_timeout 300). Table 2
// sends unicast frames to table 20; what it has no flow for falls through
// to table 22's flood.
type unicast struct {
	flow *topo.Flow
	// port is the output port's name (as printed when no port has that
	// number); tunnel is it as a tunnel of the node, nil when it is none.
	port   string
	tunnel *topo.Tunnel
	// learned: from table 10's learn action, not from l2population.
	learned bool
	// arrived is, for an l2population flow, the flow table 10 learned
	// for the same VLAN and MAC from frames that came in from a tunnel
	// (learned.go); nil when there is none.
	arrived *unicast
}

// unicastTo returns the table 20 flow a frame to mac on local VLAN vlan
// takes (the highest priority matching one), or nil.
func unicastTo(b *topo.Bridge, tunnels []topo.Tunnel, vlan int, mac string) *unicast {
	var best *topo.Flow
	for i := range b.Flows {
		f := &b.Flows[i]
		if f.Table != 20 || !onVLAN(f, vlan) {
			continue
		}
		dst, ok := f.MatchField("dl_dst")
		if !ok {
			dst, ok = f.MatchField("eth_dst")
		}
		if !ok || !strings.EqualFold(dst, mac) {
			continue
		}
		if best == nil || f.Priority > best.Priority {
			best = f
		}
	}
	if best == nil {
		return nil
	}
	u := newUnicast(b, tunnels, best)
	if !u.learned {
		u.arrived = learnedFlow(b, tunnels, vlan, mac)
	}
	return u
}

// newUnicast reads a table 20 flow: where it sends the frame, and whether
// table 10 learned it.
func newUnicast(b *topo.Bridge, tunnels []topo.Tunnel, f *topo.Flow) *unicast {
	u := &unicast{flow: f, learned: isLearned(f)}
	if outs := portNames(b, f.Outputs()); len(outs) > 0 {
		u.port = outs[0]
	}
	for i := range tunnels {
		if tunnels[i].Bridge == b.Name && tunnels[i].Port == u.port {
			u.tunnel = &tunnels[i]
		}
	}
	return u
}

// onVLAN reports whether a flow matches frames of one local VLAN: dl_vlan=N
// (l2population) or vlan_tci=V/M with M covering the VLAN id (learned).
func onVLAN(f *topo.Flow, vlan int) bool {
	if v, ok := f.MatchInt("dl_vlan"); ok {
		return v == vlan
	}
	tci, ok := f.MatchField("vlan_tci")
	if !ok {
		return false
	}
	val, mask, masked := strings.Cut(tci, "/")
	v, err := strconv.ParseInt(val, 0, 32)
	if err != nil {
		return false
	}
	m := int64(0xffff)
	if masked {
		if m, err = strconv.ParseInt(mask, 0, 32); err != nil {
			return false
		}
	}
	return m&0x0fff == 0x0fff && int(v&0x0fff) == vlan
}

// what says where a unicast flow comes from.
func (u *unicast) what() string {
	if u.learned {
		return "learned from traffic by table 10"
	}
	return "l2population"
}

// check marks the br-tun hop broken when the unicast flow cannot be right
// on the facts of this node: it sends the frame to no tunnel, with another
// tunnel id than the network's, (l2population) to another tunnel than the
// one frames from the MAC came in on (learned.go), or to a node that is not
// among those the network floods to: l2population sends a node the flood
// entry of every other node hosting a port of the network together with
// those ports' MACs, so a MAC behind a node the flood flow leaves out is a
// stale or wrong entry.
func (u *unicast) check(h *Hop, nw *topo.Network, seg int, mac string, tunnels []topo.Tunnel) {
	tb := h.Bridge
	flow := neutron.FlowText(u.flow)
	next := "ovs-ofctl dump-flows " + tb + " table=20 | grep -i " + mac + "; openstack port list --mac-address " + mac + " --long (binding host)"
	if u.tunnel == nil {
		fail(h, fmt.Sprintf("%s table 20 sends %s to %s, which is not a tunnel port", tb, mac, orWord(u.port, "no port")),
			"output to the tunnel towards the node hosting "+mac, flow, next)
		return
	}
	if tid, ok := u.flow.SetTunnelID(); ok && tid != seg {
		fail(h, fmt.Sprintf("%s table 20 sends %s with tunnel id %d, but the network's segmentation id is %d", tb, mac, tid, seg),
			fmt.Sprintf("tun_id %#x", seg), flow, next)
		return
	}
	if u.checkArrived(h, mac, next) { // learned.go
		return
	}
	if u.learned || len(nw.Flows.FloodPorts) == 0 || slices.Contains(nw.Flows.FloodPorts, u.port) {
		return
	}
	var remotes []string
	for _, name := range nw.Flows.FloodPorts {
		for _, t := range tunnels {
			if t.Port == name {
				remotes = append(remotes, t.RemoteIP+" ("+t.Port+")")
			}
		}
	}
	fail(h, fmt.Sprintf("l2population sends %s to %s (%s), which is not among the nodes the network floods to: a stale or wrong l2population entry", mac, u.tunnel.RemoteIP, u.tunnel.Port),
		"the tunnel to the node hosting "+mac+": one of "+orWord(strings.Join(remotes, ", "), strings.Join(nw.Flows.FloodPorts, ", ")),
		fmt.Sprintf("%s → remote_ip %s (%s)", u.tunnel.Port, u.tunnel.RemoteIP, flow),
		next+"; compare with the tunnels' remote IPs; restarting the OVS agent here makes l2population resend its entries")
}

// instanceMAC is the MAC the path delivers to: the instance port's on
// this node, else the DHCP host entry for the fixed IP, else the ARP
// responder entry for it on the network's local VLAN (br-tun table 21,
// l2population's arp_responder). "" when none says.
func (w *walker) instanceMAC(t *target, vlan int) string {
	if t.port != nil {
		return t.port.MAC
	}
	if t.fixed == "" {
		return ""
	}
	// Overlapping tenant subnets put one address in several networks'
	// host files: the network the path is on decides, else the last.
	network, mac := "", ""
	if t.iface != nil {
		network = t.iface.NetworkID
	}
	for _, d := range w.s.Agent.DHCP {
		for _, h := range d.Hosts {
			if h.IP == t.fixed && (mac == "" || network == "" || d.NetworkID == network) {
				mac = h.MAC
			}
		}
	}
	if mac != "" {
		return mac
	}
	tb := w.s.OVS.Bridge(tunnelBridge(w.n))
	if tb == nil || vlan == 0 {
		return ""
	}
	for i := range tb.Flows {
		f := &tb.Flows[i]
		if tpa, ok := f.MatchField("arp_tpa"); f.Table != 21 || !ok || tpa != t.fixed || !onVLAN(f, vlan) {
			continue
		}
		for _, a := range f.ActionList() {
			if m, ok := strings.CutPrefix(a, "mod_dl_src:"); ok {
				return strings.ToLower(m)
			}
			if v, ok := strings.CutPrefix(a, "set_field:"); ok && strings.HasSuffix(v, "->eth_src") {
				return strings.ToLower(strings.TrimSuffix(v, "->eth_src"))
			}
		}
	}
	return ""
}
