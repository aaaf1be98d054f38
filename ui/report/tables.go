// Package report renders a snapshot for people who are not at the node:
// a self-contained HTML page (inline SVG topology and tables), Markdown
// tables for tickets, the topology alone as SVG or Graphviz dot. Pure
// functions of a snapshot; cmd writes the files.
package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Table is one section of a report: the same rows in HTML and Markdown.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	// Problem marks rows to highlight (same index as Rows).
	Problem []bool
}

func (t *Table) add(problem bool, cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Problem = append(t.Problem, problem)
}

// Tables are the report's sections after the drawing: networks, ports,
// routers and floating IPs, namespaces, problems.
func Tables(s *topo.Snapshot) []Table {
	n := &s.Neutron
	nets := Table{Title: "Networks", Header: []string{"local VLAN", "network", "type", "segment", "physnet", "CIDRs", "MTU", "DHCP namespace", "routers", "ports"}}
	sorted := slices.Clone(n.Networks)
	slices.SortStableFunc(sorted, func(a, b topo.Network) int { return a.LocalVLAN - b.LocalVLAN })
	for _, net := range sorted {
		seg := ""
		if net.SegmentationID != nil {
			seg = strconv.Itoa(*net.SegmentationID)
		}
		nets.add(len(net.Problems) > 0, strconv.Itoa(net.LocalVLAN), net.ID, net.NetworkType, seg, net.PhysicalNetwork,
			strings.Join(net.CIDRs, " "), itoa(net.MTU), net.DHCPNamespace, strings.Join(net.Routers, " "), strconv.Itoa(len(net.Ports)))
	}

	ports := Table{Title: "Ports", Header: []string{"port", "role", "network", "VLAN", "MAC", "fixed IPs", "devices", "instance", "problems"}}
	byNet := slices.Clone(n.Ports)
	slices.SortStableFunc(byNet, func(a, b topo.NPort) int { return strings.Compare(a.NetworkID, b.NetworkID) })
	for _, p := range byNet {
		ports.add(len(p.Problems) > 0, p.ID, p.Role, p.NetworkID, strconv.Itoa(p.LocalVLAN), p.MAC, strings.Join(p.FixedIPs, " "),
			strings.Join(chain(p), " – "), p.InstanceID, strings.Join(append(slices.Clone(p.Problems), p.Unknown...), "; "))
	}

	routers := Table{Title: "Routers and floating IPs", Header: []string{"router", "namespace", "kind", "gateway", "interfaces", "floating IPs"}}
	for _, r := range n.Routers {
		gw := ""
		if g := r.Gateway; g != nil {
			gw = strings.TrimSpace(g.Device + " " + g.Address + " via " + g.NextHop)
		}
		var ifs, fips []string
		for _, i := range r.Interfaces {
			ifs = append(ifs, i.Device+" "+strings.Join(i.Addresses, ",")+" (VLAN "+strconv.Itoa(i.LocalVLAN)+")")
		}
		for _, f := range r.FloatingIPs {
			fips = append(fips, f.FloatingIP+" → "+f.FixedIP+fipState(f))
		}
		routers.add(len(r.Problems) > 0, r.ID, r.Namespace, r.Kind, gw, strings.Join(ifs, "; "), strings.Join(fips, "; "))
	}

	nss := Table{Title: "Namespaces", Header: []string{"namespace", "kind", "devices and addresses", "routes", "NAT rules"}}
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
		for _, r := range ns.Routes {
			if r.Table == topo.RouteTableMain {
				main++
			}
		}
		nss.add(false, ns.Label(), ns.Kind, collapse(devs, 12), strconv.Itoa(main), nat)
	}

	probs := Table{Title: "Problems", Header: []string{"severity", "problem", "objects", "evidence", "what to do"}}
	exam := doctor.Examine(s)
	for _, f := range exam.Findings {
		var objs []string
		for _, o := range f.Objects {
			objs = append(objs, o.Kind+" "+o.ID)
		}
		probs.add(f.Severity == doctor.Error, f.Severity, f.Title, strings.Join(objs, ", "), strings.Join(f.Evidence, "; "), f.Fix)
	}
	// A check that could not run is said, so that a report of a node read
	// without root is never taken for a clean bill of health.
	for _, u := range exam.Unchecked {
		var srcs []string
		for _, src := range u.Sources {
			srcs = append(srcs, strings.TrimSpace(src.Name+" "+parenthesized(src.Error)))
		}
		probs.add(true, "unknown", u.Title+": not checked", "", "not read: "+strings.Join(srcs, "; "),
			"read the node again as root, with the sources above reachable")
	}
	return []Table{nets, ports, routers, nss, probs}
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

func fipState(f topo.FloatingIP) string {
	var miss []string
	if !f.OnGateway {
		miss = append(miss, "not on qg")
	}
	if !f.DNAT {
		miss = append(miss, "no DNAT")
	}
	if !f.SNAT {
		miss = append(miss, "no SNAT")
	}
	if len(miss) == 0 {
		return ""
	}
	return " (" + strings.Join(miss, ", ") + ")"
}

// collapse joins a long list as its first n items and a count of the rest.
func collapse(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; … %d more", len(items)-n)
}

func itoa(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

// Markdown is the tables as GitHub-flavoured Markdown, for tickets and
// wikis. Every text in it, the snapshot's and ostopo's own, goes through
// safetext.Markdown: a name holding a tag, a '|', a backtick or a newline
// renders as those characters, inside its cell or heading.
func Markdown(s *topo.Snapshot) string {
	md := safetext.Markdown
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nSnapshot taken %s (schema %s).\n", md("ostopo report: "+s.Host),
		md(s.TakenAt.UTC().Format("2006-01-02 15:04:05 MST")), md(s.Schema))
	for _, t := range Tables(s) {
		fmt.Fprintf(&b, "\n## %s\n\n", md(t.Title))
		if len(t.Rows) == 0 {
			b.WriteString("(none)\n")
			continue
		}
		b.WriteString(mdRow(t.Header))
		b.WriteString("|" + strings.Repeat("---|", len(t.Header)) + "\n")
		for _, r := range t.Rows {
			b.WriteString(mdRow(r))
		}
	}
	return b.String()
}

// mdRow is one table row: each cell as Markdown text, an empty one as a
// space (a row of "||" is read as fewer cells).
func mdRow(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if out[i] = safetext.Markdown(c); out[i] == "" {
			out[i] = " "
		}
	}
	return "| " + strings.Join(out, " | ") + " |\n"
}
