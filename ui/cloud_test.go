package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/traceview"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

// realCloud are the recordings of the one real-Neutron lab cloud: two
// network nodes (netnode, netnode2) and two compute nodes (compute1,
// compute2).
var realCloud = []string{"net", "net2", "cmp", "cmp-ovsfw"}

// crossingFIP is a floating IP of the recorded cloud whose router is on
// netnode and whose instance is on compute1 (VNI 1853 between them).
const crossingFIP = "203.0.113.143"

// cloudSource serves a cloud of snapshots.
type cloudSource struct {
	snaps []*topo.Snapshot
	err   error
}

func (s cloudSource) Cloud(context.Context) (*cloud.Cloud, error) {
	if s.err != nil {
		return nil, s.err
	}
	return cloud.New(s.snaps)
}
func (cloudSource) Describe() string { return "replay-dir" }

func loadSnaps(t testing.TB, names ...string) []*topo.Snapshot {
	t.Helper()
	var out []*topo.Snapshot
	for _, n := range names {
		out = append(out, fixturetest.Load(t, n))
	}
	return out
}

// newCloudTest opens the TUI on a cloud at a size, running the commands
// as the program would (newTest).
func newCloudTest(t testing.TB, snaps []*topo.Snapshot, w, h int, opt ...func(*Options)) *Model {
	t.Helper()
	return newTest(t, nil, w, h, append([]func(*Options){func(o *Options) { o.Cloud = cloudSource{snaps: snaps} }}, opt...)...)
}

// command types a : command and enter.
func command(t testing.TB, m *Model, line string) {
	t.Helper()
	keys(t, m, ":")
	for _, r := range line {
		keys(t, m, string(r))
	}
	keys(t, m, "enter")
}

// bigCloud is a cloud of copies of snaps, each copy k a node of its own
// ("compute1-03") with its own tunnel addresses (10.30.k.x): copies of
// one group reach each other, copies of others share their networks but
// have no tunnel to them (the mesh says missing).
func bigCloud(snaps []*topo.Snapshot, copies int) []*topo.Snapshot {
	var out []*topo.Snapshot
	for k := 0; k < copies; k++ {
		remap := func(ip string) string {
			if rest, ok := strings.CutPrefix(ip, "10.30.0."); ok {
				return "10.30." + strconv.Itoa(k) + "." + rest
			}
			return ip
		}
		for _, s := range snaps {
			c := *s
			c.Host = fmt.Sprintf("%s-%02d", s.Host, k+1)
			c.Neutron.Tunnels = slices.Clone(s.Neutron.Tunnels)
			for i := range c.Neutron.Tunnels {
				t := &c.Neutron.Tunnels[i]
				t.LocalIP, t.RemoteIP = remap(t.LocalIP), remap(t.RemoteIP)
			}
			out = append(out, &c)
		}
	}
	return out
}

// The Nodes view and the mesh on the recorded cloud, at the two
// sizes, and the mesh of twenty nodes at 80×24.
func TestCloudGolden(t *testing.T) {
	screens := []struct {
		name  string
		nodes int // copies of the recorded cloud (1: the cloud itself)
		keys  []string
	}{
		{"nodes", 1, nil},
		{"nodes-compute1", 1, []string{"j"}},
		{"mesh", 1, []string{"m"}},
		{"mesh-cell", 1, []string{"m", "j", "right", "right"}},
		{"ports-all", 1, []string{"5"}},
		{"mesh-20", 5, []string{"m"}},
		{"mesh-20-scrolled", 5, append([]string{"m", "G"}, slices.Repeat([]string{">"}, 18)...)},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range screens {
			name := v.name + "-" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
			t.Run(name, func(t *testing.T) {
				snaps := loadSnaps(t, realCloud...)
				if v.nodes > 1 {
					snaps = bigCloud(snaps, v.nodes)
				}
				m := newCloudTest(t, snaps, size[0], size[1])
				keys(t, m, v.keys...)
				got := screen(m)
				if lines := strings.Count(got, "\n") + 1; lines != size[1] {
					t.Errorf("%d lines at height %d", lines, size[1])
				}
				for i, line := range strings.Split(got, "\n") {
					if w := ansi.StringWidth(line); w > size[0] {
						t.Errorf("line %d is %d wide at width %d: %q", i, w, size[0], line)
					}
				}
				golden(t, name, got)
			})
		}
	}
}

// A cloud opens on its Nodes view, scoped to all nodes: tab 0 ahead of
// the node's views, the header naming the scope; no node's views are
// built yet.
func TestCloudOpensOnNodes(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 120, 40)
	l := lines(m)
	if !strings.HasPrefix(l[0], "ostopo all 4 nodes  ✓ healthy  replay-dir") || !strings.HasPrefix(l[1], "0 Nodes 1 Topology") || !strings.HasPrefix(l[2], "Nodes") {
		t.Fatalf("not the Nodes view of all nodes:\n%s", screen(m))
	}
	for _, n := range []string{"compute1", "compute2", "netnode", "netnode2"} {
		if !strings.Contains(screen(m), "  "+n+" ") {
			t.Errorf("no row of %s:\n%s", n, screen(m))
		}
	}
	if len(m.cloud.byNode) != 0 || m.cloud.all != nil {
		t.Errorf("views built at load: %d nodes, all %v", len(m.cloud.byNode), m.cloud.all != nil)
	}
	// One node is today's TUI: no Nodes view.
	one := newCloudTest(t, loadSnaps(t, "cmp"), 120, 40)
	single := newTest(t, &fixtureSource{names: []string{"cmp"}}, 120, 40)
	if one.cloud != nil || screen(one)[strings.Index(screen(one), "\n"):] != screen(single)[strings.Index(screen(single), "\n"):] {
		t.Errorf("a cloud of one node is not the one-node TUI:\n%s\n%s", screen(one), screen(single))
	}
}

// portIDs are the PORT cells a screen's list shows (13 characters of a
// UUID at the start of a row, after the gutter and the tree's indent).
func portIDs(t *testing.T, s *topo.Snapshot) []string {
	var out []string
	for _, p := range s.Neutron.Ports {
		out = append(out, p.ID[:13])
	}
	return out
}

// :node compute1 scopes the Ports view to compute1's ports, and only
// theirs; the header says compute1. Enter on a node's row does the same
// from the Nodes view, and goes on to the last view shown.
func TestNodeScopesViews(t *testing.T) {
	snaps := loadSnaps(t, realCloud...)
	var compute1, netnode *topo.Snapshot
	for _, s := range snaps {
		switch s.Host {
		case "compute1":
			compute1 = s
		case "netnode":
			netnode = s
		}
	}
	m := newCloudTest(t, snaps, 160, 48)
	command(t, m, "node compute1")
	if n := len(m.cloud.byNode); n != 1 || m.cloud.all != nil || m.active != viewTopology {
		t.Errorf(":node compute1 from the Nodes view: %d nodes built, all %v, view %d", n, m.cloud.all != nil, m.active)
	}
	keys(t, m, "5")
	scr := screen(m)
	if !strings.HasPrefix(lines(m)[0], "ostopo compute1 (node 1 of 4)") {
		t.Errorf("the header does not name the scope:\n%s", scr)
	}
	if want := "Ports [" + strconv.Itoa(len(compute1.Neutron.Ports)) + "/" + strconv.Itoa(len(compute1.Neutron.Ports)) + "]"; !strings.Contains(scr, want) {
		t.Errorf("the Ports view is not compute1's (%s):\n%s", want, scr)
	}
	for _, id := range portIDs(t, compute1) {
		if !strings.Contains(scr, id) {
			t.Errorf("compute1's port %s is not listed:\n%s", id, scr)
		}
	}
	for _, id := range portIDs(t, netnode) {
		if !slices.Contains(portIDs(t, compute1), id) && strings.Contains(scr, id) {
			t.Errorf("netnode's port %s is listed in compute1's scope:\n%s", id, scr)
		}
	}
	// From the Nodes view: enter on netnode (rows: all, compute1,
	// compute2, netnode) scopes to it and opens Ports again.
	keys(t, m, "0", "j", "j", "j", "enter")
	if m.active != viewPorts || m.cloud.scope != "netnode" || !strings.HasPrefix(lines(m)[0], "ostopo netnode (node 3 of 4)") {
		t.Fatalf("enter on netnode: view %d scope %q:\n%s", m.active, m.cloud.scope, screen(m))
	}
	if want := "Ports [" + strconv.Itoa(len(netnode.Neutron.Ports)) + "/"; !strings.Contains(screen(m), want) {
		t.Errorf("not netnode's ports (%s):\n%s", want, screen(m))
	}
	// The Nodes view marks the scope.
	keys(t, m, "0")
	if !strings.Contains(screen(m), "● netnode") || strings.Contains(screen(m), "● all") {
		t.Errorf("the Nodes view does not mark the scope:\n%s", screen(m))
	}
	if n := len(m.cloud.byNode); n != 2 || m.cloud.all != nil {
		t.Errorf("%d nodes' views built (all: %v), want the 2 scoped to", n, m.cloud.all != nil)
	}
	command(t, m, "node nosuch")
	if !strings.Contains(m.status, "no node nosuch") || m.cloud.scope != "netnode" {
		t.Errorf(":node nosuch: status %q, scope %q", m.status, m.cloud.scope)
	}
}

// :node all groups each view's rows under a foldable heading of their
// node; the rows' detail pages are their node's; the Problems view leads
// with the problems across nodes.
func TestNodeAllGroups(t *testing.T) {
	snaps := loadSnaps(t, realCloud...)
	m := newCloudTest(t, snaps, 160, 48)
	command(t, m, "node compute1")
	command(t, m, "node all")
	keys(t, m, "5")
	if !strings.HasPrefix(lines(m)[0], "ostopo all 4 nodes") {
		t.Fatalf("header:\n%s", screen(m))
	}
	tr, ok := m.list().(*tree.Model)
	if !ok {
		t.Fatalf("the Ports view of all nodes is a %T, not a tree of nodes", m.list())
	}
	scr := screen(m)
	var heads []int
	for i, l := range lines(m) {
		for _, s := range snaps {
			if strings.Contains(l, "▼ node "+s.Host+" ") {
				heads = append(heads, i)
			}
		}
	}
	if len(heads) != 4 {
		t.Fatalf("%d node headings, want 4:\n%s", len(heads), scr)
	}
	// compute1's ports are under compute1's heading, before compute2's.
	ls := lines(m)
	for _, id := range portIDs(t, snaps[2]) { // cmp is compute1
		found := false
		for _, l := range ls[heads[0]+1 : heads[1]] {
			found = found || strings.Contains(l, id)
		}
		if !found {
			t.Errorf("compute1's port %s is not under its heading:\n%s", id, scr)
		}
	}
	// A row's page is its node's: the same router port is on compute1
	// and compute2 with its own VLAN on each.
	keys(t, m, "j")
	sel := tr.Selected().Ref
	if node, own, ok := render.NodeOf(sel); !ok || node != "compute1" || own.Kind != "port" {
		t.Errorf("the first row's Ref %q names no node", sel)
	}
	if !strings.Contains(screen(m), "on compute1") {
		t.Errorf("the detail page does not say its node:\n%s", screen(m))
	}
	// space on a heading folds its node.
	keys(t, m, "g", "space")
	if strings.Contains(screen(m), portIDs(t, snaps[2])[0]) || !strings.Contains(screen(m), "▶ node compute1") {
		t.Errorf("space did not fold compute1:\n%s", screen(m))
	}
	keys(t, m, "7")
	if !strings.Contains(screen(m), "across nodes  none found") {
		t.Errorf("the Problems view of all nodes lacks the problems across nodes:\n%s", screen(m))
	}
}

// The problems across nodes come first in the Problems view of all
// nodes, each with its page (text, nodes, evidence): here between two
// copies of the cloud, which share their networks and ports.
func TestCrossProblemsInProblemsView(t *testing.T) {
	m := newCloudTest(t, bigCloud(loadSnaps(t, realCloud...), 2), 160, 48)
	if !strings.Contains(lines(m)[0], "across nodes") {
		t.Errorf("the header does not count the problems across nodes:\n%s", screen(m))
	}
	keys(t, m, "7")
	scr := screen(m)
	if !strings.Contains(scr, "▼ across nodes  ✗ ") || !strings.Contains(scr, "port-on-two-nodes") {
		t.Fatalf("no problems across nodes:\n%s", scr)
	}
	keys(t, m, "j")
	if ref := m.list().Selected().Ref; ref.Kind != views.KindCrossProblem {
		t.Fatalf("the first row under the heading is %v", ref)
	}
	if !strings.Contains(screen(m), "▾ evidence") || !strings.Contains(screen(m), "node      compute1-01") {
		t.Errorf("the problem's page lacks its evidence:\n%s", screen(m))
	}
}

// :trace IP on a cloud traces across the nodes (in a command): each hop
// names its node, the crossing both local VLANs and the VNI; a break is
// named at its node and marked.
func TestCloudTrace(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 160, 48)
	command(t, m, "trace "+crossingFIP)
	tv, ok := m.detailPane.(*traceview.Model)
	if !ok || tv.Cloud() == nil {
		t.Fatalf("no cloud trace in the detail pane:\n%s", screen(m))
	}
	keys(t, m, "z")
	scr := screen(m)
	for _, want := range []string{"trace " + crossingFIP + " across 2 nodes", "path complete", "netnode → compute1",
		"crossing: netnode (10.30.0.11) local VLAN", "VNI 1853 → compute1 (10.30.0.21) local VLAN", "✓ netnode ", "✓ compute1 "} {
		if !strings.Contains(scr, want) {
			t.Errorf("the trace lacks %q:\n%s", want, scr)
		}
	}
	// compute1's br-tun table 4 flow of the VNI deleted: broken there.
	snaps := loadSnaps(t, realCloud...)
	for _, s := range snaps {
		if s.Host != "compute1" {
			continue
		}
		b := s.OVS.Bridge("br-tun")
		b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return f.Table == 4 && strings.Contains(f.Match, "tun_id=0x73d") })
		s.Neutron = neutron.Derive(s)
		s.Normalize()
	}
	m = newCloudTest(t, snaps, 160, 48)
	command(t, m, "trace "+crossingFIP)
	keys(t, m, "z")
	scr = screen(m)
	if !strings.Contains(scr, "path BROKEN at hop") || !strings.Contains(scr, "on compute1 (tunnel_bridge") || !strings.Contains(scr, "first break ▶") {
		t.Errorf("the break is not named on compute1 and marked:\n%s", scr)
	}
	var marked string
	for _, l := range lines(m) {
		if strings.Contains(l, "first break ▶") {
			marked = l
		}
	}
	if !strings.Contains(marked, "✗ compute1") {
		t.Errorf("the marked hop is not compute1's: %q", marked)
	}
	// A target no node has: the status says so, nothing opens.
	command(t, m, "trace 192.0.2.77")
	if !strings.HasPrefix(m.status, "trace: ") {
		t.Errorf("unknown target: status %q", m.status)
	}
}

// :node completes node names with tab (k9s contexts): one match is filled
// in, several their common start, the status listing them.
func TestNodeCompletion(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 120, 40)
	for _, c := range []struct{ typed, want, status string }{
		{"node compute2", "node compute2", ""},
		{"node c", "node compute", "compute1  compute2"},
		{"node netnode", "node netnode", "netnode  netnode2"},
		{"node netnode2", "node netnode2", ""},
		{"node a", "node all", ""},
		{"mes", "mesh ", ""},
	} {
		keys(t, m, ":")
		for _, r := range c.typed {
			keys(t, m, string(r))
		}
		keys(t, m, "tab")
		if got := m.input.Value(); strings.TrimRight(got, " ") != strings.TrimRight(c.want, " ") {
			t.Errorf("%q tab: %q, want %q", c.typed, got, c.want)
		}
		if c.status != "" && !strings.Contains(lines(m)[39], c.status) {
			t.Errorf("%q tab: the footer does not list %q: %q", c.typed, c.status, lines(m)[39])
		}
		keys(t, m, "esc")
	}
	// A unique start of a name scopes too.
	command(t, m, "node compute2")
	if m.cloud.scope != "compute2" {
		t.Errorf(":node compute2: scope %q", m.cloud.scope)
	}
	command(t, m, "node netnode")
	if m.cloud.scope != "netnode" {
		t.Errorf(":node netnode: scope %q", m.cloud.scope)
	}
}

// The mesh: the selected cell's evidence in the detail pane, the full
// names there; esc goes back to the node table; D on a node's row draws
// that node's diagram.
func TestMeshAndDiagram(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 160, 48)
	keys(t, m, "m")
	if !strings.Contains(lines(m)[2], "Nodes › Mesh") {
		t.Fatalf("m did not open the mesh:\n%s", screen(m))
	}
	// compute2 → netnode2 is "." (no tunnel, none needed).
	keys(t, m, "j", "right", "right")
	scr := screen(m)
	if !strings.Contains(scr, "tunnel compute2 → netnode2") || !strings.Contains(scr, "NONE  no tunnel, none needed") {
		t.Errorf("the detail pane does not follow the cell:\n%s", scr)
	}
	keys(t, m, "esc")
	if m.cloud.showMesh {
		t.Error("esc did not go back to the node table")
	}
	keys(t, m, "j", "D")
	if m.active != viewDiagram || m.cloud.scope != "compute1" {
		t.Errorf("D on compute1: view %d scope %q", m.active, m.cloud.scope)
	}
	// In the scope of all nodes, the diagram view says to choose a node.
	command(t, m, "node all")
	if !strings.Contains(screen(m), "The diagram draws one node at a time") {
		t.Errorf("the diagram of all nodes:\n%s", screen(m))
	}
}

// Twenty nodes at 80×24: the columns are numbered as the rows (the key
// under the matrix says so; with room, it names each), the matrix scrolls
// sideways with the cursor, the full names are in the detail pane.
func TestMesh20At80x24(t *testing.T) {
	m := newCloudTest(t, bigCloud(loadSnaps(t, realCloud...), 5), 80, 24)
	keys(t, m, "m")
	scr := screen(m)
	if !strings.Contains(scr, "key: column n is row n's node") || !strings.Contains(scr, "marks: ok both ways") {
		t.Errorf("no key of the column labels:\n%s", scr)
	}
	if !strings.Contains(screen(newCloudTest(t, bigCloud(loadSnaps(t, realCloud...), 5), 160, 48, func(o *Options) { o.View = "mesh" })), "key: 1 compute1-01  2 compute1-02") {
		t.Errorf("no key naming each column at 160×48")
	}
	if strings.Contains(lines(m)[4], " 20 ") {
		t.Errorf("all twenty columns at 80 columns?\n%s", scr)
	}
	for i := 0; i < 19; i++ {
		keys(t, m, "right")
	}
	scr = screen(m)
	if !strings.Contains(lines(m)[4], " 20") || !strings.Contains(scr, "tunnel compute1-01 → netnode2-05") {
		t.Errorf("the twentieth column is not shown with the cursor on it:\n%s", scr)
	}
	if !strings.Contains(scr, "MISSING") {
		t.Errorf("compute1-01 → netnode2-05 share networks without a tunnel:\n%s", scr)
	}
}

// A cloud that cannot be read says why, and quits.
func TestCloudLoadError(t *testing.T) {
	m := newTest(t, nil, 80, 24, func(o *Options) { o.Cloud = cloudSource{err: errors.New("two snapshots of host \"x\"")} })
	if !strings.Contains(screen(m), "two snapshots of host") {
		t.Errorf("the error is not shown:\n%s", screen(m))
	}
}

// Node names (and every name a person gives) holding escape sequences
// never drive the terminal: the Nodes view, the mesh and its cells, each
// view scoped to a node and to all, their detail pages, a trace across
// the nodes, the completion of node names, the help; and the text of
// --plain. The names are shown, escaped.
func TestHostileCloudDrivesNothing(t *testing.T) {
	var snaps []*topo.Snapshot
	for _, s := range loadSnaps(t, realCloud...) {
		snaps = append(snaps, hostile.Names(s))
	}
	m := newCloudTest(t, snaps, 120, 40)
	checkScreen(t, "nodes", m)
	if !strings.Contains(screen(m), `compute1\x1b]0;pwned`) {
		t.Fatalf("the node names are not shown escaped:\n%s", screen(m))
	}
	for _, k := range []string{"j", "j", "tab", "j", "j", "j", "esc", "m", "j", "right", "enter", "j", "j", "enter", "esc", "esc", "m"} {
		keys(t, m, k)
		checkScreen(t, "nodes/mesh "+k, m)
	}
	walk := func(scope string) {
		for i, v := range viewTitles() {
			keys(t, m, string(rune('1'+i)))
			checkScreen(t, scope+" "+v, m)
			for _, k := range []string{"j", "j", "j", "enter", "y", "esc", "t", "esc", "esc"} {
				keys(t, m, k)
				checkScreen(t, scope+" "+v+" "+k, m)
			}
		}
	}
	walk("all")
	keys(t, m, ":", "n", "o", "d", "e", " ", "c", "tab")
	checkScreen(t, "completion", m)
	keys(t, m, "1", "enter")
	if !strings.HasPrefix(m.cloud.scope, "compute1") {
		t.Fatalf(":node compute1<payload>: scope %q", m.cloud.scope)
	}
	checkScreen(t, "scoped", m)
	walk("compute1")
	command(t, m, "trace "+crossingFIP)
	checkScreen(t, "trace", m)
	if !strings.Contains(screen(m), `compute1\x1b]0;pwned`) {
		t.Errorf("the trace does not name the node, escaped:\n%s", screen(m))
	}
	keys(t, m, "esc", "?")
	checkScreen(t, "help", m)
	c, err := cloud.New(snaps)
	if err != nil {
		t.Fatal(err)
	}
	for _, view := range append(CloudViewNames(), ViewNames()...) {
		text, err := PlainCloud(c, view, "")
		if err != nil {
			t.Fatal(err)
		}
		hostile.CheckTerminal(t, "plain "+view, []byte(text))
	}
}

// A scope's views build in a command; one that finishes after another
// scope was asked for is kept for later but not shown (no I/O, no wait,
// in Update: the screen says what is being built meanwhile).
func TestScopeBuildsOffUpdate(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 120, 40)
	ask := func(node string) tea.Cmd {
		var cmd tea.Cmd
		for _, k := range append(strings.Split(":node "+node, ""), "enter") {
			_, cmd = m.Update(panetest.Key(k))
		}
		return cmd
	}
	first := ask("compute1")
	if m.cloud.scope != "compute1" || m.current != nil || !strings.Contains(lines(m)[0], "⟳ building compute1") || !strings.Contains(screen(m), "building the views of compute1…") {
		t.Fatalf("while compute1 builds:\n%s", screen(m))
	}
	second := ask("compute2")
	run(t, m, second)
	run(t, m, first) // late: compute2 was asked for since
	if m.cloud.scope != "compute2" || m.current == nil || m.current.snap.Host != "compute2" {
		t.Errorf("the late build of compute1 replaced compute2's views: scope %q", m.cloud.scope)
	}
	if l := m.cloud.byNode["compute1"]; l == nil || l.panes[0] == nil {
		t.Error("compute1's late views were not kept")
	}
	// And they show at once when asked for again.
	if cmd := ask("compute1"); cmd != nil && m.current == nil || m.current.snap.Host != "compute1" {
		t.Errorf("compute1 again: not shown at once")
	}
}

// The help of a cloud says its keys and commands.
func TestCloudHelp(t *testing.T) {
	m := newCloudTest(t, loadSnaps(t, realCloud...), 100, 60)
	keys(t, m, "?")
	for _, want := range []string{"cloud (4 nodes)", "0              nodes (a cloud)", "m              tunnel mesh / node table", ":node NAME (tab completes)", " mesh ", " node nodes "} {
		if !strings.Contains(screen(m), want) {
			t.Errorf("the help lacks %q:\n%s", want, screen(m))
		}
	}
	single := newTest(t, &fixtureSource{names: []string{"aio"}}, 100, 60)
	keys(t, single, "?")
	if strings.Contains(screen(single), "cloud (") || strings.Contains(screen(single), " mesh ") {
		t.Errorf("one node's help speaks of a cloud:\n%s", screen(single))
	}
	keys(t, single, "x", "0")
	if !strings.Contains(single.status, "one node: no Nodes view") {
		t.Errorf("0 on one node: status %q", single.status)
	}
}
