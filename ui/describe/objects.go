package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/render"
)

// Pages of the doctor's objects that are no Neutron or OVS object of
// their own (a route, a floating IP, an address) and of the Topology
// view's VLAN groups.

// routePage: the routes of the node's namespace to one destination
// ("default"), each with its device as a link.
func (x *Index) routePage(dst string) (Page, bool) {
	ref := render.Ref{Kind: "route", ID: dst}
	fs := x.findings[ref]
	var found []topo.Route
	if root := x.namespaces[""]; root != nil {
		for _, r := range root.Routes {
			if r.Dst == dst && r.Table != topo.RouteTableLocal {
				found = append(found, r)
			}
		}
	}
	if len(found) == 0 && len(fs) == 0 {
		return Page{}, false
	}
	var sum lines
	verdict(&sum, fs, nil, nil, "route "+dst+" of the node")
	for _, r := range found {
		l := sum.add(render.Normal, "route     %s", routeText(r))
		l.Copy = "ip route show " + dst
		if ref := x.deviceRef("", x.bridgeOf(r.Dev), r.Dev); ref.Kind != "" {
			l.Link = ref
		}
	}
	if len(found) == 0 {
		sum.add(render.Dim, "no route to %s in the node's namespace now", dst)
	}
	if len(fs) > 0 {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, nil, nil)
	}
	return Page{Sections: []Section{{Lines: sum}}}, true
}

// fipPage: a floating IP, its router and port, its NAT rules.
func (x *Index) fipPage(ip string) (Page, bool) {
	f, ok := x.fips[ip]
	ref := render.Ref{Kind: "floating_ip", ID: ip}
	fs := x.findings[ref]
	if !ok && len(fs) == 0 {
		return Page{}, false
	}
	var sum, nat lines
	if !ok {
		verdict(&sum, fs, nil, nil, "")
		sum.add(render.Dim, "no router on this node holds %s now", ip)
	} else {
		verdict(&sum, fs, f.fip.Problems, nil, "floating IP "+ip+" → "+f.fip.FixedIP)
		sum.link(routerRef(f.router.ID), f.router.ID, render.Normal, "router    %s", f.router.ID)
		x.fipLines(&sum, f.router, f.fip)
		nat = fipNAT(x.namespaces[f.router.Namespace], ip)
	}
	if len(fs) > 0 {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, nil, nil)
	}
	page := Page{Trace: ip, Sections: []Section{{Lines: sum}}}
	if nat != nil {
		page.Sections = append(page.Sections, section("NAT rules", nat))
	}
	return page, true
}

// fipNAT lists the NAT rules of a router's namespace that name a
// floating IP; nil when its rules were not read.
func fipNAT(ns *topo.Namespace, ip string) lines {
	if ns == nil || ns.NAT == nil {
		return nil
	}
	var nat lines
	for _, rule := range ns.NAT.Rules {
		spec := " " + rule.Spec + " "
		if strings.Contains(spec, " "+ip+"/") || strings.Contains(spec, " "+ip+" ") || rule.ToDestination == ip || rule.ToSource == ip {
			nat.add(render.Normal, "%s", rule.Text()).Copy = rule.Text()
		}
	}
	if len(nat) == 0 {
		nat.add(render.Problem, "no NAT rule names %s", ip)
	}
	return nat
}

// addressPage: an address and the ports that hold it (the doctor names
// an address two router ports claim).
func (x *Index) addressPage(ip string) (Page, bool) {
	ref := render.Ref{Kind: "address", ID: ip}
	fs := x.findings[ref]
	var holders lines
	for _, r := range x.s.Neutron.Routers {
		if g := r.Gateway; g != nil && ipOnly(g.Address) == ip {
			holders.link(x.routerPortRef(r.Namespace, g.Port, g.Device), g.Device, render.Normal, "%s  gateway of router %s", g.Device, render.Short(r.ID))
		}
		for _, i := range r.Interfaces {
			for _, a := range i.Addresses {
				if ipOnly(a) == ip {
					holders.link(x.routerPortRef(r.Namespace, i.Port, i.Device), i.Device, render.Normal, "%s  interface of router %s  %s", i.Device, render.Short(r.ID), a)
				}
			}
		}
	}
	for i := range x.s.Neutron.Ports {
		p := &x.s.Neutron.Ports[i]
		if p.Role == topo.RoleInstance || p.Role == topo.RoleDHCP {
			for _, a := range p.FixedIPs {
				if ipOnly(a) == ip {
					holders.link(portRef(p.ID), p.ID, render.Normal, "port %s  %s", p.ID, p.Role)
				}
			}
		}
	}
	if len(holders) == 0 && len(fs) == 0 {
		return Page{}, false
	}
	var sum lines
	verdict(&sum, fs, nil, nil, "address "+ip+" held once")
	sum = append(sum, holders...)
	if len(fs) > 0 {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, nil, nil)
	}
	return Page{Trace: ip, Sections: []Section{{Lines: sum}}}, true
}

// vlanPage: a local VLAN of br-int (a Topology group): the network it
// stands for and its ports.
func (x *Index) vlanPage(id string) (Page, bool) {
	v, err := strconv.Atoi(id)
	if err != nil {
		return Page{}, false
	}
	var ports []string
	for i := range x.s.Neutron.Ports {
		if p := &x.s.Neutron.Ports[i]; p.LocalVLAN == v && p.Bridge != "" {
			ports = append(ports, p.ID)
		}
	}
	nw := x.netOfVLAN[v]
	if nw == nil && len(ports) == 0 {
		return Page{}, false
	}
	var sum lines
	switch {
	case v == topo.DeadVLAN:
		sum.wrap(render.Problem, "BROKEN  VLAN 4095 is Neutron's dead VLAN: ports the OVS agent never bound or killed; br-int drops their traffic")
	case v == 0:
		sum.wrap(render.Problem, "BROKEN  untagged: the OVS agent has not bound these ports")
	case nw == nil:
		sum.add(render.Problem, "BROKEN  no network owns VLAN %d", v)
	default:
		sum.add(render.Good, "OK  VLAN %d is network %s", v, render.Short(nw.ID))
	}
	if nw != nil {
		sum.link(networkRef(nw.ID), nw.ID, render.Normal, "network   %s  %s", nw.ID, segment(nw))
	}
	page := Page{Sections: []Section{{Lines: sum}}}
	var pl lines
	for _, id := range ports {
		x.portLine(&pl, id)
	}
	page.Sections = append(page.Sections, section("ports ("+strconv.Itoa(len(ports))+")", pl))
	return page, true
}

// tracePage is a trace's verdict (the trace itself opens in its own
// pane).
func (x *Index) tracePage(target string) (Page, bool) {
	return Page{Trace: target, Sections: []Section{{Lines: x.traceLines(target)}}}, true
}

// TraceClass is how a trace's verdict is styled: a break as a problem,
// an unknown path dim (neither good nor broken), a complete one good.
func TraceClass(r *trace.Result) render.Class {
	switch {
	case r.BrokenAt != nil:
		return render.Problem
	case r.Unknown, r.Standby:
		// A standby HA router's path is the primary node's to carry:
		// neither good nor broken here.
		return render.Dim
	}
	return render.Good
}

// TraceVerdict is a trace's verdict as trace.Text words it (its last
// lines, after the hops): the one formatter for the ticket and the
// screen.
func TraceVerdict(r *trace.Result, host string) []string {
	text := strings.TrimRight(trace.Text(r, host), "\n")
	if i := strings.LastIndex(text, "\n\n"); i >= 0 {
		text = text[i+2:]
	}
	return strings.Split(text, "\n")
}
