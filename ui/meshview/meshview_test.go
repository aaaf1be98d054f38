package meshview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
)

// mesh is n nodes ("node01"…) with tunnels both ways between them, but
// node02 → node03 one way and node01 with a tunnel to an address no
// node has.
func mesh(n int, name func(i int) string) *cloud.Mesh {
	m := &cloud.Mesh{}
	for i := 0; i < n; i++ {
		m.Rows = append(m.Rows, name(i))
		m.Cols = append(m.Cols, cloud.MeshCol{Name: name(i), IPs: []string{fmt.Sprintf("10.0.0.%d", i+1)}, Node: true})
	}
	m.Cols = append(m.Cols, cloud.MeshCol{Name: "192.0.2.9", IPs: []string{"192.0.2.9"}})
	for i := 0; i < n; i++ {
		row := make([]cloud.MeshCell, len(m.Cols))
		for j := range row {
			switch {
			case i == j:
				row[j].State = cloud.TunnelSelf
			case j == n && i == 0:
				row[j] = cloud.MeshCell{State: cloud.TunnelForeign, Ports: []string{"vxlan-c0000209"}, Evidence: []string{"node01: OVSDB vxlan-c0000209 remote_ip=192.0.2.9"}}
			case j == n:
				row[j].State = cloud.TunnelNone
			case i == 2 && j == 1:
				row[j] = cloud.MeshCell{State: cloud.TunnelNone}
			case i == 1 && j == 2:
				row[j] = cloud.MeshCell{State: cloud.TunnelOneWay, Ports: []string{"vxlan-0a000003"}, Shared: []string{"net-a"},
					Evidence: []string{"node02: OVSDB vxlan-0a000003 type=vxlan local_ip=10.0.0.2 remote_ip=10.0.0.3", "node03: no tunnel port with remote_ip 10.0.0.2"}}
			default:
				row[j] = cloud.MeshCell{State: cloud.TunnelOK, Ports: []string{fmt.Sprintf("vxlan-%d", j)}}
			}
		}
		m.Cells = append(m.Cells, row)
	}
	return m
}

func nodeName(i int) string { return fmt.Sprintf("node%02d", i+1) }

func open(m *cloud.Mesh, w, h int) *Model {
	p := New(panetest.Context(nil), m)
	p.SetSize(w, h)
	p.SetFocus(true)
	return p
}

// Every frame is exactly the pane's size; at 80 columns 25 nodes do not
// fit: the matrix scrolls with the cursor to the last column (the
// foreign address, "x1"), and back.
func TestScrollsWithTheCursor(t *testing.T) {
	p := open(mesh(25, nodeName), 80, 12)
	frame := func(what string) string {
		t.Helper()
		v := p.View()
		if n := strings.Count(v, "\n") + 1; n != 12 {
			t.Errorf("%s: %d lines, want 12", what, n)
		}
		for i, l := range strings.Split(v, "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s: line %d is %d wide", what, i, w)
			}
		}
		return v
	}
	v := frame("start")
	head := strings.Split(v, "\n")[0]
	if !strings.Contains(head, " 1   2   3 ") || strings.Contains(head, "x1") || !strings.HasSuffix(strings.TrimSpace(head), "▶") {
		t.Errorf("the first columns, more to the right: %q", head)
	}
	for i := 0; i < 30; i++ {
		panetest.Press(p, "right")
	}
	v = frame("right")
	head = strings.Split(v, "\n")[0]
	if !strings.Contains(head, "x1") || strings.Contains(head, " 1   2 ") {
		t.Errorf("the cursor's column (x1) is not on screen: %q", head)
	}
	if sel := p.Selected(); sel.Ref != CellRef(0, 25) || sel.Copy != "vxlan-c0000209" {
		t.Errorf("selected %+v", sel)
	}
	if !strings.Contains(v, "x1 192.0.2.9") {
		t.Errorf("the key does not name the foreign column:\n%s", v)
	}
	panetest.Press(p, "G")
	v = frame("bottom")
	if !strings.Contains(v, ">   25 node25") {
		t.Errorf("G: the last row is not selected:\n%s", v)
	}
	for i := 0; i < 30; i++ {
		panetest.Press(p, "left")
	}
	if sel := p.Selected(); sel.Ref != CellRef(24, 0) {
		t.Errorf("left: selected %v", sel.Ref)
	}
	if head := strings.Split(frame("left"), "\n")[0]; !strings.Contains(head, " 1   2 ") {
		t.Errorf("back left: %q", head)
	}
	// Enter opens the cell's page.
	if msg := panetest.Press(p, "enter"); msg == nil {
		t.Error("enter opens nothing")
	}
}

// A pane too short for every row and the whole key says that a node's
// column has its row's number, and still names the foreign address.
func TestShortKey(t *testing.T) {
	p := open(mesh(25, nodeName), 80, 12)
	v := p.View()
	if !strings.Contains(v, "key: column n is row n's node  x1 192.0.2.9") || strings.Contains(v, "1 node01  2 node02") {
		t.Errorf("short pane's key:\n%s", v)
	}
	p = open(mesh(4, nodeName), 80, 20)
	if v := p.View(); !strings.Contains(v, "key: 1 node01  2 node02  3 node03  4 node04  x1 192.0.2.9") || !strings.Contains(v, "marks: ok both ways") {
		t.Errorf("tall pane's key:\n%s", v)
	}
}

// Select finds a cell and a node's row.
func TestSelect(t *testing.T) {
	p := open(mesh(5, nodeName), 80, 12)
	if !p.Select(CellRef(2, 4)) || p.Selected().Ref != CellRef(2, 4) {
		t.Errorf("Select(cell): %v", p.Selected().Ref)
	}
	if !p.Select(render.Ref{Kind: "node", ID: "node04"}) || p.Selected().Ref != CellRef(3, 4) {
		t.Errorf("Select(node04): %v", p.Selected().Ref)
	}
	if p.Select(CellRef(9, 9)) || p.Select(render.Ref{Kind: "node", ID: "nosuch"}) {
		t.Error("Select of nothing reported a find")
	}
}

// A cell's page: what it means, both nodes in full with their local IPs
// (links to their pages), the ports, the shared networks, the way back
// and the evidence.
func TestPage(t *testing.T) {
	m := mesh(4, nodeName)
	c := &cloud.Cloud{Mesh: *m}
	p, ok := Page(c, CellRef(1, 2), func(n string) render.Ref { return render.Ref{Kind: "node", ID: n} })
	if !ok || p.Title != "tunnel node02 → node03" {
		t.Fatalf("page %q %v", p.Title, ok)
	}
	var text []string
	links := map[string]bool{}
	for _, l := range p.Lines() {
		text = append(text, l.Text)
		if l.Link.Kind != "" {
			links[l.Link.Kind+" "+l.Link.ID] = true
		}
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"ONE-WAY  tunnel from the row node, none back", "from  node02", "to    node03  local_ip 10.0.0.3",
		"ports vxlan-0a000003", "net-a", "back  node03 → node02: none (.)", "evidence", "node03: no tunnel port with remote_ip 10.0.0.2", "legend"} {
		if !strings.Contains(all, want) {
			t.Errorf("page lacks %q:\n%s", want, all)
		}
	}
	if !links["node node03"] || !links["mesh 2,1"] {
		t.Errorf("links %v", links)
	}
	if _, ok := Page(c, CellRef(7, 0), nil); ok {
		t.Error("a page of no cell")
	}
}

// Names holding escape sequences are shown escaped, in the pane and in
// the text.
func TestHostileNames(t *testing.T) {
	m := mesh(3, func(i int) string { return nodeName(i) + hostile.Payload })
	p := open(m, 120, 20)
	hostile.CheckTerminal(t, "pane", []byte(ansi.Strip(p.View())))
	if !strings.Contains(p.View(), `node01\x1b]0;pwned`) {
		t.Errorf("the name is not shown escaped:\n%s", p.View())
	}
	c := &cloud.Cloud{Mesh: *m}
	text := Text(c)
	hostile.CheckTerminal(t, "text", []byte(text))
	pg, _ := Page(c, CellRef(0, 1), func(n string) render.Ref { return render.Ref{} })
	for _, l := range pg.Lines() {
		hostile.CheckTerminal(t, "page", []byte(l.Text))
	}
}

// The text: the matrix, the key naming each column, the legend.
func TestText(t *testing.T) {
	text := Text(&cloud.Cloud{Mesh: *mesh(3, nodeName)})
	for _, want := range []string{"          1   2   3   x1", "1 node01  \\   ok  ok  ext", "2 node02  ok  \\   1w  .", "  x1   192.0.2.9", "  1w   tunnel from the row node, none back"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}
