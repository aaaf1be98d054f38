package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// routerPage is the readable router page: kind, namespace, forwarding,
// gateway, interfaces and floating IPs (each a link), problems; then the
// NAT rules of Neutron's chains, routes and devices.
func (x *Index) routerPage(id string) (Page, bool) {
	r := x.routers[id]
	if r == nil {
		return Page{}, false
	}
	ref := routerRef(id)
	fs := x.findings[ref]
	// An HA router standing by here holds none of its addresses by
	// design (keepalived gives them to the primary only): its empty qg-
	// and qr- are no fault, and it is not the copy that forwards.
	standby := neutron.HAStandby(r)
	dvr := neutron.DVR(x.s, r)
	okText := "router forwards: gateway, " + strconv.Itoa(len(r.Interfaces)) + " interfaces, " + strconv.Itoa(len(r.FloatingIPs)) + " floating IPs"
	if standby {
		okText = "HA standby here: the primary on another node forwards; keepalived brings the addresses here on a failover"
	}
	var sum lines
	verdict(&sum, fs, r.Problems, r.Unknown, okText)
	kind := r.Kind
	if r.HAState != "" {
		kind += "  HA state " + r.HAState
	}
	if dvr != nil {
		kind += "  mode " + orDash(dvr.Mode)
	}
	sum.add(render.Normal, "kind      %s", orDash(kind))
	sum.link(nsRef(r.Namespace), r.Namespace, render.Normal, "netns     %s", r.Namespace)
	if r.SNATNamespace != "" {
		sum.link(nsRef(r.SNATNamespace), r.SNATNamespace, render.Normal, "snat      %s", r.SNATNamespace)
	}
	switch {
	case r.IPForward == nil:
		sum.add(render.Dim, "ip_forward unknown (not read)")
	case *r.IPForward:
		sum.add(render.Normal, "ip_forward on")
	default:
		sum.add(render.Problem, "ip_forward OFF: the router does not route").Copy = "ip netns exec " + r.Namespace + " sysctl -w net.ipv4.ip_forward=1"
	}
	switch g := r.Gateway; {
	case g != nil:
		// A DVR router's qg- is in its snat- namespace, not in qrouter-.
		ns, where := r.Namespace, ""
		if r.SNATNamespace != "" && x.link(r.SNATNamespace, g.Device) != nil {
			ns, where = r.SNATNamespace, "  in "+nsShort(r.SNATNamespace)
		}
		text := orDash(g.Address) + "  next hop " + orDash(g.NextHop)
		class := render.Normal
		if standby && g.Address == "" {
			text, class = "no address here (standby)", render.Dim
		}
		sum.link(x.routerPortRef(ns, g.Port, g.Device), g.Device, class, "gateway   %s  %s%s", g.Device, text, where)
		if g.NetworkID != "" {
			sum.link(networkRef(g.NetworkID), g.NetworkID, render.Dim, "          network %s%s", g.NetworkID, x.vlanOf(g.NetworkID))
		}
	case dvr != nil && dvr.FIPGateway != nil:
		// On a compute node a distributed router's way out is the fg-
		// port of the fip- namespace it shares with the node's other
		// routers on that external network.
		g := dvr.FIPGateway
		sum.link(x.routerPortRef(g.Namespace, g.Port, g.Device), g.Device, render.Normal, "gateway   %s  %s  next hop %s  in %s", g.Device,
			orDash(g.Address), orDash(g.NextHop), nsShort(g.Namespace))
		if g.NetworkID != "" {
			sum.link(networkRef(g.NetworkID), g.NetworkID, render.Dim, "          network %s%s", g.NetworkID, x.vlanOf(g.NetworkID))
		}
	default:
		sum.add(render.Dim, "gateway   none")
	}
	if dvr != nil {
		x.dvrLines(&sum, r, dvr)
	}
	for _, i := range r.Interfaces {
		class, none := render.Normal, "no address"
		switch {
		case len(i.Addresses) > 0:
		case standby:
			class, none = render.Dim, "no address here (standby)"
		default:
			class = render.Problem
		}
		sum.link(x.routerPortRef(r.Namespace, i.Port, i.Device), i.Device, class, "interface %s  %s  VLAN %d", i.Device, orWord(strings.Join(i.Addresses, " "), none), i.LocalVLAN)
		if i.NetworkID != "" {
			sum.link(networkRef(i.NetworkID), i.NetworkID, render.Dim, "          network %s", i.NetworkID)
		}
	}
	for j := range r.FloatingIPs {
		x.fipLines(&sum, r, &r.FloatingIPs[j])
	}
	if hasProblems(fs, r.Problems, r.Unknown) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, r.Problems, r.Unknown)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}}}
	if len(r.FloatingIPs) > 0 {
		page.Trace = r.FloatingIPs[0].FloatingIP
	}
	ns := x.namespaces[r.Namespace]
	page.Sections = append(page.Sections, section("NAT (neutron chains)", natLines(ns, true)))
	if r.SNATNamespace != "" {
		// A DVR router's SNAT for instances without a floating IP is
		// done in its snat- namespace, not in qrouter-.
		page.Sections = append(page.Sections, section("NAT in "+nsShort(r.SNATNamespace)+" (neutron chains)", natLines(x.namespaces[r.SNATNamespace], true)))
	}
	if ns != nil {
		page.Sections = append(page.Sections, section("routes", routeLines(ns)), section("devices", x.deviceLines(ns)))
	}
	page.Sections = append(page.Sections, x.raw(ref))
	return page, true
}

// fipLines writes one floating IP: where it leads, its parts, problems.
func (x *Index) fipLines(ls *lines, r *topo.Router, f *topo.FloatingIP) {
	class := render.Good
	if len(f.Problems) > 0 {
		class = render.Problem
	}
	l := ls.add(class, "floating  %s → %s  %s", f.FloatingIP, orDash(f.FixedIP), fipFlags(r, f))
	l.Copy, l.Trace = f.FloatingIP, f.FloatingIP
	if f.PortID != "" && x.ports[f.PortID] != nil {
		p := x.ports[f.PortID]
		ls.link(portRef(p.ID), p.ID, render.Dim, "          port %s  %s", p.ID, p.Role).Trace = f.FloatingIP
	}
	for _, p := range f.Problems {
		ls.wrap(render.Problem, "          ✗ %s", p).Copy = p
	}
}

// dvrLines are what a distributed router has on this node besides its
// qrouter-: the fip- namespace and the rfp-⇄fpr- pair to it (its floating
// IPs' way), and on the SNAT node the sg- ports its instances without a
// floating IP leave by.
func (x *Index) dvrLines(ls *lines, r *topo.Router, d *topo.RouterDVR) {
	if d.FIPNamespace != "" {
		if d.FIPNamespacePresent {
			ls.link(nsRef(d.FIPNamespace), d.FIPNamespace, render.Normal, "fip ns    %s", d.FIPNamespace)
		} else {
			ls.add(render.Dim, "fip ns    %s  not on this node", d.FIPNamespace)
		}
	}
	if d.RFP != nil {
		peer := "-"
		if d.FPR != nil {
			peer = d.FPR.Name + " " + orDash(d.FPR.Address)
		}
		ls.link(linkRef(d.RFP.Namespace, d.RFP.Name), d.RFP.Name, render.Normal, "rfp ⇄ fpr %s %s ⇄ %s", d.RFP.Name, orDash(d.RFP.Address), peer)
	}
	for _, p := range d.SNATPorts {
		ls.link(x.routerPortRef(r.SNATNamespace, p.Port, p.Device), p.Device, render.Normal, "snat port %s  %s  VLAN %d", p.Device,
			orWord(strings.Join(p.Addresses, " "), "no address"), p.LocalVLAN)
	}
	for _, rd := range d.SNATRedirects {
		ls.add(render.Normal, "snat via  %s  from %s on %s  (table %d)", orDash(rd.Via), orDash(rd.From), orDash(rd.Device), rd.Table).Copy = rd.Via
	}
}

// routerPortRef is the page of a router's port: the Neutron port, else
// the device in the router's namespace.
func (x *Index) routerPortRef(ns, portID, device string) render.Ref {
	if x.ports[portID] != nil {
		return portRef(portID)
	}
	if x.link(ns, device) != nil {
		return linkRef(ns, device)
	}
	return render.Ref{}
}

// vlanOf is "  VLAN 1" for a network on this node.
func (x *Index) vlanOf(networkID string) string {
	if nw := x.networks[networkID]; nw != nil {
		return "  VLAN " + strconv.Itoa(nw.LocalVLAN)
	}
	return ""
}

// natLines lists a namespace's NAT rules: Neutron's own chains only, or
// every rule.
func natLines(ns *topo.Namespace, neutronOnly bool) lines {
	var ls lines
	if ns == nil || ns.NAT == nil {
		ls.add(render.Dim, "no NAT rules recorded")
		return ls
	}
	ls.add(render.Dim, "backend %s", orDash(ns.NAT.Backend))
	for _, rule := range ns.NAT.Rules {
		if neutronOnly && !strings.HasPrefix(rule.Chain, "neutron-") {
			continue
		}
		class := render.Normal
		if rule.Target == "DNAT" || rule.Target == "SNAT" {
			class = render.Good
		}
		ls.add(class, "%s", rule.Text()).Copy = rule.Text()
	}
	if len(ls) == 1 {
		// Read, and empty: said, not left as a bare backend line.
		ls.add(render.Dim, "no rule")
	}
	return ls
}

// routeLines lists a namespace's routes (the local table left out: its
// addresses say it).
func routeLines(ns *topo.Namespace) lines {
	var ls lines
	for _, r := range ns.Routes {
		if r.Table == topo.RouteTableLocal {
			continue
		}
		ls.add(render.Normal, "%s", routeText(r)).Copy = routeText(r)
	}
	if len(ls) == 0 {
		ls.add(render.Dim, "no routes")
	}
	return ls
}

// deviceLines lists a namespace's devices, one line each, as links.
func (x *Index) deviceLines(ns *topo.Namespace) lines {
	ls := make(lines, 0, len(ns.Links))
	name := ns.Name
	for i := range ns.Links {
		l := &ns.Links[i]
		var addrs []string
		for _, a := range l.Addrs {
			if a.Scope != "link" && a.Scope != "host" {
				addrs = append(addrs, a.Prefix)
			}
		}
		class := render.Normal
		if l.Kind != "loopback" && stateWord(l) != "up" {
			class = render.Problem
		}
		master := ""
		if l.Master != "" {
			master = "master " + l.Master
		}
		ls.link(linkRef(name, l.Name), l.Name, class, "%-16s %-10s %-10s mtu %-5d %s", l.Name, l.Kind, stateWord(l), l.MTU,
			strings.Join(append(addrs, master), " "))
	}
	if len(ls) == 0 {
		ls.add(render.Dim, "no devices")
	}
	return ls
}
