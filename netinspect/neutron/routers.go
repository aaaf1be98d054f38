package neutron

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// routers describes every qrouter- namespace: its flavour, gateway,
// interfaces and floating IPs (§4). Floating IPs come from three facts that
// must agree: the /32 on qg-, the DNAT rule floating → fixed, and the SNAT
// rule fixed → floating in the float-snat chain.
func (d *deriver) routers() {
	byIP := map[string][]int{} // fixed IP -> indexes of ports holding it
	for pi, p := range d.out.Ports {
		for _, ip := range p.FixedIPs {
			addr, _, _ := strings.Cut(ip, "/")
			byIP[addr] = append(byIP[addr], pi)
		}
	}
	for ni := range d.x.s.Namespaces {
		ns := &d.x.s.Namespaces[ni]
		if ns.Kind != topo.NSRouter {
			continue
		}
		d.out.Routers = append(d.out.Routers, d.router(ns, byIP))
	}
}

func (d *deriver) router(ns *topo.Namespace, byIP map[string][]int) topo.Router {
	r := topo.Router{ID: ns.ID, Namespace: ns.Name, Kind: "legacy", IPForward: ns.IPForward,
		Interfaces: []topo.RouterInterface{}, FloatingIPs: []topo.FloatingIP{}, Problems: []string{}}
	for _, l := range ns.Links {
		switch {
		case strings.HasPrefix(l.Name, "rfp-"):
			r.Kind = "dvr"
		case strings.HasPrefix(l.Name, "ha-") && r.Kind == "legacy":
			r.Kind = "ha"
		}
	}
	if r.Kind == "legacy" && d.isDistributed(ns) {
		// No rfp- (a router without gateway, or its fip- namespace and
		// the veth with it deleted): the other marks of DVR say it.
		r.Kind = "dvr"
	}
	gwNS := ns
	if snat := d.x.nsByName["snat-"+ns.ID]; snat != nil {
		r.SNATNamespace = snat.Name
		if r.Kind == "dvr" {
			gwNS = snat
		}
	}
	if r.IPForward != nil && !*r.IPForward {
		r.Problems = append(r.Problems, "net.ipv4.ip_forward is 0 in "+ns.Name+": the router does not route")
	}
	if unread := Failed(d.x.s, "sysctl/"+ns.Label()); r.IPForward == nil && len(unread) > 0 {
		// Not read is not off.
		r.Unknown = append(r.Unknown, unknown("net.ipv4.ip_forward", SourceNames(unread)))
	}

	var gwLink *topo.Link
	for li := range gwNS.Links {
		if strings.HasPrefix(gwNS.Links[li].Name, "qg-") {
			gwLink = &gwNS.Links[li]
			break
		}
	}
	var hasAddrs bool
	for li := range ns.Links {
		l := &ns.Links[li]
		if !strings.HasPrefix(l.Name, "qr-") {
			continue
		}
		ri := topo.RouterInterface{Device: l.Name, Addresses: globalAddrs(l)}
		if ri.Addresses == nil {
			ri.Addresses = []string{}
		}
		hasAddrs = hasAddrs || len(ri.Addresses) > 0
		if p := d.portByDevice(l.Name); p != nil {
			ri.Port, ri.NetworkID, ri.LocalVLAN = p.ID, p.NetworkID, p.LocalVLAN
		} else {
			_, ri.Port = splitDevice(l.Name)
		}
		r.Interfaces = append(r.Interfaces, ri)
	}
	if gwLink != nil {
		gw := &topo.RouterGateway{Device: gwLink.Name}
		if p := d.portByDevice(gwLink.Name); p != nil {
			gw.Port, gw.NetworkID = p.ID, p.NetworkID
		} else {
			_, gw.Port = splitDevice(gwLink.Name)
		}
		for _, a := range globalAddrs(gwLink) {
			if !strings.HasSuffix(a, "/32") && gw.Address == "" {
				gw.Address = a
			}
		}
		// Floating IPs (/32) count too: keepalived holds none of them
		// on a standby.
		hasAddrs = hasAddrs || len(globalAddrs(gwLink)) > 0
		for _, rt := range gwNS.Routes {
			if rt.Table == topo.RouteTableMain && rt.Dst == "default" && rt.Dev == gwLink.Name {
				gw.NextHop = rt.Gateway
			}
		}
		r.Gateway = gw
	}
	// Addresses and routes: a namespace whose read failed part way has its
	// devices but maybe not their addresses.
	addrNS := []string{"netlink/" + ns.Label()}
	if gwNS != ns {
		addrNS = append(addrNS, "netlink/"+gwNS.Label())
	}
	addrsUnread := Failed(d.x.s, addrNS...)
	addrsRead := len(addrsUnread) == 0
	if r.Kind == "ha" {
		// keepalived puts qr-/qg- addresses only on the primary (§4.5):
		// what a missing one means depends on what this node is.
		d.haRouter(&r, hasAddrs, addrsRead)
	}
	if !addrsRead {
		r.Unknown = append(r.Unknown, unknown("addresses and routes of its devices", SourceNames(addrsUnread)))
	} else if !HAStandby(&r) && !HARoleUnknown(&r) {
		for _, ri := range r.Interfaces {
			if len(ri.Addresses) == 0 {
				r.Problems = append(r.Problems, ri.Device+" has no address: the subnet has no gateway on this router")
			}
		}
	}
	natRead := ns.NAT != nil && nsRead(d.x.s, ns, "nat/")
	if !natRead {
		r.Unknown = append(r.Unknown, unknown("DNAT and SNAT rules of its floating IPs", "nat/"+ns.Label()))
	}
	r.FloatingIPs = d.floatingIPs(ns, gwLink, &r, byIP, natRead, addrsRead)
	if r.Kind == "dvr" {
		d.dvr(&r, ns)
	}
	return r
}

// portByDevice returns the port whose device has that name.
func (d *deriver) portByDevice(name string) *topo.NPort {
	if op, ok := d.x.ports[name]; ok && op.iface != nil {
		if i, ok := d.portIdx[firstNonEmpty(op.iface.ExternalIDs["iface-id"], suffixOf(name))]; ok {
			return &d.out.Ports[i]
		}
	}
	if i, ok := d.portIdx[suffixOf(name)]; ok {
		return &d.out.Ports[i]
	}
	return nil
}

func suffixOf(name string) string {
	_, s := splitDevice(name)
	return s
}

type fipFacts struct {
	dnat, snat string // fixed IPs the rules name
	onGW       bool
}

// floatingIPs checks only what was read: without the NAT table a
// floating IP on qg- lacks no rule, and without the addresses a rule
// lacks no address; the router says which is unknown.
func (d *deriver) floatingIPs(ns *topo.Namespace, gw *topo.Link, r *topo.Router, byIP map[string][]int, natRead, addrsRead bool) []topo.FloatingIP {
	facts := map[string]*fipFacts{}
	get := func(ip string) *fipFacts {
		if facts[ip] == nil {
			facts[ip] = &fipFacts{}
		}
		return facts[ip]
	}
	if ns.NAT != nil {
		for _, rule := range ns.NAT.Rules {
			switch {
			case rule.Target == "DNAT" && strings.HasSuffix(rule.Chain, "PREROUTING") && rule.Dst != "" && rule.ToDestination != "":
				get(topo.HostIP(rule.Dst)).dnat = hostOnly(rule.ToDestination)
			case rule.Target == "SNAT" && strings.HasSuffix(rule.Chain, "float-snat") && rule.Src != "" && rule.ToSource != "":
				get(hostOnly(rule.ToSource)).snat = topo.HostIP(rule.Src)
			}
		}
	}
	if gw != nil {
		for _, a := range globalAddrs(gw) {
			if strings.HasSuffix(a, "/32") {
				get(topo.HostIP(a)).onGW = true
			}
		}
	}
	ips := slices.Sorted(maps.Keys(facts))
	var out []topo.FloatingIP
	for _, ip := range ips {
		f := facts[ip]
		fip := topo.FloatingIP{FloatingIP: ip, FixedIP: firstNonEmpty(f.dnat, f.snat), OnGateway: f.onGW,
			DNAT: f.dnat != "", SNAT: f.snat != "", Problems: []string{}}
		gwDev := "qg-"
		if gw != nil {
			gwDev = gw.Name
		}
		if !fip.DNAT && natRead {
			fip.Problems = append(fip.Problems, fmt.Sprintf("no DNAT rule for %s in %s: inbound traffic is not forwarded to the instance", ip, ns.Name))
		}
		switch {
		case HAStandby(r):
			// Held by the primary: what a failover to this node would
			// bring is keepalived.conf's.
			if fip.DNAT && len(r.HAVIPs) > 0 && HAVIP(r.HAVIPs, ip) == "" {
				fip.Problems = append(fip.Problems, fmt.Sprintf("%s has a DNAT rule but keepalived.conf gives the primary no %s/32: after a failover to this node nothing would answer ARP for it", ip, ip))
			}
		case HARoleUnknown(r):
		case fip.DNAT && !fip.OnGateway && r.Kind != "dvr" && addrsRead:
			fip.Problems = append(fip.Problems, fmt.Sprintf("%s has a DNAT rule but is not an address on %s: nothing answers ARP for it", ip, gwDev))
		}
		if !fip.SNAT && fip.DNAT {
			fip.Problems = append(fip.Problems, fmt.Sprintf("no SNAT rule for %s in float-snat: the instance's own traffic leaves with the router's gateway address", ip))
		}
		if fip.DNAT && fip.SNAT && f.dnat != f.snat {
			fip.Problems = append(fip.Problems, fmt.Sprintf("DNAT sends %s to %s but SNAT rewrites %s", ip, f.dnat, f.snat))
		}
		if fip.FixedIP != "" {
			inSubnet := false
			for _, ri := range r.Interfaces {
				for _, a := range haIfaceAddrs(r, ri) {
					if contains(a, fip.FixedIP) {
						inSubnet = true
						fip.PortID = d.portOnNetwork(byIP[fip.FixedIP], ri.NetworkID)
					}
				}
			}
			subnetsKnown := !HARoleUnknown(r) && (!HAStandby(r) || len(r.HAVIPs) > 0)
			if !inSubnet && len(r.Interfaces) > 0 && subnetsKnown && addrsRead {
				fip.Problems = append(fip.Problems, fmt.Sprintf("fixed IP %s is in none of the router's interface subnets", fip.FixedIP))
			}
		}
		out = append(out, fip)
	}
	if out == nil {
		out = []topo.FloatingIP{}
	}
	return out
}

// portOnNetwork picks the instance port holding a fixed IP, preferring the
// router interface's network (tenants may reuse the same subnet).
func (d *deriver) portOnNetwork(candidates []int, network string) string {
	var fallback string
	for _, i := range candidates {
		p := &d.out.Ports[i]
		if p.Role != topo.RoleInstance {
			continue
		}
		if network != "" && p.NetworkID == network {
			return p.ID
		}
		if fallback == "" && network == "" {
			fallback = p.ID
		}
	}
	return fallback
}

// hostOnly strips a port range from a NAT target ("10.0.0.5:80" -> "10.0.0.5").
func hostOnly(s string) string {
	if i := strings.LastIndexByte(s, ':'); i > 0 && strings.Count(s, ":") == 1 {
		return s[:i]
	}
	return topo.HostIP(s)
}
