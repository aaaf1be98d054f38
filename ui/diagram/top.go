package diagram

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// bridgePiece draws a bridge other than br-int: its provider NICs or
// tunnels above it (what leaves the node), the bridge, and a drop to the
// bus for each patch pair it has with br-int.
func (b *builder) bridgePiece(br topo.BridgeRole) piece {
	var p piece
	name := safetext.Term(br.Name)
	id := b.uid("bridge/" + br.Name)
	// What hangs above: NICs of a physical bridge, tunnels of br-tun.
	type above struct {
		box  Box
		kind LinkKind
	}
	var ups []above
	for _, nic := range b.n.ProviderNICs {
		if nic.Bridge != br.Name {
			continue
		}
		v := b.verdictOf(render.Ref{Kind: "nic", ID: nic.Name}, nic.Problems, nil)
		state := "up"
		switch {
		case !nic.InKernel:
			state = "missing"
			v.add(Error, nic.Name+" is not in the kernel")
		case nic.AdminDown:
			state = "down"
		case !nic.Up || !nic.Carrier:
			state = "no carrier"
		}
		second := state
		if len(nic.Addresses) > 0 {
			second += " · " + safetext.Term(strings.Join(nic.Addresses, " "))
		}
		bx := frame(b.uid("nic/"+nic.Name), KindNIC, 0, 0, 1, marked(v.health, safetext.Term(nic.Name)), fit(second, maxText))
		bx.Ref, bx.Name, bx.Health, bx.Problem = render.Ref{Kind: "nic", ID: nic.Name}, safetext.Term(nic.Name), v.health, v.problem
		bx.Selectable, bx.Copy = true, nic.Name
		ups = append(ups, above{bx, Plain})
	}
	var tunnels []topo.Tunnel
	for _, t := range b.n.Tunnels {
		if t.Bridge == br.Name {
			tunnels = append(tunnels, t)
		}
	}
	tv := make([]verdict, len(tunnels))
	for i, t := range tunnels {
		tv[i] = b.verdictOf(render.Ref{Kind: "tunnel", ID: t.Port}, t.Problems, nil)
	}
	order := brokenFirst(len(tunnels), func(i int) Health { return tv[i].health })
	shown := 0
	for _, i := range order {
		t, v := tunnels[i], tv[i]
		if v.health < Warning && shown >= maxTunnel {
			continue
		}
		shown++
		bx := frame(b.uid("tunnel/"+t.Port), KindTunnel, 0, 0, 1, marked(v.health, safetext.Term(t.Port)),
			safetext.Term(t.Type+" → "+t.RemoteIP))
		bx.Ref, bx.Name, bx.Health, bx.Problem = render.Ref{Kind: "tunnel", ID: t.Port}, safetext.Term(t.Port), v.health, v.problem
		bx.Selectable, bx.Copy = true, t.RemoteIP
		ups = append(ups, above{bx, Tunnel})
	}
	if more := len(tunnels) - shown; more > 0 {
		st := text(b.uid("stub/tunnels/"+br.Name), KindStub, 0, 1, "+"+strconv.Itoa(more)+" more tunnels")
		st.Ref, st.Name, st.Selectable = render.Ref{Kind: "bridge", ID: br.Name}, st.Lines[0], true
		ups = append(ups, above{st, Tunnel})
	}

	// The bridge's verdict, and its patch pairs with br-int.
	v := b.verdictOf(render.Ref{Kind: "bridge", ID: br.Name}, nil, nil)
	type patch struct {
		label string
		h     Health
		ref   render.Ref
	}
	var patches []patch
	for _, pp := range b.n.PatchPairs {
		mine, peer, peerBr := pp.Port, pp.Peer, pp.PeerBridge
		switch {
		case pp.Bridge == br.Name:
		case pp.PeerBridge == br.Name:
			mine, peer, peerBr = pp.Peer, pp.Port, pp.Bridge
		default:
			continue
		}
		ref := render.Ref{Kind: "patch", ID: pp.Bridge + "/" + pp.Port}
		pv := b.verdictOf(ref, pp.Problems, nil)
		if peerBr != b.intName {
			// A pair with another bridge, or whose peer is missing: said
			// on the bridge, as it joins nothing drawn.
			v.add(pv.health, pv.problem)
			continue
		}
		patches = append(patches, patch{safetext.Term(mine + " ═ " + peer), pv.health, ref})
	}
	role := br.Role
	if br.PhysicalNetwork != "" {
		role += " · " + br.PhysicalNetwork
	}
	var lines []string
	lines = append(lines, marked(v.health, name), safetext.Term(role))
	if ip := b.tunnelEndpointOn(br.Name); ip != "" {
		// br-phy of a userspace datapath: where the tunnels leave from.
		lines = append(lines, safetext.Term("tunnel IP "+ip))
	}
	if v.health >= Warning {
		lines = append(lines, fit(mark(v.health)+v.problem, maxText))
	}

	// Place the row above, then the bridge under it, wide enough for the
	// row and for its drops' labels.
	x, upH := 0, 0
	for i := range ups {
		ups[i].box.X = x
		x += ups[i].box.W + 1
		upH = max(upH, ups[i].box.H)
	}
	by := 0
	if len(ups) > 0 {
		by = upH + 1
	}
	bx := frame(id, KindBridge, 0, by, 1, lines...)
	need := bx.W
	dropX := 2
	for _, pt := range patches {
		need = max(need, dropX+2+textWidth(pt.label)+1)
		dropX += textWidth(pt.label) + 4
	}
	bx.W = max(need, x-1)
	bx.Ref, bx.Name, bx.Health, bx.Problem = render.Ref{Kind: "bridge", ID: br.Name}, name, v.health, v.problem
	bx.Selectable, bx.Copy = true, br.Name
	for _, u := range ups {
		// Bottom-align the row above, and hang each from the bridge.
		u.box.Y = upH - u.box.H
		p.add(u.box)
		cx := u.box.X + min(u.box.W/2, 3)
		if u.box.Shape == Heading {
			cx = u.box.X + 1
			p.link(u.box.ID, id, u.kind, OK, Point{cx, u.box.Y + u.box.H}, Point{cx, by})
			continue
		}
		p.link(u.box.ID, id, u.kind, linkHealth(u.box.Health, u.kind), Point{cx, u.box.Y + u.box.H - 1}, Point{cx, by})
	}
	p.add(bx)
	dropX = 2
	for _, pt := range patches {
		p.drops = append(p.drops, drop{from: id, x: dropX, y: by + bx.H - 1, kind: Patch, health: pt.h, label: pt.label})
		dropX += textWidth(pt.label) + 4
	}
	return p
}

// tunnelEndpointOn is the tunnels' local IP when a device of the node's
// own namespace plugged into bridge (not br-tun) holds it: br-phy on a
// node with a userspace datapath; "" otherwise.
func (b *builder) tunnelEndpointOn(bridge string) string {
	root := b.s.Root()
	if root == nil {
		return ""
	}
	for _, br := range b.s.OVS.Bridges {
		if br.Name != bridge {
			continue
		}
		for _, p := range br.Ports {
			l := root.Link(p.Name)
			if l == nil {
				continue
			}
			for _, a := range l.Addrs {
				ip, _, _ := strings.Cut(a.Prefix, "/")
				for _, t := range b.n.Tunnels {
					if t.LocalIP == ip && t.Bridge != bridge {
						return ip
					}
				}
			}
		}
	}
	return ""
}

// linkHealth is the health of the link from a box: a tunnel or NIC that
// is broken breaks its link.
func linkHealth(h Health, _ LinkKind) Health {
	if h == Error {
		return Error
	}
	return OK
}

// routerPiece draws a router: its box with kind, forwarding and floating
// IPs, and under it its qg- port then its qr- ports, each dropping to the
// bus with its VLAN.
func (b *builder) routerPiece(r topo.Router) piece {
	var p piece
	id := b.uid("router/" + r.ID)
	v := b.routerVerdict(&r)
	name := safetext.Term(nsShort(r.Namespace))
	kind := r.Kind
	if r.HAState != "" {
		kind += " " + r.HAState
	}
	lines := []string{marked(v.health, name), safetext.Term(kind)}
	if r.IPForward != nil && !*r.IPForward {
		lines[1] += " · ip_forward=0"
	}
	if g := r.Gateway; g != nil && g.NextHop != "" {
		lines[1] += safetext.Term(" · gw → " + g.NextHop)
	}
	fips := slices.Clone(r.FloatingIPs)
	slices.SortStableFunc(fips, func(a, c topo.FloatingIP) int { return cmp.Compare(b2i(fipBroken(&r, c)), b2i(fipBroken(&r, a))) })
	for i, f := range fips {
		if i == maxFIPs {
			lines = append(lines, "+"+strconv.Itoa(len(fips)-maxFIPs)+" more floating IPs")
			break
		}
		fl := "FIP " + f.FloatingIP + " → " + f.FixedIP
		if fipBroken(&r, f) {
			fl = "✗ " + fl + FloatingIPNote(&r, f)
		}
		lines = append(lines, safetext.Term(fl))
	}
	if v.health >= Warning && v.problem != "" {
		lines = append(lines, fit(mark(v.health)+v.problem, maxText))
	}
	rb := frame(id, KindRouter, 0, 0, 1, lines...)
	rb.Ref, rb.Name, rb.Health, rb.Problem = render.Ref{Kind: "router", ID: r.ID}, name, v.health, v.problem
	rb.Selectable, rb.Rounded, rb.Copy, rb.Trace = true, true, r.ID, r.ID
	rb.alias = render.Ref{Kind: "namespace", ID: r.Namespace}

	// Its ports: the gateway first (towards br-ex), then the interfaces
	// by VLAN.
	type rport struct {
		portID, device string
		vlan           int
		addrs          []string
	}
	var ports []rport
	if g := r.Gateway; g != nil {
		vlan := 0
		if np := b.n.Port(g.Port); np != nil {
			vlan = np.LocalVLAN
		}
		ports = append(ports, rport{g.Port, g.Device, vlan, nonEmpty(g.Address)})
	}
	ifs := slices.Clone(r.Interfaces)
	slices.SortStableFunc(ifs, func(a, c topo.RouterInterface) int { return cmp.Compare(a.LocalVLAN, c.LocalVLAN) })
	for _, i := range ifs {
		ports = append(ports, rport{i.Port, i.Device, i.LocalVLAN, i.Addresses})
	}
	py := rb.H + 1
	x := 0
	var boxes []Box
	for _, rp := range ports {
		np := b.n.Port(rp.portID)
		var pv verdict
		onBus := true
		if np != nil {
			pv = b.verdictOf(render.Ref{Kind: "port", ID: np.ID}, np.Problems, np.Unknown)
			onBus = np.Bridge == b.intName
			b.drawn[np.ID] = true
		}
		second := safetext.Term(strings.Join(rp.addrs, " "))
		if second == "" {
			second = "no address"
		}
		pb := frame(b.uid("rport/"+rp.portID+"/"+rp.device), KindPort, x, py, 0, marked(pv.health, safetext.Term(rp.device)), fit(second, 32))
		pb.Ref, pb.Name, pb.Health, pb.Problem = render.Ref{Kind: "port", ID: rp.portID}, safetext.Term(rp.device), pv.health, pv.problem
		pb.Parent, pb.Selectable, pb.Copy, pb.Trace = id, true, rp.portID, rp.portID
		boxes = append(boxes, pb)
		label := "VLAN " + strconv.Itoa(rp.vlan)
		dh := OK
		if !onBus {
			label, dh = "✗ not on "+safetext.Term(b.intName), Error
		}
		p.drops = append(p.drops, drop{from: pb.ID, x: x + 2, y: py + pb.H - 1, kind: Plain, health: dh, label: label})
		x += max(pb.W, 2+textWidth(label)+2) + 1
	}
	rb.W = max(rb.W, x-1)
	p.add(rb)
	for _, pb := range boxes {
		p.add(pb)
		p.link(id, pb.ID, Plain, OK, Point{pb.X + 2, rb.H - 1}, Point{pb.X + 2, py})
	}
	return p
}

// routerVerdict is a router's: its problems, the doctor's, and forwarding
// turned off (said even when the doctor's check did not run).
func (b *builder) routerVerdict(r *topo.Router) verdict {
	v := b.verdictOf(render.Ref{Kind: "router", ID: r.ID}, r.Problems, r.Unknown)
	if r.IPForward != nil && !*r.IPForward {
		v.add(Error, "net.ipv4.ip_forward=0: the router does not route")
	}
	for _, f := range r.FloatingIPs {
		if fipBroken(r, f) {
			v.add(Error, "floating IP "+f.FloatingIP+FloatingIPNote(r, f))
		}
	}
	return v
}

// fipBroken reports whether a floating IP lacks its address on the
// gateway or its DNAT rule (a DVR router's floating IPs live in the
// fip- namespace, not on a qg- port; an HA router standing by on this
// node holds none of its addresses by design: the primary does).
func fipBroken(r *topo.Router, f topo.FloatingIP) bool {
	return len(f.Problems) > 0 || !f.DNAT || !f.OnGateway && r.Kind != "dvr" && !neutron.HAStandby(r)
}

// FloatingIPNote is what a floating IP of router r lacks, as the drawing
// and the report's tables write it after the address: " (not on qg, no
// DNAT)". On an HA router standing by here the address on qg- is the
// primary's to hold, so its absence is not something it lacks.
func FloatingIPNote(r *topo.Router, f topo.FloatingIP) string {
	if neutron.HAStandby(r) {
		f.OnGateway = true
	}
	if miss := f.Lacks(); len(miss) > 0 {
		return " (" + strings.Join(miss, ", ") + ")"
	}
	return ""
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// brokenFirst is the order 0..n-1 with the worst health first, stable.
func brokenFirst(n int, health func(int) Health) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, c int) int {
		ha, hc := health(a), health(c)
		// Errors and warnings first; unknown and healthy keep their order.
		ra, rc := 0, 0
		if ha >= Warning {
			ra = -int(ha)
		}
		if hc >= Warning {
			rc = -int(hc)
		}
		return cmp.Compare(ra, rc)
	})
	return order
}

// nsShort abbreviates the UUID of a Neutron namespace name.
func nsShort(ns string) string {
	kind, id := topo.ClassifyNamespace(ns)
	if id == "" || !topo.IsUUID(id) {
		return ns
	}
	return kind + "-" + id[:8]
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}
