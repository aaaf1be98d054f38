package views

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/tree"
)

// The trees of the Topology and Namespaces views, pure functions of a
// snapshot and the doctor's badges. Every string of the snapshot reaches
// a row through safetext.Term (treeBuilder.node). Helpers here are named
// tree… or are methods: the tables of this package live beside them.

// TopologyOptions open the bridges at start (three rows are the map of the
// node); below them a VLAN group or a port opens only when it holds a
// problem.
func TopologyOptions() tree.Options { return tree.Options{Name: "Topology", OpenDepth: 1} }

// NamespacesOptions start with one row per namespace, those with a
// problem open.
func NamespacesOptions() tree.Options {
	cols := make([]tree.Column, len(namespaceColumns()))
	for i, c := range namespaceColumns() {
		cols[i] = c.Column
	}
	return tree.Options{Name: "Namespaces", Columns: cols}
}

// namespaceColumn is a column of the Namespaces view's top-level rows
// (a table of namespaces whose rows unfold into their devices,
// addresses, routes and NAT rules).
type namespaceColumn struct {
	tree.Column
	// value is the cell's text; sortKey what it sorts by ("" for value).
	value   func(ns *topo.Namespace, r *topo.Router) string
	sortKey func(ns *topo.Namespace, r *topo.Router) string
}

func namespaceColumns() []namespaceColumn {
	fips := func(_ *topo.Namespace, r *topo.Router) string {
		if r == nil {
			return "-"
		}
		return strconv.Itoa(len(r.FloatingIPs))
	}
	return []namespaceColumn{
		{Column: tree.Column{Title: "NAMESPACE", Width: 19, Sort: 'M'},
			value:   func(ns *topo.Namespace, _ *topo.Router) string { return treeNSShort(ns.Label()) },
			sortKey: func(ns *topo.Namespace, _ *topo.Router) string { return ns.Name }},
		{Column: tree.Column{Title: "KIND", Width: 10, Sort: 'K'}, value: func(ns *topo.Namespace, r *topo.Router) string {
			if r != nil && r.Kind != "" && r.Kind != "legacy" {
				return treeJoin(r.Kind, r.HAState)
			}
			return treeOrDash(ns.Kind)
		}},
		{Column: tree.Column{Title: "FWD", Width: 5, Sort: 'W'}, value: func(ns *topo.Namespace, _ *topo.Router) string {
			if ns.IPForward == nil {
				return "?"
			}
			return map[bool]string{true: "on", false: "off"}[*ns.IPForward]
		}},
		{Column: tree.Column{Title: "LINKS", Width: 7, Sort: 'L', Numeric: true},
			value: func(ns *topo.Namespace, _ *topo.Router) string { return strconv.Itoa(len(ns.Links)) }},
		{Column: tree.Column{Title: "ROUTES", Width: 8, Sort: 'R', Numeric: true},
			value: func(ns *topo.Namespace, _ *topo.Router) string { return strconv.Itoa(len(ns.Routes)) }},
		{Column: tree.Column{Title: "FIPS", Width: 6, Sort: 'I', Numeric: true}, value: fips},
		{Column: tree.Column{Title: "STATE/PROBLEMS", Sort: 'S'}, value: func(_ *topo.Namespace, r *topo.Router) string {
			if r == nil {
				return ""
			}
			return treeJoin(treeProblems(r.Problems), treeUnknown(r.Unknown))
		}},
	}
}

// Topology stacks the bridges as the classic Neutron diagrams do:
// physical bridges (provider side) first, br-int with one group per local
// VLAN, br-tun with its tunnels and VLAN ↔ segment mappings, other
// bridges; then the ports no bridge holds, then the node's own problems.
// Each instance port is its chain tap ─ qbr ─ qvb ═ qvo ─ br-int[tag]: a
// broken link is ✗, a missing device ✗name, a device that is down name↓;
// what is wrong with a port is explained on lines under it.
func Topology(s *topo.Snapshot, badges map[render.Ref]string) []*tree.Node {
	b := newTreeBuilder(s, badges)
	n := &s.Neutron
	roles := map[string]topo.BridgeRole{}
	for _, r := range n.Bridges {
		roles[r.Name] = r
	}
	rank := func(br topo.Bridge) int {
		switch roles[br.Name].Role {
		case topo.BridgePhysical:
			return 0
		case topo.BridgeIntegration:
			return 1
		case topo.BridgeTunnel:
			return 2
		}
		return 3
	}
	order := slices.Clone(s.OVS.Bridges)
	slices.SortStableFunc(order, func(a, c topo.Bridge) int { return cmp.Compare(rank(a), rank(c)) })
	var roots []*tree.Node
	for i := range order {
		br := &order[i]
		role := roles[br.Name]
		ref := render.Ref{Kind: "bridge", ID: br.Name}
		h := b.health(ref, nil, nil)
		bn := b.node(&tree.Node{
			Text: treeJoin(br.Name, role.Role, role.PhysicalNetwork, "fail_mode "+treeOrDash(br.FailMode), br.DatapathType,
				strconv.Itoa(len(br.Ports))+" ports"),
			Class: render.Header, Ref: ref, Copy: br.Name, Health: h, NoCount: true,
		}, "", map[string][]string{"kind": {"bridge"}, "bridge": {br.Name}, "dev": {br.Name}, "state": treeStates(h)})
		bn.Children = b.patches(br.Name)
		switch role.Role {
		case topo.BridgePhysical:
			bn.Children = append(bn.Children, b.nics(br.Name)...)
		case topo.BridgeTunnel:
			bn.Children = append(bn.Children, b.tunnels(br.Name)...)
		case topo.BridgeIntegration:
			bn.Children = append(bn.Children, b.vlans(br.Name)...)
		default:
			bn.Children = append(bn.Children, b.otherPorts(br)...)
		}
		roots = append(roots, bn)
	}
	if loose := b.loosePorts(); loose != nil {
		roots = append(roots, loose)
	}
	if len(n.Problems) > 0 {
		g := b.node(&tree.Node{Text: "node problems", Class: render.Header, Key: "node\x00problems"}, "", nil)
		for _, p := range n.Problems {
			g.Children = append(g.Children, b.node(&tree.Node{Text: "✗ " + p, Class: render.Problem, Health: tree.Error, Key: "node\x00problem\x00" + p},
				"", map[string][]string{"state": {"broken"}}))
		}
		roots = append(roots, g)
	}
	return roots
}

// treeBuilder holds what every row of a snapshot's trees looks up.
type treeBuilder struct {
	s      *topo.Snapshot
	badges map[render.Ref]string
	links  neutron.LinkLookup
	// ovsdb: the OVSDB was read, so a port on no bridge is on none (✗),
	// not somewhere unknown (?).
	ovsdb bool
	// What is wrong with the node's own devices and routes, for the
	// Namespaces tree: the provider NICs' problems by name, and the
	// routes the host cannot use (routefix.Diagnose) by route text.
	nicProblems   map[string][]string
	routeProblems map[string]string
}

func newTreeBuilder(s *topo.Snapshot, badges map[render.Ref]string) *treeBuilder {
	return &treeBuilder{s: s, badges: badges, links: neutron.Links(s), ovsdb: len(neutron.Unread(s, "ovsdb")) == 0}
}

// node makes n terminal-safe (its text, what it copies and traces, and
// what the filter matches besides: search), keys it for the change mark
// by object and text (unless the caller keyed it: a section has no
// object of its own), and gives it the filter's typed terms.
func (b *treeBuilder) node(n *tree.Node, search string, typed map[string][]string) *tree.Node {
	n.Text, n.Copy, n.Trace = safetext.Term(n.Text), safetext.Term(n.Copy), safetext.Term(n.Trace)
	if n.Key == "" {
		n.Key = n.Ref.Kind + "\x00" + n.Ref.ID + "\x00" + n.Text
	}
	text := n.Text
	if search != "" {
		text += "\x00" + safetext.Term(search)
	}
	if typed == nil {
		typed = map[string][]string{}
	}
	n.Fields = filter.NewFields(text, typed)
	return n
}

// health is a row's own: the doctor's severity for its object, or an
// error when the Neutron view found a problem with it (the doctor's
// warning stays one only when Neutron found none), else unknown when
// facts were not read.
func (b *treeBuilder) health(ref render.Ref, problems, unknown []string) tree.Health {
	switch b.badges[ref] {
	case "error":
		return tree.Error
	case "warning":
		if len(problems) == 0 {
			return tree.Warning
		}
	}
	switch {
	case len(problems) > 0:
		return tree.Error
	case len(unknown) > 0:
		return tree.Unknown
	}
	return tree.OK
}

// badge is the doctor's severity for one more object of a row.
func (b *treeBuilder) badge(h tree.Health, ref render.Ref) tree.Health {
	switch b.badges[ref] {
	case "error":
		return max(h, tree.Error)
	case "warning":
		return max(h, tree.Warning)
	}
	return h
}

// explain adds a row's explanation lines under it: what is wrong (✗), then
// what could not be read (?).
func (b *treeBuilder) explain(n *tree.Node, problems, unknown []string) {
	for _, p := range problems {
		n.Children = append(n.Children, b.node(&tree.Node{
			Text: "✗ " + p, Class: render.Problem, Ref: n.Ref, Copy: n.Copy, Trace: n.Trace, Health: tree.Error, NoBadge: true,
		}, "", nil))
	}
	for _, u := range unknown {
		n.Children = append(n.Children, b.node(&tree.Node{
			Text: "? " + u, Class: render.Dim, Ref: n.Ref, Copy: n.Copy, Trace: n.Trace, Health: tree.Unknown, NoBadge: true,
		}, "", nil))
	}
	if len(n.Children) > 0 {
		n.NoCount = true
	}
}

func (b *treeBuilder) patches(bridge string) []*tree.Node {
	var out []*tree.Node
	for _, pp := range b.s.Neutron.PatchPairs {
		port, peer, peerBr := pp.Port, pp.Peer, pp.PeerBridge
		switch {
		case pp.Bridge == bridge:
		case pp.PeerBridge == bridge:
			port, peer, peerBr = pp.Peer, pp.Port, pp.Bridge
		default:
			continue
		}
		link, class := "══", render.Normal
		if len(pp.Problems) > 0 {
			link, class = "✗", render.Problem
		}
		ref := render.Ref{Kind: "patch", ID: pp.Bridge + "/" + pp.Port}
		h := b.health(ref, pp.Problems, nil)
		out = append(out, b.node(&tree.Node{
			Text:  treeJoin(port+" "+link+" "+peer, "("+treeOrDash(peerBr)+")", "patch", treeProblems(pp.Problems)),
			Class: class, Ref: ref, Copy: port, Health: h,
		}, "", map[string][]string{"kind": {"patch"}, "bridge": {bridge, peerBr}, "dev": {port, peer}, "state": treeStates(h)}))
	}
	return out
}

func (b *treeBuilder) nics(bridge string) []*tree.Node {
	var out []*tree.Node
	for _, nic := range b.s.Neutron.ProviderNICs {
		if nic.Bridge != bridge {
			continue
		}
		ref := render.Ref{Kind: "nic", ID: nic.Name}
		h := b.health(ref, nic.Problems, nil)
		state, st := "up", "ok"
		switch {
		case nic.AdminDown:
			state, st = "down", "down"
		case !nic.Up || !nic.Carrier:
			// Set up, no link: the cable or the switch port, not ip link.
			state, st = "no-carrier", "nocarrier"
		}
		class := render.Good
		if h.Problem() {
			class = render.Problem
		}
		out = append(out, b.node(&tree.Node{
			Text: treeJoin(nic.Name, "provider NIC", state, "mtu "+strconv.Itoa(nic.MTU), strings.Join(nic.Addresses, " "),
				treeProblems(nic.Problems)),
			Class: class, Ref: ref, Copy: nic.Name, Health: h,
		}, "", map[string][]string{"kind": {"nic"}, "bridge": {bridge}, "dev": {nic.Name}, "ip": treeAddrs(nic.Addresses),
			"state": append(treeStates(h), st)}))
	}
	return out
}

// otherPorts are the ports of a bridge Neutron gives no role, but the
// patches: on a node with a userspace datapath br-phy holds the NIC the
// tunnels leave by and, on its own internal port, the tunnels' local IP.
// Each says the address the node's device of its name holds, so that
// where the tunnel endpoint lives shows.
func (b *treeBuilder) otherPorts(br *topo.Bridge) []*tree.Node {
	root := b.s.Root()
	endpoints := map[string]bool{}
	for _, t := range b.s.Neutron.Tunnels {
		endpoints[t.LocalIP] = true
	}
	var out []*tree.Node
	for _, p := range br.Ports {
		for _, in := range p.Interfaces {
			if in.Type == "patch" {
				continue
			}
			ref := render.Ref{Kind: "bridge", ID: br.Name}
			var addrs []string
			if root != nil {
				if l := root.Link(in.Name); l != nil {
					ref, addrs = render.Ref{Kind: "link", ID: root.Name + "/" + l.Name}, treeLinkAddrs(l)
				}
			}
			endpoint := ""
			for _, a := range addrs {
				if ip, _, _ := strings.Cut(a, "/"); endpoints[ip] {
					endpoint = "tunnel endpoint"
				}
			}
			typ := in.Type
			if typ == "" {
				typ = "system"
			}
			h := b.health(ref, nil, nil)
			out = append(out, b.node(&tree.Node{
				Text:  treeJoin(in.Name, typ, "ofport "+strconv.Itoa(in.OFPort), strings.Join(addrs, " "), endpoint),
				Class: render.Normal, Ref: ref, Copy: in.Name, Health: h,
			}, "", map[string][]string{"kind": {"ovsport", typ}, "bridge": {br.Name}, "dev": {in.Name}, "ip": treeAddrs(addrs),
				"state": treeStates(h)}))
		}
	}
	return out
}

// tunnels are br-tun's tunnel ports, then its VLAN ↔ segment mappings
// under one group (one per network: tens on a cloud).
func (b *treeBuilder) tunnels(bridge string) []*tree.Node {
	n := &b.s.Neutron
	var out []*tree.Node
	for _, t := range n.Tunnels {
		if t.Bridge != bridge {
			continue
		}
		ref := render.Ref{Kind: "tunnel", ID: t.Port}
		h := b.health(ref, t.Problems, nil)
		class := render.Normal
		if h.Problem() {
			class = render.Problem
		}
		out = append(out, b.node(&tree.Node{
			Text:  treeJoin(t.Port, t.Type, t.LocalIP+" → "+t.RemoteIP, "ofport "+strconv.Itoa(t.OFPort), treeProblems(t.Problems)),
			Class: class, Ref: ref, Copy: t.RemoteIP, Health: h,
		}, "", map[string][]string{"kind": {"tunnel", t.Type}, "bridge": {bridge}, "dev": {t.Port}, "ip": {t.LocalIP, t.RemoteIP},
			"state": treeStates(h)}))
	}
	nets := slices.Clone(n.Networks)
	slices.SortStableFunc(nets, func(a, c topo.Network) int { return cmp.Compare(a.LocalVLAN, c.LocalVLAN) })
	group := b.node(&tree.Node{Text: "VLAN ↔ segment mappings", Key: "bridge\x00" + bridge + "\x00mappings"}, "", nil)
	for _, nw := range nets {
		if nw.Flows.TunnelIngress == "" && nw.Flows.TunnelFlood == "" {
			continue
		}
		flood := "no flood flow"
		if len(nw.Flows.FloodPorts) > 0 {
			flood = "floods to " + strings.Join(nw.Flows.FloodPorts, ", ")
		}
		vlan := strconv.Itoa(nw.LocalVLAN)
		// Health stays OK: the row shows br-tun's mapping, which is there;
		// the network's own problems are on its VLAN group.
		group.Children = append(group.Children, b.node(&tree.Node{
			Text:  treeJoin(fmt.Sprintf("VLAN %d ↔ %s %s", nw.LocalVLAN, nw.NetworkType, treeSegment(nw.SegmentationID)), "net "+render.Short(nw.ID), flood),
			Class: render.Dim, Ref: render.Ref{Kind: "network", ID: nw.ID}, Copy: nw.ID,
		}, nw.ID, map[string][]string{"kind": {"mapping"}, "vlan": {vlan}, "net": {nw.ID}, "bridge": {bridge}, "dev": nw.Flows.FloodPorts}))
	}
	if len(group.Children) > 0 {
		out = append(out, group)
	}
	return out
}

// vlans groups the integration bridge's ports by local VLAN, one group
// per network.
func (b *treeBuilder) vlans(bridge string) []*tree.Node {
	n := &b.s.Neutron
	byVLAN := map[int][]*topo.NPort{}
	for i := range n.Ports {
		if p := &n.Ports[i]; p.Bridge == bridge {
			byVLAN[p.LocalVLAN] = append(byVLAN[p.LocalVLAN], p)
		}
	}
	nets := map[int]*topo.Network{}
	for i := range n.Networks {
		nets[n.Networks[i].LocalVLAN] = &n.Networks[i]
	}
	var out []*tree.Node
	for _, v := range slices.Sorted(maps.Keys(byVLAN)) {
		g := b.vlanGroup(bridge, v, nets[v])
		ports := byVLAN[v]
		slices.SortStableFunc(ports, func(a, c *topo.NPort) int {
			if d := cmp.Compare(treeRoleRank(a.Role), treeRoleRank(c.Role)); d != 0 {
				return d
			}
			return cmp.Compare(a.OVSPort, c.OVSPort)
		})
		for _, p := range ports {
			g.Children = append(g.Children, b.port(p))
		}
		out = append(out, g)
	}
	return out
}

func (b *treeBuilder) vlanGroup(bridge string, v int, nw *topo.Network) *tree.Node {
	vlan := strconv.Itoa(v)
	typed := map[string][]string{"kind": {"vlan"}, "vlan": {vlan}, "bridge": {bridge}}
	bad := func(text string) *tree.Node {
		typed["state"] = []string{"broken"}
		if v == topo.DeadVLAN {
			typed["state"] = append(typed["state"], "dead")
		}
		return b.node(&tree.Node{Text: text, Class: render.Problem, Ref: render.Ref{Kind: "vlan", ID: vlan}, Health: tree.Error}, "", typed)
	}
	switch {
	case v == topo.DeadVLAN:
		return bad("VLAN 4095  dead (ports the agent never bound or killed)")
	case v == 0:
		return bad("untagged  (the OVS agent has not bound these ports)")
	case nw == nil:
		return bad("VLAN " + vlan + "  no network owns this tag")
	}
	dhcp := ""
	if nw.DHCPNamespace != "" {
		dhcp = "dhcp " + render.Short(strings.TrimPrefix(nw.DHCPNamespace, "qdhcp-"))
	}
	ref := render.Ref{Kind: "network", ID: nw.ID}
	h := b.health(ref, nw.Problems, nw.Unknown)
	class := render.Header
	if h.Problem() {
		class = render.Problem
	}
	typed["kind"] = append(typed["kind"], "network")
	typed["net"] = []string{nw.ID}
	typed["ns"] = []string{nw.DHCPNamespace}
	typed["router"] = nw.Routers
	typed["ip"] = nw.CIDRs
	typed["id"] = []string{nw.ID}
	typed["state"] = treeStates(h)
	return b.node(&tree.Node{
		Text: treeJoin("VLAN "+vlan, "net "+render.Short(nw.ID), nw.NetworkType, treeSegment(nw.SegmentationID), nw.PhysicalNetwork,
			treeCIDRs(nw), dhcp, treeProblems(nw.Problems), treeUnknown(nw.Unknown)),
		Class: class, Ref: ref, Copy: nw.ID, Health: h,
	}, nw.ID+" vlan "+vlan, typed)
}

// port draws one port: its chain or its namespace, with what is wrong
// with it on lines under it.
func (b *treeBuilder) port(p *topo.NPort) *tree.Node {
	ref := render.Ref{Kind: "port", ID: p.ID}
	h := b.health(ref, p.Problems, p.Unknown)
	class := render.Normal
	if h.Problem() {
		class = render.Problem
	}
	ips := strings.Join(p.FixedIPs, " ")
	var text string
	switch {
	case p.Devices.QVO != nil || p.Devices.QBR != nil:
		text = treeJoin(b.chain(p), "vm "+render.Short(treeOrDash(p.InstanceID)), ips)
	case p.Namespace != "":
		text = treeJoin(treeDevice(p.Devices.Tap)+" ─ "+b.bridgeTag(p), p.Role, "in "+treeNSShort(p.Namespace), ips)
	default:
		text = treeJoin(treeDevice(p.Devices.Tap)+" ─ "+b.bridgeTag(p), p.Role, p.Firewall, "vm "+render.Short(treeOrDash(p.InstanceID)), ips)
	}
	states := treeStates(h)
	if p.Dead {
		states = append(states, "dead")
	}
	var devs, nss []string
	if p.OVSPort != "" {
		devs = append(devs, p.OVSPort)
	}
	if p.Namespace != "" {
		nss = append(nss, p.Namespace)
	}
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d == nil {
			continue
		}
		devs = append(devs, d.Name)
		if d.Namespace != "" {
			nss = append(nss, d.Namespace)
		}
		if l := b.links(d.Namespace, d.Name); l != nil && d.InKernel {
			states = append(states, treeFault(l))
		}
	}
	n := b.node(&tree.Node{Text: text, Class: class, Ref: ref, Copy: p.ID, Trace: p.ID, Health: h},
		strings.Join([]string{p.ID, p.MAC, p.InstanceID, p.NetworkID, ips}, " "),
		map[string][]string{
			"kind": {"port"}, "vlan": {strconv.Itoa(p.LocalVLAN)}, "role": {p.Role}, "net": {p.NetworkID}, "ns": nss,
			"state": states, "bridge": {p.Bridge}, "router": {p.RouterID}, "dev": devs, "ip": treeAddrs(p.FixedIPs),
			"mac": {p.MAC}, "id": {p.ID, p.InstanceID},
		})
	b.explain(n, p.Problems, p.Unknown)
	return n
}

// loosePorts are the chains the kernel has but no bridge holds.
func (b *treeBuilder) loosePorts() *tree.Node {
	var ports []*tree.Node
	for i := range b.s.Neutron.Ports {
		if p := &b.s.Neutron.Ports[i]; p.Bridge == "" {
			ports = append(ports, b.port(p))
		}
	}
	if len(ports) == 0 {
		return nil
	}
	title := "not on any OVS bridge"
	if unread := neutron.Unread(b.s, "ovsdb"); len(unread) > 0 {
		// OVSDB was not read: where they are plugged is unknown.
		title = "bridge unknown: " + neutron.SourceNames(unread) + " was not read"
	}
	g := b.node(&tree.Node{Text: title, Class: render.Header, Key: "bridge\x00\x00loose"}, "", nil)
	g.Children = ports
	return g
}

// Namespaces lists every namespace, the node's own first (its thousands
// of links folded), then routers, DHCP and the rest, each with its
// sections: links, addresses, routes, floating IPs for a router, and
// Neutron's NAT rules.
func Namespaces(s *topo.Snapshot, badges map[render.Ref]string) []*tree.Node {
	b := newTreeBuilder(s, badges)
	b.nicProblems = map[string][]string{}
	for _, nic := range s.Neutron.ProviderNICs {
		b.nicProblems[nic.Name] = nic.Problems
	}
	b.routeProblems = map[string]string{}
	for _, f := range routefix.Diagnose(s) {
		b.routeProblems[f.Route] = f.Text()
	}
	routers := map[string]*topo.Router{}
	for i := range s.Neutron.Routers {
		routers[s.Neutron.Routers[i].Namespace] = &s.Neutron.Routers[i]
	}
	order := make([]*topo.Namespace, len(s.Namespaces))
	for i := range s.Namespaces {
		order[i] = &s.Namespaces[i]
	}
	slices.SortStableFunc(order, func(a, c *topo.Namespace) int { return cmp.Compare(treeNSRank(a), treeNSRank(c)) })
	roots := make([]*tree.Node, 0, len(order))
	for _, ns := range order {
		roots = append(roots, b.namespace(ns, routers[ns.Name]))
	}
	return roots
}

// treeNSRank orders namespaces: the node's own, routers (and their DVR
// snat-/fip- parts), DHCP, the rest. The node's own is one folded row,
// so the first router is on the first screen however many devices the
// node has.
func treeNSRank(ns *topo.Namespace) int {
	switch {
	case ns.Root:
		return 0
	case ns.Kind == topo.NSRouter || ns.Kind == topo.NSSNAT || ns.Kind == topo.NSFIP:
		return 1
	case ns.Kind == topo.NSDHCP:
		return 2
	}
	return 3
}

func (b *treeBuilder) namespace(ns *topo.Namespace, r *topo.Router) *tree.Node {
	ref := render.Ref{Kind: "namespace", ID: ns.Name}
	h := b.health(ref, nil, nil)
	fwd := ""
	if ns.IPForward != nil {
		fwd = map[bool]string{true: "ip_forward on", false: "ip_forward off"}[*ns.IPForward]
	}
	typed := map[string][]string{"kind": {"namespace", ns.Kind}, "ns": {ns.Name, ns.Label()}, "id": {ns.ID}}
	if ns.Root {
		typed["ns"] = append(typed["ns"], "root")
	}
	if r != nil {
		h = max(h, b.health(render.Ref{Kind: "router", ID: r.ID}, r.Problems, r.Unknown))
		typed["router"] = []string{r.ID}
	}
	typed["state"] = treeStates(h)
	class := render.Header
	if h.Problem() {
		class = render.Problem
	}
	// The row is a table row under the view's heading (Options.Columns);
	// the full name is in the search text and on the detail pane.
	var text strings.Builder
	cols := namespaceColumns()
	keys := make([]string, len(cols))
	for i, c := range cols {
		v := safetext.Term(c.value(ns, r))
		keys[i] = v
		if c.sortKey != nil {
			keys[i] = c.sortKey(ns, r)
		}
		if i < len(cols)-1 {
			v = treePad(v, c.Width)
		}
		text.WriteString(v)
	}
	// Problems first, then what was not read, then the healthy.
	keys[len(keys)-1] = map[bool]string{true: "0", false: "2"}[h.Problem()] + keys[len(keys)-1]
	if h == tree.Unknown {
		keys[len(keys)-1] = "1" + keys[len(keys)-1][1:]
	}
	n := b.node(&tree.Node{
		Text:  strings.TrimRight(text.String(), " "),
		Class: class, Ref: ref, Copy: ns.Label(), Health: h, NoCount: true, SortKeys: keys,
	}, treeJoin(ns.ID, ns.Name, fwd, "ip_forward"), typed)
	key := "namespace\x00" + ns.Name + "\x00"
	section := func(title string, rows []*tree.Node) {
		if len(rows) > 0 {
			g := b.node(&tree.Node{Text: title, Key: key + title, Children: rows}, "", nil)
			// The node's own links are thousands on a compute node.
			g.StartFolded = ns.Root && title == "links"
			n.Children = append(n.Children, g)
		}
	}
	section("links", b.nsLinks(ns))
	section("addresses", b.nsAddresses(ns))
	section("routes", b.nsRoutes(ns))
	if r != nil {
		section("floating IPs", b.floatingIPs(ns, r))
	}
	section("NAT", b.nsNAT(ns))
	return n
}

// linkHealth is a device's: in the node's own namespace a provider NIC's
// findings are on it.
func (b *treeBuilder) linkHealth(ns *topo.Namespace, l *topo.Link) tree.Health {
	h := b.health(render.Ref{Kind: "link", ID: ns.Name + "/" + l.Name}, nil, nil)
	if ns.Root {
		h = b.badge(h, render.Ref{Kind: "nic", ID: l.Name})
	}
	return h
}

func (b *treeBuilder) nsLinks(ns *topo.Namespace) []*tree.Node {
	out := make([]*tree.Node, 0, len(ns.Links))
	for i := range ns.Links {
		l := &ns.Links[i]
		addrs := treeLinkAddrs(l)
		class := render.Normal
		if !l.Up() && l.Kind != "loopback" {
			class = render.Dim
		}
		h := b.linkHealth(ns, l)
		if h.Problem() {
			class = render.Problem
		}
		master := ""
		if l.Master != "" {
			master = "master " + l.Master
		}
		states := treeStates(h)
		if f := treeFault(l); f != "" && l.Kind != "loopback" {
			states = append(states, f)
		}
		n := b.node(&tree.Node{
			Text:  treeJoin(l.Name, l.Kind, treeDVRRole(l), l.OperState, "mtu "+strconv.Itoa(l.MTU), master, strings.Join(addrs, " ")),
			Class: class, Ref: render.Ref{Kind: "link", ID: ns.Name + "/" + l.Name}, Copy: l.Name, Health: h,
		}, l.MAC, map[string][]string{
			"kind": {"link", l.Kind}, "ns": {ns.Name}, "dev": {l.Name, l.Master}, "mac": {l.MAC}, "ip": treeAddrs(addrs), "state": states,
		})
		if ns.Root {
			b.explain(n, b.nicProblems[l.Name], nil)
		}
		out = append(out, n)
	}
	return out
}

// treeDVRRole labels a distributed router's devices, which are no
// Neutron port of their own (rfp-/fpr-) or live in the DVR namespaces
// (fg-, sg-): what each is for, and the veth's other end.
func treeDVRRole(l *topo.Link) string {
	peer := ""
	if l.Peer != nil && l.Peer.Name != "" {
		peer = " ⇄ " + l.Peer.Name
		if kind, id := topo.ClassifyNamespace(l.Peer.Namespace); id != "" {
			peer += " in " + kind + "-" + render.Short(id)
		}
	}
	switch {
	case strings.HasPrefix(l.Name, "rfp-"):
		return "DVR router→fip link" + peer
	case strings.HasPrefix(l.Name, "fpr-"):
		return "DVR fip→router link" + peer
	case strings.HasPrefix(l.Name, "fg-"):
		return "DVR fip gateway"
	case strings.HasPrefix(l.Name, "sg-"):
		return "DVR centralized SNAT port"
	}
	return ""
}

// treeLinkAddrs are a device's addresses but link-local and host ones
// (fe80::, 127.0.0.1: one per device, they say nothing).
func treeLinkAddrs(l *topo.Link) []string {
	var out []string
	for _, a := range l.Addrs {
		if a.Scope != "link" && a.Scope != "host" {
			out = append(out, a.Prefix)
		}
	}
	return out
}

func (b *treeBuilder) nsAddresses(ns *topo.Namespace) []*tree.Node {
	var out []*tree.Node
	for i := range ns.Links {
		l := &ns.Links[i]
		for _, a := range treeLinkAddrs(l) {
			ip, _, _ := strings.Cut(a, "/")
			h := b.badge(b.linkHealth(ns, l), render.Ref{Kind: "address", ID: ip})
			class := render.Normal
			if h.Problem() {
				class = render.Problem
			}
			why := ""
			if ns.Root {
				why = treeProblems(b.nicProblems[l.Name])
			}
			out = append(out, b.node(&tree.Node{
				Text: treeJoin(a, "on "+l.Name, why), Class: class, Ref: render.Ref{Kind: "link", ID: ns.Name + "/" + l.Name}, Copy: ip, Health: h,
			}, "", map[string][]string{"kind": {"address"}, "ns": {ns.Name}, "dev": {l.Name}, "ip": {a, ip}, "state": treeStates(h)}))
		}
	}
	return out
}

// nsRoutes are the routes but the local table's. In the node's own
// namespace the doctor's finding on a route (the default route through a
// bridge port) is on its row.
func (b *treeBuilder) nsRoutes(ns *topo.Namespace) []*tree.Node {
	var out []*tree.Node
	for _, r := range ns.Routes {
		if r.Table == topo.RouteTableLocal {
			continue
		}
		table, via := "", ""
		if r.Table != topo.RouteTableMain {
			table = "table " + strconv.Itoa(r.Table)
		}
		if r.Gateway != "" {
			via = "via " + r.Gateway
		}
		h, why := tree.OK, ""
		if ns.Root {
			h = b.badge(h, render.Ref{Kind: "route", ID: r.Dst})
			if why = b.routeProblems[routefix.RouteText(r)]; why != "" {
				h = max(h, tree.Error)
			}
		}
		class := render.Dim
		if h.Problem() {
			class = render.Problem
		}
		n := b.node(&tree.Node{
			Text:  treeJoin(r.Dst, via, "dev "+treeOrDash(r.Dev), table),
			Class: class, Ref: render.Ref{Kind: "namespace", ID: ns.Name}, Copy: routefix.RouteText(r), Health: h,
		}, "", map[string][]string{"kind": {"route"}, "ns": {ns.Name}, "dev": {r.Dev}, "ip": {r.Dst, r.Gateway}, "state": treeStates(h)})
		if why != "" {
			b.explain(n, []string{why}, nil)
		}
		out = append(out, n)
	}
	return out
}

func (b *treeBuilder) floatingIPs(ns *topo.Namespace, r *topo.Router) []*tree.Node {
	var out []*tree.Node
	for _, f := range r.FloatingIPs {
		ref := render.Ref{Kind: "router", ID: r.ID}
		h := b.badge(tree.OK, render.Ref{Kind: "floating_ip", ID: f.FloatingIP})
		if len(f.Problems) > 0 {
			h = max(h, tree.Error)
		}
		class := render.Good
		if h.Problem() {
			class = render.Problem
		}
		port := ""
		if f.PortID != "" {
			port = "port " + render.Short(f.PortID)
		}
		var flags []string
		for _, x := range []struct {
			on   bool
			name string
		}{{f.OnGateway, "on qg-"}, {f.FIPRoute, "fip route"}, {f.DNAT, "dnat"}, {f.SNAT, "snat"}} {
			if x.on {
				flags = append(flags, x.name)
			}
		}
		out = append(out, b.node(&tree.Node{
			Text:  treeJoin(f.FloatingIP+" → "+treeOrDash(f.FixedIP), port, strings.Join(flags, ","), treeProblems(f.Problems)),
			Class: class, Ref: ref, Copy: f.FloatingIP, Trace: f.FloatingIP, Health: h,
		}, f.PortID, map[string][]string{
			"kind": {"fip", "floating_ip"}, "ns": {ns.Name}, "router": {r.ID}, "ip": {f.FloatingIP, f.FixedIP}, "id": {f.PortID},
			"state": treeStates(h),
		}))
	}
	return out
}

// nsNAT are Neutron's own NAT rules (neutron-* chains).
func (b *treeBuilder) nsNAT(ns *topo.Namespace) []*tree.Node {
	if ns.NAT == nil {
		return nil
	}
	var out []*tree.Node
	for _, rule := range ns.NAT.Rules {
		if !strings.HasPrefix(rule.Chain, "neutron-") {
			continue
		}
		out = append(out, b.node(&tree.Node{
			Text: rule.Text(), Class: render.Dim, Ref: render.Ref{Kind: "namespace", ID: ns.Name}, Copy: rule.Text(),
		}, "", map[string][]string{"kind": {"nat"}, "ns": {ns.Name}, "ip": {rule.Src, rule.Dst, rule.ToDestination, rule.ToSource},
			"dev": {rule.In, rule.Out}}))
	}
	return out
}

// chain draws tap ─ qbr ─ qvb ═ qvo ─ br-int[tag] with ✗ on broken
// links (? for the bridge when OVSDB was not read).
func (b *treeBuilder) chain(p *topo.NPort) string {
	d := p.Devices
	link := func(ok bool, good string) string {
		if ok {
			return " " + good + " "
		}
		return " ✗ "
	}
	tapInQBR := d.Tap != nil && d.QBR != nil && d.Tap.InKernel && d.Tap.OnBridge == d.QBR.Name
	qvbInQBR := d.QVB != nil && d.QBR != nil && d.QVB.InKernel && d.QVB.OnBridge == d.QBR.Name
	peered := d.QVB != nil && d.QVO != nil && d.QVB.InKernel && d.QVO.InKernel && d.QVB.Peer == d.QVO.Name
	onOVS := link(d.QVO != nil && d.QVO.InKernel && p.Bridge != "", "─")
	if p.Bridge == "" && !b.ovsdb {
		onOVS = " ? "
	}
	return treeDevice(d.Tap) + link(tapInQBR, "─") + treeDevice(d.QBR) + link(qvbInQBR, "─") +
		treeDevice(d.QVB) + link(peered, "═") + treeDevice(d.QVO) + onOVS + b.bridgeTag(p)
}

func treeDevice(d *topo.Device) string {
	switch {
	case d == nil:
		return "✗?"
	case !d.InKernel:
		return "✗" + d.Name
	case !d.Up:
		return d.Name + "↓"
	}
	return d.Name
}

func (b *treeBuilder) bridgeTag(p *topo.NPort) string {
	switch {
	case p.Bridge == "" && !b.ovsdb:
		return "?br-int"
	case p.Bridge == "":
		return "✗br-int"
	}
	return p.Bridge + "[" + strconv.Itoa(p.LocalVLAN) + "]"
}

func treeRoleRank(role string) int {
	return slices.Index([]string{topo.RoleRouterGateway, topo.RoleRouterInterface, topo.RoleHA, topo.RoleRouterSNAT,
		topo.RoleFIPGateway, topo.RoleDHCP, topo.RoleInstance, topo.RoleUnknown}, role)
}

// treeNSShort abbreviates the UUID of a Neutron namespace name.
func treeNSShort(ns string) string {
	kind, id := topo.ClassifyNamespace(ns)
	if id == "" {
		return ns
	}
	return kind + "-" + render.Short(id)
}

func treeSegment(seg *int) string {
	if seg == nil {
		return ""
	}
	return strconv.Itoa(*seg)
}

// treeStates are the state: values of a row's health.
func treeStates(h tree.Health) []string {
	switch {
	case h.Problem():
		return []string{"broken"}
	case h == tree.Unknown:
		return []string{"unknown"}
	}
	return []string{"ok"}
}

// treeFault is the state: value of a device that passes no traffic
// ("down", "nocarrier"), "" when it does.
func treeFault(l *topo.Link) string {
	switch neutron.Fault(l) {
	case neutron.FaultAdminDown, neutron.FaultOperDown:
		return "down"
	case neutron.FaultNoCarrier:
		return "nocarrier"
	}
	return ""
}

// treeAddrs are addresses with and without their prefix length, so that
// ip:10.1.0.1 finds 10.1.0.1/24.
func treeAddrs(prefixes []string) []string {
	out := make([]string, 0, 2*len(prefixes))
	for _, p := range prefixes {
		out = append(out, p)
		if a, _, ok := strings.Cut(p, "/"); ok {
			out = append(out, a)
		}
	}
	return out
}

// treeProblems is the first problem, marked ✗, with how many more.
func treeProblems(ps []string) string { return marked("✗ ", ps) }

// treeUnknown is the first fact that could not be read, "? " marking it
// neither good nor a problem.
func treeUnknown(us []string) string { return marked("? ", us) }

// treeCIDRs is a network's CIDRs, or "CIDR ? unknown here" when the node
// cannot tell them (a compute node has no DHCP or router port to read a
// prefix from): leaving them out would read as a network without
// subnets. The label says what is unknown (the row has no columns),
// as the describe page's CIDR line does.
func treeCIDRs(nw *topo.Network) string {
	if len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "" {
		return "CIDR ? unknown here"
	}
	return strings.Join(nw.CIDRs, " ")
}

// treePad pads a cell to its column's width (one space after a longer
// one, so that cells never touch).
func treePad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}

// treeJoin concatenates non-empty parts with two spaces.
func treeJoin(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ")
}

func treeOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
