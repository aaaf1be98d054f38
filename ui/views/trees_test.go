package views

import (
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/tree"
)

// -update rewrites the golden files. The tables' tests of this package
// may declare the flag too: whichever file does first, the other uses it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func treeUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// treeView is one tree of one snapshot, as the root builds it.
type treeView struct {
	name  string
	build func(*topo.Snapshot, map[render.Ref]string) []*tree.Node
	opt   tree.Options
}

func treeViews() []treeView {
	return []treeView{{"topology", Topology, TopologyOptions()}, {"namespaces", Namespaces, NamespacesOptions()}}
}

func treeBadges(s *topo.Snapshot) map[render.Ref]string { return render.Badges(doctor.Run(s)) }

// treePane builds a view's pane of a fixture at a size.
func treePane(t testing.TB, fixture string, v treeView, w, h int) (*tree.Model, []*tree.Node, *topo.Snapshot) {
	t.Helper()
	s := fixturetest.Load(t, fixture)
	b := treeBadges(s)
	roots := v.build(s, b)
	m := tree.New(panetest.Context(b), roots, v.opt)
	m.SetSize(w, h)
	return m, roots, s
}

func treeScreen(m *tree.Model) string { return ansi.Strip(m.View()) }

func treeFilter(t testing.TB, m *tree.Model, s string) int {
	t.Helper()
	q, err := filter.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return m.SetFilter(q)
}

// Both trees of every fixture at the three sizes, as they open.
func TestTreeGoldens(t *testing.T) {
	for _, fixture := range []string{"aio", "bad", "scale"} {
		for _, v := range treeViews() {
			for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
				name := "tree-" + v.name + "-" + fixture + "-" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
				t.Run(name, func(t *testing.T) {
					m, _, _ := treePane(t, fixture, v, size[0], size[1])
					got := treeScreen(m)
					lines := strings.Split(got, "\n")
					if len(lines) != size[1] {
						t.Errorf("%d lines at height %d", len(lines), size[1])
					}
					for i, l := range lines {
						if w := ansi.StringWidth(l); w > size[0] {
							t.Errorf("line %d is %d wide at width %d: %q", i, w, size[0], l)
						}
					}
					treeGolden(t, name, m.Title()+"\n"+got+"\n")
				})
			}
		}
	}
}

func treeGolden(t *testing.T, name, got string) {
	t.Helper()
	panetest.Golden(t, filepath.Join("testdata", name+".golden"), got, treeUpdating())
}

// screenRow is a line of a tree's screen read back as a person reads it:
// its depth (indentation) and its text.
type screenRow struct {
	depth int
	text  string
}

// screenRows reads every line of a screen (gutter, indentation, fold
// glyph, text).
func screenRows(screen string) []screenRow {
	var out []screenRow
	for _, l := range strings.Split(screen, "\n") {
		r := []rune(l)
		if len(r) <= pane.GutterWidth {
			continue
		}
		body := string(r[pane.GutterWidth:])
		rest := strings.TrimLeft(body, " ")
		spaces := len(body) - len(rest)
		switch {
		case strings.HasPrefix(rest, "▶ "), strings.HasPrefix(rest, "▼ "):
			out = append(out, screenRow{spaces / 2, strings.TrimPrefix(strings.TrimPrefix(rest, "▶ "), "▼ ")})
		default:
			out = append(out, screenRow{(spaces - 2) / 2, rest})
		}
	}
	return out
}

// Bug 1: with a filter, a match was shown under the wrong router or VLAN
// heading exactly when its own heading had a problem: the old pane took
// for context the last row styled as a heading, and a heading with a
// problem is styled as a problem. On "bad", VLAN 4 and VLAN 3004 (br-int)
// and qrouter-c74da6d3 have problems, and each holds a match of these
// filters. Every match must show under the heading the model gives it.
func TestFilterContextIsTheModelsParent(t *testing.T) {
	for _, v := range treeViews() {
		for _, q := range []string{"0ccc7568", "ca5b397e", "qg-e16825d2", "10.1.2", "10.1.1.1", "state:broken", "missing", "vlan:4", "bad"} {
			t.Run(v.name+"/"+q, func(t *testing.T) {
				m, roots, _ := treePane(t, "bad", v, 400, 1000)
				n := treeFilter(t, m, q)
				rows := screenRows(treeScreen(m))
				parsed, _ := filter.Parse(q)
				found := 0
				var walk func(parents []*tree.Node, ns []*tree.Node)
				walk = func(parents []*tree.Node, ns []*tree.Node) {
					for _, nd := range ns {
						if parsed.Match(nd.Fields) {
							found++
							checkContext(t, rows, append(parents, nd))
						}
						walk(append(parents[:len(parents):len(parents)], nd), nd.Children)
					}
				}
				walk(nil, roots)
				if found != n {
					t.Errorf("SetFilter says %d matches, the model has %d", n, found)
				}
			})
		}
	}
}

// checkContext finds the match (the last of path) on screen and checks
// that the rows above it, by indentation, are its ancestors in the model.
func checkContext(t *testing.T, rows []screenRow, path []*tree.Node) {
	t.Helper()
	match := path[len(path)-1]
	depth := len(path) - 1
	for i, r := range rows {
		if r.depth != depth || !strings.HasPrefix(r.text, match.Text) {
			continue
		}
		want := depth - 1
		for j := i - 1; j >= 0 && want >= 0; j-- {
			if rows[j].depth != want {
				continue
			}
			if !strings.HasPrefix(rows[j].text, path[want].Text) {
				t.Errorf("%q is shown under %q, but its parent in the model is %q", match.Text, rows[j].text, path[want].Text)
				return
			}
			want--
		}
		if want >= 0 {
			t.Errorf("%q is shown without its ancestor %q", match.Text, path[want].Text)
		}
		return
	}
	t.Errorf("match %q (depth %d) is not on screen", match.Text, depth)
}

// The model's words for the same: a br-int port shows under the VLAN its
// tag says, a link under its namespace, whether or not that heading has
// a problem.
func TestFilterHeadingsOnBad(t *testing.T) {
	m, _, s := treePane(t, "bad", treeViews()[0], 400, 1000)
	treeFilter(t, m, "ca5b397e")
	p := s.Neutron.Port("ca5b397e-c785-466c-a356-ed7efa2cba03")
	rows := screenRows(treeScreen(m))
	heading := ""
	for _, r := range rows {
		if r.depth == 1 {
			heading = r.text
		}
		if r.depth == 2 && strings.Contains(r.text, "tapca5b397e") {
			break
		}
	}
	if !strings.HasPrefix(heading, "VLAN "+strconv.Itoa(p.LocalVLAN)+" ") {
		t.Errorf("port in VLAN %d shown under %q", p.LocalVLAN, heading)
	}

	m, _, _ = treePane(t, "bad", treeViews()[1], 400, 1000)
	treeFilter(t, m, "qg-e16825d2")
	ns := ""
	for _, r := range screenRows(treeScreen(m)) {
		if r.depth == 0 {
			ns = r.text
		}
		if r.depth == 2 && strings.HasPrefix(r.text, "qg-e16825d2-cd") {
			break
		}
	}
	if !strings.HasPrefix(ns, "qrouter-c74da6d3 ") {
		t.Errorf("qg-e16825d2-cd of qrouter-c74da6d3 shown under %q", ns)
	}
}

// Bug 2: a chain that starts with a missing device (✗tap…) had no E
// badge (the old pane skipped every row whose text starts with ✗); only
// the explanation lines under an object go without.
func TestBadgeOnChainStartingWithAMissingDevice(t *testing.T) {
	m, _, _ := treePane(t, "bad", treeViews()[0], 200, 100)
	var chain, why bool
	for _, l := range strings.Split(treeScreen(m), "\n") {
		switch {
		case strings.Contains(l, "✗tapd3e7d95f-a7 ✗ qbrd3e7d95f-a7"):
			chain = true
			if l[2] != 'E' {
				t.Errorf("the chain has no E badge: %q", l)
			}
		case strings.Contains(l, "✗ tapd3e7d95f-a7 missing from the kernel"):
			why = true
			if l[2] != ' ' {
				t.Errorf("the explanation line has a badge: %q", l)
			}
		}
	}
	if !chain || !why {
		t.Errorf("chain shown %v, explanation shown %v:\n%s", chain, why, treeScreen(m))
	}
}

// Groups with problems start open, healthy ones folded, the node's own
// links folded whatever they hold.
func TestTreeStartFolding(t *testing.T) {
	m, _, _ := treePane(t, "bad", treeViews()[0], 200, 100)
	scr := treeScreen(m)
	for _, want := range []string{"▶ VLAN 1  net 8ff3c1c9", "▼ VLAN 4  net a4fa23d0", "▼ VLAN 4095", "▼ br-tun", "▶ VLAN ↔ segment mappings"} {
		if !strings.Contains(scr, want) {
			t.Errorf("topology of bad: no %q", want)
		}
	}
	m, _, _ = treePane(t, "bad", treeViews()[1], 200, 100)
	scr = treeScreen(m)
	for _, want := range []string{"▼ (root)", "▶ links  (43)  ✗1", "▼ routes  (4)  ✗1", "▶ qdhcp-5153154e  "} {
		if !strings.Contains(scr, want) {
			t.Errorf("namespaces of bad: no %q", want)
		}
	}
	m, _, _ = treePane(t, "scale", treeViews()[1], 80, 24)
	rows := screenRows(treeScreen(m))
	if !strings.HasPrefix(rows[0].text, "NAMESPACE") || !strings.HasPrefix(rows[1].text, "(root)") || !strings.HasPrefix(rows[2].text, "qrouter-") {
		t.Errorf("scale: the heading, the node's own namespace folded on one row, the routers next: %v", rows[:3])
	}
}

// The count: at 80×24 the first qrouter- namespace was 195 PgDn
// away (111 at 120×40), br-tun at row 1,078 of Topology. Both must be on
// screen within 3 keys of start.
func TestScaleReachable(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, c := range []struct {
			view treeView
			want string
		}{{treeViews()[1], "qrouter-"}, {treeViews()[0], "br-tun  tunnel"}, {treeViews()[0], "VLAN 21 "}} {
			// The root's chrome takes 5 lines of the terminal.
			m, _, _ := treePane(t, "scale", c.view, size[0], size[1]-5)
			keys := 0
			for ; keys <= 3 && !strings.Contains(treeScreen(m), c.want); keys++ {
				panetest.Press(m, "pgdown")
			}
			if keys > 3 {
				t.Errorf("%v: %q not on screen after 3 keys", size, c.want)
			}
			t.Logf("%dx%d %s: %q on screen after %d keys", size[0], size[1], c.view.name, c.want, keys)
		}
	}
}

func TestTypedTerms(t *testing.T) {
	for _, c := range []struct {
		view  int
		query string
		want  int
	}{
		{0, "vlan:4095", 3},              // the group and its two ports
		{0, "state:dead", 3},             // the same
		{0, "role:dhcp", 3},              // one per network with DHCP
		{0, "kind:port state:broken", 7}, // every port with a problem
		{0, "net:5153154e kind:port", 5}, // three in VLAN 2, two dead ones
		{0, "bridge:br-tun", 7},          // the bridge, the patch pair from both sides, tunnel, 3 mappings
		{0, "ip:10.1.0.12", 1},
		{0, "mac:fa:16:3e", 17}, // every port
		{0, "state:down", 1},
		{1, "kind:namespace ns:qrouter", 2},
		{1, "ns:qdhcp kind:link", 6},
		{1, "kind:fip state:broken", 1},
		{1, "kind:route state:broken", 1},
		{1, "router:c74da6d3 kind:namespace", 1},
		{1, "dev:qg-96e59a54-6c kind:link", 1},
	} {
		m, _, _ := treePane(t, "bad", treeViews()[c.view], 200, 100)
		if n := treeFilter(t, m, c.query); n != c.want {
			t.Errorf("%s %q: %d matches, want %d", treeViews()[c.view].name, c.query, n, c.want)
		}
	}
}

// y copies and t traces what the old views did: a port's id, a floating
// IP's address.
func TestSelectionCopyAndTrace(t *testing.T) {
	m, _, _ := treePane(t, "bad", treeViews()[0], 200, 100)
	ref := render.Ref{Kind: "port", ID: "d3e7d95f-a78f-487e-aa61-be07e739b9c1"}
	if !m.Select(ref) {
		t.Fatal("no row for the port")
	}
	if s := m.Selected(); s.Ref != ref || s.Copy != ref.ID || s.Trace != ref.ID {
		t.Errorf("port row: %+v", s)
	}
	if msg, ok := panetest.Press(m, "enter")().(pane.OpenMsg); !ok || msg.Ref != ref {
		t.Errorf("enter on a port opens it: %+v", msg)
	}
	m, _, _ = treePane(t, "bad", treeViews()[1], 200, 100)
	treeFilter(t, m, "kind:fip 203.0.113.201")
	if s := m.Selected(); s.Trace != "203.0.113.201" || s.Copy != "203.0.113.201" || s.Ref.Kind != "router" {
		t.Errorf("floating IP row: %+v", s)
	}
}

// Bug 4: esc (an empty filter) put the cursor on the first row; it goes
// back to the row it was on, where it was on screen.
func TestEscRestoresTheRow(t *testing.T) {
	m, _, _ := treePane(t, "scale", treeViews()[1], 120, 35)
	panetest.Press(m, "j", "j", "j", "space", "j", "j", "j")
	before, sel := treeScreen(m), m.Selected()
	if n := treeFilter(t, m, "qr-"); n == 0 {
		t.Fatal("no match for qr-")
	}
	m.NextMatch(1)
	m.SetFilter(filter.Query{})
	if treeScreen(m) != before || m.Selected() != sel {
		t.Errorf("after esc:\n%s\nbefore:\n%s", treeScreen(m), before)
	}
}

// Nothing a snapshot names reaches the terminal: every row, unfolded, of
// snapshots whose names hold escape sequences, and what y copies and t
// traces.
func TestHostileNamesInTrees(t *testing.T) {
	for _, fixture := range []string{"aio", "bad"} {
		for variant, s := range map[string]*topo.Snapshot{
			"names": hostile.Names(fixturetest.Load(t, fixture)), "every string": hostile.Snapshot(fixturetest.Load(t, fixture)),
		} {
			treeHostile(t, fixture+" ("+variant+")", s)
		}
	}
}

// treeHostile checks both trees of one hostile snapshot, unfolded.
func treeHostile(t *testing.T, what string, s *topo.Snapshot) {
	t.Helper()
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	b := treeBadges(s)
	for _, v := range treeViews() {
		roots := v.build(s, b)
		m := tree.New(panetest.Context(b), roots, v.opt)
		m.SetSize(400, 2000)
		panetest.Press(m, "=")
		scr := m.View()
		hostile.CheckTerminal(t, what+" "+v.name, []byte(sgr.ReplaceAllString(scr, "")))
		if !strings.Contains(scr, `\x1b]0;pwned\x07`) {
			t.Errorf("%s %s: the payload is not shown visibly", what, v.name)
		}
		var walk func([]*tree.Node)
		walk = func(ns []*tree.Node) {
			for _, n := range ns {
				hostile.CheckTerminal(t, what+": what y copies and t traces on "+n.Text, []byte(n.Copy+n.Trace+n.Text))
				walk(n.Children)
			}
		}
		walk(roots)
	}
}

// What the issue asks of a 4,004-link node: folding and unfolding the
// root namespace's links, unfolding and folding everything, filtering
// and clearing the filter take under 16 ms each, key to frame.
func TestTreeSpeedOnScale(t *testing.T) {
	const budget = 16 * time.Millisecond
	m, _, _ := treePane(t, "scale", treeViews()[1], 200, 60)
	// Each action is timed once (they change the tree): one over budget
	// may be the shared machine's pause, not the tree's, and is logged;
	// two, or one over four frames, fail. bench/tui times thousands.
	var over []string
	defer func() {
		if len(over) > 1 {
			t.Errorf("over the %v budget: %s", budget, strings.Join(over, "; "))
		}
	}()
	timed := func(what string, f func()) {
		start := time.Now()
		f()
		m.View()
		took := time.Since(start)
		t.Logf("%-32s %v", what, took)
		switch {
		case took > 4*budget:
			t.Errorf("%s took %v (budget %v)", what, took, budget)
		case took > budget:
			over = append(over, what+" "+took.String())
		}
	}
	panetest.Press(m, "space", "j") // the node's own namespace open, cursor on its links
	if !strings.Contains(treeScreen(m), "▶ links  (4,004)") {
		t.Fatalf("not on the links:\n%s", treeScreen(m))
	}
	timed("unfold the 4,004 links", func() { panetest.Press(m, "space") })
	timed("page down in them", func() { panetest.Press(m, "pgdown") })
	timed("fold them (from a link)", func() { panetest.Press(m, "space") })
	timed("unfold all", func() { panetest.Press(m, "=") })
	timed("bottom", func() { panetest.Press(m, "G") })
	timed("fold all", func() { panetest.Press(m, "-") })
	timed("filter qvo", func() { treeFilter(t, m, "qvo") })
	timed("next match", func() { m.NextMatch(1) })
	timed("clear the filter", func() { m.SetFilter(filter.Query{}) })
	timed("next problem (none)", func() { panetest.Press(m, "}") })

	top, _, _ := treePane(t, "scale", treeViews()[0], 200, 60)
	start := time.Now()
	panetest.Press(top, "=")
	top.View()
	t.Logf("%-32s %v", "topology: unfold all", time.Since(start))
}

func BenchmarkTreeUnfoldFoldAll(b *testing.B) {
	m, _, _ := treePane(b, "scale", treeViews()[1], 200, 60)
	for b.Loop() {
		panetest.Press(m, "=")
		m.View()
		panetest.Press(m, "-")
		m.View()
	}
}

func BenchmarkTreeFilter(b *testing.B) {
	m, _, _ := treePane(b, "scale", treeViews()[1], 200, 60)
	q, _ := filter.Parse("qvo state:ok")
	for b.Loop() {
		m.SetFilter(q)
		m.View()
		m.SetFilter(filter.Query{})
		m.View()
	}
}

// Building both trees runs once per snapshot, in the load command.
func BenchmarkTreeBuild(b *testing.B) {
	s := fixturetest.Load(b, "scale")
	badges := treeBadges(s)
	for b.Loop() {
		Topology(s, badges)
		Namespaces(s, badges)
	}
}

// OVSDB not read: no port is "on no bridge", their bridge is unknown; a
// port whose facts were not read is marked ?, never a problem, and its
// group does not open for it.
func TestTreeUnreadOVSDB(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	src := s.Source("ovsdb")
	src.OK, src.Error = false, "dial unix /run/openvswitch/db.sock: permission denied"
	s.OVS = topo.OVS{}
	s.Neutron = neutron.Derive(s)
	b := treeBadges(s)
	m := tree.New(panetest.Context(b), Topology(s, b), TopologyOptions())
	m.SetSize(120, 40)
	scr := treeScreen(m)
	if strings.Contains(scr, "not on any OVS bridge") || !strings.Contains(scr, "bridge unknown: ovsdb was not read") {
		t.Errorf("Topology without OVSDB:\n%s", scr)
	}
	// Every port, each with its one unknown; a hybrid instance's chain up
	// to the qvo whose bridge was not read.
	n := len(s.Neutron.Ports)
	var chain string
	for _, p := range s.Neutron.Ports {
		if d := p.Devices; p.Role == topo.RoleInstance && d.Tap != nil && d.QBR != nil && d.QVB != nil && d.QVO != nil {
			chain = fmt.Sprintf("▶ %s ─ %s ─ %s ═ %s ? ?br-int", d.Tap.Name, d.QBR.Name, d.QVB.Name, d.QVO.Name)
			break
		}
	}
	if n == 0 || chain == "" {
		t.Fatalf("aio without OVSDB: %d ports, no hybrid instance", n)
	}
	for _, want := range []string{fmt.Sprintf("(%d)  ?%d\n", n, n), chain} {
		if !strings.Contains(scr, want) {
			t.Errorf("no %q in\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "✗") || strings.Contains(scr, "\n  E") {
		t.Errorf("what was not read is no problem:\n%s", scr)
	}
}

// The namespaces are a table whose rows unfold: shift+letter sorts them
// by a column (again: reversed), keeping the folding and the cursor's
// row, and under a filter only the matching ones.
func TestNamespacesSortByColumn(t *testing.T) {
	m, _, _ := treePane(t, "scale", treeViews()[1], 120, 40)
	first := func() string {
		for _, r := range screenRows(treeScreen(m)) {
			if r.depth == 0 && !strings.HasPrefix(r.text, "NAMESPACE") {
				return r.text
			}
		}
		return ""
	}
	selected := m.Selected().Ref
	panetest.Press(m, "L")
	if got := first(); strings.HasPrefix(got, "(root)") || !strings.Contains(treeScreen(m), "LINKS·L▲") {
		t.Errorf("sorted by links, the fewest first: %q\n%s", got, treeScreen(m))
	}
	if m.Selected().Ref != selected {
		t.Errorf("the sort moved the cursor to %v, want %v", m.Selected().Ref, selected)
	}
	panetest.Press(m, "L")
	if got := first(); !strings.HasPrefix(got, "(root)") || !strings.Contains(treeScreen(m), "LINKS·L▼") {
		t.Errorf("reversed, the node's 4,004 links first: %q", got)
	}
	treeFilter(t, m, "qdhcp")
	panetest.Press(m, "M")
	for _, r := range screenRows(treeScreen(m)) {
		if r.depth == 0 && !strings.HasPrefix(r.text, "NAMESPACE") && !strings.HasPrefix(r.text, "qdhcp-") {
			t.Errorf("under the filter, a sort showed %q", r.text)
		}
	}
}
