package views

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
)

// A view of many nodes (the scope "all" of a cloud) shows each node's
// rows of the one-node view under a heading row of the node, which folds
// like any group of the tree pane. The rows' Refs name their node
// (render.OnNode): a distributed router's port is on several nodes, and
// the detail pane opens each from its own node's snapshot.

// NodeHead is the heading row of one node's rows.
type NodeHead struct {
	// Node qualifies the Refs of the rows under it; "" leaves them as
	// they are (the problems across nodes, which are no one node's).
	Node string
	// Text is the heading, terminal-safe.
	Text   string
	Ref    render.Ref
	Class  render.Class
	Health tree.Health
	Fields filter.Fields
}

// groupMaxPriority is the least useful column the grouped tables keep:
// the columns a table drops first on a narrow terminal (a port's MAC,
// instance and device) are on each row's detail page, and a row of many
// nodes' views is read next to the heading of its node.
const groupMaxPriority = 4

// GroupTrees puts each node's tree (trees[i] under heads[i]) under its
// heading. opt is the one-node view's options: the nodes' groups open at
// start, and below them the folding is the one-node view's; a heading of
// columns (Namespaces) moves over by the level the node adds, and no
// longer sorts (its rows are no longer the top level).
func GroupTrees(heads []NodeHead, trees [][]*tree.Node, opt tree.Options) ([]*tree.Node, tree.Options) {
	roots := make([]*tree.Node, 0, len(heads))
	for i, h := range heads {
		roots = append(roots, head(h, qualify(h.Node, trees[i])))
	}
	out := tree.Options{Name: opt.Name, OpenDepth: opt.OpenDepth + 1}
	switch {
	case len(opt.Columns) > 0:
		var b strings.Builder
		b.WriteString("    ") // a level and the fold glyph
		for i, c := range opt.Columns {
			t := c.Title
			if i < len(opt.Columns)-1 {
				t = padRight(t, c.Width)
			}
			b.WriteString(t)
		}
		out.Heading = b.String()
	case opt.Heading != "":
		out.Heading = "  " + opt.Heading
	}
	return roots, out
}

// GroupTables shows table views of many nodes (tables[i] under heads[i],
// all with the same columns) as one tree: under each heading its rows in
// the table's own order, as aligned columns under one heading line (the
// columns a narrow table would drop first are left out, the widest one
// last). name titles the pane.
func GroupTables(name string, heads []NodeHead, tables []table.Data) ([]*tree.Node, tree.Options) {
	opt := tree.Options{Name: name, OpenDepth: 1}
	if len(tables) == 0 {
		return nil, opt
	}
	cols := groupColumns(tables[0].Columns)
	width := make([]int, len(cols))
	for k, c := range cols {
		width[k] = ansi.StringWidth(safetext.Term(tables[0].Columns[c].Title))
	}
	for _, d := range tables {
		for _, r := range d.Rows {
			for k, c := range cols {
				if c < len(r.Cells) {
					width[k] = max(width[k], ansi.StringWidth(safetext.Term(r.Cells[c])))
				}
			}
		}
	}
	for k, c := range cols {
		col := tables[0].Columns[c]
		limit := col.Max
		if limit == 0 {
			limit = table.DefaultMax
		}
		width[k] = min(width[k], limit)
	}
	line := func(cells []string, columns []table.Column) string {
		var b strings.Builder
		for k, c := range cols {
			cell := ""
			if c < len(cells) {
				cell = safetext.Term(cells[c])
			}
			last := k == len(cols)-1
			if !last {
				cell = ansi.Truncate(cell, width[k], "…")
				pad := strings.Repeat(" ", max(0, width[k]-ansi.StringWidth(cell)))
				if columns[c].Numeric {
					cell = pad + cell
				} else {
					cell += pad
				}
				cell += "  "
			}
			b.WriteString(cell)
		}
		return strings.TrimRight(b.String(), " ")
	}
	titles := make([]string, len(tables[0].Columns))
	for c, col := range tables[0].Columns {
		titles[c] = safetext.Term(col.Title)
	}
	opt.Heading = "    " + line(titles, tables[0].Columns) // a level and the fold glyph
	roots := make([]*tree.Node, 0, len(heads))
	for i, h := range heads {
		d := tables[i]
		var rows []*tree.Node
		for _, r := range sortedRows(d) {
			n := &tree.Node{
				Text: line(r.Cells, d.Columns), Class: r.Class, Ref: onNode(h.Node, r.Ref),
				Copy: safetext.Term(r.Copy), Trace: safetext.Term(r.Trace), Fields: r.Fields, NoBadge: r.NoBadge,
			}
			if r.Class == render.Problem {
				n.Health = tree.Error
			}
			rows = append(rows, n)
		}
		if len(rows) == 0 {
			text := "nothing"
			if d.Empty != "" {
				text = safetext.Term(d.Empty)
			}
			rows = append(rows, &tree.Node{Text: text, Class: d.EmptyClass, NoBadge: true})
		}
		roots = append(roots, head(h, rows))
	}
	return roots, opt
}

// head is a node's heading row over its rows.
func head(h NodeHead, children []*tree.Node) *tree.Node {
	return &tree.Node{Text: h.Text, Class: h.Class, Ref: h.Ref, Health: h.Health, Fields: h.Fields, Copy: safetext.Term(h.Node), Children: children}
}

// onNode is ref named by node ("" none: the rows across nodes).
func onNode(node string, ref render.Ref) render.Ref {
	if node == "" {
		return ref
	}
	return render.OnNode(node, ref)
}

// qualify copies a node's tree with each Ref naming the node.
func qualify(node string, ns []*tree.Node) []*tree.Node {
	if node == "" {
		return ns
	}
	out := make([]*tree.Node, len(ns))
	for i, n := range ns {
		c := *n
		c.Ref = render.OnNode(node, n.Ref)
		c.Children = qualify(node, n.Children)
		out[i] = &c
	}
	return out
}

// groupColumns are the indexes of the columns a grouped table shows:
// those a narrow table keeps longest, the flexible (widest) one last.
func groupColumns(cols []table.Column) []int {
	var out []int
	flex := -1
	for i, c := range cols {
		switch {
		case c.Priority > groupMaxPriority:
		case c.Flex:
			flex = i
		default:
			out = append(out, i)
		}
	}
	if flex >= 0 {
		out = append(out, flex)
	}
	return out
}

// sortedRows are a table's rows in the order the table shows them first
// (its SortBy column), numbers as numbers.
func sortedRows(d table.Data) []table.Row {
	col := -1
	for i, c := range d.Columns {
		if d.SortBy != 0 && c.Sort == d.SortBy {
			col = i
		}
	}
	if col < 0 {
		return d.Rows
	}
	rows := slices.Clone(d.Rows)
	value := func(r table.Row) string {
		if col < len(r.SortKeys) && r.SortKeys[col] != "" {
			return r.SortKeys[col]
		}
		if col < len(r.Cells) {
			return r.Cells[col]
		}
		return ""
	}
	slices.SortStableFunc(rows, func(a, b table.Row) int {
		x, y := value(a), value(b)
		var c int
		if d.Columns[col].Numeric {
			nx, ex := strconv.Atoi(x)
			ny, ey := strconv.Atoi(y)
			c = cmp.Or(cmp.Compare(boolRank(ex != nil), boolRank(ey != nil)), cmp.Compare(nx, ny), strings.Compare(x, y))
		} else {
			c = strings.Compare(x, y)
		}
		if d.Descending {
			c = -c
		}
		return c
	})
	return rows
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// padRight pads s with spaces to w cells (one space at least after it).
func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}
