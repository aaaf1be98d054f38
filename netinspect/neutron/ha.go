package neutron

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// An HA router (l3_ha) has a qrouter- namespace on each of its L3 agents'
// nodes, with the same devices and NAT rules on all. keepalived, one per
// node, elects a primary over VRRP on the HA network (the ha- devices) and
// puts the router's addresses (the gateway address and floating IPs on
// qg-, the subnets' gateways on qr-: keepalived.conf's
// virtual_ipaddress_excluded) on the primary's devices only. The L3 agent
// writes the outcome to <state_path>/ha_confs/<router id>/state
// (ha_router.py ha_state: "primary", "backup"; "fault" on a keepalived
// FAULT; "master" before Victoria). So a standby holding no address is
// right, and a primary must hold them all; and when VRRP between the nodes
// fails, both become primary and hold the same addresses: what the
// duplicate-address probe (topo.ARPProbe) asks the wire about.

// haStateOf words an HA state file: primary, standby or "" (unknown).
func haStateOf(state string) string {
	switch strings.ToLower(strings.TrimSpace(state)) {
	case "primary", "master":
		return topo.HARoleActive
	case "backup", "fault":
		return topo.HARoleStandby
	}
	return ""
}

// HA is what a snapshot says of an HA router on its node.
type HA struct {
	// Role is topo.HARoleActive, topo.HARoleStandby, or "" when it
	// cannot be told (Unknown says why).
	Role string
	// State is the state file as the agent wrote it ("" not read).
	State string
	// VIPs are keepalived.conf's addresses ("<address> dev <device>"),
	// nil when it was not read.
	VIPs []string
	// AnsweredFrom is the MAC that answered the duplicate-address probe
	// of the gateway address from the wire: the router is active on two
	// nodes ("" when nothing answered, or not known: see Unknown).
	AnsweredFrom string
	// Problems are those of the state file (backup while holding the
	// addresses, FAULT); being active on two nodes is AnsweredFrom.
	Problems []string
	Unknown  []string
	// ProbeUnknown is the one of Unknown that says the probe of the
	// gateway address was not recorded or failed: whether the router is
	// active on two nodes is unknown where it could have been told. (A
	// router without an IPv4 gateway address here is never probed: its
	// Unknown says so, and no probe is missing.)
	ProbeUnknown string
}

// HAOf is what snapshot s says of HA router r: from the state file the
// agent wrote, keepalived.conf, the addresses r holds and the
// duplicate-address probe. It reads the facts and r's addresses only, so
// it answers alike for a snapshot recorded before Derive set
// Router.HARole (a replay keeps the Neutron view it was recorded with).
func HAOf(s *topo.Snapshot, r *topo.Router) HA {
	holds := r.Gateway != nil && r.Gateway.Address != ""
	for _, i := range r.Interfaces {
		holds = holds || len(i.Addresses) > 0
	}
	for _, f := range r.FloatingIPs {
		holds = holds || f.OnGateway
	}
	return haOf(s, r, holds, len(Failed(s, "netlink/"+r.Namespace)) == 0)
}

// haOf is HAOf given whether r holds any global address on its devices
// (known when addrsRead).
func haOf(s *topo.Snapshot, r *topo.Router, holds, addrsRead bool) HA {
	h := HA{State: s.Agent.HARouterStates[r.ID]}
	conf, confRead := s.Agent.Keepalived[r.ID]
	if confRead && conf.Error == "" {
		for _, v := range conf.VIPs {
			h.VIPs = append(h.VIPs, strings.TrimSpace(v.Address+" dev "+v.Device))
		}
	}
	fromState := haStateOf(h.State)
	stateFile := "ha_confs/" + r.ID + "/state"
	switch {
	case addrsRead && holds:
		// keepalived acts on the addresses; the agent writes the state
		// file after it (and a keepalived that died leaves them).
		h.Role = topo.HARoleActive
		if fromState == topo.HARoleStandby {
			h.Problems = append(h.Problems, fmt.Sprintf("%s says %s but %s: keepalived puts the router's addresses on the primary only (a state file the agent did not update, or a keepalived that no longer runs left them)",
				stateFile, h.State, heldText(r)))
		}
	case fromState != "":
		h.Role = fromState
	case addrsRead:
		h.Unknown = append(h.Unknown, "whether the router is standby here (holding none of its addresses, as it should) or a primary that lost them: unknown ("+HAStateUnread(s, r.ID)+")")
	default:
		h.Unknown = append(h.Unknown, "HA state: unknown ("+HAStateUnread(s, r.ID)+")")
	}
	if strings.EqualFold(strings.TrimSpace(h.State), "fault") {
		dev := "its HA device"
		if confRead && conf.Interface != "" {
			dev = conf.Interface
		}
		h.Problems = append(h.Problems, fmt.Sprintf("keepalived is in FAULT (%s): %s is down or failed its checks, so this node cannot take the router over", stateFile, dev))
	}
	if h.Role == topo.HARoleActive && holds {
		haProbe(s, r, &h)
	}
	return h
}

// haRouter sets what this node is for an HA router r (HAState, HARole,
// HAVIPs, HAAnsweredFrom) and its HA problems and unknowns. holds says
// whether any of its devices holds a global address (read when
// addrsRead).
func (d *deriver) haRouter(r *topo.Router, holds, addrsRead bool) {
	h := haOf(d.x.s, r, holds, addrsRead)
	r.HAState, r.HARole, r.HAVIPs, r.HAAnsweredFrom = h.State, h.Role, h.VIPs, h.AnsweredFrom
	if h.AnsweredFrom != "" {
		r.Problems = append(r.Problems, HATwoNodes(HAGatewayIP(r), h.AnsweredFrom))
	}
	r.Problems = append(r.Problems, h.Problems...)
	r.Unknown = append(r.Unknown, h.Unknown...)
}

// heldText names the addresses the router holds here ("qg-… holds
// 203.0.113.177/24").
func heldText(r *topo.Router) string {
	if r.Gateway != nil && r.Gateway.Address != "" {
		return r.Gateway.Device + " holds " + r.Gateway.Address
	}
	for _, i := range r.Interfaces {
		if len(i.Addresses) > 0 {
			return i.Device + " holds " + i.Addresses[0]
		}
	}
	return "it holds addresses"
}

// HAStateUnread says why the state file of HA router id is not known.
func HAStateUnread(s *topo.Snapshot, id string) string {
	if unread := Unread(s, "agent-files"); len(unread) > 0 {
		return SourceNames(unread) + " not read"
	}
	switch {
	case s.Agent.HAStateErrors[id] != "":
		return "ha_confs/" + id + "/state not read: " + s.Agent.HAStateErrors[id]
	case s.Agent.StateDir == "":
		return "no Neutron state dir was found to read ha_confs/" + id + "/state from: --neutron-state-dir names it"
	}
	return "no " + s.Agent.StateDir + "/ha_confs/" + id + "/state"
}

// haProbe reads the duplicate-address probe of an HA router active here:
// an answer from the wire means another node holds its gateway address
// too, so the router is active on two nodes. A router not probed, or
// whose probe failed, says so: whether it is, is unknown.
func haProbe(s *topo.Snapshot, r *topo.Router, h *HA) {
	gw := HAGatewayIP(r)
	what := "whether another node also holds its addresses (the router active on two nodes)"
	if gw == "" {
		h.Unknown = append(h.Unknown, what+": unknown (only an IPv4 gateway address is probed, and the router has none here)")
		return
	}
	what = "whether another node also holds " + gw + " (the router active on two nodes)"
	src := "arp-probe/" + r.Namespace
	if unread := Unread(s, src); len(unread) > 0 {
		why := unread[0].Error
		if why == NotRecorded {
			why = "no duplicate-address probe recorded: the snapshot was not taken live by an ostopo that probes"
		}
		h.ProbeUnknown = what + ": unknown (" + src + " not read: " + why + ")"
		h.Unknown = append(h.Unknown, h.ProbeUnknown)
		return
	}
	for _, p := range s.ARPProbes {
		if p.Namespace != r.Namespace || p.Address != gw {
			continue
		}
		if p.Answered {
			h.AnsweredFrom = firstNonEmpty(p.From, "?")
		}
		return
	}
	h.ProbeUnknown = what + ": unknown (" + src + " probed another address)"
	h.Unknown = append(h.Unknown, h.ProbeUnknown)
}

// HAGatewayIP is the IPv4 gateway address r holds on qg- (the one the
// duplicate-address probe asks about), "" if none.
func HAGatewayIP(r *topo.Router) string {
	if r.Gateway == nil {
		return ""
	}
	if p, err := netip.ParsePrefix(r.Gateway.Address); err == nil && p.Addr().Is4() {
		return p.Addr().String()
	}
	return ""
}

// HATwoNodes words an HA router active on two nodes: "active on two nodes
// (203.0.113.177 also answered from fa:16:3e:91:26:0b)".
func HATwoNodes(gateway, from string) string {
	return "active on two nodes (" + gateway + " also answered from " + from + ")"
}

// HAStandby reports whether r is an HA router standing by on this node:
// active on the other L3 agent's node, holding none of its addresses here
// by design.
func HAStandby(r *topo.Router) bool { return r.Kind == "ha" && r.HARole == topo.HARoleStandby }

// HARoleUnknown reports whether r is an HA router of which this node
// cannot tell whether it is active or standby here (it holds no address
// and its state file was not read): what a missing address means is then
// unknown.
func HARoleUnknown(r *topo.Router) bool { return r.Kind == "ha" && r.HARole == "" }

// HAVIP returns the keepalived address among vips (HA.VIPs) that is ip
// ("203.0.113.104/32 dev qg-…"), or "".
func HAVIP(vips []string, ip string) string {
	for _, v := range vips {
		addr, _, _ := strings.Cut(v, "/")
		if addr == ip {
			return v
		}
	}
	return ""
}

// haIfaceAddrs are the addresses of a router interface: those on its
// device, or, for a standby HA router holding none, those keepalived
// would put there on a failover.
func haIfaceAddrs(r *topo.Router, ri topo.RouterInterface) []string {
	if len(ri.Addresses) > 0 || !HAStandby(r) {
		return ri.Addresses
	}
	var out []string
	for _, v := range r.HAVIPs {
		addr, dev, _ := strings.Cut(v, " dev ")
		if p, err := netip.ParsePrefix(addr); err == nil && dev == ri.Device && !p.Addr().IsLinkLocalUnicast() {
			out = append(out, addr)
		}
	}
	return out
}

// haFixedIPs corrects the fixed IPs read off an HA router's device with
// what its keepalived.conf says. keepalived's own address on the ha-
// device (virtual_ipaddress, held by the primary) is no fixed IP of the HA
// port. A qg- or qr- device holding no address (a standby: keepalived
// adds them on the primary only) has its port's fixed IPs in
// virtual_ipaddress_excluded: the gateway address (the /32s beside it
// are floating IPs) and the subnets' gateways. Without a keepalived.conf
// read, the device's addresses are all there is.
func (d *deriver) haFixedIPs(ns *topo.Namespace, dev string, ips []string) []string {
	if ns == nil || ns.Kind != topo.NSRouter {
		return ips
	}
	conf, ok := d.x.s.Agent.Keepalived[ns.ID]
	if !ok || conf.Error != "" {
		return ips
	}
	switch {
	case strings.HasPrefix(dev, "ha-"):
		var out []string
		for _, ip := range ips {
			if !slices.ContainsFunc(conf.VIPs, func(v topo.KeepalivedVIP) bool { return v.Device == dev && v.Address == ip }) {
				out = append(out, ip)
			}
		}
		return out
	case len(ips) > 0 || !strings.HasPrefix(dev, "qg-") && !strings.HasPrefix(dev, "qr-"):
		return ips
	}
	for _, v := range conf.VIPs {
		p, err := netip.ParsePrefix(v.Address)
		if err != nil || v.Device != dev || p.Addr().IsLinkLocalUnicast() || strings.HasPrefix(dev, "qg-") && p.IsSingleIP() {
			continue
		}
		ips = append(ips, v.Address)
	}
	return ips
}
