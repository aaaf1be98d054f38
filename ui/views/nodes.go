package views

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
)

// Refs of the Nodes view's rows: a node (ID its name) and the row of all
// nodes.
const (
	KindNode  = "node"
	KindCloud = "cloud"
)

// NodeRef is the Ref of a node's row (its describe page, its badge).
func NodeRef(name string) render.Ref { return render.Ref{Kind: KindNode, ID: name} }

// AllRef is the Ref of the "all nodes" row.
func AllRef() render.Ref { return render.Ref{Kind: KindCloud, ID: "all"} }

// ScopeMark starts the NODE cell of the row the other views are scoped
// to ("all" or a node); the others start with as many spaces.
const ScopeMark = "● "

// Nodes is the Nodes view of a cloud: first a row for all nodes (what
// enter scopes the other views to), then one row per node with its roles,
// health ("✗ 3" problems: its own and those across nodes that name it; "?
// 2" what could not be checked or read; "ok"), what it holds and its
// tunnel local IP.
// scope is the node the views are scoped to, "" for all.
func Nodes(c *cloud.Cloud, scope string) table.Data { return nodes(c, scope, true) }

// NodesPlain is Nodes without the scope's mark, for printing.
func NodesPlain(c *cloud.Cloud) table.Data { return nodes(c, "", false) }

func nodes(c *cloud.Cloud, scope string, marks bool) table.Data {
	d := table.Data{Name: "Nodes", Columns: []table.Column{
		{Title: "NODE", Sort: 'O', Max: 30},
		{Title: "ROLES", Sort: 'L', Priority: 3, Max: 24},
		{Title: "HEALTH", Sort: 'H'},
		{Title: "PORTS", Sort: 'P', Numeric: true, Priority: 5},
		{Title: "INST", Sort: 'I', Numeric: true, Priority: 4},
		{Title: "RTR", Sort: 'R', Numeric: true, Priority: 6},
		{Title: "DHCP", Sort: 'C', Numeric: true, Priority: 9},
		{Title: "TUN", Sort: 'T', Numeric: true, Priority: 8},
		{Title: "LOCAL IP", Sort: 'A', Priority: 7, Flex: true},
	}}
	var sum cloud.Counts
	problems, unknown := len(c.Problems), len(c.Unknown)
	worst := cloud.HealthOK
	for _, n := range c.Nodes {
		sum.Ports += n.Counts.Ports
		sum.Instances += n.Counts.Instances
		sum.Routers += n.Counts.Routers
		sum.DHCP += n.Counts.DHCP
		sum.Tunnels += n.Counts.Tunnels
		problems += n.Health.Problems
		unknown += NodeUnknown(n.Health)
		worst = worse(worst, n.Health.State)
	}
	if len(c.Problems) > 0 {
		worst = cloud.HealthProblems
	} else if len(c.Unknown) > 0 {
		worst = worse(worst, cloud.HealthUnknown)
	}
	mark := func(on bool) string {
		if !marks {
			return ""
		}
		if on {
			return ScopeMark
		}
		return strings.Repeat(" ", len([]rune(ScopeMark)))
	}
	all := "all " + strconv.Itoa(len(c.Nodes)) + " nodes"
	cells := tableCells(mark(scope == "")+all, "-", healthCell(worst, problems, unknown),
		strconv.Itoa(sum.Ports), strconv.Itoa(sum.Instances), strconv.Itoa(sum.Routers), strconv.Itoa(sum.DHCP), strconv.Itoa(sum.Tunnels), "-")
	d.Rows = append(d.Rows, table.Row{
		// The all row sorts before every node by its name, whatever the
		// names ("0" before each node's "1name").
		Cells: cells, SortKeys: []string{"0", "", healthRank(worst)}, Class: render.Header, Ref: AllRef(), Copy: "all",
		Fields: filter.NewFields(tableFieldText(cells), map[string][]string{"kind": {"node"}, "state": {worst}}),
	})
	for _, n := range c.Nodes {
		roles := strings.Join(n.Roles, ",")
		ips := strings.Join(n.TunnelIPs, " ")
		cells := tableCells(mark(scope == n.Name)+n.Name, tableDash(roles), healthCell(n.Health.State, n.Health.Problems+n.Health.CrossProblems, NodeUnknown(n.Health)),
			strconv.Itoa(n.Counts.Ports), strconv.Itoa(n.Counts.Instances), strconv.Itoa(n.Counts.Routers),
			strconv.Itoa(n.Counts.DHCP), strconv.Itoa(n.Counts.Tunnels), orWord(ips, "?"))
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: []string{"1" + safetext.Term(n.Name), "", healthRank(n.Health.State)}, Class: healthClass(n.Health.State),
			Ref: NodeRef(n.Name), Copy: safetext.Term(n.Name),
			Fields: filter.NewFields(tableFieldText(cells, strings.Join(n.RolesUnknown, " ")), map[string][]string{
				"kind": {"node"}, "role": append([]string{}, n.Roles...), "ip": append([]string{}, n.TunnelIPs...),
				"state": {n.Health.State}, "id": {n.Name},
			}),
		})
	}
	return d
}

// healthCell is a health in a few characters: "ok", or the problems
// (its own and those across nodes naming it) "✗ 3" and what is unknown
// (not checked, not read) "? 2".
func healthCell(state string, problems, unknown int) string {
	var parts []string
	if problems > 0 {
		parts = append(parts, "✗ "+strconv.Itoa(problems))
	}
	if unknown > 0 {
		parts = append(parts, "? "+strconv.Itoa(unknown))
	}
	if len(parts) == 0 {
		if state == cloud.HealthOK {
			return "ok"
		}
		return state
	}
	return strings.Join(parts, " ")
}

// NodeUnknown counts what is unknown of a node: what its Neutron view
// could not check and each source it did not read.
func NodeUnknown(h cloud.Health) int { return h.Unknown + len(h.FailedSources) }

// NodeBadge is the doctor-style badge of a node's health ("error" for
// problems, "" otherwise): the E in the Nodes view's gutter.
func NodeBadge(h cloud.Health) string {
	if h.State == cloud.HealthProblems {
		return "error"
	}
	return ""
}

// worse is the worse of two health states.
func worse(a, b string) string {
	if healthRank(b) < healthRank(a) {
		return b
	}
	return a
}

// healthRank sorts problems first, then unknown, then ok.
func healthRank(state string) string {
	switch state {
	case cloud.HealthProblems:
		return "0"
	case cloud.HealthUnknown:
		return "1"
	}
	return "2"
}

func healthClass(state string) render.Class {
	switch state {
	case cloud.HealthProblems:
		return render.Problem
	case cloud.HealthUnknown:
		return render.Dim
	}
	return render.Normal
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
