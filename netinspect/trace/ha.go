package trace

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// HA routers (l3_ha) have a qrouter- namespace on both L3 agents' nodes;
// keepalived holds the router's addresses on the primary's devices only
// (neutron.HAOf). A trace through the router on the node where it stands
// by does not break: the path is not this node's, and the router hop says
// so (Hop.Standby, Result.Standby, exit status 4: trace on the primary).
// On the primary, an answer from the wire to the duplicate-address probe
// of its gateway address means another node holds it too: the router is
// active on two nodes, a break at the router hop.

// StandbyText is a standby router hop's verdict.
const StandbyText = "standby here: the router is active on the other L3 agent's node"

// haStopped reports whether the path ends at t's router hop: an HA router
// standing by here, or one of which this node cannot tell (its hop says
// so). The tenant side is the primary's.
func (w *walker) haStopped(t *target) bool {
	return t.router != nil && t.router.Kind == "ha" && neutron.HAOf(w.s, t.router).Role != topo.HARoleActive
}

// haRouter settles the router hop h of an HA router: standby here (the
// hop says so and the walk stops), not known (unknown, and it stops), or
// active and also answered for from elsewhere (broken: active on two
// nodes; the walk goes on). It reports whether the walk stops here.
func (w *walker) haRouter(h *Hop, t *target) bool {
	r := t.router
	if r.Kind != "ha" {
		return false
	}
	ha := neutron.HAOf(w.s, r)
	stateFile := "ha_confs/" + r.ID + "/state: " + strings.TrimSpace(ha.State)
	switch ha.Role {
	case topo.HARoleStandby:
		h.Standby = StandbyText
		h.DecrementsTTL = false // it routes nothing here
		h.Evidence = append(h.Evidence, stateFile)
		for _, what := range w.haHeldElsewhere(t, ha) {
			h.Evidence = append(h.Evidence, what)
		}
		h.Next = "trace on the node where the router is active: openstack network agent list --router " + r.ID + " --long (HA state active)"
		return true
	case "":
		h.Unknown = ha.Unknown[0]
		h.Unread = []topo.Source{{Name: "ha_confs/" + r.ID + "/state", Error: neutron.HAStateUnread(w.s, r.ID)}}
		return true
	}
	if ha.State != "" {
		h.Evidence = append(h.Evidence, stateFile)
	}
	if src := w.s.Source("arp-probe/" + r.Namespace); src != nil && src.OK && src.Detail != "" {
		h.Evidence = append(h.Evidence, src.Detail)
	}
	if ha.AnsweredFrom != "" {
		gw := neutron.HAGatewayIP(r)
		fail(h, neutron.HATwoNodes(gw, ha.AnsweredFrom), "only this node answering ARP for "+gw,
			fmt.Sprintf("the duplicate-address probe for %s from %s was answered from %s on the wire: another node holds it too (VRRP between the L3 agents' nodes is broken, both keepalived instances are primary)", gw, r.Gateway.Device, ha.AnsweredFrom),
			"check the HA network between the two L3 agents' nodes (the ha- devices, VRRP to 224.0.0.18); openstack network agent list --router "+r.ID+" --long; ostopo doctor on both nodes")
	}
	return false
}

// haHeldElsewhere says what of the path the primary holds: the floating
// IP's DNAT rule here, and the address keepalived would bring on a
// failover.
func (w *walker) haHeldElsewhere(t *target, ha neutron.HA) []string {
	var out []string
	ns := w.s.Namespace(t.router.Namespace)
	addr := t.floating
	if addr == "" {
		addr, _, _ = strings.Cut(t.haVIP, "/")
	}
	if t.fip != nil && ns != nil {
		if rule := natRule(ns, "DNAT", t.fip.FloatingIP); rule != "" {
			out = append(out, "nat: "+rule)
		}
	}
	switch v := neutron.HAVIP(ha.VIPs, addr); {
	case addr == "":
	case v != "":
		out = append(out, "keepalived.conf: "+v+" (held by the primary; this node takes it on a failover)")
	case ha.VIPs != nil:
		out = append(out, "keepalived.conf does not list "+addr+": not held here on a failover either")
	default:
		out = append(out, addr+" is held by the primary (keepalived.conf not read)")
	}
	return out
}

// haFinish makes the router hop of an HA router active here unknown when
// whether another node also holds its gateway address was not probed (or
// the probe failed), unless the hop is broken on what was read.
func (w *walker) haFinish(t *target) {
	if t.router == nil || t.router.Kind != "ha" {
		return
	}
	ha := neutron.HAOf(w.s, t.router)
	if ha.Role != topo.HARoleActive || ha.ProbeUnknown == "" {
		return
	}
	for i := range w.r.Hops {
		h := &w.r.Hops[i]
		if h.Kind == KindRouter && h.Namespace == t.router.Namespace && h.Problem == "" && h.Unknown == "" {
			h.Unknown = ha.ProbeUnknown
			if src := w.s.Source("arp-probe/" + t.router.Namespace); src == nil || !src.OK {
				h.Unread = neutron.Unread(w.s, "arp-probe/"+t.router.Namespace)
			}
		}
	}
}

// haVIPTarget resolves an address no device here holds that is one of an
// HA router's keepalived addresses, where the router is not active here:
// its gateway address or a subnet's gateway, held by the primary. The
// trace goes to the router hop, which says so.
func (w *walker) haVIPTarget(ip string) *target {
	for i := range w.n.Routers {
		r := &w.n.Routers[i]
		if r.Kind != "ha" {
			continue
		}
		ha := neutron.HAOf(w.s, r)
		v := neutron.HAVIP(ha.VIPs, ip)
		if ha.Role == topo.HARoleActive || v == "" {
			continue
		}
		t := &target{router: r, haVIP: v}
		if _, dev, _ := strings.Cut(v, " dev "); strings.HasPrefix(dev, "qr-") {
			for ii := range r.Interfaces {
				if r.Interfaces[ii].Device == dev {
					t.iface = &r.Interfaces[ii]
				}
			}
		}
		return t
	}
	return nil
}

// haVIPPath walks to the router hop of a keepalived address: from the
// provider network for one on qg-, else the router alone.
func (w *walker) haVIPPath(t *target) {
	if strings.Contains(t.haVIP, " dev qg-") {
		w.external(t)
	}
	w.router(t)
}
