package diagram

import (
	"strconv"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// builder holds the lookups one Build shares.
type builder struct {
	s        *topo.Snapshot
	n        *topo.Neutron
	opt      Options
	intName  string
	doctor   map[render.Ref]*verdict
	ovsPorts map[string]topo.PortOnBridge
	vlanNet  map[int]*topo.Network
	// routersOn names, per local VLAN, the routers with a port on it.
	routersOn map[int][]string
	// drawn are the ports a router's piece drew (not drawn again in a lane).
	drawn  map[string]bool
	nsRead bool
	ids    map[string]bool
}

// Build lays a node out in the course layout: the physical bridges with
// their NICs and br-tun with its tunnels, then the routers with their
// ports, above the bus (br-int); below it one lane per local VLAN. Every
// object with a problem (its own, the doctor's, a device of a chain that
// is missing or miswired) is Error; broken chains come first in their
// lane; a lane shows opt.Healthy healthy chains and counts the rest in a
// stub. It is a pure function of its arguments.
func Build(s *topo.Snapshot, exam doctor.Result, opt Options) *Layout {
	n := &s.Neutron
	b := &builder{s: s, n: n, opt: opt, doctor: doctorVerdicts(exam), ovsPorts: s.OVS.PortIndex(),
		vlanNet: map[int]*topo.Network{}, routersOn: map[int][]string{}, drawn: map[string]bool{}, ids: map[string]bool{},
		nsRead: len(neutron.Unread(s, "netns")) == 0}
	var tops []piece
	for _, br := range n.Bridges {
		if br.Role == topo.BridgeIntegration && b.intName == "" {
			b.intName = br.Name
		}
	}
	if b.intName == "" {
		b.intName = "br-int"
	}
	for i := range n.Networks {
		if b.vlanNet[n.Networks[i].LocalVLAN] == nil {
			b.vlanNet[n.Networks[i].LocalVLAN] = &n.Networks[i]
		}
	}
	// The course order: physical bridges (the provider side, left), the
	// tunnel bridge, other bridges; then the routers, broken first.
	for _, role := range []string{topo.BridgePhysical, topo.BridgeTunnel} {
		for _, br := range n.Bridges {
			if br.Role == role {
				tops = append(tops, b.bridgePiece(br))
			}
		}
	}
	for _, br := range n.Bridges {
		if br.Role != topo.BridgePhysical && br.Role != topo.BridgeTunnel && br.Name != b.intName {
			tops = append(tops, b.bridgePiece(br))
		}
	}
	routers := n.Routers
	rv := make([]Health, len(routers))
	for i := range routers {
		rv[i] = b.routerVerdict(&routers[i]).health
	}
	b.nameRouters()
	for _, i := range brokenFirst(len(routers), func(i int) Health { return rv[i] }) {
		tops = append(tops, b.routerPiece(routers[i]))
	}
	var lanes []piece
	for i, g := range b.groups() {
		lanes = append(lanes, b.lanePiece(g, i))
	}
	l := &Layout{Title: safetext.Term("ostopo · " + s.Host + " · " + s.TakenAt.UTC().Format("2006-01-02 15:04 MST")),
		snap: s, exam: exam, opt: opt}
	b.assemble(l, tops, lanes)
	l.index()
	return l
}

// nameRouters says, for each local VLAN, which routers have a port on it:
// with their port when few, by id when many (a lane's heading).
func (b *builder) nameRouters() {
	type on struct{ id, dev string }
	ons := map[int][]on{}
	for _, r := range b.n.Routers {
		short := safetext.Term(render.Short(r.ID))
		seen := map[int]bool{}
		if g := r.Gateway; g != nil {
			if p := b.n.Port(g.Port); p != nil {
				ons[p.LocalVLAN] = append(ons[p.LocalVLAN], on{short, safetext.Term(g.Device)})
				seen[p.LocalVLAN] = true
			}
		}
		for _, i := range r.Interfaces {
			if !seen[i.LocalVLAN] {
				ons[i.LocalVLAN] = append(ons[i.LocalVLAN], on{short, safetext.Term(i.Device)})
				seen[i.LocalVLAN] = true
			}
		}
	}
	for v, rs := range ons {
		var names []string
		for i, r := range rs {
			switch {
			case len(rs) <= 2:
				names = append(names, r.id+" ("+r.dev+")")
			case i < 4:
				names = append(names, r.id)
			}
		}
		if len(rs) > 4 {
			names = append(names, "+"+strconv.Itoa(len(rs)-4))
		}
		b.routersOn[v] = names
	}
}

// assemble places the pieces in sections: each section is a band of top
// pieces, its piece of the bus, and a band of lanes. Without a width
// there is one section; with one, pieces wrap into the next section when
// a band would be wider.
func (b *builder) assemble(l *Layout, tops, lanes []piece) {
	topRows := wrap(tops, b.opt.Width)
	laneRows := wrap(lanes, b.opt.Width)
	sections := max(len(topRows), len(laneRows), 1)
	v := b.verdictOf(render.Ref{Kind: "bridge", ID: b.intName}, nil, nil)
	if unread := neutron.Unread(b.s, "ovsdb"); len(unread) > 0 {
		v.add(Unknown, neutron.SourceNames(unread)+" was not read")
	}
	y := 0
	for sec := range sections {
		var top, bottom []piece
		if sec < len(topRows) {
			top = topRows[sec]
		}
		if sec < len(laneRows) {
			bottom = laneRows[sec]
		}
		// The top band, bottom-aligned on the drops.
		bandH := 0
		for _, p := range top {
			bandH = max(bandH, p.h)
		}
		x := 0
		busY := y
		if len(top) > 0 {
			busY = y + bandH + dropRows
		}
		busID := "bus/" + strconv.Itoa(sec)
		for i := range top {
			p := &top[i]
			p.move(x, y+bandH-p.h)
			x += p.w + gapX
			l.take(p)
			for _, d := range p.drops {
				l.Links = append(l.Links, Link{From: d.from, To: busID, Kind: d.kind, Health: d.health, Label: d.label,
					Points: []Point{{d.x, d.y}, {d.x, busY}}})
				if d.label != "" {
					l.Labels = append(l.Labels, Label{X: d.x + 2, Y: busY - 1, Text: d.label, Health: d.health, Owner: d.from})
				}
			}
		}
		width := max(x-gapX, 0)
		x = 0
		for i := range bottom {
			p := &bottom[i]
			p.move(x, busY+3)
			x += p.w + gapX
		}
		width = max(width, x-gapX)
		// The bus: br-int across its section.
		name := safetext.Term(b.intName)
		label := marked(v.health, name) + " · integration · " + strconv.Itoa(len(b.n.Ports)) + " ports · " +
			strconv.Itoa(len(b.n.Networks)) + " networks"
		if sec > 0 {
			label = name + " (continued)"
		}
		bus := Box{ID: busID, Ref: render.Ref{Kind: "bridge", ID: b.intName}, Kind: KindBridge, Shape: Bus,
			X: 0, Y: busY, W: max(width, textWidth(label)+6), H: 3, Lines: []string{label}, Name: name,
			Health: v.health, Problem: v.problem, Selectable: sec == 0, Lane: -1, Copy: b.intName}
		l.Boxes = append(l.Boxes, bus)
		if sec == 0 {
			l.Order = append(l.Order, len(l.Boxes)-1)
		}
		bottomY := busY + 3
		for i := range bottom {
			p := &bottom[i]
			for j := range p.links {
				if p.links[j].From == fromBus {
					p.links[j].From = busID
				}
			}
			l.take(p)
			l.Lanes = append(l.Lanes, *p.lane)
			bottomY = max(bottomY, p.lane.Y+p.h)
		}
		l.W = max(l.W, bus.X+bus.W)
		y = bottomY + 2
	}
	l.H = max(y-2, 0)
}

// wrap splits pieces into rows no wider than w (0: one row).
func wrap(ps []piece, w int) [][]piece {
	if len(ps) == 0 {
		return nil
	}
	if w <= 0 {
		return [][]piece{ps}
	}
	var rows [][]piece
	var row []piece
	x := 0
	for _, p := range ps {
		if len(row) > 0 && x+p.w > w {
			rows = append(rows, row)
			row, x = nil, 0
		}
		row = append(row, p)
		x += p.w + gapX
	}
	return append(rows, row)
}

// take moves a placed piece's boxes, links and labels into the layout,
// its selectable boxes in reading order.
func (l *Layout) take(p *piece) {
	for _, bx := range p.boxes {
		l.Boxes = append(l.Boxes, bx)
		if bx.Selectable {
			l.Order = append(l.Order, len(l.Boxes)-1)
		}
	}
	l.Links = append(l.Links, p.links...)
	l.Labels = append(l.Labels, p.labels...)
}

// index maps the boxes by ID, and makes what y copies and t traces
// terminal-safe (the status line says it).
func (l *Layout) index() {
	l.byID = make(map[string]int, len(l.Boxes))
	for i := range l.Boxes {
		b := &l.Boxes[i]
		l.byID[b.ID] = i
		b.Copy, b.Trace = safetext.Term(b.Copy), safetext.Term(b.Trace)
	}
}

// uid makes an ID unique in the layout: a hostile snapshot may repeat a
// port id or a name.
func (b *builder) uid(id string) string {
	if !b.ids[id] {
		b.ids[id] = true
		return id
	}
	for n := 2; ; n++ {
		alt := id + "#" + strconv.Itoa(n)
		if !b.ids[alt] {
			b.ids[alt] = true
			return alt
		}
	}
}
