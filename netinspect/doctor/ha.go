package doctor

import (
	"fmt"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// HA routers (l3_ha): keepalived holds a router's addresses on the
// primary's devices only, so a standby has the NAT rules and no address by
// design (neutron.HAOf), and the checks that judge addresses skip it. What
// can go wrong with the pair is found here: the router active on two nodes
// (VRRP between the L3 agents' nodes broken: both keepalived instances
// primary, found by the duplicate-address probe of the gateway address),
// and a state file that disagrees with the addresses or says FAULT.

// haRouters returns the node's HA routers with what the snapshot says of
// each.
func (x *node) haRouters() ([]*topo.Router, []neutron.HA) {
	var rs []*topo.Router
	var hs []neutron.HA
	for i := range x.n.Routers {
		if r := &x.n.Routers[i]; r.Kind == "ha" {
			rs = append(rs, r)
			hs = append(hs, neutron.HAOf(x.s, r))
		}
	}
	return rs, hs
}

// haHeld reports whether r must hold its addresses here: not an HA router,
// or one active here. A standby holds none by design; of an HA router
// whose role is unknown, whether it must is unknown (haRoleUnread).
func (x *node) haHeld(r *topo.Router) bool {
	return r.Kind != "ha" || neutron.HAOf(x.s, r).Role == topo.HARoleActive
}

// haRoleUnread lists, as unread sources, the state files of the HA routers
// whose role is unknown and for which judge says it matters: they hold
// no address, and nothing tells a standby from a primary that lost them.
func haRoleUnread(x *node, judge func(*topo.Router) bool) []topo.Source {
	var out []topo.Source
	rs, hs := x.haRouters()
	for i, r := range rs {
		if hs[i].Role == "" && judge(r) {
			out = append(out, topo.Source{Name: "ha_confs/" + r.ID + "/state",
				Error: neutron.HAStateUnread(x.s, r.ID) + ": whether router " + r.ID + " is standby here is unknown"})
		}
	}
	return out
}

// partialUnread returns, for a check that runs, the facts it needed of
// some objects and could not read: it ran on the others, and is reported
// unchecked for these too (an error it may be missing there is unknown,
// not absent).
func partialUnread(check string, x *node) []topo.Source {
	switch check {
	case "fip-nat":
		return haRoleUnread(x, func(r *topo.Router) bool {
			for _, f := range r.FloatingIPs {
				if f.DNAT && !f.OnGateway {
					return true
				}
			}
			return false
		})
	case "router-interface-address":
		return haRoleUnread(x, func(r *topo.Router) bool {
			for _, i := range r.Interfaces {
				if len(i.Addresses) == 0 {
					return true
				}
			}
			return false
		})
	case "ha-active-on-two-nodes":
		// A router without an IPv4 gateway address here is never probed:
		// no probe is missing (its view says it cannot be told).
		var out []topo.Source
		rs, hs := x.haRouters()
		for i, r := range rs {
			if hs[i].ProbeUnknown == "" {
				continue
			}
			if unread := neutron.Unread(x.s, "arp-probe/"+r.Namespace); len(unread) > 0 {
				out = append(out, unread...)
			} else {
				out = append(out, topo.Source{Name: "arp-probe/" + r.Namespace, Error: hs[i].ProbeUnknown})
			}
		}
		return out
	}
	return finerPartial(check, x)
}

// haStandbyFIP is fip-nat's finding for a floating IP of a standby HA
// router: its address is the primary's to hold, and only keepalived.conf
// says whether a failover to this node would bring it.
func (x *node) haStandbyFIP(r *topo.Router, f topo.FloatingIP) []string {
	if r.Kind != "ha" {
		return nil
	}
	h := neutron.HAOf(x.s, r)
	if h.Role != topo.HARoleStandby || !f.DNAT || h.VIPs == nil || neutron.HAVIP(h.VIPs, f.FloatingIP) != "" {
		return nil
	}
	return []string{fmt.Sprintf("DNAT rule for %s, but keepalived.conf gives the primary no %s/32: after a failover to this node nothing would hold it", f.FloatingIP, f.FloatingIP),
		"the router is standby here (" + orNone(h.State) + "): the address is held on the other L3 agent's node"}
}

// haActiveOnTwoNodes reports HA routers active here whose gateway address
// another host on the wire answered for: VRRP between the two L3 agents'
// nodes is broken and both keepalived instances are primary. Traffic to
// the router's addresses goes to whichever node answered ARP last.
func haActiveOnTwoNodes(x *node) []Finding {
	var out []Finding
	rs, hs := x.haRouters()
	for i, r := range rs {
		h := hs[i]
		if h.AnsweredFrom == "" || r.Gateway == nil {
			continue
		}
		gw := neutron.HAGatewayIP(r)
		ev := []string{neutron.HATwoNodes(gw, h.AnsweredFrom)}
		if src := x.s.Source("arp-probe/" + r.Namespace); src != nil && src.Detail != "" {
			ev = append(ev, src.Detail+" (from "+r.Namespace+")")
		}
		ev = append(ev, fmt.Sprintf("%s holds %s here; state file: %s", r.Gateway.Device, r.Gateway.Address, orNone(h.State)))
		out = append(out, Finding{Severity: Error, Objects: []Object{{"router", r.ID}, {"namespace", r.Namespace}, {"address", gw}}, Evidence: ev,
			Fix: "VRRP between the L3 agents' nodes is not passing: check the HA network (" + haDevice(x, r) + ", its VXLAN/VLAN between the two nodes, VRRP (IP protocol 112) to 224.0.0.18 allowed); " +
				"openstack network agent list --router " + r.ID + " --long shows both active; once VRRP passes keepalived demotes one, or " + x.restartAgent(topo.AgentL3) + " on one of the nodes"})
	}
	return out
}

// haDevice names r's VRRP device (ha-…), or says what it is.
func haDevice(x *node, r *topo.Router) string {
	if c, ok := x.s.Agent.Keepalived[r.ID]; ok && c.Interface != "" {
		return c.Interface + " in " + r.Namespace
	}
	return "the ha- device in " + r.Namespace
}

// haStateFindings reports an HA router whose state file disagrees with the
// addresses it holds (backup, but holding them), or says FAULT.
func haStateFindings(x *node) []Finding {
	var out []Finding
	rs, hs := x.haRouters()
	for i, r := range rs {
		if len(hs[i].Problems) == 0 {
			continue
		}
		out = append(out, Finding{Severity: Warning, Objects: []Object{{"router", r.ID}, {"namespace", r.Namespace}}, Evidence: hs[i].Problems,
			Fix: "openstack network agent list --router " + r.ID + " --long (which node the server thinks is active); ps for keepalived -f …/ha_confs/" + r.ID + "/keepalived.conf on this node; " + x.restartAgent(topo.AgentL3) + " rewrites the state"})
	}
	return out
}
