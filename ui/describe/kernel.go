package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// kernelLines writes a kernel device's facts: kind, state, MTU, MAC,
// master and veth peer (links), addresses.
func (x *Index) kernelLines(ls *lines, ns string, l *topo.Link, indent string) {
	ls.link(linkRef(ns, l.Name), l.Name, render.Header, "%s%s in %s", indent, l.Name, nsLabel(ns))
	in := indent + "  "
	kind := l.Kind
	if l.TunMode != "" {
		kind += " (" + l.TunMode + ")"
	}
	ls.add(render.Normal, "%s%s  index %d  mtu %d  mac %s", in, kind, l.Index, l.MTU, orDash(l.MAC))
	class := render.Normal
	if neutron.Fault(l) != "" {
		class = render.Problem
	}
	ls.add(class, "%s%s  oper %s  admin %s  carrier %s", in, stateWord(l), orDash(l.OperState), onOff(l.AdminUp, "up", "down"), onOff(l.Carrier, "yes", "no"))
	if l.Master != "" {
		line := ls.add(render.Normal, "%smaster %s", in, l.Master)
		if x.link(ns, l.Master) != nil {
			line.Link, line.Copy = linkRef(ns, l.Master), l.Master
		}
	}
	switch {
	case l.Peer != nil && l.Peer.Name == "":
		ls.add(render.Dim, "%sveth peer in a namespace that was not read (index %d)", in, l.Peer.Index)
	case l.Peer != nil:
		line := ls.add(render.Normal, "%speer %s in %s", in, l.Peer.Name, nsLabel(l.Peer.Namespace))
		if x.link(l.Peer.Namespace, l.Peer.Name) != nil {
			line.Link, line.Copy = linkRef(l.Peer.Namespace, l.Peer.Name), l.Peer.Name
		}
	}
	if l.VLANID != 0 || l.Parent != "" {
		ls.add(render.Normal, "%svlan %d on %s", in, l.VLANID, orDash(l.Parent))
	}
	if l.VNI != 0 {
		ls.add(render.Normal, "%svni %d", in, l.VNI)
	}
	for _, a := range l.Addrs {
		ls.add(render.Normal, "%saddr %s  %s%s", in, a.Prefix, a.Scope, prefixed("  ", a.Label)).Copy = ipOnly(a.Prefix)
	}
}

func onOff(b bool, on, off string) string {
	if b {
		return on
	}
	return off
}

// linkPage: a kernel device ("<ns>/<name>"): its facts, the OVS port of
// that name, the Neutron port it carries, routes through it.
func (x *Index) linkPage(id string) (Page, bool) {
	ns, name, ok := x.splitLink(id)
	if !ok {
		return Page{}, false
	}
	l := x.link(ns, name)
	op := x.ovsPorts[name]
	var sum lines
	owner := x.portOfDevice[name]
	switch {
	case l == nil:
		// Patch and tunnel ports have no kernel device: not a fault.
		sum.add(render.Dim, "%s is an OVS port; no kernel device of that name in %s", name, nsLabel(ns))
	case neutron.Fault(l) != "":
		t := neutron.TroubleOn(x.s.Deployment, ns, l, ownerInstance(owner), ownerID(owner), x.links)
		sum.wrap(render.Problem, "BROKEN  %s", t.Problem).Copy = t.Next
		sum.wrap(render.Normal, "    → %s", t.Next).Copy = t.Next
	default:
		sum.add(render.Good, "OK  %s is up (%s)", name, l.Kind)
	}
	if owner != nil {
		sum.link(portRef(owner.ID), owner.ID, render.Normal, "port      %s  %s", owner.ID, owner.Role)
	}
	sum.link(nsRef(ns), nsLabel(ns), render.Normal, "netns     %s", nsLabel(ns))
	if op.Bridge != nil {
		sum.link(bridgeRef(op.Bridge.Name), op.Bridge.Name, render.Normal, "bridge    %s  (OVS port, ofport %d)", op.Bridge.Name, ofportOf(op.Port))
	}
	page := Page{Title: Title(linkRef(ns, name)), Sections: []Section{{Lines: sum}}}
	if owner != nil {
		page.Trace = owner.ID
	}
	if l != nil {
		var k lines
		x.kernelLines(&k, ns, l, "")
		if n := x.namespaces[ns]; n != nil {
			for _, r := range n.Routes {
				if r.Dev == name && r.Table != topo.RouteTableLocal {
					k.add(render.Dim, "  route %s", routeText(r))
				}
			}
		}
		page.Sections = append(page.Sections, section("kernel", k))
	}
	if op.Port != nil {
		page.Sections = append(page.Sections, section("OVSDB", x.ovsdbLines(name)))
		if bf := x.flows[op.Bridge.Name]; bf != nil {
			var fl lines
			of := ofportOf(op.Port)
			pos := union(bf.inPort[of], bf.output[of], bf.reg5[of])
			fl.add(render.Dim, "%d flows of %s name %s (ofport %d)", len(pos), op.Bridge.Name, name, of)
			bf.flowLines(&fl, pos, "  ")
			page.Sections = append(page.Sections, section("flows", fl))
		}
	}
	page.Sections = append(page.Sections, x.raw(linkRef(ns, name)))
	return page, true
}

// splitLink cuts "<ns>/<name>" where a device of that name is (Linux
// names hold no slash, but a snapshot's names are whoever's made it).
func (x *Index) splitLink(id string) (ns, name string, ok bool) {
	for i := 0; i < len(id); i++ {
		if id[i] != '/' {
			continue
		}
		ns, name = id[:i], id[i+1:]
		if x.link(ns, name) != nil {
			return ns, name, true
		}
	}
	for i := 0; i < len(id); i++ {
		if id[i] == '/' && x.ovsPorts[id[i+1:]].Port != nil {
			return id[:i], id[i+1:], true
		}
	}
	return "", "", false
}

func ownerInstance(p *topo.NPort) string {
	if p == nil {
		return ""
	}
	return p.InstanceID
}

func ownerID(p *topo.NPort) string {
	if p == nil {
		return ""
	}
	return p.ID
}

// routeText is a route as ip route prints it.
func routeText(r topo.Route) string {
	parts := []string{r.Dst}
	if r.Gateway != "" {
		parts = append(parts, "via "+r.Gateway)
	}
	if r.Dev != "" {
		parts = append(parts, "dev "+r.Dev)
	}
	if r.Src != "" {
		parts = append(parts, "src "+r.Src)
	}
	if r.Protocol != "" {
		parts = append(parts, "proto "+r.Protocol)
	}
	if r.Metric != 0 {
		parts = append(parts, "metric "+strconv.Itoa(r.Metric))
	}
	if r.Table != topo.RouteTableMain {
		parts = append(parts, "table "+strconv.Itoa(r.Table))
	}
	return strings.Join(parts, " ")
}
