// Package diagram draws a node the way the course diagrams do: the
// physical bridges (br-ex with its provider NIC) and br-tun (with its
// tunnels) above, br-int as a bus across the middle joined to them by
// their patch pairs, the routers joining their qg- and qr- ports onto the
// bus, and below it one lane per local VLAN with its network, its DHCP
// namespace and its instances' tap–qbr–qvb═qvo chains.
//
// There is one layout model, Build, a pure function of a snapshot and the
// doctor's result, in abstract grid units that are terminal cells; and two
// renderers of it: the terminal one (the Model pane) and SVG (the HTML
// report). Both draw the same boxes, links, health and text, so the TUI
// and the report never disagree.
package diagram

import (
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// Kind is what a box stands for. Its value names it in SVG classes.
type Kind string

// Box kinds.
const (
	KindBridge    Kind = "bridge"    // an OVS bridge; br-int is drawn as the bus
	KindRouter    Kind = "router"    // a qrouter namespace
	KindNamespace Kind = "namespace" // a DHCP (or other) namespace
	KindNIC       Kind = "nic"       // a provider NIC of a physical bridge
	KindTunnel    Kind = "tunnel"    // a tunnel port of br-tun, to a remote IP
	KindPort      Kind = "port"      // one device: qg-, qr-, a DHCP tap, a chain's tap/qbr/qvb/qvo
	KindChain     Kind = "chain"     // an instance's chain, the group of its devices
	KindNetwork   Kind = "network"   // a lane's heading: VLAN, network, CIDRs
	KindStub      Kind = "stub"      // "+N more healthy": what a long group leaves out
)

// Shape is how a box is drawn.
type Shape int

// Shapes.
const (
	Frame   Shape = iota // a frame with the label inside
	Bus                  // br-int: a double frame across the width of its lanes
	Heading              // no frame: a heading or a stub
	Group                // no frame: it encloses its children (a chain)
)

// Health says how an object is drawn.
type Health int

// Health, from best to worst: the worse wins when several things say so.
const (
	OK Health = iota
	// Unknown: a fact the object's health depends on was not read.
	Unknown
	Warning
	Error
)

func (h Health) String() string {
	return [...]string{"ok", "unknown", "warning", "error"}[h]
}

// worse returns the worse of two healths.
func worse(a, b Health) Health { return max(a, b) }

// Box is one drawn object, in cells: X, Y is its top-left corner, W and H
// include its frame.
type Box struct {
	// ID is unique in the layout ("bridge/br-ex", "dev/<port>/qvo").
	ID string
	// Ref is the object the box stands for: Enter opens its page.
	Ref   render.Ref
	Kind  Kind
	Shape Shape
	X, Y  int
	W, H  int
	// Pad is the space between a frame and its label.
	Pad int
	// Lines are the label, terminal-safe (safetext.Term). The first line
	// starts with ✗, ! or ? when the box is Error, Warning or Unknown, so
	// that no fact is said by colour alone.
	Lines []string
	// Name is the object's name for a title (no mark).
	Name   string
	Health Health
	// Problem is what is wrong, terminal-safe; "" when healthy.
	Problem string
	// Parent is the ID of the box this one is drawn in (a chain's
	// devices, a router's ports); "" for none.
	Parent string
	// Selectable boxes take the cursor; a chain's devices do not (the
	// chain does).
	Selectable bool
	// Rounded boxes are namespaces (routers, DHCP): drawn with round
	// corners in the terminal and a dashed frame in SVG.
	Rounded bool
	// Lane is the index of the lane the box is in, -1 above the bus.
	Lane int
	// Copy and Trace are what y copies and t traces ("" nothing).
	Copy, Trace string
	// alias is another object the box stands for (a router's namespace),
	// for Find.
	alias render.Ref
}

// LinkKind is how a link is drawn.
type LinkKind int

// Link kinds.
const (
	Plain  LinkKind = iota // ─ a port on a bridge, a device in a Linux bridge
	Veth                   // ═ a veth pair (qvb═qvo)
	Patch                  // ║ an OVS patch pair between bridges
	Tunnel                 // ┊ a tunnel to a remote node
)

func (k LinkKind) String() string { return [...]string{"plain", "veth", "patch", "tunnel"}[k] }

// Point is a cell.
type Point struct{ X, Y int }

// Link joins two boxes along an orthogonal path of cells. The first and
// last points lie on the frames of From and To (or on a lane's trunk).
type Link struct {
	From, To string // box IDs
	Kind     LinkKind
	Health   Health
	Points   []Point
	// Label is said beside the link (a patch pair's ports, a VLAN); it is
	// also in Labels, where it is placed.
	Label string
}

// Label is free text placed in the grid: a patch pair's ports beside its
// link, a VLAN beside a drop, an instance beside its chain.
type Label struct {
	X, Y   int
	Text   string // terminal-safe
	Health Health
	// Owner is the box the label belongs to (highlighted with it); "" none.
	Owner string
}

// Lane is one local VLAN's group below the bus.
type Lane struct {
	// Key names the lane across builds ("vlan/3", "loose"): Options.Expand.
	Key     string
	VLAN    int
	Network string // the network's id; "" when no network owns the VLAN
	Health  Health
	X, Y    int
	W, H    int
	// Header is the ID of the lane's heading box.
	Header string
	// Ports are the Neutron ports of the lane drawn as boxes, Hidden the
	// ones counted in its stub (ids), Stub the stub's box ID ("" none).
	Ports  []string
	Hidden []string
	Stub   string
}

// Layout is a node drawn in cells.
type Layout struct {
	// Title is the first line (host, time), terminal-safe.
	Title string
	W, H  int
	Boxes []Box
	Links []Link
	// Labels are free texts; Lanes the VLAN groups, left to right.
	Labels []Label
	Lanes  []Lane
	// Order is the reading order of the selectable boxes (indexes into
	// Boxes): the cursor moves along it.
	Order []int

	byID map[string]int
	// What the layout was built from, to build it again with a lane
	// expanded (the Model's Enter on a stub).
	snap *topo.Snapshot
	exam doctor.Result
	opt  Options
}

// Options shape a layout.
type Options struct {
	// Healthy is how many healthy instance chains a lane shows before its
	// "+N more healthy" stub; broken ones are always drawn, first. 0 is
	// DefaultHealthy; negative shows every chain.
	Healthy int
	// Expand lists lanes (by Lane.Key) shown whole.
	Expand []string
	// Width wraps the drawing into sections at most this many cells wide,
	// each with its piece of the bus (for a page); 0 never wraps (the
	// terminal pans).
	Width int
}

// DefaultHealthy is the healthy chains a lane shows by default.
const DefaultHealthy = 4

// Box returns the box with that ID, or nil.
func (l *Layout) Box(id string) *Box {
	if i, ok := l.byID[id]; ok {
		return &l.Boxes[i]
	}
	return nil
}

// Find returns the index of the selectable box that stands for ref, or -1.
// A router's box stands for its namespace too, and a kernel device
// ("link" ref, "<ns>/<name>") is found by the box of its chain or port.
func (l *Layout) Find(ref render.Ref) int {
	best := -1
	for _, i := range l.Order {
		b := &l.Boxes[i]
		if b.Ref == ref {
			return i
		}
		if best < 0 && b.alias == ref {
			best = i
		}
	}
	if best >= 0 || ref.Kind != "link" {
		return best
	}
	// A kernel device: the selectable box holding a device of that name.
	for i := range l.Boxes {
		b := &l.Boxes[i]
		if b.Kind != KindPort || !hasSuffixName(ref.ID, b.Name) {
			continue
		}
		for b.Parent != "" && !b.Selectable {
			b = l.Box(b.Parent)
		}
		if b.Selectable {
			return l.byID[b.ID]
		}
	}
	return -1
}

// hasSuffixName reports whether a link ref id "<ns>/<name>" names name.
func hasSuffixName(id, name string) bool {
	return name != "" && len(id) > len(name) && id[len(id)-len(name)-1] == '/' && id[len(id)-len(name):] == name
}

// HealthOf is the worst health of the boxes standing for ref (a router's
// box stands for its namespace too): the report's tables and dot mark
// objects with it, as the drawing does.
func (l *Layout) HealthOf(ref render.Ref) Health {
	h := OK
	for i := range l.Boxes {
		if b := &l.Boxes[i]; b.Ref == ref || b.alias == ref {
			h = worse(h, b.Health)
		}
	}
	return h
}

// laneOf returns the lane of a port (by id) and whether the port is hidden
// in its stub; -1 when the port is in no lane.
func (l *Layout) laneOf(portID string) (lane int, hidden bool) {
	for i := range l.Lanes {
		for _, id := range l.Lanes[i].Hidden {
			if id == portID {
				return i, true
			}
		}
		for _, id := range l.Lanes[i].Ports {
			if id == portID {
				return i, false
			}
		}
	}
	return -1, false
}

// Rebuild builds the layout again from the same snapshot with other
// options (a lane expanded).
func (l *Layout) Rebuild(opt Options) *Layout { return Build(l.snap, l.exam, opt) }

// Options are the options the layout was built with.
func (l *Layout) Options() Options { return l.opt }
