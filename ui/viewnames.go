package ui

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

// viewCount is the number of top-level views.
const viewCount = 8

// View indexes, in tab order (keys 1…8).
const (
	viewTopology = iota
	viewNetworks
	viewRouters
	viewNamespaces
	viewPorts
	viewFlows
	viewProblems
	viewDiagram
)

// viewNodes is the Nodes view of a cloud (key 0, the first tab): it has
// no pane per snapshot, so it comes after the per-snapshot views in the
// index, and viewSlots counts both.
const (
	viewNodes = viewCount
	viewSlots = viewCount + 1
)

// viewTitle is a view's tab title, the Nodes view's included.
func viewTitle(i int) string {
	if i == viewNodes {
		return "Nodes"
	}
	return viewTitles()[i]
}

// CloudViewNames are the views only a cloud of many nodes has, as --view
// takes them: the Nodes view, and the mesh (the Nodes view showing the
// tunnel mesh).
func CloudViewNames() []string { return []string{"nodes", "mesh"} }

// cloudView says which cloud view a name (any case) is: the Nodes view,
// with mesh the mesh shown.
func cloudView(name string) (ok, mesh bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "nodes", "node":
		return true, false
	case "mesh":
		return true, true
	}
	return false, false
}

// viewTitles are the tabs.
func viewTitles() [viewCount]string {
	return [viewCount]string{"Topology", "Networks", "Routers", "Namespaces", "Ports", "Flows", "Problems", "Diagram"}
}

// ViewNames lists the top-level views in tab order, lower case, as
// --view and shell completion take them.
func ViewNames() []string {
	var out []string
	for _, v := range viewTitles() {
		out = append(out, strings.ToLower(v))
	}
	return out
}

// IsView reports whether name (any case) is a top-level view, the
// views of a cloud (CloudViewNames) included.
func IsView(name string) bool {
	ok, _ := cloudView(name)
	return ok || viewIndex(name) >= 0
}

// viewIndex is the index of a view by name or by a prefix of two letters
// or more; -1 when none.
func viewIndex(name string) int {
	name = strings.ToLower(strings.TrimSpace(name))
	for i, v := range viewTitles() {
		v = strings.ToLower(v)
		if name == v || len(name) >= 2 && strings.HasPrefix(v, name) {
			return i
		}
	}
	return -1
}

// viewData is what every view shows of one snapshot, built once (pure).
type viewData struct {
	topology, namespaces                      []*tree.Node
	networks, routers, ports, flows, problems table.Data
	diagram                                   *diagram.Layout
}

func buildViews(s *topo.Snapshot, exam doctor.Result, badges map[render.Ref]string) viewData {
	return viewData{
		topology:   views.Topology(s, badges),
		networks:   views.Networks(s),
		routers:    views.Routers(s),
		namespaces: views.Namespaces(s, badges),
		ports:      views.Ports(s),
		flows:      views.Flows(s),
		problems:   views.Problems(exam),
		diagram:    diagram.Build(s, exam, diagram.Options{}),
	}
}

// panes makes each view's list pane.
func (d viewData) panes(c pane.Context) [viewCount]pane.Pane {
	return [viewCount]pane.Pane{
		viewTopology:   tree.New(c, d.topology, views.TopologyOptions()),
		viewNetworks:   table.New(c, d.networks),
		viewRouters:    table.New(c, d.routers),
		viewNamespaces: tree.New(c, d.namespaces, views.NamespacesOptions()),
		viewPorts:      table.New(c, d.ports),
		viewFlows:      table.New(c, d.flows),
		viewProblems:   table.New(c, d.problems),
		viewDiagram:    diagram.New(c, d.diagram),
	}
}

// table is a table view's data by view index.
func (d viewData) table(i int) table.Data {
	switch i {
	case viewNetworks:
		return d.networks
	case viewRouters:
		return d.routers
	case viewPorts:
		return d.ports
	case viewFlows:
		return d.flows
	}
	return d.problems
}

// keys are every row's change-mark key, for the next refresh.
func (d viewData) keys() map[string]bool {
	out := map[string]bool{}
	var walk func(ns []*tree.Node)
	walk = func(ns []*tree.Node) {
		for _, n := range ns {
			if n.Key != "" {
				out[n.Key] = true
			}
			walk(n.Children)
		}
	}
	walk(d.topology)
	walk(d.namespaces)
	for _, t := range []table.Data{d.networks, d.routers, d.ports, d.flows, d.problems} {
		for _, r := range t.Rows {
			if r.Key != "" {
				out[r.Key] = true
			}
		}
	}
	return out
}
