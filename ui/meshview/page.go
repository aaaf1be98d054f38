package meshview

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// NodeRef makes the Ref a line naming a node links to (the Nodes view's
// node page); set by the caller, which owns node pages.
type NodeRef func(name string) render.Ref

// Page is the detail page of a cell: what the row node has towards the
// column and what it means, both nodes' full names and local IPs, the
// tunnel ports, the tunnelled networks they share, the way back, and the
// evidence, then the legend. ok is false for a Ref that is no cell.
func Page(c *cloud.Cloud, ref render.Ref, nodeRef NodeRef) (describe.Page, bool) {
	r, col, ok := parseRef(ref)
	m := &c.Mesh
	if !ok || r >= len(m.Rows) || col >= len(m.Cols) {
		return describe.Page{}, false
	}
	cell := m.Cells[r][col]
	from, to := m.Rows[r], m.Cols[col]
	t := func(format string, a ...any) string { return safetext.Term(fmt.Sprintf(format, a...)) }
	var sum []describe.Line
	add := func(class render.Class, text string) *describe.Line {
		sum = append(sum, describe.Line{Text: text, Class: class})
		return &sum[len(sum)-1]
	}
	l := add(classOf(cell.State), t("%s  %s", strings.ToUpper(cell.State), meaning(cell.State)))
	l.Wrap = true
	node := func(what, name string, ips []string, isNode bool) {
		ip := strings.Join(ips, ", ")
		if ip == "" {
			ip = "local_ip unknown (no tunnel port of its own)"
		}
		if !isNode {
			l := add(render.Normal, t("%-5s %s  (no node of the cloud has this address: not collected, or stale)", what, name))
			l.Wrap = true
			return
		}
		l := add(render.Normal, t("%-5s %s  local_ip %s", what, name, ip))
		l.Link, l.Copy = nodeRef(name), safetext.Term(name)
	}
	var fromIPs []string
	if n := c.Node(from); n != nil {
		fromIPs = n.TunnelIPs
	}
	node("from", from, fromIPs, true)
	node("to", to.Name, to.IPs, to.Node)
	if len(cell.Ports) > 0 {
		l := add(render.Normal, t("ports %s", strings.Join(cell.Ports, ", ")))
		l.Copy = safetext.Term(strings.Join(cell.Ports, " "))
	}
	if len(cell.Shared) > 0 {
		l := add(render.Dim, t("both host ports of %d tunnelled network(s): %s", len(cell.Shared), strings.Join(cell.Shared, ", ")))
		l.Wrap = true
	}
	if to.Node && col < len(m.Rows) && col != r {
		back := m.Cells[col][r]
		l := add(classOf(back.State), t("back  %s → %s: %s (%s)", to.Name, from, back.State, cloud.Mark(back.State)))
		l.Link = CellRef(col, r)
	}
	p := describe.Page{Title: t("tunnel %s → %s", from, to.Name), Ref: ref, Sections: []describe.Section{{Lines: sum}}}
	if len(cell.Evidence) > 0 {
		var ev []describe.Line
		for _, e := range cell.Evidence {
			ev = append(ev, describe.Line{Text: safetext.Term(e), Class: render.Dim, Wrap: true, Copy: safetext.Term(e)})
		}
		p.Sections = append(p.Sections, describe.Section{Name: "evidence", Lines: ev})
	}
	var leg []describe.Line
	for _, l := range cloud.Legend() {
		leg = append(leg, describe.Line{Text: fmt.Sprintf("%-3s %s", l[0], l[1]), Class: render.Dim})
	}
	leg = append(leg, describe.Line{Text: `\   the node itself`, Class: render.Dim})
	p.Sections = append(p.Sections, describe.Section{Name: "legend", Lines: leg, Folded: true})
	return p, true
}

// meaning is what a state says, in words.
func meaning(state string) string {
	for _, l := range cloud.Legend() {
		if l[0] == cloud.Mark(state) {
			return l[1]
		}
	}
	if state == cloud.TunnelSelf {
		return "the node itself"
	}
	return "?"
}

func classOf(state string) render.Class {
	switch state {
	case cloud.TunnelOK:
		return render.Good
	case cloud.TunnelOneWay, cloud.TunnelMissing:
		return render.Problem
	}
	return render.Dim
}

// Text is the mesh as `ostopo --plain --view nodes` prints it: the
// matrix with the columns numbered as the rows, the key of the column
// labels, the legend. Every line goes through safetext.
func Text(c *cloud.Cloud) string {
	m := New(pane.Context{}, &c.Mesh)
	var b safetext.Builder
	b.Line("TUNNEL MESH (what the row node has towards the column)")
	lw := 0
	for i, r := range m.rows {
		lw = max(lw, len(fmt.Sprint(i+1))+1+len([]rune(r)))
	}
	cw := m.cellW()
	var head strings.Builder
	head.WriteString(strings.Repeat(" ", lw+2))
	for _, l := range m.labels {
		head.WriteString(pad(l, cw))
	}
	b.Line(strings.TrimRight(head.String(), " "))
	for i, r := range m.rows {
		var line strings.Builder
		line.WriteString(pad(fmt.Sprintf("%d %s", i+1, r), lw+2))
		for j := range m.cols {
			line.WriteString(pad(cloud.Mark(m.mesh.Cells[i][j].State), cw))
		}
		b.Line(strings.TrimRight(line.String(), " "))
	}
	b.Blank()
	b.Line("columns (numbered as the rows; x: an address no node has):")
	for i, l := range m.labels {
		b.Linef("  %-4s %s", l, m.cols[i])
	}
	b.Blank()
	b.Line("marks:")
	for _, l := range cloud.Legend() {
		b.Linef("  %-4s %s", l[0], l[1])
	}
	b.Line(`  \    the node itself`)
	return b.String()
}
