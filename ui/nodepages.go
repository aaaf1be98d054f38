package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/meshview"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/views"
)

// pager builds the detail pane's describe page of a list row: one
// snapshot's describe.Index, or a cloud's pages.
type pager interface {
	Page(ref render.Ref) describe.Page
}

// pageMax is how many problems a node's page (or the page of all nodes)
// lists: it is built on every cursor move of the Nodes view, and a cloud
// whose tunnels are all wrong has thousands; the Problems view has them
// all.
const pageMax = 30

// cloudPages are the pages of what the cloud model knows: a node, all of
// them, a mesh cell, a problem across nodes. Every string from the
// snapshots goes through safetext.Term.
type cloudPages struct{ c *cloud.Cloud }

func (p *cloudPages) Page(ref render.Ref) describe.Page {
	var pg describe.Page
	ok := false
	switch ref.Kind {
	case views.KindNode:
		pg, ok = p.node(ref.ID)
	case views.KindCloud:
		pg, ok = p.all(), true
	case meshview.Kind:
		pg, ok = meshview.Page(p.c, ref, views.NodeRef)
	case views.KindCrossProblem, views.KindCrossUnknown:
		pg, ok = p.cross(ref)
	}
	if !ok {
		return describe.Unknown(ref)
	}
	pg.Ref = ref
	return pg
}

// page accumulates a page's lines, each through safetext.Term.
type page struct {
	sections []describe.Section
}

func (b *page) section(name string) {
	b.sections = append(b.sections, describe.Section{Name: name})
}

func (b *page) add(class render.Class, format string, a ...any) *describe.Line {
	if len(b.sections) == 0 {
		b.section("")
	}
	s := &b.sections[len(b.sections)-1]
	s.Lines = append(s.Lines, describe.Line{Text: strings.TrimRight(safetext.Term(fmt.Sprintf(format, a...)), " "), Class: class})
	return &s.Lines[len(s.Lines)-1]
}

func (b *page) wrap(class render.Class, format string, a ...any) *describe.Line {
	l := b.add(class, format, a...)
	l.Wrap = true
	return l
}

// node is a node's page: roles, health, what it holds, its local IP,
// what was not read, the problems across nodes naming it, its tunnels to
// every other node (each a link to its mesh cell), its networks with
// their local VLAN and VNI, its routers.
func (p *cloudPages) node(name string) (describe.Page, bool) {
	n := p.c.Node(name)
	if n == nil {
		return describe.Page{}, false
	}
	var b page
	h := n.Health
	class := render.Good
	switch h.State {
	case cloud.HealthProblems:
		class = render.Problem
	case cloud.HealthUnknown:
		class = render.Dim
	}
	b.wrap(class, "%s  %s", strings.ToUpper(h.State), healthWords(h))
	b.add(render.Normal, "roles     %s", orDash(strings.Join(n.Roles, ", ")))
	for _, u := range n.RolesUnknown {
		b.wrap(render.Dim, "          ? %s", u)
	}
	c := n.Counts
	b.add(render.Normal, "holds     %d ports (%d instances) · %d routers · %d DHCP · %d tunnels", c.Ports, c.Instances, c.Routers, c.DHCP, c.Tunnels)
	l := b.add(render.Normal, "local_ip  %s", orWord(strings.Join(n.TunnelIPs, ", "), "unknown (no tunnel port)"))
	l.Copy = safetext.Term(strings.Join(n.TunnelIPs, " "))
	b.add(render.Dim, "enter on its row, or :node %s, scopes every view to it", name)
	if len(h.FailedSources) > 0 {
		b.section("not read")
		for _, s := range h.FailedSources {
			b.wrap(render.Problem, "✗ %s", s)
		}
	}
	if ps := p.c.ProblemsOf(name); len(ps) > 0 {
		b.section("problems across nodes")
		for i, pr := range ps {
			if i == pageMax {
				b.add(render.Dim, "… and %d more: the Problems view (7) of all nodes lists them", len(ps)-pageMax)
				break
			}
			l := b.wrap(severityClass(pr.Severity), "%s %s: %s", strings.ToUpper(pr.Severity), pr.Subject, pr.Text)
			l.Link = p.crossRef(pr)
		}
	}
	b.section("tunnels (this node → the others; ← back)")
	m := &p.c.Mesh
	row := -1
	for i, r := range m.Rows {
		if r == name {
			row = i
		}
	}
	if row >= 0 {
		for j, col := range m.Cols {
			if j == row {
				continue
			}
			cell := m.Cells[row][j]
			back := ""
			if col.Node {
				back = "  ← " + m.Cells[j][row].State
			}
			l := b.add(meshClass(cell.State), "→ %-16s %-3s %-8s%s  %s", col.Name, cloud.Mark(cell.State), cell.State, back, strings.Join(cell.Ports, ","))
			l.Link = meshview.CellRef(row, j)
		}
	}
	var nets, routers []string
	for _, nw := range p.c.Networks {
		on := nw.NodeOn(name)
		if on == nil {
			continue
		}
		seg := orWord(nw.Type, "?")
		if nw.SegmentationID != nil {
			seg += " " + strconv.Itoa(*nw.SegmentationID)
		}
		vlan := "untagged"
		if on.LocalVLAN != 0 {
			vlan = "local VLAN " + strconv.Itoa(on.LocalVLAN)
		}
		line := fmt.Sprintf("network %s  %s  %s  %d ports", cloud.Short(nw.ID), seg, vlan, len(on.Ports))
		if on.DHCPNamespace != "" {
			line += "  DHCP"
		}
		nets = append(nets, line)
	}
	for _, r := range p.c.Routers {
		for _, on := range r.On {
			if on.Node != name {
				continue
			}
			what := orWord(on.DVRMode, on.Kind)
			if on.HARole != "" {
				what += " " + on.HARole
			}
			active := ""
			for _, a := range r.Active {
				if a == name {
					active = "  active here"
				}
			}
			routers = append(routers, fmt.Sprintf("router %s  %s%s", cloud.Short(r.ID), what, active))
		}
	}
	if len(nets) > 0 {
		b.section("networks (this node's local VLAN, the segment)")
		for _, s := range nets {
			b.add(render.Normal, "%s", s)
		}
	}
	if len(routers) > 0 {
		b.section("routers")
		for _, s := range routers {
			b.add(render.Normal, "%s", s)
		}
	}
	return describe.Page{Title: "node " + safetext.Term(name), Sections: b.sections}, true
}

// all is the page of the "all nodes" row: the cloud in numbers, then
// the problems across nodes and what could not be checked.
func (p *cloudPages) all() describe.Page {
	var b page
	c := p.c
	b.add(render.Header, "%d nodes · %d networks · %d routers · %d ports", len(c.Nodes), len(c.Networks), len(c.Routers), len(c.Ports))
	b.add(render.Dim, "enter on this row, or :node all, shows every node's rows in each view, under its node")
	b.section("problems across nodes")
	if len(c.Problems) == 0 {
		what := "none found"
		if len(c.Unknown) > 0 {
			what = "none found in what could be checked"
		}
		b.add(render.Good, "%s", what)
	}
	for i, pr := range c.Problems {
		if i == pageMax {
			b.add(render.Dim, "… and %d more: the Problems view (7) of all nodes lists them", len(c.Problems)-pageMax)
			break
		}
		l := b.wrap(severityClass(pr.Severity), "%s %s: %s (%s)", strings.ToUpper(pr.Severity), pr.Kind, pr.Subject, strings.Join(pr.Nodes, ", "))
		l.Link = render.Ref{Kind: views.KindCrossProblem, ID: strconv.Itoa(i)}
	}
	if len(c.Unknown) > 0 {
		b.section("not checked across nodes")
		for i, u := range c.Unknown {
			if i == pageMax {
				b.add(render.Dim, "… and %d more: the Problems view (7) of all nodes lists them", len(c.Unknown)-pageMax)
				break
			}
			l := b.wrap(render.Dim, "? %s: %s", u.Subject, u.Text)
			l.Link = render.Ref{Kind: views.KindCrossUnknown, ID: strconv.Itoa(i)}
		}
	}
	return describe.Page{Title: "all " + strconv.Itoa(len(c.Nodes)) + " nodes", Sections: b.sections}
}

// cross is the page of a problem across nodes (or of a check that could
// not be made): what, the nodes (links to theirs), the evidence.
func (p *cloudPages) cross(ref render.Ref) (describe.Page, bool) {
	i, err := strconv.Atoi(ref.ID)
	if err != nil || i < 0 {
		return describe.Page{}, false
	}
	var b page
	var nodes, evidence []string
	var title string
	switch {
	case ref.Kind == views.KindCrossProblem && i < len(p.c.Problems):
		pr := p.c.Problems[i]
		b.wrap(severityClass(pr.Severity), "%s  %s", strings.ToUpper(pr.Severity), pr.Text)
		b.add(render.Dim, "check     %s", pr.Kind)
		nodes, evidence, title = pr.Nodes, pr.Evidence, pr.Subject
	case ref.Kind == views.KindCrossUnknown && i < len(p.c.Unknown):
		u := p.c.Unknown[i]
		b.wrap(render.Dim, "UNKNOWN  %s", u.Text)
		b.add(render.Dim, "check     %s", u.Kind)
		nodes, title = u.Nodes, u.Subject
	default:
		return describe.Page{}, false
	}
	for _, n := range nodes {
		l := b.add(render.Normal, "node      %s", n)
		if p.c.Node(n) != nil {
			l.Link = views.NodeRef(n)
		}
	}
	if len(evidence) > 0 {
		b.section("evidence")
		for _, e := range evidence {
			l := b.wrap(render.Dim, "%s", e)
			l.Copy = safetext.Term(e)
		}
	}
	return describe.Page{Title: safetext.Term(title), Sections: b.sections}, true
}

// crossRef is the Ref of a problem of the cloud (by its index).
func (p *cloudPages) crossRef(pr cloud.Problem) render.Ref {
	for i := range p.c.Problems {
		q := &p.c.Problems[i]
		if q.Kind == pr.Kind && q.Subject == pr.Subject && strings.Join(q.Nodes, ",") == strings.Join(pr.Nodes, ",") {
			return render.Ref{Kind: views.KindCrossProblem, ID: strconv.Itoa(i)}
		}
	}
	return render.Ref{}
}

func healthWords(h cloud.Health) string {
	var parts []string
	if h.Problems > 0 {
		parts = append(parts, strconv.Itoa(h.Problems)+" problem(s) of its own (the node's views, ostopo doctor)")
	}
	if h.CrossProblems > 0 {
		parts = append(parts, strconv.Itoa(h.CrossProblems)+" across nodes")
	}
	if h.Unknown > 0 {
		parts = append(parts, strconv.Itoa(h.Unknown)+" not checked")
	}
	if n := len(h.FailedSources); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" source(s) not read")
	}
	if len(parts) == 0 {
		return "every source read, nothing wrong found"
	}
	return strings.Join(parts, " · ")
}

func severityClass(sev string) render.Class {
	if sev == cloud.Error {
		return render.Problem
	}
	return render.Header
}

func meshClass(state string) render.Class {
	switch state {
	case cloud.TunnelOK:
		return render.Good
	case cloud.TunnelOneWay, cloud.TunnelMissing:
		return render.Problem
	}
	return render.Dim
}

func orDash(s string) string { return orWord(s, "-") }

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
