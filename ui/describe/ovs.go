package describe

import (
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// tunnelPage: a tunnel port of br-tun: its endpoints, OVSDB row, flows.
func (x *Index) tunnelPage(name string) (Page, bool) {
	t := x.tunnels[name]
	if t == nil {
		return Page{}, false
	}
	ref := render.Ref{Kind: "tunnel", ID: name}
	fs := x.findings[ref]
	var sum lines
	verdict(&sum, fs, t.Problems, nil, t.Type+" tunnel to "+t.RemoteIP)
	sum.add(render.Normal, "type      %s", t.Type)
	sum.add(render.Normal, "local IP  %s", t.LocalIP).Copy = t.LocalIP
	sum.add(render.Normal, "remote IP %s", t.RemoteIP).Copy = t.RemoteIP
	sum.link(bridgeRef(t.Bridge), t.Bridge, render.Normal, "bridge    %s  ofport %d", t.Bridge, t.OFPort)
	if hasProblems(fs, t.Problems, nil) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, t.Problems, nil)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}, section("OVSDB", x.ovsdbLines(name))}}
	if bf := x.flows[t.Bridge]; bf != nil {
		var fl lines
		pos := union(bf.inPort[t.OFPort], bf.output[t.OFPort])
		fl.add(render.Dim, "%d flows of %s name %s (ofport %d)", len(pos), t.Bridge, name, t.OFPort)
		bf.flowLines(&fl, pos, "  ")
		page.Sections = append(page.Sections, section("flows", fl))
	}
	page.Sections = append(page.Sections, x.raw(ref))
	return page, true
}

// patchPage: one end of a patch pair ("<bridge>/<port>") and its peer.
func (x *Index) patchPage(id string) (Page, bool) {
	pp := x.patches[id]
	if pp == nil {
		return Page{}, false
	}
	bridge, port, peerBridge, peer := pp.Bridge, pp.Port, pp.PeerBridge, pp.Peer
	if id != pp.Bridge+"/"+pp.Port {
		bridge, port, peerBridge, peer = peerBridge, peer, bridge, port
	}
	ref := render.Ref{Kind: "patch", ID: id}
	// The doctor names a pair by the end it found first.
	fs := x.findings[render.Ref{Kind: "patch", ID: pp.Bridge + "/" + pp.Port}]
	var sum lines
	verdict(&sum, fs, pp.Problems, nil, "patch "+port+" ⇄ "+peer)
	sum.link(bridgeRef(bridge), bridge, render.Normal, "this end  %s on %s", port, bridge)
	peerLine := sum.add(render.Normal, "peer      %s on %s", peer, orDash(peerBridge))
	if peerBridge != "" && x.patches[peerBridge+"/"+peer] != nil {
		peerLine.Link, peerLine.Copy = render.Ref{Kind: "patch", ID: peerBridge + "/" + peer}, peer
	}
	if peerBridge != "" {
		sum.link(bridgeRef(peerBridge), peerBridge, render.Normal, "to bridge %s", peerBridge)
	}
	if hasProblems(fs, pp.Problems, nil) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, pp.Problems, nil)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}, section("OVSDB", x.ovsdbLines(port))}}
	if bf := x.flows[bridge]; bf != nil {
		var fl lines
		of := bf.ofport[port]
		pos := union(bf.inPort[of], bf.output[of])
		fl.add(render.Dim, "%d flows of %s name %s (ofport %d)", len(pos), bridge, port, of)
		bf.flowLines(&fl, pos, "  ")
		page.Sections = append(page.Sections, section("flows", fl))
	}
	page.Sections = append(page.Sections, x.raw(render.Ref{Kind: "patch", ID: pp.Bridge + "/" + pp.Port}))
	return page, true
}

// nicPage: a provider NIC (or any device of the node's namespace a
// finding names): state, carrier, addresses, routes through it.
func (x *Index) nicPage(name string) (Page, bool) {
	nic := x.nics[name]
	l := x.link("", name)
	if nic == nil && l == nil {
		return Page{}, false
	}
	ref := render.Ref{Kind: "nic", ID: name}
	fs := x.findings[ref]
	var sum lines
	var own []string
	if nic != nil {
		own = nic.Problems
	}
	verdict(&sum, fs, own, nil, "provider NIC up with carrier")
	if nic != nil {
		state := "up"
		switch {
		case nic.AdminDown:
			state = "DOWN (set down)"
		case !nic.InKernel:
			state = "not in the kernel"
		case !nic.Up || !nic.Carrier:
			state = "NO-CARRIER (cable, switch port)"
		}
		sum.link(bridgeRef(nic.Bridge), nic.Bridge, render.Normal, "bridge    %s", nic.Bridge)
		sum.add(render.Normal, "state     %s  mtu %d", state, nic.MTU)
		for _, a := range nic.Addresses {
			sum.add(render.Problem, "address   %s  (a provider NIC's address is unreachable once it is a bridge port)", a).Copy = ipOnly(a)
		}
	}
	if root := x.namespaces[""]; root != nil {
		for _, r := range root.Routes {
			if r.Dev == name && r.Table != topo.RouteTableLocal {
				sum.link(render.Ref{Kind: "route", ID: r.Dst}, routeText(r), render.Normal, "route     %s", routeText(r))
			}
		}
	}
	if hasProblems(fs, own, nil) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, own, nil)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}}}
	if l != nil {
		var k lines
		x.kernelLines(&k, "", l, "")
		page.Sections = append(page.Sections, section("kernel", k))
	}
	if x.ovsPorts[name].Port != nil {
		page.Sections = append(page.Sections, section("OVSDB", x.ovsdbLines(name)))
	}
	page.Sections = append(page.Sections, x.raw(ref))
	return page, true
}
