package ui

import (
	"strconv"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/meshview"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

// buildAll makes the views of the scope "all" from every node's (in the
// cloud's node order): each list view's rows under a heading of their
// node, the Problems view led by the problems across nodes; the badges
// and the detail pages are each node's, by the node the row names.
func buildAll(cl *cloud.Cloud, nodes []*loaded, c pane.Context) *loaded {
	l := &loaded{exam: mergedExam(nodes), badges: map[render.Ref]string{}}
	heads := make([]views.NodeHead, len(cl.Nodes))
	byNode := make(map[string]*describe.Index, len(cl.Nodes))
	unread := 0
	for i := range cl.Nodes {
		n := &cl.Nodes[i]
		heads[i] = headOf(n)
		byNode[n.Name] = nodes[i].pages
		for ref, sev := range nodes[i].badges {
			l.badges[render.OnNode(n.Name, ref)] = sev
		}
		if b := views.NodeBadge(n.Health); b != "" {
			l.badges[views.NodeRef(n.Name)] = b
		}
		if nodes[i].unread != "" {
			unread++
		}
	}
	if unread > 0 {
		l.unread = strconv.Itoa(unread) + " of " + strconv.Itoa(len(cl.Nodes)) + " nodes not read whole"
	}
	c.Badges = l.badges
	l.ctx = c
	trees := func(f func(d *viewData) []*tree.Node) [][]*tree.Node {
		out := make([][]*tree.Node, len(nodes))
		for i, n := range nodes {
			out[i] = f(&n.data)
		}
		return out
	}
	tables := func(view int) []table.Data {
		out := make([]table.Data, len(nodes))
		for i, n := range nodes {
			out[i] = n.data.table(view)
		}
		return out
	}
	roots, opt := views.GroupTrees(heads, trees(func(d *viewData) []*tree.Node { return d.topology }), views.TopologyOptions())
	l.panes[viewTopology] = tree.New(c, roots, opt)
	roots, opt = views.GroupTrees(heads, trees(func(d *viewData) []*tree.Node { return d.namespaces }), views.NamespacesOptions())
	l.panes[viewNamespaces] = tree.New(c, roots, opt)
	for _, v := range []int{viewNetworks, viewRouters, viewPorts, viewFlows} {
		roots, opt := views.GroupTables(viewTitles()[v], heads, tables(v))
		l.panes[v] = tree.New(c, roots, opt)
	}
	cross := views.NodeHead{Text: crossHeading(cl), Ref: views.AllRef(), Class: render.Header}
	roots, opt = views.GroupTables("Problems", append([]views.NodeHead{cross}, heads...),
		append([]table.Data{views.CrossProblems(cl)}, tables(viewProblems)...))
	l.panes[viewProblems] = tree.New(c, roots, opt)
	d := newTextPane(c, "Diagram")
	d.add("The diagram draws one node at a time: choose it with enter on its row", render.Normal)
	d.add("in the Nodes view (0), or with :node NAME; D on a row of a node draws that node.", render.Normal)
	d.cursor, d.offset = 0, 0
	l.panes[viewDiagram] = d
	l.pager = &allPages{cloud: &cloudPages{c: cl}, byNode: byNode}
	return l
}

// crossHeading heads the problems across nodes in the Problems view.
func crossHeading(cl *cloud.Cloud) string {
	switch {
	case len(cl.Problems) == 0 && len(cl.Unknown) == 0:
		return "across nodes  none found"
	case len(cl.Problems) == 0:
		return "across nodes  none found  ? " + strconv.Itoa(len(cl.Unknown)) + " not checked"
	}
	text := "across nodes  ✗ " + strconv.Itoa(len(cl.Problems)) + " problems"
	if len(cl.Unknown) > 0 {
		text += "  ? " + strconv.Itoa(len(cl.Unknown)) + " not checked"
	}
	return text
}

// allPages are the detail pages of the scope "all": a row's object from
// the snapshot of the node the row names, and the cloud's own pages.
type allPages struct {
	cloud  *cloudPages
	byNode map[string]*describe.Index
	// last is the node of the last page opened: a link on a page names
	// an object of that page's node.
	last string
}

func (p *allPages) Page(ref render.Ref) describe.Page {
	switch ref.Kind {
	case views.KindNode, views.KindCloud, meshview.Kind, views.KindCrossProblem, views.KindCrossUnknown:
		return p.cloud.Page(ref)
	}
	node, own, ok := render.NodeOf(ref)
	if !ok {
		node = p.last
	}
	ix := p.byNode[node]
	if ix == nil {
		return describe.Unknown(own)
	}
	p.last = node
	pg := ix.Page(own)
	pg.Title += " on " + safetext.Term(node)
	return pg
}
