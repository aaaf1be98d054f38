package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/meshview"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

// ErrUnknownView is returned for a view name that is not a top-level view.
var ErrUnknownView = errors.New("unknown view")

// PlainText is a view of a snapshot as text, for printing without the TUI
// (--plain, a pipe): a table with every column, a tree unfolded, the
// diagram whole; with a filter (the TUI's language), the rows it matches
// (in a tree, with their parents). The rows are built from terminal-safe
// strings (safetext.Term), so the text is safe to write to a terminal as
// it is. An unknown view is ErrUnknownView; a bad filter its error.
func PlainText(s *topo.Snapshot, view, filterText string) (string, error) {
	if ok, _ := cloudView(view); ok {
		// The Nodes view of one node: a cloud of one.
		c, err := cloud.New([]*topo.Snapshot{s})
		if err != nil {
			return "", err
		}
		return PlainCloud(c, view, filterText)
	}
	i := viewIndex(view)
	if i < 0 {
		// %q writes control characters as escapes.
		return "", fmt.Errorf("%w %q (%s)", ErrUnknownView, view, strings.Join(ViewNames(), ", "))
	}
	q, err := filter.Parse(filterText)
	if err != nil {
		return "", err
	}
	exam := doctor.Examine(s)
	badges := render.Badges(exam.Findings)
	switch i {
	case viewTopology:
		return plainTree(views.Topology(s, badges), q), nil
	case viewNamespaces:
		return plainTree(views.Namespaces(s, badges), q), nil
	case viewNetworks:
		return plainTable(views.Networks(s), q), nil
	case viewRouters:
		return plainTable(views.Routers(s), q), nil
	case viewPorts:
		return plainTable(views.Ports(s), q), nil
	case viewFlows:
		return plainTable(views.Flows(s), q), nil
	case viewProblems:
		return plainTable(views.Problems(exam), q), nil
	}
	return diagram.Text(diagram.Build(s, exam, diagram.Options{})), nil
}

// plainTable writes the heading and the matching rows, every column at
// its widest cell, two spaces apart.
func plainTable(d table.Data, q filter.Query) string {
	width := make([]int, len(d.Columns))
	for c, col := range d.Columns {
		width[c] = ansi.StringWidth(col.Title)
	}
	var rows []table.Row
	for _, r := range d.Rows {
		if !q.Match(r.Fields) {
			continue
		}
		rows = append(rows, r)
		for c, cell := range r.Cells {
			width[c] = max(width[c], ansi.StringWidth(cell))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		var parts []string
		for c, cell := range cells {
			pad := strings.Repeat(" ", max(0, width[c]-ansi.StringWidth(cell)))
			if d.Columns[c].Numeric {
				parts = append(parts, pad+cell)
			} else {
				parts = append(parts, cell+pad)
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		b.WriteByte('\n')
	}
	titles := make([]string, len(d.Columns))
	for c, col := range d.Columns {
		titles[c] = strings.ToUpper(col.Title)
	}
	line(titles)
	for _, r := range rows {
		line(r.Cells)
	}
	if len(rows) == 0 && len(d.Rows) == 0 && d.Empty != "" {
		b.WriteString(d.Empty + "\n")
	}
	return b.String()
}

// plainTree writes the tree unfolded, two spaces a level; with a filter,
// the matching nodes and the parents they sit under in the model.
func plainTree(roots []*tree.Node, q filter.Query) string {
	var b strings.Builder
	for _, r := range roots {
		b.WriteString(plainNode(r, 0, q))
	}
	return b.String()
}

// plainNode is a node's lines and its subtree's: "" when neither it nor
// anything under it matches.
func plainNode(n *tree.Node, depth int, q filter.Query) string {
	var below strings.Builder
	for _, c := range n.Children {
		below.WriteString(plainNode(c, depth+1, q))
	}
	if below.Len() == 0 && !q.Match(n.Fields) {
		return ""
	}
	return strings.Repeat("  ", depth) + n.Text + "\n" + below.String()
}

// PlainCloud is a view of a cloud as text: the Nodes view (the node
// table, then the tunnel mesh as a matrix with its key and legend), the
// mesh alone, or any other view of each node in turn under a line naming
// the node (the Problems view after the problems across nodes). A filter
// applies to the rows of the tables and trees. Every line is built from
// terminal-safe strings.
func PlainCloud(c *cloud.Cloud, view, filterText string) (string, error) {
	nodesView, meshOnly := cloudView(view)
	i := viewIndex(view)
	if !nodesView && i < 0 {
		return "", fmt.Errorf("%w %q (%s)", ErrUnknownView, view, strings.Join(append(CloudViewNames(), ViewNames()...), ", "))
	}
	q, err := filter.Parse(filterText)
	if err != nil {
		return "", err
	}
	if nodesView {
		if meshOnly {
			return meshview.Text(c), nil
		}
		return plainTable(views.NodesPlain(c), q) + "\n" + meshview.Text(c), nil
	}
	var b strings.Builder
	if i == viewProblems {
		b.WriteString(cloud.ProblemsText(c))
		b.WriteString("\n")
	}
	for k, n := range c.Nodes {
		if k > 0 {
			b.WriteString("\n")
		}
		b.WriteString("== node " + safetext.Term(n.Name) + " (" + safetext.Term(strings.Join(n.Roles, ", ")) + ") ==\n")
		text, err := PlainText(n.Snap, view, filterText)
		if err != nil {
			return "", err
		}
		b.WriteString(text)
	}
	return b.String(), nil
}
