package views

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
)

func realCloud(t *testing.T) (*cloud.Cloud, []*topo.Snapshot) {
	t.Helper()
	var snaps []*topo.Snapshot
	for _, f := range []string{"net", "net2", "cmp", "cmp-ovsfw"} {
		snaps = append(snaps, fixturetest.Load(t, f))
	}
	c, err := cloud.New(snaps)
	if err != nil {
		t.Fatal(err)
	}
	return c, snaps
}

// The Nodes view: the row of all nodes first (the sums), then each node
// with its roles, health, counts and local IP; the scope marked.
func TestNodes(t *testing.T) {
	c, _ := realCloud(t)
	d := Nodes(c, "compute2")
	if len(d.Rows) != 5 {
		t.Fatalf("%d rows", len(d.Rows))
	}
	all := d.Rows[0]
	if all.Ref != AllRef() || all.Cells[0] != "  all 4 nodes" || all.Cells[3] != "30" {
		t.Errorf("the row of all nodes: %q", all.Cells)
	}
	for i, want := range [][]string{
		{"  compute1", "compute", "ok", "6", "4", "1", "0", "3", "10.30.0.21"},
		{ScopeMark + "compute2", "compute", "ok", "5", "3", "1", "0", "2", "10.30.0.22"},
		{"  netnode", "network", "ok", "15", "0", "3", "5", "3", "10.30.0.11"},
		{"  netnode2", "network", "ok", "4", "0", "1", "0", "2", "10.30.0.12"},
	} {
		r := d.Rows[i+1]
		if strings.Join(r.Cells, "|") != strings.Join(want, "|") {
			t.Errorf("row %d: %q, want %q", i+1, r.Cells, want)
		}
		if name := strings.TrimPrefix(strings.TrimSpace(want[0]), ScopeMark); r.Ref != NodeRef(name) {
			t.Errorf("row %d: ref %v", i+1, r.Ref)
		}
	}
	if d := NodesPlain(c); d.Rows[0].Cells[0] != "all 4 nodes" || d.Rows[2].Cells[0] != "compute2" {
		t.Errorf("plain rows are marked: %q %q", d.Rows[0].Cells[0], d.Rows[2].Cells[0])
	}
	for _, c := range []struct {
		state    string
		p, u     int
		want     string
		wantRank string
	}{
		{cloud.HealthOK, 0, 0, "ok", "2"},
		{cloud.HealthProblems, 3, 0, "✗ 3", "0"},
		{cloud.HealthProblems, 3, 2, "✗ 3 ? 2", "0"},
		{cloud.HealthUnknown, 0, 2, "? 2", "1"},
		{cloud.HealthUnknown, 0, 0, "unknown", "1"},
	} {
		if got := healthCell(c.state, c.p, c.u); got != c.want || healthRank(c.state) != c.wantRank {
			t.Errorf("%s %d %d: %q (rank %s), want %q", c.state, c.p, c.u, got, healthRank(c.state), c.want)
		}
	}
}

// A table view of many nodes is a tree: each node's rows under its
// heading in the table's order, their Refs naming their node, the
// columns aligned under one heading, the least useful ones left out; a
// node with no rows says the table's empty text.
func TestGroupTables(t *testing.T) {
	c, _ := realCloud(t)
	var heads []NodeHead
	var tables []table.Data
	for _, n := range c.Nodes {
		heads = append(heads, NodeHead{Node: n.Name, Text: "node " + n.Name, Ref: NodeRef(n.Name)})
		tables = append(tables, Networks(n.Snap))
	}
	tables[1] = table.Data{Columns: tables[1].Columns, Empty: "no Neutron network on this node"}
	roots, opt := GroupTables("Networks", heads, tables)
	if len(roots) != 4 || opt.Name != "Networks" || opt.OpenDepth != 1 {
		t.Fatalf("%d roots, %+v", len(roots), opt)
	}
	if !strings.HasPrefix(opt.Heading, "    VLAN  NETWORK   TYPE ") || strings.Contains(opt.Heading, "PHYSNET") || !strings.HasSuffix(opt.Heading, "STATE/PROBLEMS") {
		t.Errorf("heading %q", opt.Heading)
	}
	if r := roots[1]; len(r.Children) != 1 || r.Children[0].Text != "no Neutron network on this node" {
		t.Errorf("the empty node: %+v", r.Children)
	}
	c1 := roots[0] // compute1
	prev := -1
	for _, ch := range c1.Children {
		node, own, ok := render.NodeOf(ch.Ref)
		if !ok || node != "compute1" || own.Kind != "network" {
			t.Errorf("row %q: ref %v", ch.Text, ch.Ref)
		}
		vlan, err := strconv.Atoi(strings.Fields(ch.Text)[0])
		if err != nil || vlan < prev {
			t.Errorf("rows not in VLAN order: %q after %d", ch.Text, prev)
		}
		prev = vlan
	}
}

// A tree view of many nodes: each node's tree under its heading, its
// Refs naming its node, opened one level deeper; a heading of columns
// moves over by the level.
func TestGroupTrees(t *testing.T) {
	c, _ := realCloud(t)
	var heads []NodeHead
	var trees [][]*tree.Node
	for _, n := range c.Nodes {
		heads = append(heads, NodeHead{Node: n.Name, Text: "node " + n.Name, Ref: NodeRef(n.Name)})
		trees = append(trees, Namespaces(n.Snap, nil))
	}
	roots, opt := GroupTrees(heads, trees, NamespacesOptions())
	if opt.OpenDepth != NamespacesOptions().OpenDepth+1 || !strings.HasPrefix(opt.Heading, "    NAMESPACE          KIND") || len(opt.Columns) != 0 {
		t.Errorf("options %+v", opt)
	}
	var walk func(node string, ns []*tree.Node)
	walk = func(node string, ns []*tree.Node) {
		for _, n := range ns {
			if n.Ref != (render.Ref{}) {
				if got, _, ok := render.NodeOf(n.Ref); !ok || got != node {
					t.Errorf("%q under %s: ref %v", n.Text, node, n.Ref)
				}
			}
			walk(node, n.Children)
		}
	}
	for i, r := range roots {
		if r.Ref != NodeRef(c.Nodes[i].Name) {
			t.Errorf("heading %d: %v", i, r.Ref)
		}
		walk(c.Nodes[i].Name, r.Children)
	}
	// The one-node trees are not changed.
	if trees[0][0].Ref.ID != "" && strings.Contains(trees[0][0].Ref.ID, "\x00") {
		t.Error("GroupTrees changed the node's own tree")
	}
}
