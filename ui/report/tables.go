// Package report renders a snapshot for people who are not at the node:
// a self-contained HTML page (a summary, the problems, the drawing as
// inline SVG, tables), Markdown for tickets, the drawing alone as SVG or
// Graphviz dot. Pure functions of a snapshot; cmd writes the files.
//
// The drawing is ui/diagram's layout, the one the TUI draws, and every
// table marks an object as the drawing does (Layout.HealthOf), so that
// the report and the TUI never disagree about what is broken.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
	"github.com/ostopo/ostopo/ui/render"
)

// Table is one section of a report: the same rows in HTML and Markdown.
type Table struct {
	// ID names the section in the page (its anchor).
	ID     string
	Title  string
	Header []string
	Rows   [][]string
	// Health marks each row (same index as Rows): error, warning and
	// unknown rows are highlighted, and come first.
	Health []diagram.Health
}

func (t *Table) add(h diagram.Health, cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Health = append(t.Health, h)
}

// brokenFirst orders the rows errors first, then warnings and unknowns,
// each in its order: as the drawing shows a group's broken chains first.
func (t *Table) brokenFirst() {
	idx := make([]int, len(t.Rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(t.Health[b], t.Health[a]) })
	rows, hs := make([][]string, len(idx)), make([]diagram.Health, len(idx))
	for i, j := range idx {
		rows[i], hs[i] = t.Rows[j], t.Health[j]
	}
	t.Rows, t.Health = rows, hs
}

// Count is how many rows have health h.
func (t *Table) Count(h diagram.Health) int {
	n := 0
	for _, x := range t.Health {
		if x == h {
			n++
		}
	}
	return n
}

// report is what every format shows of one snapshot, worked out once.
type report struct {
	s    *topo.Snapshot
	exam doctor.Result
	// whole is the layout with every lane whole: the health of every
	// object, as drawn.
	whole  *diagram.Layout
	found  map[render.Ref]diagram.Health
	tables []Table
}

func newReport(s *topo.Snapshot) *report {
	exam := doctor.Examine(s)
	r := &report{s: s, exam: exam, whole: diagram.Build(s, exam, diagram.Options{Healthy: -1}), found: diagram.FindingHealth(exam)}
	r.tables = r.build()
	return r
}

// health is an object's health as the drawing shows it, or as the
// doctor's findings say when the drawing does not hold it.
func (r *report) health(kind, id string) diagram.Health {
	ref := render.Ref{Kind: kind, ID: id}
	return max(r.whole.HealthOf(ref), r.found[ref])
}

// Tables are the report's sections: the problems first, then networks,
// ports, routers and floating IPs, namespaces.
func Tables(s *topo.Snapshot) []Table { return newReport(s).tables }

func (r *report) build() []Table {
	s, n := r.s, &r.s.Neutron
	nets := Table{ID: "networks", Title: "Networks", Header: []string{"local VLAN", "network", "type", "segment", "physnet", "CIDRs", "MTU", "DHCP namespace", "routers", "ports", "problems"}}
	sorted := slices.Clone(n.Networks)
	slices.SortStableFunc(sorted, func(a, b topo.Network) int { return a.LocalVLAN - b.LocalVLAN })
	for _, net := range sorted {
		seg := ""
		if net.SegmentationID != nil {
			seg = strconv.Itoa(*net.SegmentationID)
		}
		nets.add(r.health("network", net.ID), strconv.Itoa(net.LocalVLAN), net.ID, net.NetworkType, seg, net.PhysicalNetwork,
			cidrs(net), itoa(net.MTU), net.DHCPNamespace, strings.Join(net.Routers, " "), strconv.Itoa(len(net.Ports)),
			strings.Join(append(slices.Clone(net.Problems), net.Unknown...), "; "))
	}

	ports := Table{ID: "ports", Title: "Ports", Header: []string{"port", "role", "network", "VLAN", "MAC", "fixed IPs", "devices", "instance", "problems"}}
	byNet := slices.Clone(n.Ports)
	slices.SortStableFunc(byNet, func(a, b topo.NPort) int { return strings.Compare(a.NetworkID, b.NetworkID) })
	for _, p := range byNet {
		ports.add(r.health("port", p.ID), p.ID, p.Role, p.NetworkID, strconv.Itoa(p.LocalVLAN), p.MAC, strings.Join(p.FixedIPs, " "),
			strings.Join(chain(p), " – "), p.InstanceID, strings.Join(append(slices.Clone(p.Problems), p.Unknown...), "; "))
	}

	routers := Table{ID: "routers", Title: "Routers and floating IPs", Header: []string{"router", "namespace", "kind", "ip_forward", "gateway", "interfaces", "floating IPs", "problems"}}
	for _, rt := range n.Routers {
		gw := ""
		if g := rt.Gateway; g != nil {
			// An HA router standing by, or a DVR router's qg- in snat-,
			// has no next hop here: no "via" with nothing after it.
			gw = strings.Join(nonEmptyOf(g.Device, g.Address), " ")
			if g.NextHop != "" {
				gw += " via " + g.NextHop
			}
		}
		if d := neutron.DVR(r.s, &rt); d != nil && d.FIPGateway != nil && rt.Gateway == nil {
			// A distributed router's way out on a compute node is fg- in
			// fip-, as the Routers view says.
			g := d.FIPGateway
			gw = strings.Join(nonEmptyOf(g.Device, g.Address, "in "+g.Namespace), " ")
			if g.NextHop != "" {
				gw += " via " + g.NextHop
			}
		}
		kind := rt.Kind
		if rt.HAState != "" {
			kind += " " + rt.HAState
		}
		var ifs, fips []string
		for _, i := range rt.Interfaces {
			ifs = append(ifs, strings.Join(nonEmptyOf(i.Device, strings.Join(i.Addresses, ",")), " ")+" (VLAN "+strconv.Itoa(i.LocalVLAN)+")")
		}
		for _, f := range rt.FloatingIPs {
			fips = append(fips, f.FloatingIP+" → "+f.FixedIP+diagram.FloatingIPNote(&rt, f))
		}
		fwd := "?"
		switch {
		case rt.IPForward == nil:
		case *rt.IPForward:
			fwd = "1"
		default:
			fwd = "0"
		}
		routers.add(r.health("router", rt.ID), rt.ID, rt.Namespace, kind, fwd, gw, strings.Join(ifs, "; "), strings.Join(fips, "; "),
			strings.Join(append(slices.Clone(rt.Problems), rt.Unknown...), "; "))
	}

	nss := Table{ID: "namespaces", Title: "Namespaces", Header: []string{"namespace", "kind", "devices and addresses", "routes", "NAT rules"}}
	for _, ns := range s.Namespaces {
		var devs []string
		for _, l := range ns.Links {
			if l.Kind == "loopback" {
				continue
			}
			var addrs []string
			for _, a := range l.Addrs {
				if a.Scope == "global" {
					addrs = append(addrs, a.Prefix)
				}
			}
			devs = append(devs, strings.TrimSpace(l.Name+" "+strings.Join(addrs, ",")))
		}
		nat := ""
		if ns.NAT != nil {
			nat = strconv.Itoa(len(ns.NAT.Rules))
		}
		main := 0
		for _, rt := range ns.Routes {
			if rt.Table == topo.RouteTableMain {
				main++
			}
		}
		h := diagram.OK
		if !ns.Root {
			h = r.health("namespace", ns.Name)
		}
		nss.add(h, ns.Label(), ns.Kind, collapse(devs, 12), strconv.Itoa(main), nat)
	}

	probs := Table{ID: "problems", Title: "Problems", Header: []string{"severity", "problem", "objects", "evidence", "what to do"}}
	for _, f := range r.exam.Findings {
		var objs []string
		for _, o := range f.Objects {
			objs = append(objs, o.Kind+" "+o.ID)
		}
		h := diagram.Warning
		switch f.Severity {
		case doctor.Error:
			h = diagram.Error
		case doctor.Info:
			h = diagram.OK
		}
		probs.add(h, f.Severity, f.Title, strings.Join(objs, ", "), strings.Join(f.Evidence, "; "), f.Fix)
	}
	// A check that could not run is said, so that a report of a node read
	// without root is never taken for a clean bill of health.
	for _, u := range r.exam.Unchecked {
		var srcs []string
		for _, src := range u.Sources {
			srcs = append(srcs, strings.TrimSpace(src.Name+" "+parenthesized(src.Error)))
		}
		probs.add(diagram.Unknown, "unknown", u.Title+": not checked", "", "not read: "+strings.Join(srcs, "; "),
			"read the node again as root, with the sources above reachable")
	}
	out := []Table{probs, nets, ports, routers, nss}
	for i := range out[1:] {
		out[i+1].brokenFirst()
	}
	return out
}

// summary is one line: how many errors and warnings the doctor found,
// how many checks could not run.
func (r *report) summary() (text string, worst diagram.Health) {
	var errs, warns int
	for _, f := range r.exam.Findings {
		switch f.Severity {
		case doctor.Error:
			errs++
		case doctor.Warning:
			warns++
		}
	}
	parts := []string{plural(errs, "error"), plural(warns, "warning")}
	if u := len(r.exam.Unchecked); u > 0 {
		parts = append(parts, fmt.Sprintf("%s could not run", plural(u, "check")))
		worst = diagram.Unknown
	}
	switch {
	case errs > 0:
		worst = diagram.Error
	case warns > 0:
		worst = max(worst, diagram.Warning)
	case worst == diagram.OK:
		return fmt.Sprintf("no problem found by the %d checks", r.exam.Checks), diagram.OK
	}
	return strings.Join(parts, ", "), worst
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// chain is an instance's device chain as names, tap first.
func chain(p topo.NPort) []string {
	var out []string
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d != nil && d.Name != "" {
			out = append(out, d.Name)
		}
	}
	if len(out) == 0 && p.OVSPort != "" {
		out = append(out, p.OVSPort)
	}
	return out
}

// collapse joins a long list as its first n items and a count of the rest.
func collapse(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; … %d more", len(items)-n)
}

// cidrs is a network's CIDRs, or "? unknown here" when the node cannot
// tell them (no DHCP or router port to read a prefix from): a blank cell
// would read as a network without subnets.
func cidrs(net topo.Network) string {
	if len(net.CIDRs) == 0 && net.CIDRsUnknown != "" {
		return "? unknown here"
	}
	return strings.Join(net.CIDRs, " ")
}

func itoa(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

// nonEmptyOf drops the empty strings of a row's parts.
func nonEmptyOf(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
