package describe

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
)

// A port's page says its verdict on its first line and its chain, in
// path order, right under it: what the detail pane shows beside (or
// under) the Ports list at 80×24, before any scrolling.
func TestPortFirstLines(t *testing.T) {
	for _, fix := range []string{"aio", "bad", "scale"} {
		x := index(t, fix)
		for i, p := range x.Snapshot().Neutron.Ports {
			if p.Role != topo.RoleInstance || fix == "scale" && i%50 != 0 {
				continue
			}
			m := show(x.Page(render.Ref{Kind: "port", ID: p.ID}), 80, 10, false)
			rows := strings.Split(m.View(), "\n")
			first := panetest.Bare(rows[0])
			if !strings.HasPrefix(first, "OK ") && !strings.HasPrefix(first, "BROKEN ") && !strings.HasPrefix(first, "UNKNOWN ") && !strings.HasPrefix(first, "WARNING ") {
				t.Errorf("%s %s: first line %q is no verdict", fix, p.ID, first)
			}
			want := []string{"chain"}
			for _, d := range devices(&p) {
				want = append(want, d.Name)
			}
			want = append(want, orWord(p.Bridge, "br-int"))
			at := 0
			for _, row := range rows[1:9] {
				if at < len(want) && strings.Contains(row, want[at]) {
					at++
				}
			}
			if at < len(want) {
				t.Errorf("%s %s: %q not in the first lines, in path order:\n%s", fix, p.ID, want[at], m.View())
			}
		}
	}
}

// findLine moves the cursor down to the first line that matches.
func findLine(t *testing.T, m *Model, match func(Line) bool) Line {
	t.Helper()
	if !m.top().Find(1, func(_, _ int, l Line) bool { return match(l) }) {
		t.Fatalf("no such line on %s", m.Title())
	}
	l, _ := m.top().Current()
	return l
}

func TestEnterOpensLinkAndYCopies(t *testing.T) {
	x := index(t, "aio")
	p := firstInstance(t, x.Snapshot())
	port, ip := p.ID, p.FixedIPs[0]
	m := show(x.Page(render.Ref{Kind: "port", ID: port}), 80, 24, true)
	l := findLine(t, m, func(l Line) bool { return l.Link.Kind == "network" })
	if keys := m.Keys(); keys[0].Help().Desc != "open network" || keys[0].Help().Key != "enter" {
		t.Errorf("keys on a network link start with %q %q", keys[0].Help().Key, keys[0].Help().Desc)
	}
	msg, ok := press(m, "enter").(pane.OpenMsg)
	if !ok || msg.Ref != l.Link {
		t.Fatalf("enter on %q: %#v, want OpenMsg %v", l.Text, msg, l.Link)
	}
	if sel := m.Selected(); sel.Ref != l.Link || sel.Trace != port {
		t.Errorf("selected %+v", sel)
	}
	findLine(t, m, func(l Line) bool { return strings.HasPrefix(l.Text, "fixed IP") })
	if c, ok := press(m, "y").(pane.CopyMsg); !ok || c.Text != ip {
		t.Errorf("y on the fixed IP: %#v, want %q", c, ip)
	}
	if sel := m.Selected(); sel.Copy != ip {
		t.Errorf("selected copy %q", sel.Copy)
	}
}

func TestStack(t *testing.T) {
	x := index(t, "bad")
	port := render.Ref{Kind: "port", ID: "39818569-ed4f-4c69-aa67-379c694547d8"}
	m := show(x.Page(port), 80, 24, true)
	press(m, "j", "j", "j")
	net := x.Page(render.Ref{Kind: "network", ID: "5153154e-af22-4926-a9cb-305d9181ce3e"})
	m.Open(net)
	m.Open(net) // the page on top again: nothing
	if m.Depth() != 2 || m.Title() != "network 5153154e" {
		t.Fatalf("after Open: depth %d, title %q", m.Depth(), m.Title())
	}
	if c := m.Crumbs(); len(c) != 2 || c[0] != "port 39818569" || c[1] != "network 5153154e" {
		t.Errorf("crumbs %q", c)
	}
	if !m.Back() || m.Depth() != 1 || m.Page().Ref != port {
		t.Fatalf("after Back: depth %d, page %v", m.Depth(), m.Page().Ref)
	}
	if sec, line := m.top().At(); sec != 0 || line != 3 {
		t.Errorf("Back lost the cursor: at %d/%d", sec, line)
	}
	if m.Back() {
		t.Error("Back on the last page")
	}
	// The list's cursor moves: the new page from its top, the stack gone.
	m.Open(net)
	press(m, "G")
	m.SetPage(x.Page(render.Ref{Kind: "router", ID: "04cbbcd8-1ba5-417a-a531-fc508b32d7df"}))
	if m.Depth() != 1 || !strings.HasPrefix(panetest.Bare(strings.Split(m.View(), "\n")[0]), "BROKEN") {
		t.Errorf("SetPage: depth %d, first line %q", m.Depth(), strings.Split(m.View(), "\n")[0])
	}
	m.Reset()
	if m.Depth() != 0 || m.Title() != "detail" || len(strings.Split(m.View(), "\n")) != 24 {
		t.Errorf("Reset: depth %d, title %q", m.Depth(), m.Title())
	}
}

// A refresh shows the same object's page again: the cursor stays.
func TestSetPageSameObjectKeepsCursor(t *testing.T) {
	x := index(t, "aio")
	if len(x.Snapshot().Neutron.Routers) == 0 {
		t.Fatal("aio has no router")
	}
	ref := render.Ref{Kind: "router", ID: x.Snapshot().Neutron.Routers[0].ID}
	m := show(x.Page(ref), 80, 24, true)
	press(m, "j", "j")
	m.SetPage(x.Page(ref))
	if _, line := m.top().At(); line != 2 {
		t.Errorf("cursor on line %d after the same page again", line)
	}
	m.Rebuild(x)
	if _, line := m.top().At(); line != 2 {
		t.Errorf("cursor on line %d after Rebuild", line)
	}
}

func TestFolds(t *testing.T) {
	x := index(t, "aio")
	m := show(x.Page(render.Ref{Kind: "port", ID: firstInstance(t, x.Snapshot()).ID}), 80, 24, true)
	m.top().all()
	rows := len(m.top().rows)
	press(m, "G") // the last row: raw's header, folded
	if l, _ := m.top().Current(); l.Text != "raw" {
		t.Fatalf("last line %q, want the raw header", l.Text)
	}
	press(m, "space")
	if len(m.top().rows) <= rows+10 {
		t.Errorf("unfolding raw added %d rows", len(m.top().rows)-rows)
	}
	// What it opened shows: the header moves up, its lines under it.
	if v := ansi.Strip(m.View()); !strings.Contains(v, "▾ raw") || strings.HasSuffix(strings.TrimRight(v, " \n"), "▾ raw") {
		t.Errorf("unfolding the last section shows none of its lines:\n%s", v)
	}
	press(m, "-")
	m.top().all()
	folded := len(m.top().rows)
	press(m, "=")
	m.top().all()
	if folded >= rows || len(m.top().rows) <= rows {
		t.Errorf("fold all: %d rows, unfold all: %d (page had %d)", folded, len(m.top().rows), rows)
	}
	press(m, "g", "]")
	if sec, line := m.top().At(); sec != 1 || line != -1 {
		t.Errorf("] went to %d/%d, want the first section's header", sec, line)
	}
}

// Every view's row kind has a page with lines, and a fold mark on every
// section header.
func TestWrapAndWidth(t *testing.T) {
	x := index(t, "bad")
	for _, ref := range refs(x.Snapshot(), x.exam) {
		for _, w := range []int{30, 80} {
			m := show(x.Page(ref), w, 200, true)
			press(m, "=")
			for _, row := range strings.Split(m.View(), "\n") {
				if width := len([]rune(row)); width > w {
					t.Errorf("%v at %d columns: row of %d cells: %q", ref, w, width, row)
				}
			}
		}
	}
}
