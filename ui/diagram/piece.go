package diagram

import (
	"github.com/charmbracelet/x/ansi"
)

// Sizes in cells.
const (
	gapX      = 3  // between pieces side by side, and lanes
	dropRows  = 2  // free rows between the top band and the bus
	laneInset = 4  // a lane row's first box, right of the trunk
	maxText   = 76 // a heading or a problem line is cut here ("…")
	maxFIPs   = 4  // floating IPs listed in a router's box
	maxTunnel = 6  // healthy tunnels drawn above br-tun
)

// piece is a part of the drawing built at its own origin, then moved into
// place: a bridge with what hangs above it, a router with its ports, a
// lane.
type piece struct {
	boxes  []Box
	links  []Link
	labels []Label
	w, h   int
	// drops are the links down to the bus the piece makes (top band).
	drops []drop
	lane  *Lane
	// attach is the health of a lane row's link onto the trunk (a port
	// off br-int, in the dead VLAN, tagged wrong is broken there).
	attach Health
}

// drop is a link from a box's bottom down to the bus.
type drop struct {
	from   string
	x, y   int // the cell on the box's bottom frame
	kind   LinkKind
	health Health
	label  string
}

// add puts a box in the piece and grows it to hold the box.
func (p *piece) add(b Box) *Box {
	p.boxes = append(p.boxes, b)
	p.grow(b.X+b.W, b.Y+b.H)
	return &p.boxes[len(p.boxes)-1]
}

func (p *piece) grow(w, h int) { p.w, p.h = max(p.w, w), max(p.h, h) }

func (p *piece) label(x, y int, text string, h Health, owner string) {
	p.labels = append(p.labels, Label{X: x, Y: y, Text: text, Health: h, Owner: owner})
	p.grow(x+textWidth(text), y+1)
}

func (p *piece) link(from, to string, kind LinkKind, h Health, pts ...Point) {
	p.links = append(p.links, Link{From: from, To: to, Kind: kind, Health: h, Points: pts})
	for _, pt := range pts {
		p.grow(pt.X+1, pt.Y+1)
	}
}

// move shifts everything in the piece by dx, dy.
func (p *piece) move(dx, dy int) {
	for i := range p.boxes {
		p.boxes[i].X += dx
		p.boxes[i].Y += dy
	}
	for i := range p.links {
		pts := make([]Point, len(p.links[i].Points))
		for j, pt := range p.links[i].Points {
			pts[j] = Point{pt.X + dx, pt.Y + dy}
		}
		p.links[i].Points = pts
	}
	for i := range p.labels {
		p.labels[i].X += dx
		p.labels[i].Y += dy
	}
	for i := range p.drops {
		p.drops[i].x += dx
		p.drops[i].y += dy
	}
	if p.lane != nil {
		p.lane.X += dx
		p.lane.Y += dy
	}
}

// frame makes a framed box for lines at x, y; pad is the space inside
// the frame on each side.
func frame(id string, kind Kind, x, y, pad int, lines ...string) Box {
	w := 0
	for _, l := range lines {
		w = max(w, textWidth(l))
	}
	return Box{ID: id, Kind: kind, Shape: Frame, X: x, Y: y, W: w + 2 + 2*pad, H: len(lines) + 2, Pad: pad, Lines: lines, Lane: -1}
}

// text makes an unframed box.
func text(id string, kind Kind, x, y int, lines ...string) Box {
	w := 0
	for _, l := range lines {
		w = max(w, textWidth(l))
	}
	return Box{ID: id, Kind: kind, Shape: Heading, X: x, Y: y, W: w, H: len(lines), Lines: lines, Lane: -1}
}

// textWidth is the cells a terminal-safe text takes.
func textWidth(s string) int { return ansi.StringWidth(s) }

// fit cuts a text to n cells with an ellipsis.
func fit(s string, n int) string { return ansi.Truncate(s, n, "…") }

// marked is a first label line with its health's mark.
func marked(h Health, s string) string { return mark(h) + s }
