// Package cloudtrace follows a floating IP (or a fixed IP, or a port)
// across the nodes of a collected cloud, as a pure function of their
// snapshots: from the provider NIC of the node whose router holds it,
// through NAT, qr-, that node's br-int and br-tun, out of the tunnel with
// the network's VNI, into the instance's node's br-tun table 4, its own
// local VLAN, br-int and the instance's chain; and back the other way.
// Each node's half is the single-node trace (netinspect/trace) of that
// node, told who is at the other end of the tunnel, so every hop carries
// its node's name and its node's evidence, and the crossing itself is
// checked from both ends (the tunnel port to the other node, the VNI one
// sends and the other maps).
package cloudtrace

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// KindNode is the hop of a node the path reaches that could not be
// traced: one not in the collected cloud (unknown: collect it), or one
// that does not host what the packet is for (broken).
const KindNode = "node"

// Options choose the direction.
type Options struct {
	Reverse bool // outbound: instance → outside
}

// Hop is one hop of the path on one node.
type Hop struct {
	// Node is the name of the node the hop is on ("" for a node not in
	// the cloud: the hop's Device is then its tunnel address).
	Node string `json:"node"`
	trace.Hop
}

// Crossing is one tunnel the path crosses between two nodes: the
// network's local VLAN on each (each OVS agent picks its own) and the VNI
// on the wire between them.
type Crossing struct {
	From     string `json:"from"`
	FromIP   string `json:"from_ip"`
	FromVLAN int    `json:"from_vlan"`
	// Port is the sending node's tunnel port.
	Port string `json:"port,omitempty"`
	// To is "" when the receiving node is not in the cloud.
	To     string `json:"to"`
	ToIP   string `json:"to_ip"`
	ToVLAN int    `json:"to_vlan"` // 0: not known (the node was not traced)
	VNI    int    `json:"vni"`
}

// Result is a whole trace across the cloud. Its verdict fields mean what
// trace.Result's do, over every node's hops.
type Result struct {
	Target     string `json:"target"`
	Direction  string `json:"direction"` // inbound, outbound
	FloatingIP string `json:"floating_ip,omitempty"`
	FixedIP    string `json:"fixed_ip,omitempty"`
	PortID     string `json:"port_id,omitempty"`
	RouterID   string `json:"router_id,omitempty"`
	NetworkID  string `json:"network_id,omitempty"`
	Role       string `json:"role,omitempty"`
	// Nodes are the nodes the path crosses, in its order.
	Nodes     []string   `json:"nodes"`
	Crossings []Crossing `json:"crossings,omitempty"`
	Complete  bool       `json:"complete"`
	Hops      []Hop      `json:"hops"`
	BrokenAt  *int       `json:"broken_at"`
	Unknown   bool       `json:"unknown"`
	UnknownAt *int       `json:"unknown_at"`
	Standby   bool       `json:"standby,omitempty"`
	StandbyAt *int       `json:"standby_at,omitempty"`
	// ContinuesAt names where the path goes on beyond what was traced
	// (the provider network, a distributed router's SNAT node).
	ContinuesAt []string `json:"continues_at,omitempty"`
	// Notes are what the operator should know that is no hop: the nodes
	// where an HA router stands by, another node holding the same
	// address.
	Notes []string `json:"notes,omitempty"`
}

// ExitCode is what `ostopo trace` exits with on a cloud, as on one node
// (trace.ExitCode): 0 complete, 1 broken, 2 bad input, 3 unknown, 4
// standby.
func ExitCode(r *Result, err error) int {
	switch {
	case errors.Is(err, trace.ErrUnread):
		return 3
	case err != nil || r == nil:
		return 2
	case r.BrokenAt != nil:
		return 1
	case r.Standby:
		return 4
	case r.Unknown:
		return 3
	}
	return 0
}

// Trace resolves target on every node of the cloud and walks its path
// across them. A target is what trace.Trace takes. The path starts on the
// node whose router holds the floating IP (an HA router's active node; a
// distributed floating IP's compute node), else on the node hosting the
// instance when a router there routes to it, else on a node whose router
// routes to it, else where the instance is. Errors are trace.Trace's,
// over the whole cloud: ErrUnread when no node has it but some node could
// not be read whole, ErrUnknown when no node has it.
func Trace(c *cloud.Cloud, target string, o Options) (*Result, error) {
	if c == nil || len(c.Nodes) == 0 {
		return nil, errors.New("no node in the cloud")
	}
	pl, err := planOf(c, target)
	if err != nil {
		return nil, err
	}
	res := &Result{Target: target, Direction: "inbound", Hops: []Hop{}, Nodes: []string{}}
	if o.Reverse {
		res.Direction = "outbound"
	}
	in := pl.in
	res.FloatingIP, res.FixedIP, res.PortID, res.RouterID, res.NetworkID, res.Role = in.FloatingIP, in.FixedIP, in.PortID, in.RouterID, in.NetworkID, in.Role
	res.Notes = pl.notes
	b := &builder{c: c, res: res}
	if o.Reverse {
		b.outbound(pl)
	} else {
		b.inbound(pl)
	}
	res.settle()
	return res, nil
}

// plan is where the path starts and where it crosses to.
type plan struct {
	origin *cloud.Node
	in     *trace.Result // the origin's inbound trace
	notes  []string
	// cross is set when the inbound path leaves the origin by tunnel.
	cross *crossing
}

// crossing is the inbound path leaving the origin by tunnel.
type crossing struct {
	ips []string // the tunnel remote IPs it leaves to
	// to is the node it goes on to, at toIP, through the origin's port
	// (fromIP its local_ip) with vni; nil when it goes to no collected
	// node that hosts the instance (and some it goes to is not
	// collected), or nowhere.
	to            *cloud.Node
	toIP, fromIP  string
	port          string
	vni, fromVLAN int
	// holder is the node hosting the instance, nil when no collected
	// node does; misdirected: the path goes to other nodes.
	holder      *cloud.Node
	misdirected bool
}

// resolved is one node's inbound trace of the target, or its error.
type resolved struct {
	node *cloud.Node
	r    *trace.Result
	err  error
}

func planOf(c *cloud.Cloud, target string) (*plan, error) {
	all := resolveAll(c, target, trace.Options{})
	best, err := pick(all, target)
	if err != nil {
		return nil, err
	}
	if rank(best.r) == rankArrival && best.r.FixedIP != "" && best.r.FixedIP != target {
		// A port named by its id or device: its fixed IP may be routed
		// from another node.
		byIP := resolveAll(c, best.r.FixedIP, trace.Options{})
		if again, err := pick(byIP, best.r.FixedIP); err == nil && rank(again.r) < rankArrival {
			best, all = again, byIP
		}
	}
	pl := &plan{origin: best.node, in: best.r}
	pl.notes = notes(all, best)
	pl.cross = crossOf(c, pl)
	return pl, nil
}

func resolveAll(c *cloud.Cloud, target string, o trace.Options) []resolved {
	out := make([]resolved, 0, len(c.Nodes))
	for i := range c.Nodes {
		n := &c.Nodes[i]
		r, err := trace.Trace(n.Snap, target, o)
		out = append(out, resolved{node: n, r: r, err: err})
	}
	return out
}

// Ranks of a node's inbound trace as the path's start: lower is better.
const (
	rankFloating        = iota // holds the floating IP, router not standing by
	rankFloatingUnknown        // holds it, the router's state unknown
	rankLocal                  // hosts the instance and a router routing to it (DVR)
	rankRouted                 // a router here routes to it; the instance is elsewhere
	rankArrival                // hosts the instance; it arrives from elsewhere
	rankOther                  // a router's or DHCP port's own address, anything else
	rankStandby                // an HA router standing by here
)

func rank(r *trace.Result) int {
	routed, local, routerUnknown := false, false, false
	for _, h := range r.Hops {
		switch h.Kind {
		case trace.KindRouter, trace.KindSNATNamespace, trace.KindFIPNamespace:
			routed = true
			routerUnknown = routerUnknown || h.Kind == trace.KindRouter && h.Unknown != ""
		case trace.KindTap, trace.KindQVO:
			local = true
		}
	}
	local = local && r.PortID != "" && r.Role == ""
	switch {
	case r.Standby:
		return rankStandby
	case r.FloatingIP != "" && routerUnknown:
		return rankFloatingUnknown
	case r.FloatingIP != "" && routed:
		return rankFloating
	case local && routed:
		return rankLocal
	case routed && r.Role == "":
		return rankRouted
	case local:
		return rankArrival
	}
	return rankOther
}

// pick chooses the node the path starts on, or says why none.
func pick(all []resolved, target string) (resolved, error) {
	best := -1
	for i, x := range all {
		if x.err == nil && (best < 0 || rank(x.r) < rank(all[best].r)) {
			best = i
		}
	}
	if best >= 0 {
		return all[best], nil
	}
	var unread, unknown []string
	var firstUnread, other error
	for _, x := range all {
		var amb *trace.AmbiguousError
		switch {
		case errors.As(x.err, &amb):
			return resolved{}, fmt.Errorf("on %s: %w", x.node.Name, x.err)
		case errors.Is(x.err, trace.ErrUnread):
			unread = append(unread, x.node.Name)
			if firstUnread == nil {
				firstUnread = x.err
			}
		case errors.Is(x.err, trace.ErrUnknown):
			unknown = append(unknown, x.node.Name)
		case other == nil:
			other = x.err
		}
	}
	switch {
	case len(unread) > 0:
		return resolved{}, fmt.Errorf("%s is on none of the nodes read whole (%s); not everything was read on %s: %w",
			target, orNone(unknown), strings.Join(unread, ", "), firstUnread)
	case other != nil:
		return resolved{}, other // bad input, the same on every node
	}
	return resolved{}, &notFoundError{fmt.Sprintf("%s is on none of the %d collected nodes (%s): no floating IP, address or port of that name", target, len(all), strings.Join(unknown, ", "))}
}

// notFoundError is an input no node has, every node read whole: bad
// input, as trace.ErrUnknown is on one node (errors.Is holds).
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return trace.ErrUnknown }

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// notes says which other nodes hold the target too: HA routers standing
// by (not the path), or a second node holding it as the start does (a
// conflict the cloud's problems name).
func notes(all []resolved, best resolved) []string {
	var out []string
	br := rank(best.r)
	for _, x := range all {
		if x.err != nil || x.node == best.node {
			continue
		}
		switch rk := rank(x.r); {
		case rk == rankStandby:
			out = append(out, fmt.Sprintf("%s: router %s stands by there (HA): not the path", x.node.Name, orDash(x.r.RouterID)))
		case rk == br && br <= rankFloatingUnknown:
			out = append(out, fmt.Sprintf("%s holds %s too: only one node should (see the cloud's problems); the path traced is %s's", x.node.Name, best.r.IP, best.node.Name))
		case rk == br && br == rankOther:
			// A distributed router's ports are on every node it serves.
			out = append(out, fmt.Sprintf("%s has %s too; the path traced is %s's", x.node.Name, best.r.IP, best.node.Name))
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// crossOf works out where the origin's inbound path leaves to by tunnel,
// and which node hosts the instance.
func crossOf(c *cloud.Cloud, pl *plan) *crossing {
	in := pl.in
	var ips []string
	for _, at := range in.ContinuesAt {
		if _, err := netip.ParseAddr(at); err == nil {
			ips = append(ips, at)
		}
	}
	holders := holdersOf(c, pl.origin, in.FixedIP, in.NetworkID)
	if len(ips) == 0 {
		if len(holders) == 0 || !leavesByTunnel(in) {
			return nil
		}
		// The path breaks on the origin before it leaves (no tunnel to
		// the instance's node): inbound it ends there, outbound it
		// still starts at the instance.
		return &crossing{holder: holders[0]}
	}
	x := &crossing{ips: ips}
	for _, ip := range ips {
		if n := c.NodeByTunnelIP(ip); n != nil && slices.Contains(holders, n) {
			x.to, x.toIP, x.holder = n, ip, n
			break
		}
	}
	switch {
	case x.to == nil && len(holders) > 0:
		// The instance is on a collected node the path does not go to.
		x.holder, x.misdirected = holders[0], true
	case x.to == nil && !slices.ContainsFunc(ips, func(ip string) bool { return c.NodeByTunnelIP(ip) == nil }):
		// Every node it goes to is collected, and none has the
		// instance: the first of them drops it.
		x.toIP = ips[0]
		x.to = c.NodeByTunnelIP(x.toIP)
	}
	if x.to != nil {
		x.port, x.fromIP = tunnelTo(pl.origin.Snap, x.toIP)
		x.vni, x.fromVLAN = leavingVNI(in, x.port)
	}
	return x
}

// leavesByTunnel reports whether an inbound path goes through br-tun
// towards another node (the hops leave() adds).
func leavesByTunnel(r *trace.Result) bool {
	return slices.ContainsFunc(r.Hops, func(h trace.Hop) bool { return h.Kind == trace.KindTunnelBridge })
}

// holdersOf are the nodes, other than origin, with an instance port
// holding fixed on network (any network when "").
func holdersOf(c *cloud.Cloud, origin *cloud.Node, fixed, network string) []*cloud.Node {
	if fixed == "" {
		return nil
	}
	var out []*cloud.Node
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n == origin {
			continue
		}
		for _, p := range n.Snap.Neutron.Ports {
			if p.Role == topo.RoleInstance && (network == "" || p.NetworkID == "" || p.NetworkID == network) && hasIP(p.FixedIPs, fixed) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func hasIP(addrs []string, ip string) bool {
	for _, a := range addrs {
		if h, _, _ := strings.Cut(a, "/"); h == ip {
			return true
		}
	}
	return false
}

// tunnelTo is the snapshot's tunnel port to remote, and its local_ip.
func tunnelTo(s *topo.Snapshot, remote string) (port, local string) {
	for _, t := range s.Neutron.Tunnels {
		if t.RemoteIP == remote {
			return t.Port, t.LocalIP
		}
	}
	return "", ""
}

// tunnelToNode is the snapshot's tunnel port to any address of node n:
// its remote IP and local_ip.
func tunnelToNode(s *topo.Snapshot, n *cloud.Node) (remote, local string) {
	for _, t := range s.Neutron.Tunnels {
		if slices.Contains(n.TunnelIPs, t.RemoteIP) {
			return t.RemoteIP, t.LocalIP
		}
	}
	return "", ""
}

// leavingVNI is the VNI the inbound path leaves through port with, and the
// local VLAN it left from.
func leavingVNI(r *trace.Result, port string) (vni, vlan int) {
	for _, h := range r.Hops {
		switch {
		case h.Kind == trace.KindTunnelBridge:
			vlan = h.VLAN
			if vni == 0 {
				vni = h.TunnelID
			}
		case h.Kind == trace.KindTunnel && h.Device == port && h.TunnelID != 0:
			vni = h.TunnelID
		}
	}
	return vni, vlan
}

// builder assembles the result.
type builder struct {
	c   *cloud.Cloud
	res *Result
}

// add appends a node's trace, with the node's recorded ofproto/trace
// verdicts.
func (b *builder) add(n *cloud.Node, r *trace.Result) {
	trace.Attach(r, n.Snap.OFTraces)
	for _, h := range r.Hops {
		b.res.Hops = append(b.res.Hops, Hop{Node: n.Name, Hop: h})
	}
	if !slices.Contains(b.res.Nodes, n.Name) {
		b.res.Nodes = append(b.res.Nodes, n.Name)
	}
	for _, at := range r.ContinuesAt {
		if _, err := netip.ParseAddr(at); err != nil && !slices.Contains(b.res.ContinuesAt, at) {
			b.res.ContinuesAt = append(b.res.ContinuesAt, at) // beyond any tunnel: the provider network, an SNAT node
		}
	}
}

// addHop appends a hop no node's trace made.
func (b *builder) addHop(h Hop) {
	if h.Evidence == nil {
		h.Evidence = []string{}
	}
	h.OK = h.Problem == "" && h.Unknown == "" && h.Standby == ""
	b.res.Hops = append(b.res.Hops, h)
	if h.Node != "" && !slices.Contains(b.res.Nodes, h.Node) {
		b.res.Nodes = append(b.res.Nodes, h.Node)
	}
}

// inbound: the origin's path, then the arrival on the instance's node.
func (b *builder) inbound(pl *plan) {
	b.add(pl.origin, pl.in)
	x := pl.cross
	if x == nil {
		return
	}
	switch {
	case len(x.ips) == 0:
		// It broke before leaving the origin.
	case x.misdirected:
		b.misdirected(pl)
	case x.to == nil:
		b.notCollected(x.ips, "the packet")
	default:
		r, err := trace.Trace(x.to.Snap, fixedOr(pl), trace.Options{From: &trace.Peer{Node: pl.origin.Name, RemoteIP: x.fromIP, TunnelID: x.vni, NetworkID: pl.in.NetworkID}})
		b.crossing(Crossing{From: pl.origin.Name, FromIP: x.fromIP, FromVLAN: x.fromVLAN, Port: x.port, To: x.to.Name, ToIP: x.toIP, VNI: x.vni}, x.to, r, err)
		if err == nil {
			b.res.PortID = r.PortID
			if b.res.NetworkID == "" {
				b.res.NetworkID = r.NetworkID
			}
		}
	}
}

// fixedOr is the fixed IP the path is for, else the target itself.
func fixedOr(pl *plan) string {
	if pl.in.FixedIP != "" {
		return pl.in.FixedIP
	}
	return pl.in.IP
}

// crossing appends the receiving node's trace (or the hop saying why
// there is none) and records the crossing with the local VLAN there.
func (b *builder) crossing(cr Crossing, to *cloud.Node, r *trace.Result, err error) {
	if err != nil {
		b.untraced(to, err)
		b.res.Crossings = append(b.res.Crossings, cr)
		return
	}
	for _, h := range r.Hops {
		if h.Kind == trace.KindTunnelBridge {
			cr.ToVLAN = h.VLAN
			break
		}
	}
	b.res.Crossings = append(b.res.Crossings, cr)
	b.add(to, r)
}

// untraced is the hop of a node the packet reaches where its target is
// not: unknown when that node was not read whole, else broken.
func (b *builder) untraced(n *cloud.Node, err error) {
	h := Hop{Node: n.Name, Hop: trace.Hop{Kind: KindNode, Device: n.Name}}
	what := b.res.FixedIP
	if what == "" {
		what = b.res.Target
	}
	if errors.Is(err, trace.ErrUnread) {
		h.Unknown = fmt.Sprintf("whether %s hosts %s: %v", n.Name, what, err)
	} else {
		h.Problem = fmt.Sprintf("%s does not host %s, yet the packet is sent there: it is dropped (%v)", n.Name, what, err)
		h.Expected = "the instance's port on " + n.Name
		h.Found = "none"
		h.Next = "openstack port list --fixed-ip ip-address=" + what + " --long (binding host); check l2population on the sending node"
	}
	b.addHop(h)
}

// notCollected ends the path at tunnel addresses no collected node has.
func (b *builder) notCollected(ips []string, what string) {
	var missing []string
	for _, ip := range ips {
		if b.c.NodeByTunnelIP(ip) == nil {
			missing = append(missing, ip)
		}
	}
	if len(missing) == 0 {
		missing = ips
	}
	b.addHop(Hop{Hop: trace.Hop{Kind: KindNode, Device: strings.Join(missing, ", "),
		Evidence: []string{what + " goes on by tunnel to " + strings.Join(ips, ", ")},
		Unknown:  strings.Join(missing, ", ") + map[bool]string{true: " is", false: " are"}[len(missing) == 1] + " not in the collected cloud: collect it"}})
}

// misdirected marks the origin's tunnel hop broken: the path leaves for
// nodes that do not host the instance, which is on another.
func (b *builder) misdirected(pl *plan) {
	x := pl.cross
	at := -1
	for i := range b.res.Hops {
		if h := &b.res.Hops[i]; h.Node == pl.origin.Name && (h.Kind == trace.KindTunnel || h.Kind == trace.KindTunnelBridge) {
			at = i
		}
	}
	if at < 0 {
		return
	}
	h := &b.res.Hops[at]
	if h.Problem == "" && h.Unknown == "" {
		h.Problem = fmt.Sprintf("the packet for %s leaves for %s, but its port is on %s (%s)", fixedOr(pl), strings.Join(x.ips, ", "), x.holder.Name, strings.Join(x.holder.TunnelIPs, ", "))
		h.Expected = "a tunnel to " + x.holder.Name + " (" + strings.Join(x.holder.TunnelIPs, ", ") + ")"
		h.Found = strings.Join(x.ips, ", ")
		h.Next = "ovs-ofctl dump-flows " + orDash(h.Bridge) + " table=20; openstack port show <port> -c binding_host_id; restart the OVS agent on " + pl.origin.Name + " (l2population sends its entries again)"
		h.OK = false
	}
}

// outbound: the instance's node first, leaving by tunnel for the
// origin's router, then the origin from that tunnel to the outside.
func (b *builder) outbound(pl *plan) {
	x := pl.cross
	back := func(from *trace.Peer) {
		o := trace.Options{Reverse: true, From: from}
		r, err := trace.Trace(pl.origin.Snap, pl.in.IP, o)
		if err != nil {
			// The origin resolved it inbound; reversed it cannot fail
			// to, but say so rather than lose the node.
			b.untraced(pl.origin, err)
			return
		}
		if from != nil {
			for i := range b.res.Crossings {
				if cr := &b.res.Crossings[i]; cr.To == pl.origin.Name {
					for _, h := range r.Hops {
						if h.Kind == trace.KindTunnelBridge {
							cr.ToVLAN = h.VLAN
							break
						}
					}
				}
			}
		}
		b.add(pl.origin, r)
	}
	switch {
	case x == nil:
		back(nil)
		return
	case x.holder == nil && x.to != nil:
		b.untraced(x.to, fmt.Errorf("no instance port holds %s there", fixedOr(pl)))
		back(nil)
		return
	case x.holder == nil:
		b.notCollected(x.ips, "the instance's side of the path")
		back(nil)
		return
	}
	holder := x.holder
	toIP, fromIP := x.toIP, x.fromIP
	if x.to != holder {
		toIP, fromIP = tunnelToNode(pl.origin.Snap, holder)
		if toIP == "" && len(holder.TunnelIPs) > 0 {
			toIP = holder.TunnelIPs[0]
		}
		if fromIP == "" && len(pl.origin.TunnelIPs) > 0 {
			fromIP = pl.origin.TunnelIPs[0]
		}
	}
	mac, nextHop := routerMAC(pl.origin.Snap, pl.in.RouterID, pl.in.NetworkID)
	r, err := trace.Trace(holder.Snap, fixedOr(pl), trace.Options{Reverse: true, To: &trace.Peer{Node: pl.origin.Name, RemoteIP: fromIP, NetworkID: pl.in.NetworkID, MAC: mac, DstIP: nextHop}})
	if err != nil {
		b.untraced(holder, err)
		back(nil)
		return
	}
	vni, vlan, port := 0, 0, ""
	for _, h := range r.Hops {
		switch h.Kind {
		case trace.KindTunnelBridge:
			vlan = h.VLAN
		case trace.KindTunnel:
			vni, port = h.TunnelID, h.Device
		}
	}
	b.add(holder, r)
	if b.res.PortID == "" {
		b.res.PortID = r.PortID
	}
	b.res.Crossings = append(b.res.Crossings, Crossing{From: holder.Name, FromIP: toIP, FromVLAN: vlan, Port: port, To: pl.origin.Name, ToIP: fromIP, VNI: vni})
	back(&trace.Peer{Node: holder.Name, RemoteIP: toIP, TunnelID: vni, NetworkID: pl.in.NetworkID, DstIP: nextHop})
}

// routerMAC is the MAC of router's port on network in snapshot s (where
// the instance's frames to the outside are addressed) and the router's
// next hop outside.
func routerMAC(s *topo.Snapshot, routerID, network string) (mac, nextHop string) {
	r := s.Neutron.Router(routerID)
	if r == nil {
		return "", ""
	}
	if r.Gateway != nil {
		nextHop = r.Gateway.NextHop
	}
	for _, i := range r.Interfaces {
		if network == "" || i.NetworkID == network {
			if p := s.Neutron.Port(i.Port); p != nil {
				return p.MAC, nextHop
			}
		}
	}
	return "", nextHop
}

// settle sets the verdict over every node's hops, as trace.Trace does
// over one node's.
func (r *Result) settle() {
	for i := range r.Hops {
		h := &r.Hops[i]
		if h.Problem != "" && r.BrokenAt == nil {
			r.BrokenAt = &i
		}
		if h.Standby != "" && r.StandbyAt == nil {
			r.StandbyAt = &i
		}
		if h.Unknown != "" && r.UnknownAt == nil {
			r.UnknownAt = &i
		}
	}
	r.Unknown = r.UnknownAt != nil
	r.Standby = r.StandbyAt != nil
	r.Complete = r.BrokenAt == nil && !r.Unknown && !r.Standby
}
