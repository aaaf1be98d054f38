package cloud

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// Short is the 8-character form of an id the tables show (the views and
// trace take it back).
func Short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Text renders the cloud as `ostopo cloud` prints it: the nodes, the
// tunnel mesh as a matrix with its legend, each network's local VLAN per
// node with its segment and DHCP, each router per node, then the problems
// across nodes and what could not be checked. notes, when not nil, adds a
// column to the nodes table (the caller's per-node findings: ostopo's
// doctor). Every cell and line goes through safetext: names come from the
// snapshots.
func Text(c *Cloud, notes map[string]string) string {
	var b safetext.Builder
	b.Linef("cloud: %d node(s), %d network(s), %d router(s), %d port(s)", len(c.Nodes), len(c.Networks), len(c.Routers), len(c.Ports))
	b.Blank()

	b.Line("NODES")
	head := []string{"NODE", "ROLES", "HEALTH", "PORTS", "INSTANCES", "ROUTERS", "DHCP", "TUNNELS", "LOCAL IP"}
	if notes != nil {
		head = append(head, "DOCTOR")
	}
	rows := [][]string{head}
	var rolesUnknown []string
	for _, n := range c.Nodes {
		roles := strings.Join(n.Roles, ",")
		if roles == "" {
			roles = "-"
		}
		row := []string{n.Name, roles, healthText(n.Health), fmt.Sprint(n.Counts.Ports), fmt.Sprint(n.Counts.Instances),
			fmt.Sprint(n.Counts.Routers), fmt.Sprint(n.Counts.DHCP), fmt.Sprint(n.Counts.Tunnels), orDefault(strings.Join(n.TunnelIPs, ","), "?")}
		if notes != nil {
			row = append(row, orDefault(notes[n.Name], "-"))
		}
		rows = append(rows, row)
		for _, u := range n.RolesUnknown {
			rolesUnknown = append(rolesUnknown, n.Name+": role "+u)
		}
	}
	table(&b, rows)
	if len(rolesUnknown) > 0 {
		if allSame(rolesUnknown, c) {
			b.Linef("  every node: role %s", c.Nodes[0].RolesUnknown[0])
		} else {
			for _, u := range rolesUnknown {
				b.Linef("  %s", u)
			}
		}
	}
	for _, n := range c.Nodes {
		for _, s := range n.Health.FailedSources {
			b.Linef("  %s: not read: %s", n.Name, s)
		}
	}
	b.Blank()

	b.Line("TUNNEL MESH (row node -> column)")
	rows = [][]string{append([]string{""}, colNames(c.Mesh)...)}
	for i, r := range c.Mesh.Rows {
		row := []string{r}
		for _, cell := range c.Mesh.Cells[i] {
			row = append(row, orDefault(Mark(cell.State), "."))
		}
		rows = append(rows, row)
	}
	table(&b, rows)
	for _, l := range Legend() {
		b.Linef("  %-3s %s", l[0], l[1])
	}
	b.Blank()

	b.Line("NETWORKS (local VLAN on each node; - not there)")
	head = []string{"NETWORK", "TYPE", "SEGMENT"}
	for _, n := range c.Nodes {
		head = append(head, n.Name)
	}
	head = append(head, "DHCP ON")
	rows = [][]string{head}
	for _, nw := range c.Networks {
		seg := "-"
		if nw.SegmentationID != nil {
			seg = fmt.Sprint(*nw.SegmentationID)
		}
		row := []string{Short(nw.ID), orDefault(nw.Type, "?"), seg}
		var dhcp []string
		for _, n := range c.Nodes {
			on := nw.NodeOn(n.Name)
			switch {
			case on == nil:
				row = append(row, "-")
			case on.LocalVLAN == 0:
				row = append(row, "untagged")
			default:
				row = append(row, fmt.Sprint(on.LocalVLAN))
			}
			if on != nil && on.DHCPNamespace != "" {
				dhcp = append(dhcp, n.Name)
			}
		}
		rows = append(rows, append(row, orDefault(strings.Join(dhcp, ","), "-")))
	}
	table(&b, rows)
	b.Blank()

	if len(c.Routers) > 0 {
		b.Line("ROUTERS (what each node is for it; - no namespace)")
		head = []string{"ROUTER", "KIND"}
		for _, n := range c.Nodes {
			head = append(head, n.Name)
		}
		rows = [][]string{append(head, "ACTIVE ON")}
		for _, r := range c.Routers {
			kind := r.Kind
			if r.HA && r.Kind != "ha" {
				kind += "+ha"
			}
			row := []string{Short(r.ID), kind}
			for _, n := range c.Nodes {
				row = append(row, routerCell(r, n.Name))
			}
			rows = append(rows, append(row, orDefault(strings.Join(r.Active, ","), "none")))
		}
		table(&b, rows)
		b.Blank()
	}

	problemsText(&b, c)
	return b.String()
}

// ProblemsText renders the problems across nodes and the cross-node
// checks that could not be made, as Text ends (ostopo doctor prints it
// after each node's findings).
func ProblemsText(c *Cloud) string {
	var b safetext.Builder
	problemsText(&b, c)
	return b.String()
}

func problemsText(b *safetext.Builder, c *Cloud) {
	if len(c.Problems) == 0 {
		if len(c.Unknown) == 0 {
			b.Line("PROBLEMS ACROSS NODES: none found")
		} else {
			b.Line("PROBLEMS ACROSS NODES: none found in what could be checked")
		}
	} else {
		b.Linef("PROBLEMS ACROSS NODES: %d", len(c.Problems))
		for _, p := range c.Problems {
			b.Linef("%-7s %s: %s (%s)", strings.ToUpper(p.Severity), p.Kind, p.Subject, strings.Join(p.Nodes, ", "))
			b.Linef("        %s", p.Text)
			for _, e := range p.Evidence {
				b.Linef("        · %s", e)
			}
		}
	}
	if len(c.Unknown) > 0 {
		b.Blank()
		b.Linef("NOT CHECKED ACROSS NODES: %d", len(c.Unknown))
		for _, u := range c.Unknown {
			b.Linef("UNKNOWN %s: %s (%s)", u.Kind, u.Subject, strings.Join(u.Nodes, ", "))
			b.Linef("        %s", u.Text)
		}
	}
}

func allSame(lines []string, c *Cloud) bool {
	if len(lines) != len(c.Nodes) {
		return false
	}
	for _, n := range c.Nodes {
		if len(n.RolesUnknown) != 1 || n.RolesUnknown[0] != c.Nodes[0].RolesUnknown[0] {
			return false
		}
	}
	return true
}

func healthText(h Health) string {
	switch h.State {
	case HealthProblems:
		return fmt.Sprintf("problems(%d)", h.Problems+h.CrossProblems)
	case HealthUnknown:
		if n := len(h.FailedSources); n > 0 {
			return fmt.Sprintf("unknown(%d unread)", n)
		}
		return "unknown"
	}
	return h.State
}

func colNames(m Mesh) []string {
	var out []string
	for _, c := range m.Cols {
		out = append(out, c.Name)
	}
	return out
}

// routerCell is what node is for router r: active, standby, ?, the DVR
// mode, legacy, or - (no namespace).
func routerCell(r Router, node string) string {
	for _, on := range r.On {
		if on.Node != node {
			continue
		}
		switch {
		case on.HARole != "":
			if on.DVRMode != "" {
				return on.DVRMode + "/" + on.HARole
			}
			return on.HARole
		case r.HA && (on.Kind == "ha" || on.DVRMode == "dvr_snat"):
			return "ha:?"
		case on.DVRMode != "":
			return on.DVRMode
		}
		return on.Kind
	}
	return "-"
}

// table writes rows as aligned columns, two spaces in, each cell escaped
// before it is measured.
func table(b *safetext.Builder, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, cell := range r {
			cell = safetext.Term(cell)
			r[i] = cell
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		line.WriteString("  ")
		for i, cell := range r {
			line.WriteString(cell)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.Line(line.String())
	}
}
