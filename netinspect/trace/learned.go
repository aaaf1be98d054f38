package trace

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// br-tun table 20 holds two kinds of unicast flows. l2population writes
// what the server says (priority 2, dl_vlan=<lvid>,dl_dst=<mac> actions=
// strip_vlan,load:<VNI>->NXM_NX_TUN_ID[],output:<tunnel>). Table 10's learn
// action writes what the wire says: every frame that comes in from a
// tunnel (table 4 → 9 → 10) leaves priority 1, hard_timeout=300,
// vlan_tci=0x0<lvid>/0x0fff,dl_dst=<its source MAC> actions=load:0->
// NXM_OF_VLAN_TCI[],load:<VNI>->NXM_NX_TUN_ID[],output:<the tunnel it came
// in on>. The higher priority l2population flow is the one frames take;
// when the learned one names another tunnel, frames from that MAC come
// from another node than the one l2population sends it to: the
// l2population entry is stale or wrong (a migration the server did not
// see through, a port bound to the wrong host), and frames for it go to
// a node that does not host it.

// isLearned reports whether a table 20 flow was written by table 10's
// learn action (its hard timeout, its priority 1) rather than by
// l2population (priority 2, no timeout).
func isLearned(f *topo.Flow) bool { return f.HardTimeout > 0 || f.Priority < 2 }

// learnedFlow returns table 20's learned flow for mac on local VLAN vlan,
// or nil.
func learnedFlow(b *topo.Bridge, tunnels []topo.Tunnel, vlan int, mac string) *unicast {
	for i := range b.Flows {
		f := &b.Flows[i]
		if f.Table != 20 || !isLearned(f) || !onVLAN(f, vlan) {
			continue
		}
		if dst, ok := unicastDst(f); ok && strings.EqualFold(dst, mac) {
			return newUnicast(b, tunnels, f)
		}
	}
	return nil
}

// unicastDst is a table 20 flow's destination MAC.
func unicastDst(f *topo.Flow) (string, bool) {
	if dst, ok := f.MatchField("dl_dst"); ok {
		return dst, true
	}
	return f.MatchField("eth_dst")
}

// checkArrived marks the br-tun hop broken when l2population sends mac to
// another tunnel than the one frames from mac came in on (its learned
// flow), and reports whether it did.
func (u *unicast) checkArrived(h *Hop, mac, next string) bool {
	a := u.arrived
	if u.learned || a == nil || a.tunnel == nil || u.tunnel == nil || a.tunnel.Port == u.tunnel.Port {
		return false
	}
	fail(h, fmt.Sprintf("l2population sends %s to %s (%s), but frames from it arrived from %s (%s, learned flow): the l2population entry points to the wrong node",
		mac, u.tunnel.RemoteIP, u.tunnel.Port, a.tunnel.RemoteIP, a.tunnel.Port),
		fmt.Sprintf("output to %s (remote_ip %s), where frames from %s come from", a.tunnel.Port, a.tunnel.RemoteIP, mac),
		fmt.Sprintf("l2population: %s; learned: %s", neutron.FlowText(u.flow), neutron.FlowText(a.flow)),
		next+"; restarting the OVS agent here makes l2population resend its entries")
	return true
}

// learnedOn lists the MACs table 20 learned on local VLAN vlan from
// frames that came in on OpenFlow port ofport: proof that the network's
// frames arrive on that tunnel.
func learnedOn(b *topo.Bridge, vlan, ofport int) []string {
	var macs []string
	port := portNames(b, []string{fmt.Sprint(ofport)})[0]
	for i := range b.Flows {
		f := &b.Flows[i]
		if f.Table != 20 || !isLearned(f) || !onVLAN(f, vlan) {
			continue
		}
		if outs := portNames(b, f.Outputs()); len(outs) != 1 || outs[0] != port {
			continue
		}
		if dst, ok := unicastDst(f); ok {
			macs = append(macs, strings.ToLower(dst))
		}
	}
	return macs
}
