package diagram

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

func build(t testing.TB, name string, opt Options) (*topo.Snapshot, *Layout) {
	t.Helper()
	s := fixturetest.Load(t, name)
	return s, Build(s, doctor.Examine(s), opt)
}

// The invariants every layout keeps, on every recorded node, wrapped or
// not, with stubs or expanded.
func TestLayoutInvariants(t *testing.T) {
	for _, name := range []string{"aio", "bad", "net", "cmp", "scale"} {
		for _, opt := range []Options{{}, {Width: 200}, {Healthy: -1}, {Healthy: 1, Width: 120}} {
			s, l := build(t, name, opt)
			checkLayout(t, name, s, l)
		}
	}
}

func checkLayout(t *testing.T, name string, s *topo.Snapshot, l *Layout) {
	t.Helper()
	// Every Neutron port is a box, or counted in its lane's stub; a
	// broken one is always a box.
	boxed := map[string]bool{}
	for _, b := range l.Boxes {
		if b.Ref.Kind == "port" {
			boxed[b.Ref.ID] = true
		}
	}
	hidden := map[string]bool{}
	for _, ln := range l.Lanes {
		for _, id := range ln.Hidden {
			hidden[id] = true
		}
		if len(ln.Hidden) > 0 && l.Box(ln.Stub) == nil {
			t.Errorf("%s: lane %s hides %d ports without a stub", name, ln.Key, len(ln.Hidden))
		}
		if l.Box(ln.Header) == nil {
			t.Errorf("%s: lane %s has no heading", name, ln.Key)
		}
	}
	for _, p := range s.Neutron.Ports {
		switch {
		case boxed[p.ID] && hidden[p.ID]:
			t.Errorf("%s: port %s both drawn and hidden", name, p.ID)
		case !boxed[p.ID] && !hidden[p.ID]:
			t.Errorf("%s: port %s neither drawn nor counted", name, p.ID)
		case hidden[p.ID] && len(p.Problems) > 0:
			t.Errorf("%s: broken port %s hidden in a stub", name, p.ID)
		}
	}
	// Every network has its lane; every bridge, NIC and router its box.
	for _, nw := range s.Neutron.Networks {
		if l.Find(render.Ref{Kind: "network", ID: nw.ID}) < 0 && !sharesVLAN(s, nw) {
			t.Errorf("%s: network %s has no lane", name, nw.ID)
		}
	}
	for _, br := range s.OVS.Bridges {
		if l.Find(render.Ref{Kind: "bridge", ID: br.Name}) < 0 {
			t.Errorf("%s: bridge %s not drawn", name, br.Name)
		}
	}
	for _, r := range s.Neutron.Routers {
		if l.Find(render.Ref{Kind: "router", ID: r.ID}) < 0 {
			t.Errorf("%s: router %s not drawn", name, r.ID)
		}
	}
	// No two boxes overlap, but a box and what is drawn in it; every box
	// is in the drawing.
	for i := range l.Boxes {
		a := &l.Boxes[i]
		if a.X < 0 || a.Y < 0 || a.X+a.W > l.W || a.Y+a.H > l.H || a.W <= 0 || a.H <= 0 {
			t.Errorf("%s: box %s at %d,%d %dx%d outside the %dx%d drawing", name, a.ID, a.X, a.Y, a.W, a.H, l.W, l.H)
		}
		if a.Shape == Group {
			continue
		}
		for j := i + 1; j < len(l.Boxes); j++ {
			b := &l.Boxes[j]
			if b.Shape == Group || a.Parent == b.ID || b.Parent == a.ID {
				continue
			}
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("%s: boxes %s and %s overlap", name, a.ID, b.ID)
			}
		}
	}
	// A label covers no box (but the group it belongs to).
	for _, lb := range l.Labels {
		w := textWidth(lb.Text)
		for _, b := range l.Boxes {
			if b.Shape == Group || b.ID == lb.Owner {
				continue
			}
			if lb.X < b.X+b.W && b.X < lb.X+w && lb.Y >= b.Y && lb.Y < b.Y+b.H {
				t.Errorf("%s: label %q covers box %s", name, lb.Text, b.ID)
			}
		}
	}
	// Every link joins boxes that exist, along straight segments, inside
	// the drawing.
	for _, lk := range l.Links {
		if l.Box(lk.From) == nil || l.Box(lk.To) == nil {
			t.Errorf("%s: link %s → %s: an end does not exist", name, lk.From, lk.To)
		}
		if len(lk.Points) < 2 {
			t.Errorf("%s: link %s → %s has %d points", name, lk.From, lk.To, len(lk.Points))
		}
		for i, p := range lk.Points {
			if p.X < 0 || p.Y < 0 || p.X >= l.W || p.Y >= l.H {
				t.Errorf("%s: link %s → %s leaves the drawing at %v", name, lk.From, lk.To, p)
			}
			if i > 0 && p.X != lk.Points[i-1].X && p.Y != lk.Points[i-1].Y {
				t.Errorf("%s: link %s → %s is not orthogonal", name, lk.From, lk.To)
			}
		}
	}
	// The reading order holds each selectable box once.
	seen := map[int]bool{}
	for _, i := range l.Order {
		if seen[i] || !l.Boxes[i].Selectable {
			t.Errorf("%s: order holds box %s twice or unselectable", name, l.Boxes[i].ID)
		}
		seen[i] = true
	}
	for i, b := range l.Boxes {
		if b.Selectable && !seen[i] {
			t.Errorf("%s: selectable box %s not in the order", name, b.ID)
		}
		if b.Health >= Warning && len(b.Lines) > 0 && !strings.HasPrefix(b.Lines[0], mark(b.Health)) && b.Shape != Group {
			t.Errorf("%s: box %s is %s but its label %q does not say so", name, b.ID, b.Health, b.Lines[0])
		}
	}
}

func sharesVLAN(s *topo.Snapshot, nw topo.Network) bool {
	for _, o := range s.Neutron.Networks {
		if o.ID != nw.ID && o.LocalVLAN == nw.LocalVLAN {
			return true
		}
	}
	return false
}

// Broken chains come first in their lane, before any healthy one.
func TestBrokenFirst(t *testing.T) {
	_, l := build(t, "bad", Options{})
	for _, ln := range l.Lanes {
		healthy := false
		for _, id := range ln.Ports {
			b := l.Box(chainID(l, id))
			if b == nil {
				continue
			}
			if b.Health == OK {
				healthy = true
			} else if healthy && b.Health >= Warning {
				t.Errorf("lane %s: broken chain %s after a healthy one", ln.Key, id)
			}
		}
	}
}

func chainID(l *Layout, port string) string {
	for _, b := range l.Boxes {
		if b.Kind == KindChain && b.Ref.ID == port {
			return b.ID
		}
	}
	return ""
}

// The examples, each drawn in the error style on the bad node:
// the dead-VLAN qvo, the qvb outside its qbr, the port whose tag differs
// from other_config:tag, and the router with ip_forward=0.
func TestBadNodeErrors(t *testing.T) {
	s, l := build(t, "bad", Options{})
	dev := func(port, role string) *Box {
		for i := range l.Boxes {
			b := &l.Boxes[i]
			if b.Kind == KindPort && b.Ref.ID == port && strings.HasSuffix(b.ID, "/"+role) {
				return b
			}
		}
		t.Fatalf("no %s of port %s", role, port)
		return nil
	}
	var dead, outside, tagged int
	for _, p := range s.Neutron.Ports {
		switch {
		case p.Dead:
			dead++
			if b := dev(p.ID, "qvo"); b.Health != Error {
				t.Errorf("dead-VLAN %s is %s", b.Name, b.Health)
			}
		case p.Devices.QVB != nil && p.Devices.QBR != nil && p.Devices.QVB.InKernel && p.Devices.QVB.OnBridge != p.Devices.QBR.Name:
			outside++
			if b := dev(p.ID, "qvb"); b.Health != Error {
				t.Errorf("%s outside its qbr is %s", b.Name, b.Health)
			}
			if b := dev(p.ID, "qbr"); b.Health != OK {
				t.Errorf("%s is %s: the problem is the qvb's", b.Name, b.Health)
			}
			broken := false
			for _, lk := range l.Links {
				broken = broken || strings.HasSuffix(lk.From, "/qvb") && strings.Contains(lk.From, p.ID) && lk.Health == Error
			}
			if !broken {
				t.Errorf("the link qvb─qbr of %s is not broken", p.ID)
			}
		case p.LocalVLAN == 3004:
			tagged++
			if b := dev(p.ID, "qvo"); b.Health != Error {
				t.Errorf("%s tagged unlike other_config:tag is %s", b.Name, b.Health)
			}
		}
	}
	if dead == 0 || outside == 0 || tagged == 0 {
		t.Fatalf("the fixture lacks an example: dead %d, qvb outside %d, tag %d", dead, outside, tagged)
	}
	forwarding := 0
	for _, r := range s.Neutron.Routers {
		if r.IPForward != nil && !*r.IPForward {
			forwarding++
			b := &l.Boxes[l.Find(render.Ref{Kind: "router", ID: r.ID})]
			if b.Health != Error || !strings.HasPrefix(b.Lines[0], "✗ ") {
				t.Errorf("router %s with ip_forward=0 is %s: %q", r.ID, b.Health, b.Lines)
			}
		}
	}
	if forwarding == 0 {
		t.Fatal("the fixture has no router with ip_forward=0")
	}
	// And nothing on the healthy node is.
	_, aio := build(t, "aio", Options{})
	for _, b := range aio.Boxes {
		if b.Health >= Warning {
			t.Errorf("aio: %s is %s: %s", b.ID, b.Health, b.Problem)
		}
	}
}

// A lane shows Healthy healthy chains and counts the rest; expanded, it
// shows them all; Rebuild keeps the snapshot.
func TestStubsAndExpand(t *testing.T) {
	s, l := build(t, "scale", Options{Healthy: 2})
	var lane *Lane
	for i := range l.Lanes {
		if len(l.Lanes[i].Hidden) > 0 {
			lane = &l.Lanes[i]
			break
		}
	}
	if lane == nil {
		t.Fatal("no stub on the scale node")
	}
	stub := l.Box(lane.Stub)
	if stub == nil || !strings.Contains(stub.Lines[0], "more healthy") {
		t.Fatalf("stub %v", stub)
	}
	full := l.Rebuild(Options{Healthy: 2, Expand: []string{lane.Key}})
	for _, ln := range full.Lanes {
		if ln.Key == lane.Key && (len(ln.Hidden) > 0 || ln.Stub != "") {
			t.Errorf("expanded lane %s still hides %d", ln.Key, len(ln.Hidden))
		}
	}
	checkLayout(t, "scale expanded", s, full)
}
