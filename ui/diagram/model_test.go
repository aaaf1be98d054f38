package diagram

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/theme"
)

var update = flag.Bool("update", false, "rewrite golden files")

// context is a pane context whose styles write no escape sequences (as
// ui's golden tests render), or ANSI colours.
func context(color bool) pane.Context {
	c := panetest.Context(nil)
	if color {
		r := lipgloss.NewRenderer(&bytes.Buffer{})
		r.SetColorProfile(termenv.ANSI256)
		r.SetHasDarkBackground(true)
		c.Styles = theme.DefaultStyles(r)
	}
	return c
}

func newModel(t testing.TB, s *topo.Snapshot, w, h int) *Model {
	t.Helper()
	m := New(context(false), Build(s, doctor.Examine(s), Options{}))
	m.SetSize(w, h)
	m.SetFocus(true)
	return m
}

// checkView holds View to the pane contract: exactly h lines, none wider
// than w.
func checkView(t *testing.T, what string, m *Model, w, h int) string {
	t.Helper()
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", what, len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%s: line %d is %d cells wide (> %d): %q", what, i, lw, w, l)
		}
	}
	return v
}

// Golden renders of the diagram at the sizes the issue names, on the
// healthy, the broken and the 1000-instance node: the cursor starts on the
// first broken object.
func TestGolden(t *testing.T) {
	for _, name := range []string{"aio", "bad", "scale"} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			w, h := size[0], size[1]
			snap, _ := build(t, name, Options{})
			m := newModel(t, snap, w, h)
			got := m.Title() + "\n" + checkView(t, name, m, w, h) + "\n"
			golden(t, fmt.Sprintf("%s-%dx%d", name, w, h), got)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	panetest.Golden(t, filepath.Join("testdata", name+".golden"), got, *update)
}

// Moving, panning, opening, selecting.
func TestNavigation(t *testing.T) {
	s, _ := build(t, "aio", Options{})
	m := newModel(t, s, 80, 24)
	if m.Selected().Ref.Kind != "nic" {
		t.Fatalf("aio starts on %v, want the first box (eth4)", m.Selected())
	}
	panetest.Press(m, "j")
	if got := m.Selected().Ref; got != (render.Ref{Kind: "bridge", ID: "br-ex"}) {
		t.Errorf("j: %v", got)
	}
	panetest.Press(m, "k", "k")
	if m.Selected().Ref.Kind != "nic" {
		t.Errorf("k at the top moved off the first box: %v", m.Selected())
	}
	// Enter opens the selected object's page.
	cmd := panetest.Press(m, "enter")
	if cmd == nil {
		t.Fatal("enter: no command")
	}
	if msg, ok := cmd().(pane.OpenMsg); !ok || msg.Ref != (render.Ref{Kind: "nic", ID: "eth4"}) {
		t.Errorf("enter sent %#v", cmd())
	}
	// Select a port: the chain's box; its copy and trace are the port id.
	port := ""
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance {
			port = p.ID
			break
		}
	}
	if !m.Select(render.Ref{Kind: "port", ID: port}) {
		t.Fatal("Select(port) found nothing")
	}
	sel := m.Selected()
	if sel.Ref.ID != port || sel.Copy != port || sel.Trace != port {
		t.Errorf("selected %#v", sel)
	}
	if !strings.HasPrefix(m.Title(), "Diagram · qvo") {
		t.Errorf("title %q", m.Title())
	}
	// The view follows the selection: the chain's qvo is on screen, and
	// drawn heavy (the cursor seen without colour).
	v := m.View()
	if !strings.Contains(v, "┫qvo"+port[:8]) && !strings.Contains(v, "┃qvo"+port[:8]) {
		t.Errorf("the selected chain is not on screen, heavy:\n%s", v)
	}
	// Panning moves the window, not the cursor, and stops at the edges.
	x0 := m.x0
	panetest.Press(m, "right")
	if m.x0 != x0+panStep && m.x0 != m.l.W-m.w {
		t.Errorf("right: x0 %d → %d", x0, m.x0)
	}
	panetest.Press(m, "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<", "<")
	if m.x0 != 0 || m.Selected().Ref.ID != port {
		t.Errorf("left to the edge: x0 %d, selection %v", m.x0, m.Selected())
	}
	// The wheel scrolls without moving the cursor.
	y0, sel := m.y0, m.Selected()
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.y0 != min(y0+3, m.l.H-m.h) || m.Selected() != sel {
		t.Errorf("wheel: y0 %d → %d, selection %v", y0, m.y0, m.Selected())
	}
	// A router, a network, a namespace (a router's), a link.
	for _, ref := range []render.Ref{
		{Kind: "router", ID: s.Neutron.Routers[0].ID},
		{Kind: "network", ID: s.Neutron.Networks[0].ID},
		{Kind: "namespace", ID: s.Neutron.Routers[0].Namespace},
		{Kind: "link", ID: "/" + s.Neutron.Port(port).Devices.QBR.Name},
	} {
		if !m.Select(ref) {
			t.Errorf("Select(%v) found nothing", ref)
		}
	}
	if m.Selected().Ref.ID != port {
		t.Errorf("a qbr selects its chain: %v", m.Selected())
	}
	if m.Select(render.Ref{Kind: "port", ID: "nope"}) {
		t.Error("Select of no port found one")
	}
	// G, g, problems (none on aio: the cursor stays).
	panetest.Press(m, "G")
	last := m.Selected()
	panetest.Press(m, "}")
	if m.Selected() != last {
		t.Errorf("} on a healthy node moved to %v", m.Selected())
	}
	panetest.Press(m, "g")
	if m.Selected().Ref.Kind != "nic" {
		t.Errorf("g: %v", m.Selected())
	}
}

// On the scale node a lane counts its healthy chains in a stub: Enter on
// it shows them all (the cursor on the first shown), space folds them
// back; Select of a hidden port shows its lane.
func TestStubExpand(t *testing.T) {
	s, _ := build(t, "scale", Options{})
	m := newModel(t, s, 120, 40)
	ln := m.l.Lanes[1]
	if ln.Stub == "" {
		t.Fatalf("lane %s has no stub", ln.Key)
	}
	hidden := ln.Hidden[0]
	m.Select(render.Ref{Kind: "port", ID: ln.Ports[0]})
	for m.box().Kind != KindStub {
		panetest.Press(m, "j")
	}
	if !strings.Contains(m.View(), "▶+") && !strings.Contains(m.View(), "▶ +") {
		t.Errorf("the stub is not marked:\n%s", m.View())
	}
	panetest.Press(m, "enter")
	if got := m.Selected().Ref.ID; got != hidden {
		t.Errorf("after enter on the stub: on %s, want the first hidden port %s", got, hidden)
	}
	if l := m.Layout().Lanes[1]; len(l.Hidden) != 0 {
		t.Errorf("lane still hides %d", len(l.Hidden))
	}
	panetest.Press(m, "space")
	if l := m.Layout().Lanes[1]; len(l.Hidden) == 0 {
		t.Error("space did not fold the lane")
	}
	// Select a port the stub counts: the lane opens on it.
	other := m.Layout().Lanes[2].Hidden[10]
	if !m.Select(render.Ref{Kind: "port", ID: other}) || m.Selected().Ref.ID != other {
		t.Errorf("Select of hidden port %s: on %v", other, m.Selected())
	}
	checkView(t, "expanded", m, 120, 40)
}

// The bad node: the cursor starts on the first broken object, } walks
// every broken one, and they are drawn in the error style.
func TestProblemsAndErrorStyle(t *testing.T) {
	s, _ := build(t, "bad", Options{})
	m := New(context(true), Build(s, doctor.Examine(s), Options{}))
	m.SetSize(200, 60)
	if m.box().Health != Error {
		t.Errorf("bad starts on %s (%s)", m.box().ID, m.box().Health)
	}
	seen := map[string]bool{}
	for range len(m.l.Order) {
		seen[m.box().ID] = true
		panetest.Press(m, "}")
		if m.box().Health < Warning {
			t.Fatalf("} landed on healthy %s", m.box().ID)
		}
	}
	for _, i := range m.l.Order {
		if b := m.l.Boxes[i]; b.Health >= Warning && !seen[b.ID] {
			t.Errorf("} never reached %s", b.ID)
		}
	}
	red := context(true).Styles.Problem.Render("✗")
	pre := red[:strings.Index(red, "✗")]
	if pre == "" {
		t.Fatal("no colour in the test renderer")
	}
	m.Select(render.Ref{Kind: "router", ID: s.Neutron.Routers[1].ID})
	if v := m.View(); !strings.Contains(v, pre+"✗ qrouter-") && !strings.Contains(v, "✗ qrouter-c74da6d3") {
		t.Errorf("the router with ip_forward=0 is not red:\n%s", v)
	}
}
