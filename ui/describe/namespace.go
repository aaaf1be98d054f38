package describe

import (
	"strconv"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// bigSection is the number of lines past which a section is built only
// when unfolded: the node's own namespace holds 4,000 devices on a
// 1000-instance node, and the page must still open within a frame.
const bigSection = 300

// namespacePage: what the namespace is for (its router or network as a
// link), forwarding, devices, routes, rules, neighbours, NAT.
func (x *Index) namespacePage(name string) (Page, bool) {
	ns := x.namespaces[name]
	if ns == nil {
		return Page{}, false
	}
	ref := nsRef(name)
	fs := x.findings[ref]
	var sum lines
	var own, unknown []string
	r := x.routerOfNS[name]
	if r != nil {
		own, unknown = r.Problems, r.Unknown
	}
	verdict(&sum, fs, own, unknown, ns.Kind+" namespace")
	sum.add(render.Normal, "kind      %s", ns.Kind)
	switch {
	case r != nil:
		sum.link(routerRef(r.ID), r.ID, render.Normal, "router    %s", r.ID)
	case ns.Kind == topo.NSDHCP && x.networks[ns.ID] != nil:
		sum.link(networkRef(ns.ID), ns.ID, render.Normal, "network   %s", ns.ID)
	case ns.ID != "":
		sum.add(render.Dim, "id        %s  (not on this node)", ns.ID).Copy = ns.ID
	}
	switch {
	case ns.IPForward == nil:
		sum.add(render.Dim, "ip_forward unknown (not read)")
	case *ns.IPForward:
		sum.add(render.Normal, "ip_forward on")
	default:
		class := render.Normal
		if ns.Kind == topo.NSRouter {
			class = render.Problem
		}
		sum.add(class, "ip_forward off")
	}
	sum.add(render.Normal, "%d devices  %d routes  %d rules  %d neighbours", len(ns.Links), len(ns.Routes), len(ns.Rules), len(ns.Neighbors))
	if ns.Path != "" {
		sum.add(render.Dim, "path      %s", ns.Path).Copy = ns.Path
	}
	if hasProblems(fs, own, unknown) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, own, unknown)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}}}
	if r != nil && len(r.FloatingIPs) > 0 {
		page.Trace = r.FloatingIPs[0].FloatingIP
	}
	devs := Section{Name: "devices (" + strconv.Itoa(len(ns.Links)) + ")"}
	if len(ns.Links) > bigSection {
		devs.Folded, devs.Lazy = true, func() []Line { return x.deviceLines(ns) }
	} else {
		devs.Lines = x.deviceLines(ns)
	}
	page.Sections = append(page.Sections, devs, section("routes", routeLines(ns)))
	if len(ns.Rules) > 0 {
		page.Sections = append(page.Sections, section("rules", ruleLines(ns)))
	}
	if len(ns.Neighbors) > 0 {
		page.Sections = append(page.Sections, Section{Name: "neighbours (" + strconv.Itoa(len(ns.Neighbors)) + ")", Folded: true,
			Lazy: func() []Line { return neighbourLines(ns) }})
	}
	if ns.NAT != nil {
		page.Sections = append(page.Sections, section("NAT", natLines(ns, false)))
	}
	if ns.Kind == topo.NSDHCP {
		if ds := x.dhcp[ns.ID]; len(ds) > 0 {
			page.Sections = append(page.Sections, section("DHCP files", x.dhcpLines(ds)))
		}
	}
	page.Sections = append(page.Sections, x.raw(ref))
	return page, true
}

func ruleLines(ns *topo.Namespace) lines {
	var ls lines
	for _, r := range ns.Rules {
		text := strconv.Itoa(r.Priority) + ":"
		for _, f := range []struct{ k, v string }{{"from", r.Src}, {"to", r.Dst}, {"iif", r.IIF}, {"oif", r.OIF}, {"fwmark", r.Mark}} {
			if f.v != "" {
				text += " " + f.k + " " + f.v
			}
		}
		if r.Src == "" && r.Dst == "" {
			text += " from all"
		}
		ls.add(render.Normal, "%s lookup %d  (IPv%d)", text, r.Table, r.Family)
	}
	return ls
}

func neighbourLines(ns *topo.Namespace) []Line {
	ls := make(lines, 0, len(ns.Neighbors))
	for _, n := range ns.Neighbors {
		ls.add(render.Normal, "%-20s %-17s dev %s  %s", n.IP, orDash(n.MAC), n.Dev, n.State).Copy = n.IP
	}
	return ls
}
