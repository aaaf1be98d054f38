// Package trace follows a packet through a node, hop by hop, as a pure
// function of a snapshot: from the provider NIC through the physical
// bridge, br-int, the router namespace's DNAT and route, to the instance's
// chain (or out through br-tun to the node where it lives), each hop with
// the fact that proves it, and the first hop where the path breaks.
package trace

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Hop kinds, in inbound order.
const (
	KindProviderNIC    = "provider_nic"
	KindPhysicalBridge = "physical_bridge"
	KindPatch          = "patch"
	KindIntegration    = "integration_bridge"
	KindRouterGateway  = "router_gateway"
	KindRouter         = "router"
	KindRouterIf       = "router_interface"
	KindQVO            = "qvo"
	KindQVB            = "qvb"
	KindQBR            = "qbr"
	KindTap            = "tap"
	KindTunnelBridge   = "tunnel_bridge"
	KindTunnel         = "tunnel"
	KindDHCP           = "dhcp" // a DHCP port's tap in its qdhcp- namespace
)

// Hop is one step of the path and the facts that prove it.
type Hop struct {
	Kind      string   `json:"kind"`
	Device    string   `json:"device"`
	Namespace string   `json:"namespace"`
	Bridge    string   `json:"bridge"`
	VLAN      int      `json:"vlan"`      // 0: untagged or not on a bridge
	TunnelID  int      `json:"tunnel_id"` // 0: not a tunnel hop
	MTU       int      `json:"mtu,omitempty"`
	Evidence  []string `json:"evidence"`
	// DecrementsTTL marks the hop that routes (the qrouter namespace): a
	// ping through a floating IP shows TTL 63, a traceroute one hop.
	DecrementsTTL bool `json:"ttl_decrement,omitempty"`
	// OK: the hop was checked and holds. A hop is either OK, broken
	// (Problem) or unknown (Unknown: the facts it rests on were not
	// read, so neither verdict can be given).
	OK      bool   `json:"ok"`
	Unknown string `json:"unknown,omitempty"` // "ovsdb was not read"
	// Standby is set on the router hop of an HA router standing by on
	// this node (StandbyText): neither OK nor broken, the path is the
	// other L3 agent's node's (ha.go).
	Standby string `json:"standby,omitempty"`
	// Unread are the sources the hop rests on that were not read, with
	// their errors.
	Unread   []topo.Source `json:"unread,omitempty"`
	Problem  string        `json:"problem"`
	Expected string        `json:"expected,omitempty"`
	Found    string        `json:"found,omitempty"`
	Next     string        `json:"next,omitempty"` // what to check or run next
	// Packet is what the path implies arrives at this bridge; OFTrace is
	// the bridge's own verdict on it from ovs-appctl ofproto/trace, when the
	// trace was verified on the live node (or recorded there).
	Packet  *Packet  `json:"packet,omitempty"`
	OFTrace *OFTrace `json:"oftrace,omitempty"`
}

// OFTrace is what ofproto/trace said about the packet on a bridge.
type OFTrace struct {
	Flow            string `json:"flow"`
	DatapathActions string `json:"datapath_actions"`
	Verdict         string `json:"verdict"`
	// Detail says why, when the verdict needs it ("the datapath
	// actions only change the packet (pop_vlan); none outputs it").
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Result is a whole trace.
type Result struct {
	IP         string `json:"ip"`
	Direction  string `json:"direction"` // inbound, outbound
	FloatingIP string `json:"floating_ip,omitempty"`
	FixedIP    string `json:"fixed_ip,omitempty"`
	PortID     string `json:"port_id,omitempty"`
	RouterID   string `json:"router_id,omitempty"`
	NetworkID  string `json:"network_id,omitempty"`
	// Role is the port's role when the target is a router or DHCP port
	// (router_interface, router_gateway, dhcp) rather than an instance.
	Role string `json:"role,omitempty"`
	// Complete: every hop was checked and holds.
	Complete bool  `json:"complete"`
	Hops     []Hop `json:"hops"`
	// BrokenAt is the index of the first failing hop; null when none
	// failed. A break found on facts that were read stands even when
	// another hop is unknown.
	BrokenAt *int `json:"broken_at"`
	// Unknown is set when a hop could not be checked (its facts were not
	// read); UnknownAt is the first such hop. The path is then neither
	// complete nor, unless BrokenAt says so, broken.
	Unknown   bool `json:"unknown"`
	UnknownAt *int `json:"unknown_at"`
	// Standby is set when the path runs into an HA router standing by
	// on this node (StandbyAt): it is the primary's node's to carry, and
	// is neither complete nor broken here.
	Standby   bool `json:"standby,omitempty"`
	StandbyAt *int `json:"standby_at,omitempty"`
	// ContinuesAt names where the path goes on when it leaves this node
	// (tunnel remote IPs, the provider network).
	ContinuesAt []string `json:"continues_at,omitempty"`
	// ArrivesFrom names where an inbound path into an instance on this
	// node comes from when no router here routes to it: the remote IPs
	// of the tunnels carrying its network (ingress.go).
	ArrivesFrom []string `json:"arrives_from,omitempty"`
}

// ErrUnknown is returned for an input that names nothing on the node
// (every source that could hold it was read): bad input.
var ErrUnknown = errors.New("unknown to this node")

// ErrUnread is wrapped by the error for an input found nowhere in what
// was read while some source that could hold it was not: the answer is
// unknown, not "bad input" (see UnreadError).
var ErrUnread = errors.New("not everything that could hold it was read")

// UnreadError is an input not found while sources that could hold it
// were not read, or while ports that could hold it have fixed IPs the
// node does not know.
type UnreadError struct {
	Target  string
	Sources []topo.Source // not read, with their errors
	// Ports are instance ports plugged into br-int whose fixed IPs are
	// unknown (the OVS agent has not programmed them, or not knowably):
	// an address found nowhere may be one of theirs.
	Ports []string
}

func (e *UnreadError) Error() string {
	var why []string
	if len(e.Sources) > 0 || len(e.Ports) == 0 {
		why = append(why, fmt.Sprintf("%v: %s", ErrUnread, sourcesText(e.Sources)))
	}
	if len(e.Ports) > 0 {
		ids := e.Ports
		if len(ids) > 5 {
			ids = append(ids[:5:5], fmt.Sprintf("%d more", len(e.Ports)-5))
		}
		why = append(why, fmt.Sprintf("the fixed IPs of port(s) %s are unknown (the OVS agent's flows that would record them are missing, or were not read); trace a port by its id", strings.Join(ids, ", ")))
	}
	return e.Target + " was not found, but " + strings.Join(why, "; and ")
}

// Unwrap makes errors.Is(err, ErrUnread) hold.
func (e *UnreadError) Unwrap() error { return ErrUnread }

// AmbiguousError is an input that names more than one port: a port id
// prefix several ids start with, or an address several router or DHCP
// ports hold (every tenant's subnet may have its DHCP port at .2).
type AmbiguousError struct {
	Input      string
	Candidates []Candidate // Value is the full port id
}

func (e *AmbiguousError) Error() string {
	what := "port id prefix " + e.Input
	if _, err := netip.ParseAddr(e.Input); err == nil {
		what = "address " + e.Input
	}
	var cs []string
	for _, c := range e.Candidates {
		cs = append(cs, c.Value+" ("+c.Description+")")
	}
	return fmt.Sprintf("%s matches %d ports: %s; give more of the port id", what, len(e.Candidates), strings.Join(cs, ", "))
}

// sourcesText is "name (error); name (error)".
func sourcesText(srcs []topo.Source) string {
	var parts []string
	for _, src := range srcs {
		if src.Error != "" {
			parts = append(parts, src.Name+" ("+src.Error+")")
		} else {
			parts = append(parts, src.Name)
		}
	}
	return strings.Join(parts, "; ")
}

// ExitCode is what `ostopo trace` exits with: 0 complete, 1 broken (a
// break found on facts that were read, whatever else is unknown), 2 bad
// input (an error other than ErrUnread: nothing of that name, an
// ambiguous prefix, not an address), 3 unknown (a hop, or the target
// itself, rests on facts that were not read), 4 standby (the path runs
// into an HA router standing by on this node: trace on the node where it
// is active). A standby is definite, so it outranks a hop that could not
// be checked; a break found here outranks it.
func ExitCode(r *Result, err error) int {
	switch {
	case errors.Is(err, ErrUnread):
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

// Options choose the direction.
type Options struct {
	Reverse bool // outbound: instance → outside
	// From and To name the node at the other end of a tunnel when the
	// path crosses nodes (netinspect/cloudtrace; cross.go). From: the
	// packet arrives here from that node (inbound on the instance's
	// node, outbound on the router's); To: it leaves here for that node
	// (outbound on the instance's node). Nil: the single-node trace.
	From *Peer
	To   *Peer
}

// Trace resolves target and walks its path. A target is a floating IP, a
// fixed IP of an instance port, a router interface, router gateway or DHCP
// port address (traced to that port), or a port: its id, any unique
// prefix of it (four hex digits at least, any case: the short ids the
// views show), or a device name (tap…, qvo…, qr-…). Errors: an
// *AmbiguousError for a prefix or address several ports share; an
// *UnreadError (ErrUnread) when nothing matched but a source that could
// hold the target was not read; ErrUnknown when nothing matched in a
// snapshot read whole; any other error is input trace cannot read.
// ExitCode maps the outcome to the command's exit status.
func Trace(s *topo.Snapshot, target string, o Options) (*Result, error) {
	w := newWalker(s)
	t, err := w.resolve(target)
	if err != nil {
		return nil, err
	}
	t = w.crossing(t, o) // cross.go
	r := &Result{IP: target, Direction: "inbound", FloatingIP: t.floating, FixedIP: t.fixed, RouterID: t.routerID(), Hops: []Hop{}}
	switch {
	case t.rport != nil:
		r.PortID, r.NetworkID, r.Role = t.rport.ID, t.rport.NetworkID, t.rport.Role
	case t.port != nil:
		r.PortID, r.NetworkID = t.port.ID, t.port.NetworkID
	case t.iface != nil:
		r.NetworkID = t.iface.NetworkID // the instance lives on another node
	}
	if o.Reverse {
		r.Direction = "outbound"
	}
	w.r = r
	switch {
	case t.rport != nil:
		w.toPort(t)
	case t.router != nil && w.viaSNAT(t):
		w.snatPath(t) // a distributed router's snat- namespace (dvr.go)
		w.tenant(t)
	case t.haVIP != "":
		w.haVIPPath(t) // an HA router's address held by the primary (ha.go)
	case t.router != nil && t.floating != "":
		w.external(t)
		w.router(t)
		if t.fixed != "" && !w.haStopped(t) {
			// Without a fixed IP (no NAT rule names one, or the rules
			// were not read) there is no tenant side to follow: the
			// router hop says why. Nor past an HA router standing by
			// (ha.go).
			w.tenant(t)
		}
	case t.router != nil:
		w.router(t)
		if !w.haStopped(t) {
			w.tenant(t)
		}
	default:
		if !o.Reverse {
			w.arrive(t) // from the tunnel or the provider NIC (ingress.go)
		}
		w.tenant(t)
	}
	if o.Reverse {
		reverse(r, w, t)
	}
	w.packets(t, o.Reverse)
	w.crossEnds(t) // cross.go
	w.haFinish(t)
	for i := range r.Hops {
		h := &r.Hops[i]
		if unread := w.hopUnread(h); len(unread) > 0 {
			h.Unread, h.Unknown = unread, neutron.SourceNames(unread)+map[bool]string{true: " was", false: " were"}[len(unread) == 1]+" not read"
		}
		if h.Unknown != "" {
			// A verdict resting on facts that were not read may be a
			// lie either way: neither OK nor broken.
			h.Problem, h.Expected, h.Found, h.Next = "", "", "", ""
		}
		h.OK = h.Problem == "" && h.Unknown == "" && h.Standby == ""
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
	return r, nil
}

// hopUnread returns the sources a hop's verdict rests on that were not
// read: OVSDB for anything on a bridge, the flows of the bridges whose
// flows it reads, the node's namespace for its devices, a router's or
// DHCP port's namespace (its devices, addresses, routes, ip_forward and
// NAT rules). A namespace in the snapshot was read unless its source says
// otherwise; one that is not was never referred to by the hops.
func (w *walker) hopUnread(h *Hop) []topo.Source {
	var need, nsNeed []string
	switch {
	case h.Kind == KindRouter, h.Kind == KindFIPVeth, h.Kind == KindSNATNamespace:
	case h.Kind == KindQVB, h.Kind == KindQBR, h.Kind == KindTap && h.Bridge == "":
		// The kernel half of a hybrid chain: veth peer, bridge
		// membership, state; no OVS fact.
	default:
		need = append(need, "ovsdb")
	}
	switch h.Kind {
	case KindProviderNIC, KindQVO, KindQVB, KindQBR, KindTap, KindTunnel:
		need = append(need, "netlink/(root)")
	case KindPhysicalBridge:
		need = append(need, "openflow/"+intBridge(w.n))
		if h.Bridge != "" {
			need = append(need, "openflow/"+h.Bridge)
		}
	case KindIntegration:
		need = append(need, "openflow/"+orWord(h.Bridge, intBridge(w.n)))
	case KindTunnelBridge:
		if h.Bridge != "" {
			need = append(need, "openflow/"+h.Bridge)
		}
	case KindRouter:
		need = append(need, "netns")
		if h.Namespace != "" {
			nsNeed = append(nsNeed, "netlink/"+h.Namespace, "sysctl/"+h.Namespace)
			if w.r.FloatingIP != "" {
				nsNeed = append(nsNeed, "nat/"+h.Namespace)
			}
		}
	case KindFIPNamespace, KindFIPVeth, KindSNATNamespace:
		need, nsNeed = w.dvrNeeds(h, need, nsNeed)
	case KindRouterGateway, KindRouterIf, KindDHCP, KindRouterSNAT:
		need = append(need, "netns")
		if h.Namespace != "" {
			nsNeed = append(nsNeed, "netlink/"+h.Namespace)
		}
	}
	need, nsNeed = w.finerNeeds(h, need, nsNeed) // finer.go
	out := neutron.Unread(w.s, need...)
	if slices.ContainsFunc(out, func(src topo.Source) bool { return src.Name == "ovsdb" }) {
		// Without OVSDB no bridge is known, so no flow dump was made:
		// OVSDB is the one to name.
		out = slices.DeleteFunc(out, func(src topo.Source) bool {
			return strings.HasPrefix(src.Name, "openflow/") && src.Error == neutron.NotRecorded
		})
	}
	return append(out, neutron.Failed(w.s, nsNeed...)...)
}

// target is what the input resolved to.
type target struct {
	floating, fixed string
	router          *topo.Router
	fip             *topo.FloatingIP
	iface           *topo.RouterInterface // the qr- whose subnet holds the fixed IP
	port            *topo.NPort           // the instance port, when on this node
	// rport is the router or DHCP port whose own address was asked for:
	// the trace ends at that port.
	rport *topo.NPort
	// haVIP is the keepalived address asked for, of an HA router not
	// active here ("203.0.113.177/24 dev qg-…", ha.go).
	haVIP string
}

func (t *target) routerID() string {
	if t.router == nil {
		return ""
	}
	return t.router.ID
}

// walker holds the snapshot's lookups and the result being built.
type walker struct {
	s        *topo.Snapshot
	n        *topo.Neutron
	r        *Result
	portByIP map[string][]*topo.NPort
	ovsPorts map[string]topo.PortOnBridge
	// troubleCache holds troubles per port (see troubles).
	troubleCache map[*topo.NPort][]neutron.Trouble
	// arrival is how many hops, from the first, arrive added: they carry
	// their own packets for ofproto/trace (ingress.go).
	arrival int
	// from, to and reverse are the Options of a path crossing nodes
	// (cross.go).
	from, to *Peer
	reverse  bool
}

func newWalker(s *topo.Snapshot) *walker {
	w := &walker{s: s, n: &s.Neutron, portByIP: map[string][]*topo.NPort{}, ovsPorts: s.OVS.PortIndex(), troubleCache: map[*topo.NPort][]neutron.Trouble{}}
	for i := range w.n.Ports {
		p := &w.n.Ports[i]
		for _, ip := range p.FixedIPs {
			a, _, _ := strings.Cut(ip, "/")
			w.portByIP[a] = append(w.portByIP[a], p)
		}
	}
	return w
}

// Sources that can hold what a target names: ports (OVSDB), their
// devices and addresses (every namespace), floating IPs (NAT rules),
// instances' fixed IPs (DHCP host files, anti-spoofing flows).
func resolveNeeds() []string {
	// A port's id is its OVS interface's iface-id; an instance's fixed
	// IPs on a compute node are in the anti-spoofing flows, which name
	// its port by number (ofport).
	return []string{"ovsdb", neutron.SourceInterfaceConfig, neutron.SourceOFPort, "netns", "netlink/(root)", "agent-files", "netlink/", "nat/", "openflow/"}
}

// notFound is the error for an input found nowhere: ErrUnread if some
// source that could hold it was not read, else ErrUnknown (bad input).
func (w *walker) notFound(in string, unknown error) error {
	if unread := neutron.Unread(w.s, resolveNeeds()...); len(unread) > 0 {
		return &UnreadError{Target: in, Sources: unread}
	}
	return unknown
}

// unknownIPPorts lists the instance ports whose fixed IPs the node does
// not know because the OVS agent has not programmed them (or cannot be
// told to have): the flows that would record them are missing.
func (w *walker) unknownIPPorts() []string {
	var out []string
	for i := range w.n.Ports {
		p := &w.n.Ports[i]
		if p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 && notBound(p) {
			out = append(out, p.ID)
		}
	}
	return out
}

// unknownIPPort finds, among the local instance ports whose fixed IPs are
// unknown, the one the target's fixed IP belongs to by its MAC (from the
// DHCP host file or the ARP responder), or nil.
func (w *walker) unknownIPPort(t *target) *topo.NPort {
	vlan := 0
	if t.iface != nil {
		if nw := w.n.Network(t.iface.NetworkID); nw != nil {
			vlan = nw.LocalVLAN
		}
	}
	mac := w.instanceMAC(t, vlan)
	if mac == "" {
		return nil
	}
	for i := range w.n.Ports {
		p := &w.n.Ports[i]
		if p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 && notBound(p) && strings.EqualFold(p.MAC, mac) &&
			(t.iface == nil || p.NetworkID == "" || p.NetworkID == t.iface.NetworkID) {
			return p
		}
	}
	return nil
}

// notBound reports whether a port is, or may be, plugged but not
// programmed by the OVS agent: not programmed, in the dead VLAN, or
// without the anti-spoofing flows that would tell.
func notBound(p *topo.NPort) bool {
	return p.NotProgrammed != "" || p.Dead || neutron.PortProgrammedUnknown(p) != ""
}

// devicePrefixes name a port's devices: prefix + the first 11 characters
// of its id (§1.2).
func devicePrefixes() []string {
	return []string{"tap", "qvo", "qvb", "qbr", "vhu", "qr-", "qg-", "ha-", "sg-", "fg-"}
}

// isIDPrefix reports whether s can start a port id: hex digits and
// dashes, four digits at least (shorter prefixes match half the node).
func isIDPrefix(s string) bool {
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			digits++
		case c == '-':
		default:
			return false
		}
	}
	return digits >= 4 && len(s) <= 36
}

func (w *walker) resolve(in string) (*target, error) {
	in = strings.TrimSpace(in)
	if _, err := netip.ParseAddr(in); err == nil {
		return w.resolveIP(in)
	}
	p, err := w.portNamed(in)
	if err != nil {
		return nil, err
	}
	if len(p.FixedIPs) == 0 {
		if p.Role == topo.RoleInstance && notBound(p) {
			// Its fixed IP is unknown, not absent: the flows that would
			// record it are what is missing. The port itself is traced,
			// to the hop that says so.
			return &target{port: p}, nil
		}
		if unread := neutron.Unread(w.s, "agent-files", "openflow/", "netns", "netlink/"); len(unread) > 0 {
			return nil, &UnreadError{Target: "a fixed IP of port " + p.ID, Sources: unread}
		}
		return nil, fmt.Errorf("port %s has no fixed IP on this node to trace", p.ID)
	}
	ip, _, _ := strings.Cut(p.FixedIPs[0], "/")
	if ht := w.haVIPTarget(ip); ht != nil {
		return ht, nil // held by an HA router's primary (ha.go)
	}
	switch p.Role {
	case topo.RoleRouterInterface, topo.RoleRouterGateway, topo.RoleDHCP, topo.RoleFIPGateway, topo.RoleRouterSNAT:
		return w.portTarget(p, ip), nil
	}
	return w.resolveIP(ip)
}

// portNamed finds the port an operator named: its id, any unique prefix
// of it (the short ids every view shows, in any case), or a device name
// (tap…, qvo…, qr-…).
func (w *walker) portNamed(in string) (*topo.NPort, error) {
	id := strings.ToLower(in)
	if p := w.n.Port(id); p != nil {
		return p, nil
	}
	for _, prefix := range devicePrefixes() {
		if rest, ok := strings.CutPrefix(id, prefix); ok && isIDPrefix(rest) {
			id = rest
			break
		}
	}
	if !isIDPrefix(id) {
		return nil, fmt.Errorf("%q is not an IP address, a Neutron port id (or its first 4 characters or more) or a port's device name", in)
	}
	var matches []*topo.NPort
	for i := range w.n.Ports {
		// A port known only by its devices has the 11-character id
		// suffix of their names: the full id from openstack starts with it.
		pid := w.n.Ports[i].ID
		if strings.HasPrefix(pid, id) || len(pid) < 36 && strings.HasPrefix(id, pid) {
			matches = append(matches, &w.n.Ports[i])
		}
	}
	switch len(matches) {
	case 0:
		return nil, w.notFound(in, fmt.Errorf("port %s is %w", in, ErrUnknown))
	case 1:
		return matches[0], nil
	}
	return nil, &AmbiguousError{Input: in, Candidates: portCandidates(matches)}
}

// portCandidates describes ports for an ambiguous input.
func portCandidates(ps []*topo.NPort) []Candidate {
	var out []Candidate
	for _, p := range ps {
		out = append(out, Candidate{Value: p.ID, Description: portDescription(p)})
	}
	return out
}

// portDescription is "role, fixed IPs, network …".
func portDescription(p *topo.NPort) string {
	parts := []string{p.Role}
	if len(p.FixedIPs) > 0 {
		parts = append(parts, strings.Join(p.FixedIPs, " "))
	}
	if p.NetworkID != "" {
		parts = append(parts, "network "+shortID(p.NetworkID))
	}
	return strings.Join(parts, ", ")
}

// portTarget is a router or DHCP port traced to its own address.
func (w *walker) portTarget(p *topo.NPort, ip string) *target {
	t := &target{fixed: ip, rport: p}
	if p.RouterID != "" {
		t.router = w.n.Router(p.RouterID)
	}
	if t.router != nil && p.Role == topo.RoleRouterInterface {
		for i := range t.router.Interfaces {
			if t.router.Interfaces[i].Port == p.ID {
				t.iface = &t.router.Interfaces[i]
			}
		}
	}
	return t
}

// addressPort returns the router or DHCP port holding ip, nil if none.
func (w *walker) addressPort(ip string) (*topo.NPort, error) {
	var ps []*topo.NPort
	for _, p := range w.portByIP[ip] {
		switch p.Role {
		case topo.RoleRouterInterface, topo.RoleRouterGateway, topo.RoleDHCP, topo.RoleFIPGateway, topo.RoleRouterSNAT:
			ps = append(ps, p)
		}
	}
	switch len(ps) {
	case 0:
		return nil, nil
	case 1:
		return ps[0], nil
	}
	return nil, &AmbiguousError{Input: ip, Candidates: portCandidates(ps)}
}

func (w *walker) resolveIP(ip string) (*target, error) {
	t := &target{}
	// A floating IP of a router on this node?
	for ri := range w.n.Routers {
		r := &w.n.Routers[ri]
		for fi := range r.FloatingIPs {
			f := &r.FloatingIPs[fi]
			if f.FloatingIP == ip || f.FixedIP == ip && t.fip == nil {
				t.router, t.fip, t.floating, t.fixed = r, f, f.FloatingIP, f.FixedIP
			}
		}
	}
	if t.fip == nil {
		t.fixed = ip
	}
	if t.fixed != "" {
		t.port = w.instanceWith(t.fixed, "")
	}
	// The router interface whose subnet holds the fixed IP.
	for ri := range w.n.Routers {
		r := &w.n.Routers[ri]
		if t.router != nil && r != t.router {
			continue
		}
		for ii := range r.Interfaces {
			for _, a := range r.Interfaces[ii].Addresses {
				if inPrefix(a, t.fixed) {
					t.router, t.iface = r, &r.Interfaces[ii]
				}
			}
		}
	}
	if t.iface != nil && t.port != nil && t.port.NetworkID != t.iface.NetworkID {
		// Two tenants can reuse a subnet: prefer the port on the router's network.
		if p := w.instanceWith(t.fixed, t.iface.NetworkID); p != nil {
			t.port = p
		}
	}
	if t.port == nil && t.fixed != "" {
		t.port = w.unknownIPPort(t)
	}
	if t.fip == nil && t.port == nil && !w.viaSNAT(t) { // viaSNAT: the dvr_snat node's path (dvr.go)
		if ht := w.haVIPTarget(ip); ht != nil {
			return ht, nil // held by an HA router's primary (ha.go)
		}
		// A router's or DHCP port's own address traces to that port.
		switch p, err := w.addressPort(ip); {
		case err != nil:
			return nil, err
		case p != nil:
			return w.portTarget(p, ip), nil
		}
		err := w.notFound(ip, w.dvrElsewhere(ip, fmt.Errorf("%s is neither a floating IP nor an address of a port on this node: %w", ip, ErrUnknown)))
		if ports := w.unknownIPPorts(); len(ports) > 0 {
			ue, ok := err.(*UnreadError)
			if !ok {
				ue = &UnreadError{Target: ip}
			}
			ue.Ports = ports
			err = ue
		}
		return nil, err
	}
	return t, nil
}

func (w *walker) instanceWith(ip, network string) *topo.NPort {
	var first *topo.NPort
	for _, p := range w.portByIP[ip] {
		if p.Role != topo.RoleInstance {
			continue
		}
		if network == "" || p.NetworkID == network {
			return p
		}
		if first == nil {
			first = p
		}
	}
	if network != "" {
		return nil
	}
	return first
}

func inPrefix(prefix, ip string) bool {
	p, err1 := netip.ParsePrefix(prefix)
	a, err2 := netip.ParseAddr(ip)
	return err1 == nil && err2 == nil && p.Masked().Contains(a)
}

// add appends a hop (whether it is OK is settled when the walk is done).
func (w *walker) add(h Hop) *Hop {
	if h.Evidence == nil {
		h.Evidence = []string{}
	}
	w.r.Hops = append(w.r.Hops, h)
	return &w.r.Hops[len(w.r.Hops)-1]
}

// fail marks a hop broken with what was expected, found and to do next.
func fail(h *Hop, problem, expected, found, next string) {
	if h.Problem != "" {
		return // the first problem of a hop is the one that matters
	}
	h.Problem, h.Expected, h.Found, h.Next = problem, expected, found, next
}

// external adds the provider side: NIC → physical bridge → patch → br-int
// on the external network's local VLAN → the router's qg- port.
func (w *walker) external(t *target) {
	if w.dvrExternal(t) {
		return // a distributed floating IP: fg- in fip-, fpr- ⇄ rfp- (dvr.go)
	}
	gw := t.router.Gateway
	if gw == nil {
		h := w.add(Hop{Kind: KindRouterGateway, Namespace: t.router.Namespace})
		fail(h, "the router has no gateway port", "a qg- port on the external network", "none",
			"openstack router show "+t.router.ID+" (external_gateway_info)")
		return
	}
	ext := w.n.Network(gw.NetworkID)
	var extVLAN int
	if ext != nil {
		extVLAN = ext.LocalVLAN
	}
	physBridge := ""
	if ext != nil {
		physBridge = ext.Bridge
	}
	w.providerNICHop(physBridge) // ingress.go
	// Physical bridge: NORMAL towards phy-<br>, and br-int's translation.
	h := w.add(Hop{Kind: KindPhysicalBridge, Bridge: physBridge, VLAN: extVLAN})
	if ext == nil {
		fail(h, "the router's external network has no port or VLAN on this node", "a local VLAN for network "+gw.NetworkID, "none", "check the OVS agent's bridge_mappings")
	} else if physBridge == "" {
		fail(h, "no physical bridge carries the external network", "br-int table 0 priority 3 flow mapping "+ext.NetworkType+" traffic to VLAN "+strconv.Itoa(extVLAN),
			"none", "ovs-ofctl dump-flows br-int table=0 | grep mod_vlan_vid:"+strconv.Itoa(extVLAN))
	} else if ext.Flows.PhysEgress != "" {
		h.Evidence = append(h.Evidence, physBridge+": "+ext.Flows.PhysEgress)
	}
	// Patch pair.
	var pair *topo.PatchPair
	for i := range w.n.PatchPairs {
		pp := &w.n.PatchPairs[i]
		if physBridge != "" && (pp.Bridge == physBridge || pp.PeerBridge == physBridge) {
			pair = pp
		}
	}
	h = w.add(Hop{Kind: KindPatch})
	switch {
	case pair == nil:
		fail(h, "no patch pair between "+orWord(physBridge, "the physical bridge")+" and br-int", "int-"+physBridge+" ⇄ phy-"+physBridge, "none", "restart the OVS agent (it creates the pair)")
	default:
		h.Device, h.Bridge = pair.Port+" ⇄ "+pair.Peer, pair.Bridge
		h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: %s options:peer=%s", pair.Port, pair.Peer))
		if len(pair.Problems) > 0 {
			fail(h, pair.Problems[0], "patch ports naming each other", pair.Problems[0], "ovs-vsctl list interface "+pair.Port)
		}
	}
	// br-int on the external VLAN.
	h = w.add(Hop{Kind: KindIntegration, Bridge: intBridge(w.n), VLAN: extVLAN})
	if ext != nil && ext.Flows.IntIngress != "" {
		h.Evidence = append(h.Evidence, h.Bridge+": "+ext.Flows.IntIngress)
	} else if ext != nil {
		fail(h, "no br-int flow maps the external network to its local VLAN", fmt.Sprintf("table 0 priority 3 in_port=int-%s … actions=mod_vlan_vid:%d", physBridge, extVLAN),
			"none", "ovs-ofctl dump-flows "+h.Bridge+" table=0; restart the OVS agent")
	}
	// The router's qg- port.
	qg := w.n.Port(gw.Port)
	h = w.add(Hop{Kind: KindRouterGateway, Device: gw.Device, Namespace: t.router.Namespace, Bridge: h.Bridge, VLAN: extVLAN})
	w.portHop(h, qg, extVLAN, "the external network", false)
}

// portHop checks a port plugged into br-int on an expected VLAN. The
// port's other problems are reported on this hop unless the caller checks
// the port's devices hop by hop (an instance's chain).
func (w *walker) portHop(h *Hop, p *topo.NPort, vlan int, what string, chainChecked bool) {
	if p == nil {
		fail(h, h.Device+" is not a port of br-int", h.Device+" on br-int", "missing", "ovs-vsctl port-to-br "+h.Device)
		return
	}
	h.Bridge = p.Bridge
	if p.Devices.Tap != nil {
		h.MTU = p.Devices.Tap.MTU
	}
	if op := w.ovsPorts[p.OVSPort].Port; op != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: Port %s tag=%d other_config:net_uuid=%s", op.Name, op.Tag, op.OtherConfig["net_uuid"]))
	}
	switch {
	case p.Dead:
		fail(h, p.OVSPort+" is in the dead VLAN 4095 ("+p.DeadReason+")", fmt.Sprintf("tag %d (%s)", vlan, what), "tag 4095",
			"check the OVS agent log for port "+p.ID+"; openstack port show "+p.ID+" (binding, admin_state_up)")
	case p.Bridge == "":
		fail(h, orWord(p.OVSPort, h.Device)+" is not a port of br-int", "a port of br-int", "none", "ovs-vsctl list-ports br-int")
	case p.NotProgrammed != "":
		// Plugged (iface-id on br-int) but the agent never bound it or
		// its flows are gone: whatever still passes bypasses the
		// security groups and the agent's VLAN, a definite break.
		fail(h, neutron.NotProgrammedProblem, fmt.Sprintf("%s (ofport %d) tagged with its local VLAN and the flows the agent installs for every port it binds", p.OVSPort, p.OFPort),
			p.NotProgrammed, w.s.AgentRun(topo.AgentOVS).Restart()+" (its resync programs the port); then ovs-ofctl dump-flows "+p.Bridge+" | grep -w in_port="+strconv.Itoa(p.OFPort))
	case vlan != 0 && p.LocalVLAN != vlan:
		fail(h, fmt.Sprintf("%s is on local VLAN %d, %s is on %d", p.OVSPort, p.LocalVLAN, what, vlan), fmt.Sprintf("tag %d", vlan),
			fmt.Sprintf("tag %d", p.LocalVLAN), "ovs-vsctl get port "+p.OVSPort+" tag other_config")
	case chainChecked:
	case len(w.troubles(p)) > 0:
		tr := w.troubles(p)[0]
		fail(h, tr.Problem, expected(&tr), tr.Found, tr.Next)
	case len(p.Problems) > 0:
		fail(h, p.Problems[0], "a healthy port", p.Problems[0], "ostopo → Ports → "+p.ID)
	case len(p.Unknown) > 0:
		h.Unknown = p.Unknown[0]
	}
}

// expected is what a device in trouble should be: up (set down), up with
// carrier (nothing at its other end).
func expected(tr *neutron.Trouble) string {
	if tr.Fault == neutron.FaultNoCarrier {
		return "carrier (something holding the device's other end)"
	}
	return "up"
}

// link finds a kernel device of the snapshot ("" for the node's own
// namespace): a trace looks at a handful.
func (w *walker) link(ns, name string) *topo.Link {
	if n := w.s.Namespace(ns); n != nil {
		return n.Link(name)
	}
	return nil
}

// troubles returns a port's devices that pass no traffic (set down, or
// up without carrier), leaving out one another explains. Worked out once
// per port: each hop of a chain asks, and finding a device among the
// node's 4,000 is a scan.
func (w *walker) troubles(p *topo.NPort) []neutron.Trouble {
	if ts, ok := w.troubleCache[p]; ok {
		return ts
	}
	ts := neutron.PortTroublesOn(w.s.Deployment, p, w.link)
	w.troubleCache[p] = ts
	return ts
}

// router adds the qrouter namespace: floating IP on qg-, DNAT, route to the
// fixed subnet through a qr- port.
func (w *walker) router(t *target) {
	r := t.router
	ns := w.s.Namespace(r.Namespace)
	h := w.add(Hop{Kind: KindRouter, Namespace: r.Namespace, DecrementsTTL: true})
	if ns == nil {
		fail(h, "no "+r.Namespace+" namespace", r.Namespace, "none", "ip netns; check the L3 agent")
		return
	}
	if r.IPForward != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("sysctl net.ipv4.ip_forward=%v", map[bool]int{true: 1, false: 0}[*r.IPForward]))
	}
	w.dvrRouterEvidence(h, t)
	if w.haRouter(h, t) {
		return // an HA router standing by here, or not known to be active (ha.go)
	}
	if f := t.fip; f != nil {
		if f.OnGateway && r.Gateway != nil {
			h.Evidence = append(h.Evidence, fmt.Sprintf("address %s/32 on %s", f.FloatingIP, r.Gateway.Device))
		}
		if rule := natRule(ns, "DNAT", f.FloatingIP); rule != "" {
			h.Evidence = append(h.Evidence, "nat: "+rule)
		}
		gwDev := "qg-"
		if r.Gateway != nil {
			gwDev = r.Gateway.Device
		}
		switch {
		case !f.OnGateway && r.Kind != "dvr":
			fail(h, "floating IP "+f.FloatingIP+" is not on any qg- device", f.FloatingIP+"/32 on "+gwDev, "no such address",
				"ip netns exec "+r.Namespace+" ip addr show "+gwDev+"; restart the L3 agent or re-associate the floating IP")
		case !f.DNAT:
			fail(h, "no DNAT rule for "+f.FloatingIP, "-A neutron-l3-agent-PREROUTING -d "+f.FloatingIP+"/32 -j DNAT --to-destination "+f.FixedIP,
				"no such rule", "ip netns exec "+r.Namespace+" iptables-save -t nat | grep "+f.FloatingIP)
		}
	}
	if r.IPForward != nil && !*r.IPForward {
		fail(h, "net.ipv4.ip_forward is 0 in "+r.Namespace, "ip_forward=1", "0", "ip netns exec "+r.Namespace+" sysctl -w net.ipv4.ip_forward=1")
	}
	if t.iface == nil {
		fail(h, "fixed IP "+t.fixed+" is in none of the router's subnets, and no local port owns it", "a qr- port whose subnet holds "+t.fixed,
			"none", "openstack floatingip show "+t.floating+"; openstack port list --fixed-ip ip-address="+t.fixed)
		return
	}
	if rt := routeTo(ns, t.fixed); rt != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("route %s dev %s", rt.Dst, rt.Dev))
	}
	// The qr- port on br-int.
	qr := w.n.Port(t.iface.Port)
	tenant := w.n.Network(t.iface.NetworkID)
	h = w.add(Hop{Kind: KindRouterIf, Device: t.iface.Device, Namespace: r.Namespace, VLAN: t.iface.LocalVLAN})
	h.Evidence = append(h.Evidence, "address "+strings.Join(t.iface.Addresses, " ")+" on "+t.iface.Device)
	vlan := t.iface.LocalVLAN
	if tenant != nil {
		vlan = tenant.LocalVLAN
	}
	w.portHop(h, qr, vlan, "its network", false)
}

// tenant adds the tenant side after the qr- port: the instance's chain on
// this node, or br-tun towards the node that hosts it.
func (w *walker) tenant(t *target) {
	qrVLAN := 0
	var qrMTU int
	if t.iface != nil {
		qrVLAN = t.iface.LocalVLAN
		if p := w.n.Port(t.iface.Port); p != nil && p.Devices.Tap != nil {
			qrMTU = p.Devices.Tap.MTU
		}
	}
	p := t.port
	if p == nil {
		if !w.arrivesBack() { // cross.go: the arrival stands for it
			w.leave(t)
		}
		return
	}
	w.r.PortID, w.r.NetworkID = p.ID, p.NetworkID
	d := p.Devices
	if d.QVO == nil {
		// Tap directly on br-int (native OVS firewall).
		h := w.add(Hop{Kind: KindTap, Device: devName(d.Tap), Bridge: p.Bridge, VLAN: p.LocalVLAN})
		w.portHop(h, p, qrVLAN, "the router's qr- port", true)
		h.Evidence = append(h.Evidence, "instance "+p.InstanceID)
		w.checkDevice(h, p, d.Tap, qrMTU)
		programmedUnknown(h, p)
		return
	}
	h := w.add(Hop{Kind: KindQVO, Device: d.QVO.Name, Bridge: p.Bridge, VLAN: p.LocalVLAN})
	w.portHop(h, p, qrVLAN, "the router's qr- port", true)
	w.checkDevice(h, p, d.QVO, qrMTU)
	programmedUnknown(h, p)
	h = w.add(Hop{Kind: KindQVB, Device: d.QVB.Name, MTU: d.QVB.MTU})
	h.Evidence = append(h.Evidence, "veth "+d.QVO.Name+" ⇄ "+orWord(d.QVO.Peer, "?"))
	if d.QVB.InKernel && d.QVO.InKernel && d.QVB.Peer != d.QVO.Name {
		fail(h, d.QVB.Name+" is not the veth peer of "+d.QVO.Name, d.QVO.Name, orWord(d.QVB.Peer, "none"), "ip -d link show "+d.QVB.Name)
	}
	w.checkDevice(h, p, d.QVB, qrMTU)
	h = w.add(Hop{Kind: KindQBR, Device: d.QBR.Name, MTU: d.QBR.MTU})
	h.Evidence = append(h.Evidence, d.QVB.Name+" master "+orWord(d.QVB.OnBridge, "none"))
	if d.QVB.InKernel && d.QVB.OnBridge != d.QBR.Name {
		fail(h, d.QVB.Name+" is not in "+d.QBR.Name, "master "+d.QBR.Name, "master "+orWord(d.QVB.OnBridge, "none"),
			"ip link set "+d.QVB.Name+" master "+d.QBR.Name)
	}
	w.checkDevice(h, p, d.QBR, qrMTU)
	h = w.add(Hop{Kind: KindTap, Device: d.Tap.Name, MTU: d.Tap.MTU})
	h.Evidence = append(h.Evidence, d.Tap.Name+" master "+orWord(d.Tap.OnBridge, "none"), "instance "+orWord(p.InstanceID, "?"))
	if d.Tap.InKernel && d.Tap.OnBridge != d.QBR.Name {
		fail(h, d.Tap.Name+" is not in "+d.QBR.Name, "master "+d.QBR.Name, "master "+orWord(d.Tap.OnBridge, "none"), "virsh domiflist <instance>; ip link show "+d.Tap.Name)
	}
	w.checkDevice(h, p, d.Tap, qrMTU)
}

// programmedUnknown makes an instance's hop on br-int unknown when its
// anti-spoofing flows are missing (the agent has not programmed the port,
// or its port security is disabled: the node does not say which), unless
// the hop is broken on facts that were read.
func programmedUnknown(h *Hop, p *topo.NPort) {
	if u := neutron.PortProgrammedUnknown(p); u != "" && h.Problem == "" {
		h.Unknown = u
	}
}

// checkDevice marks a device of port p missing, set down, up without
// carrier (each with its own next step: ip link set up brings back only
// the first), or with an MTU smaller than the segment's start (the qr-
// port's).
func (w *walker) checkDevice(h *Hop, p *topo.NPort, d *topo.Device, startMTU int) {
	if d == nil {
		fail(h, "device missing", "a device", "none", "ip link")
		return
	}
	h.MTU = d.MTU
	var tr *neutron.Trouble
	for _, t := range w.troubles(p) {
		if t.Device == d.Name {
			tr = &t
		}
	}
	switch {
	case !d.InKernel:
		fail(h, d.Name+" is missing from the kernel", d.Name, "no such device", "ip link show "+d.Name+"; nova: is the instance running?")
	case tr != nil:
		fail(h, tr.Problem, expected(tr), tr.Found, tr.Next)
	case startMTU > 0 && d.MTU < startMTU:
		fail(h, fmt.Sprintf("MTU %d on %s is smaller than %d at the start of the segment", d.MTU, d.Name, startMTU),
			fmt.Sprintf("mtu ≥ %d", startMTU), fmt.Sprintf("mtu %d", d.MTU), fmt.Sprintf("ip link set %s mtu %d", d.Name, startMTU))
	}
}

// toPort adds the hops to a router or DHCP port traced by its own
// address: for a gateway port the provider side up to qg-; for a router
// interface or a DHCP port the port itself on br-int, on its network's
// VLAN, with its device in its namespace.
func (w *walker) toPort(t *target) {
	p := t.rport
	dev := devName(p.Devices.Tap)
	addr := t.fixed
	for _, a := range p.FixedIPs {
		if ip, _, _ := strings.Cut(a, "/"); ip == t.fixed {
			addr = a
		}
	}
	evidence := "address " + addr + " on " + dev + " in " + orWord(p.Namespace, "?")
	switch p.Role {
	case topo.RoleFIPGateway:
		w.dvrToPort(t)
	case topo.RoleRouterGateway:
		if t.router == nil {
			h := w.add(Hop{Kind: KindRouterGateway, Device: dev, Namespace: p.Namespace})
			fail(h, dev+" is in no router namespace", "a qrouter- namespace holding "+dev, orWord(p.Namespace, "none"), "ip netns; check the L3 agent")
			return
		}
		w.external(t)
		if last := &w.r.Hops[len(w.r.Hops)-1]; last.Kind == KindRouterGateway {
			last.Evidence = append(last.Evidence, evidence)
		}
	default:
		kind := KindRouterIf
		if p.Role == topo.RoleDHCP {
			kind = KindDHCP
		}
		if p.Role == topo.RoleRouterSNAT {
			kind = KindRouterSNAT
		}
		vlan := p.LocalVLAN
		if nw := w.n.Network(p.NetworkID); nw != nil {
			vlan = nw.LocalVLAN
		}
		h := w.add(Hop{Kind: kind, Device: dev, Namespace: p.Namespace, VLAN: vlan})
		h.Evidence = append(h.Evidence, evidence)
		w.portHop(h, p, vlan, "its network", false)
	}
}

// leave adds br-tun (or the provider network) for an instance on another node.
func (w *walker) leave(t *target) {
	var nw *topo.Network
	if t.iface != nil {
		nw = w.n.Network(t.iface.NetworkID)
	}
	if nw == nil {
		h := w.add(Hop{Kind: KindTunnelBridge})
		fail(h, "no local port and no network for "+t.fixed, "a port or a tunnel network for "+t.fixed, "none", "openstack port list --fixed-ip ip-address="+t.fixed)
		return
	}
	if nw.NetworkType == "vlan" || nw.NetworkType == "flat" {
		h := w.add(Hop{Kind: KindPhysicalBridge, Bridge: nw.Bridge, VLAN: nw.LocalVLAN})
		h.Evidence = append(h.Evidence, nw.Flows.PhysEgress)
		if nw.Flows.PhysEgress == "" {
			fail(h, "no physical bridge flow for the provider network", "priority 4 flow for VLAN "+strconv.Itoa(nw.LocalVLAN), "none", "ovs-ofctl dump-flows "+orWord(nw.Bridge, "br-ex"))
		}
		w.r.ContinuesAt = append(w.r.ContinuesAt, "provider network "+nw.PhysicalNetwork)
		return
	}
	tb := tunnelBridge(w.n)
	h := w.add(Hop{Kind: KindPatch, Device: "patch-tun ⇄ patch-int", Bridge: intBridge(w.n)})
	for _, pp := range w.n.PatchPairs {
		if pp.Bridge == tb || pp.PeerBridge == tb {
			h.Evidence = append(h.Evidence, fmt.Sprintf("OVSDB: %s options:peer=%s", pp.Port, pp.Peer))
			if len(pp.Problems) > 0 {
				fail(h, pp.Problems[0], "patch-tun ⇄ patch-int", pp.Problems[0], "ovs-vsctl list interface "+pp.Port)
			}
		}
	}
	seg := 0
	if nw.SegmentationID != nil {
		seg = *nw.SegmentationID
	}
	h = w.add(Hop{Kind: KindTunnelBridge, Bridge: tb, VLAN: nw.LocalVLAN, TunnelID: seg})
	// A unicast frame takes table 20's flow for its MAC when there is
	// one (l2population, or learned): that names the one node it goes
	// to. Only without one does table 22 flood it to every node.
	mac := w.instanceMAC(t, nw.LocalVLAN)
	var uc *unicast
	if b := w.s.OVS.Bridge(tb); b != nil && mac != "" && nw.LocalVLAN != 0 {
		uc = unicastTo(b, w.n.Tunnels, nw.LocalVLAN, mac)
	}
	switch {
	case uc != nil:
		h.Evidence = append(h.Evidence, fmt.Sprintf("%s: %s (%s: %s)", tb, neutron.FlowText(uc.flow), uc.what(), mac))
	case nw.Flows.TunnelFlood != "":
		if mac != "" {
			h.Evidence = append(h.Evidence, "flooded, no l2population entry for "+mac)
		} else {
			h.Evidence = append(h.Evidence, "flooded: the instance's MAC is not known on this node, so no l2population entry can be looked up")
		}
		h.Evidence = append(h.Evidence, tb+": "+nw.Flows.TunnelFlood)
	}
	if nw.Flows.TunnelIngress != "" {
		h.Evidence = append(h.Evidence, tb+": "+nw.Flows.TunnelIngress)
	}
	switch {
	case tb == "":
		fail(h, "no tunnel bridge on this node", "br-tun", "none", "check the OVS agent's tunnel_types")
	case nw.Flows.TunnelIngress == "":
		fail(h, fmt.Sprintf("local VLAN %d has no tunnel-id mapping in %s", nw.LocalVLAN, tb),
			fmt.Sprintf("table %d tun_id=%#x actions=mod_vlan_vid:%d", neutron.TunnelTable(nw.NetworkType), seg, nw.LocalVLAN), "none",
			"ovs-ofctl dump-flows "+tb+" table="+strconv.Itoa(neutron.TunnelTable(nw.NetworkType))+"; restart the OVS agent")
	case uc != nil:
		uc.check(h, nw, seg, mac, w.n.Tunnels)
	case len(nw.Flows.FloodPorts) == 0:
		fail(h, fmt.Sprintf("no tunnel carries local VLAN %d out of %s", nw.LocalVLAN, tb), "a table 20 unicast flow for "+orWord(mac, "the instance's MAC")+" or a table 22 flood flow to a tunnel port", "none",
			"check l2population: does any other node host this network?")
	}
	w.dvrLeave(h, t, nw) // a distributed router's DVR MAC rewrite (dvr.go)
	if h.Problem == "" {
		// The address may be a local port's whose fixed IPs the node
		// does not know: then it does not leave at all.
		var local []string
		for i := range w.n.Ports {
			if p := &w.n.Ports[i]; p.NetworkID == nw.ID && p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 && notBound(p) {
				local = append(local, p.ID)
			}
		}
		if len(local) > 0 {
			h.Unknown = fmt.Sprintf("whether %s is on this node: unknown (port(s) %s of its network are plugged here with unknown fixed IPs, plugged but not programmed by the OVS agent)", orWord(t.fixed, "the address"), strings.Join(local, ", "))
		}
	}
	out := nw.Flows.FloodPorts
	if uc != nil {
		out = nil
		if uc.tunnel != nil {
			out = []string{uc.tunnel.Port}
		}
	}
	for _, name := range out {
		for _, tun := range w.n.Tunnels {
			if tun.Port != name || tun.Bridge != tb {
				continue
			}
			th := w.add(Hop{Kind: KindTunnel, Device: tun.Port, Bridge: tun.Bridge, TunnelID: seg})
			th.Evidence = append(th.Evidence, fmt.Sprintf("OVSDB: %s type=%s local_ip=%s remote_ip=%s", tun.Port, tun.Type, tun.LocalIP, tun.RemoteIP))
			if uc != nil {
				th.Evidence = append(th.Evidence, fmt.Sprintf("unicast to %s: the node at %s (%s)", mac, tun.RemoteIP, uc.what()))
			}
			if len(tun.Problems) > 0 {
				fail(th, tun.Problems[0], "a working tunnel", tun.Problems[0], "ovs-vsctl list interface "+tun.Port)
			}
			w.r.ContinuesAt = append(w.r.ContinuesAt, tun.RemoteIP)
		}
	}
}

// reverse turns an inbound path into the outbound one (instance → outside):
// the hops in the other order, and the router checked for SNAT, not DNAT.
func reverse(r *Result, w *walker, t *target) {
	for i, j := 0, len(r.Hops)-1; i < j; i, j = i+1, j-1 {
		r.Hops[i], r.Hops[j] = r.Hops[j], r.Hops[i]
	}
	for i := range r.Hops {
		h := &r.Hops[i]
		if h.Kind != KindRouter || t.fip == nil || h.Standby != "" || w.haStopped(t) {
			continue
		}
		ns := w.s.Namespace(h.Namespace)
		var ev []string
		for _, e := range h.Evidence {
			if !strings.HasPrefix(e, "nat: ") {
				ev = append(ev, e)
			}
		}
		if ns != nil {
			if rule := natRule(ns, "SNAT", t.fip.FloatingIP); rule != "" {
				ev = append(ev, "nat: "+rule)
			}
			for _, rt := range ns.Routes {
				if rt.Table == topo.RouteTableMain && rt.Dst == "default" {
					ev = append(ev, fmt.Sprintf("route default via %s dev %s", rt.Gateway, rt.Dev))
				}
			}
		}
		h.Evidence = ev
		if strings.HasPrefix(h.Problem, "no DNAT rule") {
			h.Problem, h.Expected, h.Found, h.Next = "", "", "", ""
		}
		if !t.fip.SNAT && h.Problem == "" {
			fail(h, "no SNAT rule for "+t.fixed, "-A neutron-l3-agent-float-snat -s "+t.fixed+"/32 -j SNAT --to-source "+t.fip.FloatingIP,
				"no such rule", "ip netns exec "+h.Namespace+" iptables-save -t nat | grep "+t.fixed)
		}
		if !w.dvrOutbound(h, t) && (t.router.Gateway == nil || t.router.Gateway.NextHop == "") {
			fail(h, "no default route out of "+h.Namespace, "default via <gateway> dev qg-…", "none", "ip netns exec "+h.Namespace+" ip route")
		}
		h.OK = h.Problem == ""
	}
}

// packets attaches to every bridge hop the packet the path implies there,
// for ofproto/trace: inbound, the floating IP's packet arriving from the
// provider NIC and the routed packet leaving the qr- port; outbound, the
// instance's packet to the router and the SNATed one leaving qg-.
func (w *walker) packets(t *target, outbound bool) {
	ofport := func(name string) int {
		if p := w.ovsPorts[name].Port; p != nil && len(p.Interfaces) > 0 {
			return p.Interfaces[0].OFPort
		}
		return -1
	}
	mac := func(portID string) string {
		if p := w.n.Port(portID); p != nil {
			return p.MAC
		}
		return ""
	}
	vlan := 0
	if t.iface != nil {
		if nw := w.n.Network(t.iface.NetworkID); nw != nil {
			vlan = nw.LocalVLAN
		}
	}
	instMAC := w.instanceMAC(t, vlan)
	var qgMAC, qrMAC, qrDev, nextHop string
	if t.router != nil && t.router.Gateway != nil {
		qgMAC, nextHop = mac(t.router.Gateway.Port), t.router.Gateway.NextHop
	}
	if fg, hop, ok := w.dvrGatewayPort(t); ok {
		qgMAC, nextHop = mac(fg), hop // fg- stands where qg- does
	}
	if t.iface != nil {
		qrMAC, qrDev = mac(t.iface.Port), t.iface.Device
	}
	for i := range w.r.Hops {
		h := &w.r.Hops[i]
		if i < w.arrival {
			continue // arrive set its hops' packets (ingress.go)
		}
		var p *Packet
		switch {
		case h.Kind == KindPhysicalBridge && !outbound && h.Bridge != "":
			nic := w.r.Hops[0]
			p = &Packet{InPort: ofport(nic.Device), DstMAC: qgMAC, DstIP: t.floating}
		case h.Kind == KindPhysicalBridge && outbound && h.Bridge != "":
			p = &Packet{InPort: ofport(peerPatch(w.n, h.Bridge)), VLAN: h.VLAN, SrcMAC: qgMAC, SrcIP: t.floating, DstIP: nextHop}
		case h.Kind == KindIntegration && !outbound:
			p = &Packet{InPort: ofport(intPatch(w.n)), DstMAC: qgMAC, DstIP: t.floating}
		case (h.Kind == KindRouterGateway || h.Kind == KindFIPNamespace) && outbound:
			p = &Packet{InPort: ofport(h.Device), SrcMAC: qgMAC, SrcIP: t.floating, DstIP: nextHop}
		case h.Kind == KindRouterIf && !outbound:
			p = &Packet{InPort: ofport(qrDev), SrcMAC: qrMAC, DstMAC: instMAC, DstIP: t.fixed}
		case (h.Kind == KindQVO || h.Kind == KindTap && h.Bridge != "") && outbound:
			p = &Packet{InPort: ofport(h.Device), SrcMAC: instMAC, DstMAC: qrMAC, SrcIP: t.fixed, DstIP: nextHop}
		case h.Kind == KindTunnelBridge && h.Bridge != "":
			p = &Packet{InPort: ofport(peerPatch(w.n, h.Bridge)), VLAN: h.VLAN, SrcMAC: qrMAC, DstMAC: instMAC, DstIP: t.fixed}
		}
		if p != nil && p.InPort > 0 {
			if h.Bridge == "" {
				h.Bridge = intBridge(w.n)
			}
			p.Bridge = h.Bridge
			h.Packet = p
		}
	}
}

// peerPatch is the patch port on bridge whose peer is on the integration
// bridge (phy-br-ex, patch-int).
func peerPatch(n *topo.Neutron, bridge string) string {
	for _, pp := range n.PatchPairs {
		switch {
		case pp.Bridge == bridge:
			return pp.Port
		case pp.PeerBridge == bridge:
			return pp.Peer
		}
	}
	return ""
}

// intPatch is the integration bridge's end of the pair to a physical bridge
// (int-br-ex), found from the physical bridge's side.
func intPatch(n *topo.Neutron) string {
	for _, b := range n.Bridges {
		if b.Role != topo.BridgePhysical {
			continue
		}
		for _, pp := range n.PatchPairs {
			switch {
			case pp.Bridge == b.Name:
				return pp.Peer
			case pp.PeerBridge == b.Name:
				return pp.Port
			}
		}
	}
	return ""
}

// natRule returns the Neutron NAT rule of that target naming ip.
func natRule(ns *topo.Namespace, target, ip string) string {
	if ns.NAT == nil {
		return ""
	}
	for _, r := range ns.NAT.Rules {
		if r.Target != target {
			continue
		}
		if target == "DNAT" && topo.HostIP(r.Dst) == ip && strings.HasSuffix(r.Chain, "PREROUTING") ||
			target == "SNAT" && strings.HasSuffix(r.Chain, "float-snat") && r.ToSource == ip {
			return r.Text()
		}
	}
	return ""
}

// routeTo finds the main-table route a namespace uses for ip (longest prefix).
func routeTo(ns *topo.Namespace, ip string) *topo.Route {
	var best *topo.Route
	bestBits := -1
	for i := range ns.Routes {
		rt := &ns.Routes[i]
		if rt.Table != topo.RouteTableMain {
			continue
		}
		bits := 0
		if rt.Dst != "default" {
			p, err := netip.ParsePrefix(rt.Dst)
			if err != nil || !inPrefix(rt.Dst, ip) {
				continue
			}
			bits = p.Bits()
		}
		if bits > bestBits {
			best, bestBits = rt, bits
		}
	}
	return best
}

func intBridge(n *topo.Neutron) string {
	for _, b := range n.Bridges {
		if b.Role == topo.BridgeIntegration {
			return b.Name
		}
	}
	return "br-int"
}

func tunnelBridge(n *topo.Neutron) string {
	for _, b := range n.Bridges {
		if b.Role == topo.BridgeTunnel {
			return b.Name
		}
	}
	return ""
}

func devName(d *topo.Device) string {
	if d == nil {
		return ""
	}
	return d.Name
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
