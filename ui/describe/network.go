package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// networkPage: the VLAN ↔ segment mapping, DHCP namespace, routers and
// ports (links), problems; then ports, flows and DHCP files sections.
func (x *Index) networkPage(id string) (Page, bool) {
	nw := x.networks[id]
	if nw == nil {
		return Page{}, false
	}
	ref := networkRef(id)
	fs := x.findings[ref]
	var sum lines
	verdict(&sum, fs, nw.Problems, nw.Unknown, "VLAN "+strconv.Itoa(nw.LocalVLAN)+" ↔ "+segment(nw)+" mapped")
	seg := "-"
	if nw.SegmentationID != nil {
		seg = strconv.Itoa(*nw.SegmentationID)
	}
	mtu := "?" // no device of its ports read: unknown, not 0
	if nw.MTU > 0 {
		mtu = strconv.Itoa(nw.MTU)
	}
	sum.add(render.Normal, "VLAN      %d  type %s  segment %s  physnet %s  MTU %s", nw.LocalVLAN, orDash(nw.NetworkType), seg,
		orDash(nw.PhysicalNetwork), mtu).Copy = strconv.Itoa(nw.LocalVLAN)
	for _, c := range nw.CIDRs {
		sum.add(render.Normal, "CIDR      %s", c).Copy = c
	}
	if len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "" {
		sum.wrap(render.Dim, "CIDR      ? unknown here: %s", nw.CIDRsUnknown)
	}
	if nw.DHCPNamespace != "" {
		sum.link(nsRef(nw.DHCPNamespace), nw.DHCPNamespace, render.Normal, "DHCP      %s", nw.DHCPNamespace)
	}
	for _, rid := range nw.Routers {
		sum.link(routerRef(rid), rid, render.Normal, "router    %s%s", rid, x.routerIfaceOn(rid, id))
	}
	if nw.Bridge != "" {
		sum.link(bridgeRef(nw.Bridge), nw.Bridge, render.Normal, "bridge    %s (physical)", nw.Bridge)
	}
	sum.link(networkRef(id), id, render.Dim, "id        %s", id)
	if hasProblems(fs, nw.Problems, nw.Unknown) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, nw.Problems, nw.Unknown)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}}}
	var ports lines
	for _, pid := range nw.Ports {
		x.portLine(&ports, pid)
	}
	if len(ports) == 0 {
		ports.add(render.Dim, "no port on this node")
	}
	page.Sections = append(page.Sections, section("ports ("+strconv.Itoa(len(nw.Ports))+")", ports),
		section("flows", x.networkFlows(nw)))
	if ds := x.dhcp[id]; len(ds) > 0 {
		page.Sections = append(page.Sections, section("DHCP files", x.dhcpLines(ds)))
	}
	page.Sections = append(page.Sections, x.raw(ref))
	return page, true
}

// segment is "vxlan 1001", "flat", "vlan 101 on physnet1".
func segment(nw *topo.Network) string {
	s := orWord(nw.NetworkType, "?")
	if nw.SegmentationID != nil {
		s += " " + strconv.Itoa(*nw.SegmentationID)
	}
	if nw.PhysicalNetwork != "" {
		s += " on " + nw.PhysicalNetwork
	}
	return s
}

// routerIfaceOn is "  qr-c52fbbae-f7 10.1.0.1/24": the router's interface
// on a network.
func (x *Index) routerIfaceOn(routerID, networkID string) string {
	r := x.routers[routerID]
	if r == nil {
		return ""
	}
	for _, i := range r.Interfaces {
		if i.NetworkID == networkID {
			return "  " + i.Device + " " + strings.Join(i.Addresses, " ")
		}
	}
	if r.Gateway != nil && r.Gateway.NetworkID == networkID {
		return "  gateway " + r.Gateway.Device + " " + r.Gateway.Address
	}
	return ""
}

// portLine is one port in a list: short id, role, addresses, state.
func (x *Index) portLine(ls *lines, id string) {
	p := x.ports[id]
	if p == nil {
		ls.add(render.Dim, "%s  (not on this node)", id).Copy = id
		return
	}
	class, state := render.Good, "ok"
	switch {
	case len(p.Problems) > 0:
		class, state = render.Problem, "✗ "+p.Problems[0]
	case len(p.Unknown) > 0:
		class, state = render.Dim, "? "+p.Unknown[0]
	}
	ls.link(portRef(id), id, class, "%-13s %-16s %-18s %s", shortPort(id), p.Role, strings.Join(p.FixedIPs, " "), state)
}

// shortPort is a port id as the Ports view shows it (13 characters).
func shortPort(id string) string {
	if len(id) > 13 {
		return id[:13]
	}
	return id
}

// networkFlows writes the mappings the Neutron view found and every flow
// that names the network's local VLAN or its tunnel id.
func (x *Index) networkFlows(nw *topo.Network) lines {
	var ls lines
	for _, f := range []struct{ what, flow string }{
		{"tunnel ingress", nw.Flows.TunnelIngress}, {"tunnel flood", nw.Flows.TunnelFlood},
		{"br-int ingress", nw.Flows.IntIngress}, {"physical egress", nw.Flows.PhysEgress},
	} {
		if f.flow != "" {
			ls.wrap(render.Normal, "%-15s %s", f.what, f.flow).Copy = f.flow
		}
	}
	if len(nw.Flows.FloodPorts) > 0 {
		ls.add(render.Normal, "%-15s %s", "floods to", strings.Join(nw.Flows.FloodPorts, ", "))
	}
	if nw.LocalVLAN == 0 {
		return ls
	}
	for i := range x.s.OVS.Bridges {
		b := &x.s.OVS.Bridges[i]
		bf := x.flows[b.Name]
		pos := bf.vlan[nw.LocalVLAN]
		if nw.SegmentationID != nil && neutron.TunnelTable(nw.NetworkType) >= 0 {
			pos = union(pos, bf.tunID[*nw.SegmentationID])
		}
		if len(pos) == 0 {
			continue
		}
		ls.link(bridgeRef(b.Name), b.Name, render.Header, "%s: %d flows name VLAN %d%s", b.Name, len(pos), nw.LocalVLAN, tunText(nw))
		bf.flowLines(&ls, pos, "  ")
	}
	if len(ls) == 0 {
		ls.add(render.Dim, "no flow names VLAN %d", nw.LocalVLAN)
	}
	return ls
}

func tunText(nw *topo.Network) string {
	if nw.SegmentationID != nil && neutron.TunnelTable(nw.NetworkType) >= 0 {
		return " or tunnel id " + strconv.Itoa(*nw.SegmentationID)
	}
	return ""
}

// dhcpLines writes the DHCP agent's files of a network: the directory,
// the interface, and each host (MAC, name, address; its port as a link).
func (x *Index) dhcpLines(ds []*topo.DHCPNetwork) lines {
	var ls lines
	for _, d := range ds {
		ls.add(render.Header, "%s", d.Dir).Copy = d.Dir
		ls.add(render.Normal, "  interface %s", orDash(d.Interface))
		for _, h := range d.Hosts {
			l := ls.add(render.Normal, "  host %s  %s  %s", h.MAC, h.IP, orDash(h.Hostname))
			l.Copy = h.IP
			if h.PortID != "" && x.ports[h.PortID] != nil {
				l.Link = portRef(h.PortID)
			}
		}
	}
	return ls
}
