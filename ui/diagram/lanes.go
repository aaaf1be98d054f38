package diagram

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// laneLoose is the key of the lane of ports on no bridge (or another
// bridge than br-int): it hangs from nothing.
const laneLoose = "loose"

// fromBus stands for the bus a lane's trunk hangs from until the lane is
// placed in its section.
const fromBus = "\x00bus"

// group is the ports of one lane before it is drawn.
type group struct {
	key   string
	vlan  int
	nets  []*topo.Network
	ports []*topo.NPort
}

// groups sorts the ports the routers did not draw into lanes: one per
// local VLAN on br-int (every network's VLAN has one, with ports or not),
// in VLAN order, and the loose ports last.
func (b *builder) groups() []*group {
	byKey := map[string]*group{}
	var out []*group
	get := func(key string, vlan int) *group {
		g := byKey[key]
		if g == nil {
			g = &group{key: key, vlan: vlan}
			byKey[key] = g
			out = append(out, g)
		}
		return g
	}
	for i := range b.n.Networks {
		nw := &b.n.Networks[i]
		g := get("vlan/"+strconv.Itoa(nw.LocalVLAN), nw.LocalVLAN)
		g.nets = append(g.nets, nw)
	}
	for i := range b.n.Ports {
		p := &b.n.Ports[i]
		if b.drawn[p.ID] {
			continue
		}
		if p.Bridge != b.intName {
			get(laneLoose, -1).ports = append(get(laneLoose, -1).ports, p)
			continue
		}
		g := get("vlan/"+strconv.Itoa(p.LocalVLAN), p.LocalVLAN)
		g.ports = append(g.ports, p)
	}
	slices.SortStableFunc(out, func(a, c *group) int {
		if (a.key == laneLoose) != (c.key == laneLoose) {
			if a.key == laneLoose {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.vlan, c.vlan)
	})
	return out
}

// lanePiece draws one lane: the trunk down from the bus, the heading,
// then a row per port: DHCP and other namespace ports, then the instance
// chains, broken first, then healthy ones up to the limit, then a stub
// counting the rest.
func (b *builder) lanePiece(g *group, index int) piece {
	var p piece
	lane := &Lane{Key: g.key, VLAN: g.vlan}
	p.lane = lane
	headerID := b.uid("lane/" + g.key)
	lane.Header = headerID

	lines, title, ref, v := b.heading(g)
	if ref.Kind == "network" {
		lane.Network = ref.ID
	}
	lane.Health = v.health
	hb := text(headerID, KindNetwork, laneInset, 1, lines...)
	hb.Ref, hb.Name, hb.Health, hb.Problem, hb.Selectable, hb.Lane = ref, title, v.health, v.problem, true, index
	if ref.Kind == "network" {
		hb.Copy = ref.ID
		hb.Name = "VLAN " + strconv.Itoa(g.vlan) + " net " + safetext.Term(render.Short(ref.ID))
	}
	p.add(hb)
	// The lane hangs from the bus (the loose lane from nothing): its
	// trunk, and the heading's stub off it.
	from := fromBus
	if g.key == laneLoose {
		from = headerID
	}
	attach := []Point{{1, 1}}
	p.link(from, headerID, Plain, OK, Point{1, 1}, Point{2, 1})

	// Rows: namespace ports first, then instances broken first.
	var infra, inst []*topo.NPort
	for _, pt := range g.ports {
		if pt.Role == topo.RoleInstance {
			inst = append(inst, pt)
		} else {
			infra = append(infra, pt)
		}
	}
	slices.SortStableFunc(infra, func(a, c *topo.NPort) int {
		return cmp.Compare(roleRank(a.Role), roleRank(c.Role))
	})
	y := 1 + len(lines) + 1
	row := func(pp piece) {
		pp.move(laneInset, y)
		first := pp.boxes[0]
		ay, ax := first.Y+1, first.X
		if first.Shape == Heading {
			ay, ax = first.Y, first.X-2
		}
		h := pp.attach
		p.boxes = append(p.boxes, pp.boxes...)
		p.links = append(p.links, pp.links...)
		p.labels = append(p.labels, pp.labels...)
		p.link(headerID, first.ID, Plain, h, Point{1, ay}, Point{ax, ay})
		attach = append(attach, Point{1, ay})
		p.grow(laneInset+pp.w, y+pp.h)
		y += pp.h + 1
	}
	for _, pt := range infra {
		lane.Ports = append(lane.Ports, pt.ID)
		row(b.portRow(pt, index))
	}
	verdicts := make([]verdict, len(inst))
	for i, pt := range inst {
		verdicts[i] = b.verdictOf(render.Ref{Kind: "port", ID: pt.ID}, pt.Problems, pt.Unknown)
	}
	order := brokenFirst(len(inst), func(i int) Health { return verdicts[i].health })
	limit := b.opt.Healthy
	if limit == 0 {
		limit = DefaultHealthy
	}
	if limit < 0 || slices.Contains(b.opt.Expand, g.key) {
		limit = len(inst)
	}
	shown, healthyHidden := 0, 0
	var hidden []string
	type chain struct {
		pt     *topo.NPort
		v      verdict
		devs   []device
		attach Health
	}
	var chains []chain
	// Columns: each device of a chain as wide as the widest of its kind
	// in the lane, so that the chains line up.
	cols := map[int][]int{}
	for _, i := range order {
		pt := inst[i]
		if verdicts[i].health < Warning {
			if shown >= limit {
				hidden = append(hidden, pt.ID)
				if verdicts[i].health == OK {
					healthyHidden++
				}
				continue
			}
			shown++
		}
		devs, attach := b.chainOf(pt, verdicts[i])
		chains = append(chains, chain{pt, verdicts[i], devs, attach})
		ws := cols[len(devs)]
		if ws == nil {
			ws = make([]int, len(devs))
			cols[len(devs)] = ws
		}
		for j, d := range devs {
			ws[j] = max(ws[j], textWidth(marked(d.health, d.name)))
		}
	}
	for _, c := range chains {
		lane.Ports = append(lane.Ports, c.pt.ID)
		row(b.chainRow(c.pt, c.v, c.devs, c.attach, cols[len(c.devs)], index))
	}
	if len(hidden) > 0 {
		lane.Hidden = hidden
		lane.Stub = b.uid("stub/" + g.key)
		txt := "+" + strconv.Itoa(len(hidden)) + " more healthy"
		if healthyHidden < len(hidden) {
			txt = "+" + strconv.Itoa(len(hidden)) + " more (" + strconv.Itoa(len(hidden)-healthyHidden) + " not fully read)"
		}
		st := text(lane.Stub, KindStub, 0, 0, txt)
		st.Ref, st.Name, st.Selectable, st.Lane = ref, txt, true, index
		row(piece{boxes: []Box{st}, w: st.W, h: 1})
	}
	// The trunk: from the bus (row -1 is the bus's bottom frame) down to
	// the last row; the loose lane hangs from nothing.
	last := attach[len(attach)-1]
	top := -1
	if g.key == laneLoose {
		top = 1
	}
	p.links = append([]Link{{From: from, To: headerID, Kind: Plain, Health: trunkHealth(v.health), Points: []Point{{1, top}, last}}}, p.links...)
	if g.key == laneLoose {
		p.label(1, 0, "✗", v.health, headerID)
	}
	p.grow(p.w+1, y-1)
	lane.W, lane.H = p.w, p.h
	for i := range p.boxes {
		p.boxes[i].Lane = index
	}
	return p
}

// heading is a lane's heading (its VLAN, networks, routers, first
// problem), what it stands for, and the lane's own verdict: a VLAN that
// is dead, untagged or owned by no network is broken, whatever its ports.
func (b *builder) heading(g *group) (lines []string, title string, ref render.Ref, v verdict) {
	switch {
	case g.key == laneLoose:
		title = "not on " + safetext.Term(b.intName)
		if unread := neutron.Unread(b.s, "ovsdb"); len(unread) > 0 {
			title = "bridge unknown: " + safetext.Term(neutron.SourceNames(unread)) + " was not read"
			v.add(Unknown, title)
		} else {
			v.add(Error, "ports not on "+b.intName)
		}
		ref = render.Ref{Kind: "bridge", ID: ""}
	case g.vlan == topo.DeadVLAN:
		title = "VLAN 4095 · dead (ports the agent never bound or killed)"
		v.add(Error, "ports in the dead VLAN 4095")
		ref = render.Ref{Kind: "vlan", ID: "4095"}
	case g.vlan == 0:
		title = "untagged (the OVS agent has not bound these ports)"
		v.add(Error, "ports without a local VLAN")
		ref = render.Ref{Kind: "vlan", ID: "0"}
	case len(g.nets) == 0:
		title = fmt.Sprintf("VLAN %d · no network owns this tag", g.vlan)
		v.add(Error, title)
		ref = render.Ref{Kind: "vlan", ID: strconv.Itoa(g.vlan)}
	default:
		parts := []string{"VLAN " + strconv.Itoa(g.vlan)}
		for _, nw := range g.nets {
			nv := b.verdictOf(render.Ref{Kind: "network", ID: nw.ID}, nw.Problems, nw.Unknown)
			v.add(nv.health, nv.problem)
			seg := nw.NetworkType
			if nw.SegmentationID != nil {
				seg += " " + strconv.Itoa(*nw.SegmentationID)
			}
			if nw.PhysicalNetwork != "" {
				seg += " " + nw.PhysicalNetwork
			}
			parts = append(parts, safetext.Term(seg), "net "+safetext.Term(render.Short(nw.ID)))
			switch {
			case len(nw.CIDRs) > 0:
				parts = append(parts, safetext.Term(strings.Join(nw.CIDRs, " ")))
			case nw.CIDRsUnknown != "":
				// A compute node cannot read them: saying nothing would
				// read as a network without subnets. The label says what
				// is unknown, as the describe page's CIDR line does.
				parts = append(parts, "CIDR ? unknown here")
			}
		}
		title = strings.Join(parts, " · ")
		ref = render.Ref{Kind: "network", ID: g.nets[0].ID}
	}
	lines = []string{fit(marked(v.health, title), maxText)}
	switch rs := b.routersOn[g.vlan]; {
	case len(g.nets) == 0:
		lines = append(lines, plural(len(g.ports), "port"))
	case len(rs) > 0:
		lines = append(lines, fit("routers: "+strings.Join(rs, " "), maxText))
	default:
		lines = append(lines, "no router")
	}
	if v.health >= Warning && v.problem != "" && g.key != laneLoose && len(g.nets) > 0 {
		lines = append(lines, fit(mark(v.health)+v.problem, maxText))
	}
	return lines, title, ref, v
}

// trunkHealth: a lane whose VLAN is wrong (dead, unowned, unmapped) is
// drawn broken all along.
func trunkHealth(h Health) Health {
	if h == Error {
		return Error
	}
	return OK
}

// portRow draws a port that is not an instance's: its device, and the
// namespace it is in (a DHCP namespace, a DVR fip- or snat- namespace).
func (b *builder) portRow(pt *topo.NPort, lane int) piece {
	var p piece
	v := b.verdictOf(render.Ref{Kind: "port", ID: pt.ID}, pt.Problems, pt.Unknown)
	name := pt.OVSPort
	if d := pt.Devices.Tap; d != nil && d.Name != "" {
		name = d.Name
	}
	if name == "" {
		name = render.Short(pt.ID)
	}
	second := safetext.Term(strings.Join(pt.FixedIPs, " "))
	if second == "" {
		second = safetext.Term(pt.Role)
	}
	id := b.uid("port/" + pt.ID)
	pb := frame(id, KindPort, 0, 0, 0, marked(v.health, safetext.Term(name)), fit(second, 32))
	pb.Ref, pb.Name, pb.Health, pb.Problem = render.Ref{Kind: "port", ID: pt.ID}, safetext.Term(name), v.health, v.problem
	pb.Selectable, pb.Copy, pb.Trace, pb.Lane = true, pt.ID, pt.ID, lane
	p.attach = attachHealth(pt, b)
	p.add(pb)
	x := pb.W
	if pt.Namespace != "" {
		nv := b.verdictOf(render.Ref{Kind: "namespace", ID: pt.Namespace}, nil, nil)
		if b.s.Namespace(pt.Namespace) == nil && b.nsRead {
			nv.add(Error, "namespace "+pt.Namespace+" does not exist")
		}
		nsName := safetext.Term(nsShort(pt.Namespace))
		nb := frame(b.uid("ns/"+pt.ID), KindNamespace, x+1, 0, 1, marked(nv.health, nsName))
		nb.Ref, nb.Name, nb.Health, nb.Problem = render.Ref{Kind: "namespace", ID: pt.Namespace}, nsName, nv.health, nv.problem
		nb.Selectable, nb.Rounded, nb.Copy, nb.Lane = true, true, pt.Namespace, lane
		p.add(nb)
		p.link(id, nb.ID, Plain, OK, Point{x - 1, 1}, Point{x + 1, 1})
		x = nb.X + nb.W
	}
	if v.health != OK && v.problem != "" {
		p.label(1, pb.H, fit(mark(v.health)+v.problem, maxText), v.health, id)
	}
	return p
}

// attachHealth is the health of a port's link onto its VLAN.
func attachHealth(pt *topo.NPort, b *builder) Health {
	if pt.Bridge == "" || pt.Dead || b.tagMismatch(pt) || (pt.LocalVLAN != 0 && b.vlanNet[pt.LocalVLAN] == nil) {
		return Error
	}
	return OK
}

// chainRow draws an instance: qvo ═ qvb ─ qbr ─ tap from the bus out (or
// its tap alone), then the instance and its addresses, and the first
// problem.
func (b *builder) chainRow(pt *topo.NPort, v verdict, devs []device, attach Health, cols []int, lane int) piece {
	var p piece
	id := b.uid("chain/" + pt.ID)
	p.attach = attach
	x := 0
	var boxes []Box
	for i, d := range devs {
		db := frame(b.uid(id+"/"+d.role), KindPort, x, 0, 0, marked(d.health, d.name))
		db.W = max(db.W, cols[i]+2)
		db.Ref, db.Name, db.Health, db.Parent, db.Lane = render.Ref{Kind: "port", ID: pt.ID}, d.name, d.health, id, lane
		if d.health >= Warning {
			db.Problem = v.problem
		}
		boxes = append(boxes, db)
		if i > 0 {
			kind := Plain
			if devs[i-1].role == "qvo" {
				kind = Veth
			}
			p.link(boxes[i-1].ID, db.ID, kind, devs[i-1].link, Point{x - 2, 1}, Point{x, 1})
		}
		x += db.W + 1
	}
	info := "vm " + safetext.Term(render.Short(orDash(pt.InstanceID)))
	if len(pt.FixedIPs) > 0 {
		info += " · " + safetext.Term(strings.Join(pt.FixedIPs, " "))
	}
	name := devs[len(devs)-1].name
	gb := Box{ID: id, Ref: render.Ref{Kind: "port", ID: pt.ID}, Kind: KindChain, Shape: Group, W: x - 1, H: 3,
		Lines: []string{info}, Name: name, Health: v.health, Problem: v.problem, Selectable: true, Lane: lane,
		Copy: pt.ID, Trace: pt.ID}
	if len(devs) > 1 {
		gb.Name = devs[0].name
	}
	p.add(gb)
	for _, db := range boxes {
		p.add(db)
	}
	p.label(x, 1, info, OK, id)
	// The problem under the chain, so that a lane stays as narrow as its
	// chains.
	if v.health != OK && v.problem != "" {
		p.label(1, 3, fit(mark(v.health)+v.problem, maxText), v.health, id)
	}
	// The group spans its devices and its labels.
	p.boxes[0].W, p.boxes[0].H = p.w, p.h
	return p
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func roleRank(role string) int {
	return slices.Index([]string{topo.RoleDHCP, topo.RoleRouterGateway, topo.RoleRouterInterface, topo.RoleHA, topo.RoleRouterSNAT,
		topo.RoleFIPGateway, topo.RoleUnknown}, role)
}

// plural is "1 port", "2 ports".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
