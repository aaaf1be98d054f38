package cloud

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// States of a mesh cell: what the row node has towards the column.
const (
	// TunnelSelf: the diagonal.
	TunnelSelf = "self"
	// TunnelOK: the row node has a tunnel to the column node, and the
	// column node one back (or its tunnels were not read: the way back
	// is then in Cloud.Unknown under its row).
	TunnelOK = "ok"
	// TunnelOneWay: the row node has a tunnel to the column node, which
	// has none back.
	TunnelOneWay = "one-way"
	// TunnelMissing: no tunnel, while both nodes host ports of a
	// tunnelled network (MeshCell.Shared): l2population would have made
	// one, and their traffic cannot pass.
	TunnelMissing = "missing"
	// TunnelNone: no tunnel, and none needed: the two nodes share no
	// tunnelled network (with l2population a tunnel exists only then).
	TunnelNone = "none"
	// TunnelForeign: a tunnel to an address no node in the cloud has (a
	// column that is an address, not a node).
	TunnelForeign = "foreign"
	// TunnelUnknown: could not be told (a node's OVSDB was not read, or
	// the column node's local_ip is not known); Evidence says why.
	TunnelUnknown = "unknown"
)

// Mesh is every node's tunnels against every other node, as a matrix:
// Cells[row][col] is what node Rows[row] has towards Cols[col].
type Mesh struct {
	Rows []string `json:"rows"`
	// Cols are the nodes (in the order of Rows), then the remote
	// addresses of tunnels that lead to no node of the cloud.
	Cols  []MeshCol    `json:"cols"`
	Cells [][]MeshCell `json:"cells"`
}

// MeshCol is a column of the mesh: a node, or an address no node has.
type MeshCol struct {
	Name string `json:"name"` // node name, or the remote IP
	// IPs are the node's local_ip(s); the address itself for a foreign
	// column.
	IPs  []string `json:"ips"`
	Node bool     `json:"node"`
}

// MeshCell is what one node has towards another (or towards a foreign
// address).
type MeshCell struct {
	State string `json:"state"`
	// Ports are the row node's tunnel ports towards the column.
	Ports []string `json:"ports,omitempty"`
	// Shared are the tunnelled networks both nodes host ports of.
	Shared   []string `json:"shared,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// Cell returns what node from has towards to (a node name, or a foreign
// address), or nil when either is not in the mesh.
func (m *Mesh) Cell(from, to string) *MeshCell {
	r, c := -1, -1
	for i, n := range m.Rows {
		if n == from {
			r = i
		}
	}
	for i, col := range m.Cols {
		if col.Name == to {
			c = i
		}
	}
	if r < 0 || c < 0 {
		return nil
	}
	return &m.Cells[r][c]
}

// Mark is the short mark of a cell state in the matrix (see Legend).
func Mark(state string) string {
	switch state {
	case TunnelSelf:
		return `\`
	case TunnelOK:
		return "ok"
	case TunnelOneWay:
		return "1w"
	case TunnelMissing:
		return "NO"
	case TunnelNone:
		return "."
	case TunnelForeign:
		return "ext"
	case TunnelUnknown:
		return "?"
	}
	return ""
}

// Legend explains the marks, in the order a reader meets them.
func Legend() [][2]string {
	return [][2]string{
		{Mark(TunnelOK), "tunnel both ways"},
		{Mark(TunnelOneWay), "tunnel from the row node, none back"},
		{Mark(TunnelMissing), "no tunnel, while both nodes host ports of a tunnelled network"},
		{Mark(TunnelNone), "no tunnel, none needed (no tunnelled network in common)"},
		{Mark(TunnelForeign), "tunnel to an address no collected node has"},
		{Mark(TunnelUnknown), "unknown: facts not read"},
	}
}

// tunnelsTo are node i's tunnel ports whose remote_ip is node j's.
func (c *Cloud) tunnelsTo(i, j int) []topo.Tunnel {
	var out []topo.Tunnel
	for _, t := range c.Nodes[i].Snap.Neutron.Tunnels {
		if c.nodeIndex(t.RemoteIP) == j {
			out = append(out, t)
		}
	}
	return out
}

// shared are the tunnelled networks nodes i and j both host ports of;
// unsure lists, as reasons, what keeps that from being known in full.
func (c *Cloud) shared(i, j int) (shared, unsure []string) {
	fi, fj := &c.facts[i], &c.facts[j]
	for _, k := range []int{i, j} {
		if !c.facts[k].ovsdb {
			unsure = append(unsure, c.Nodes[k].Name+"'s OVSDB (its ports) was not read")
		}
	}
	for id := range fi.nets {
		if fj.nets[id] == nil {
			continue
		}
		nw := c.Network(id)
		switch {
		case nw == nil || nw.Type == "":
			unsure = append(unsure, "the type of network "+id+" is not known")
		case nw.Tunnelled():
			shared = append(shared, id)
		}
	}
	sort.Strings(shared)
	sort.Strings(unsure)
	return shared, unsure
}

func tunnelText(node string, t topo.Tunnel) string {
	return fmt.Sprintf("%s: OVSDB %s type=%s local_ip=%s remote_ip=%s", node, t.Port, t.Type, t.LocalIP, t.RemoteIP)
}

func (c *Cloud) sharedText(shared []string) string {
	var parts []string
	for _, id := range shared {
		parts = append(parts, id+" ("+c.segmentText(id)+")")
	}
	return strings.Join(parts, ", ")
}

// segmentText is "vxlan 1715" for a network.
func (c *Cloud) segmentText(id string) string {
	nw := c.Network(id)
	if nw == nil || nw.Type == "" {
		return "type unknown"
	}
	if nw.SegmentationID == nil {
		return nw.Type
	}
	return fmt.Sprintf("%s %d", nw.Type, *nw.SegmentationID)
}

// ipsText is a node's local IPs, or why they are not known.
func (c *Cloud) ipsText(j int) string {
	if ips := c.Nodes[j].TunnelIPs; len(ips) > 0 {
		return strings.Join(ips, ", ")
	}
	return "local_ip unknown"
}

func (c *Cloud) mesh() {
	m := &c.Mesh
	var foreign []string
	seenForeign := map[string]bool{}
	for i := range c.Nodes {
		m.Rows = append(m.Rows, c.Nodes[i].Name)
		for _, t := range c.Nodes[i].Snap.Neutron.Tunnels {
			if t.RemoteIP != "" && c.nodeIndex(t.RemoteIP) < 0 && !seenForeign[t.RemoteIP] {
				seenForeign[t.RemoteIP] = true
				foreign = append(foreign, t.RemoteIP)
			}
		}
	}
	sort.Strings(foreign)
	unknownIP := []string{}
	for i := range c.Nodes {
		m.Cols = append(m.Cols, MeshCol{Name: c.Nodes[i].Name, IPs: c.Nodes[i].TunnelIPs, Node: true})
		if len(c.Nodes[i].TunnelIPs) == 0 && !c.addressable(i) {
			unknownIP = append(unknownIP, c.Nodes[i].Name)
		}
	}
	for _, ip := range foreign {
		m.Cols = append(m.Cols, MeshCol{Name: ip, IPs: []string{ip}})
	}
	m.Cells = make([][]MeshCell, len(c.Nodes))
	for i := range c.Nodes {
		row := make([]MeshCell, len(m.Cols))
		name := c.Nodes[i].Name
		hasForeign := false
		for k, ip := range foreign {
			cell := &row[len(c.Nodes)+k]
			cell.State = TunnelNone
			if !c.facts[i].ovsdb {
				cell.State = TunnelUnknown
				continue
			}
			for _, t := range c.Nodes[i].Snap.Neutron.Tunnels {
				if t.RemoteIP == ip {
					cell.State = TunnelForeign
					cell.Ports = append(cell.Ports, t.Port)
					cell.Evidence = append(cell.Evidence, tunnelText(name, t))
					hasForeign = true
				}
			}
		}
		for j := range c.Nodes {
			cell := &row[j]
			if i == j {
				cell.State = TunnelSelf
				continue
			}
			other := c.Nodes[j].Name
			shared, unsure := c.shared(i, j)
			cell.Shared = shared
			to := c.tunnelsTo(i, j)
			for _, t := range to {
				cell.Ports = append(cell.Ports, t.Port)
				cell.Evidence = append(cell.Evidence, tunnelText(name, t))
			}
			switch {
			case !c.facts[i].ovsdb:
				cell.State = TunnelUnknown
				cell.Evidence = append(cell.Evidence, name+"'s OVSDB (its tunnel ports) was not read")
			case len(to) > 0:
				back := c.tunnelsTo(j, i)
				switch {
				case !c.facts[j].ovsdb:
					cell.State = TunnelOK
					cell.Evidence = append(cell.Evidence, "the way back: unknown ("+other+"'s OVSDB was not read)")
				case len(back) == 0:
					cell.State = TunnelOneWay
					cell.Evidence = append(cell.Evidence, fmt.Sprintf("%s: no tunnel port with remote_ip %s", other, strings.Join(c.Nodes[i].TunnelIPs, " or ")))
				default:
					cell.State = TunnelOK
				}
			case len(c.Nodes[j].TunnelIPs) == 0 && !c.addressable(j) && hasForeign:
				cell.State = TunnelUnknown
				cell.Evidence = append(cell.Evidence, fmt.Sprintf("%s has no tunnel port, so its local_ip is not known, and %s has tunnels to addresses no node claims", other, name))
			case len(shared) > 0:
				cell.State = TunnelMissing
				cell.Evidence = append(cell.Evidence,
					fmt.Sprintf("%s: no tunnel port with remote_ip %s (%s)", name, c.ipsText(j), other),
					fmt.Sprintf("both host ports of %s", c.sharedText(shared)))
			case len(unsure) > 0:
				cell.State = TunnelUnknown
				cell.Evidence = append(cell.Evidence, unsure...)
			default:
				cell.State = TunnelNone
			}
		}
		m.Cells[i] = row
	}
	c.meshProblems(foreign, unknownIP)
}

// addressable says whether node j, without a tunnel port of its own, is
// still found by an address of its own namespace.
func (c *Cloud) addressable(j int) bool {
	for _, i := range c.byAddr {
		if i == j {
			return true
		}
	}
	return false
}

func (c *Cloud) meshProblems(foreign, unknownIP []string) {
	m := &c.Mesh
	for i := range c.Nodes {
		a := c.Nodes[i].Name
		if !c.facts[i].ovsdb {
			c.Unknown = append(c.Unknown, Unknown{Kind: UnknownOVSDB, Nodes: []string{a}, Subject: "node " + a,
				Text: a + "'s OVSDB was not read: its ports, networks and tunnels are unknown, and so are whether the others' tunnels and flood lists to it are right"})
			continue
		}
		for j := i + 1; j < len(c.Nodes); j++ {
			if !c.facts[j].ovsdb {
				continue
			}
			b := c.Nodes[j].Name
			ab, ba := m.Cells[i][j], m.Cells[j][i]
			pair := []string{a, b}
			switch {
			case ab.State == TunnelMissing && ba.State == TunnelMissing:
				c.Problems = append(c.Problems, Problem{Kind: ProblemTunnelMissing, Severity: Error, Nodes: pair, Subject: "tunnel " + a + " <-> " + b,
					Text:     fmt.Sprintf("no tunnel between %s and %s, while both host ports of %d tunnelled network(s): their instances and routers cannot reach each other", a, b, len(ab.Shared)),
					Evidence: append(append([]string{}, ab.Evidence...), ba.Evidence...)})
			case ab.State == TunnelUnknown || ba.State == TunnelUnknown:
				why := append(append([]string{}, ab.Evidence...), ba.Evidence...)
				c.Unknown = append(c.Unknown, Unknown{Kind: ProblemTunnelMissing, Nodes: pair, Subject: "tunnel " + a + " <-> " + b,
					Text: "whether a tunnel is missing is unknown: " + strings.Join(why, "; ")})
			}
			for _, d := range []struct {
				from, to string
				cell     MeshCell
			}{{a, b, ab}, {b, a, ba}} {
				if d.cell.State != TunnelOneWay {
					continue
				}
				p := Problem{Kind: ProblemTunnelOneWay, Severity: Warning, Nodes: pair, Subject: "tunnel " + d.from + " -> " + d.to, Evidence: d.cell.Evidence}
				if len(d.cell.Shared) > 0 {
					p.Severity = Error
					p.Text = fmt.Sprintf("%s has a tunnel to %s but %s has none back, while both host ports of %s: traffic from %s to %s is dropped", d.from, d.to, d.to, c.sharedText(d.cell.Shared), d.to, d.from)
				} else {
					p.Text = fmt.Sprintf("%s has a tunnel to %s but %s has none back; they share no tunnelled network, so %s's tunnel is stale", d.from, d.to, d.to, d.from)
				}
				c.Problems = append(c.Problems, p)
			}
		}
	}
	if len(c.Nodes) == 1 {
		// One node (the live node, one --replay) has nothing to compare
		// with: every tunnel leads to a node that was not given, which
		// says nothing wrong. The mesh still shows them.
		return
	}
	for k, ip := range foreign {
		col := len(c.Nodes) + k
		for i := range c.Nodes {
			cell := m.Cells[i][col]
			if cell.State != TunnelForeign {
				continue
			}
			a := c.Nodes[i].Name
			if len(unknownIP) > 0 {
				c.Unknown = append(c.Unknown, Unknown{Kind: ProblemTunnelForeign, Nodes: append([]string{a}, unknownIP...), Subject: "tunnel " + a + " -> " + ip,
					Text: fmt.Sprintf("%s has a tunnel to %s, which no node's tunnels name as their local_ip; it may be %s's, whose local_ip is not known", a, ip, strings.Join(unknownIP, " or "))})
				continue
			}
			c.Problems = append(c.Problems, Problem{Kind: ProblemTunnelForeign, Severity: Warning, Nodes: []string{a}, Subject: "tunnel " + a + " -> " + ip,
				Text:     fmt.Sprintf("%s has a tunnel to %s, the local_ip of no node in the cloud: a node that was not collected, or a stale tunnel", a, ip),
				Evidence: cell.Evidence})
		}
	}
}
