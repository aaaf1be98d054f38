// Package neutron works out the Neutron meaning of a node from the raw facts
// of a snapshot: which OVS ports and kernel devices form which Neutron port,
// network, router, tunnel and patch pair, and what is missing or miswired.
// It is a pure function of the snapshot; the rules it follows are in
// ../shared/docs/neutron-ovs-reference.md (§1 names, §2 OVSDB keys, §3 flow
// tables, §4 NAT, §5 DHCP, §6 firewall drivers).
package neutron

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Derive computes the Neutron view of a snapshot. It never fails: what it
// cannot place it reports as a problem.
func Derive(s *topo.Snapshot) topo.Neutron {
	x := newIndex(s)
	d := &deriver{x: x, rd: readOf(s), out: topo.Neutron{
		Bridges: []topo.BridgeRole{}, Ports: []topo.NPort{}, Networks: []topo.Network{},
		Routers: []topo.Router{}, Tunnels: []topo.Tunnel{}, PatchPairs: []topo.PatchPair{},
		ProviderNICs: []topo.ProviderNIC{}, DeadVLANPorts: []string{}, Problems: []string{},
	}}
	d.bridges()
	x.indexSpoofIPs()
	d.ports()
	d.programmed()
	d.networks()
	d.routers()
	d.tunnels()
	d.patchPairs()
	d.providerNICs()
	return d.out
}

type deriver struct {
	x *index
	// rd says which sources were read: an absence from one that was not
	// is unknown, never a problem.
	rd  readFacts
	out topo.Neutron
	// portIdx maps port id to its position in out.Ports while building.
	portIdx map[string]int
	// dvrFlows is what the OVS agent's DVR flows say, read once when a
	// router asks (dvr.go).
	dvrFlows *dvrFlows
}

// kdev is a kernel device and the namespace it is in.
type kdev struct {
	ns   *topo.Namespace
	link *topo.Link
}

// ovsPort is an OVS port with its bridge and first interface.
type ovsPort struct {
	bridge *topo.Bridge
	port   *topo.Port
	iface  *topo.Interface
}

// index holds the lookups every step needs, built once: a 1000-instance node
// has 4,000+ devices and must not be scanned per port.
type index struct {
	s *topo.Snapshot
	// devices by name in every namespace (names repeat across namespaces
	// only for lo and the like).
	devs map[string][]kdev
	// root-namespace devices by name.
	root map[string]*topo.Link
	// OVS ports by name, interfaces by name.
	ports  map[string]ovsPort
	ifaces map[string]ovsPort
	// bridges by role.
	integration *topo.Bridge
	tunnel      *topo.Bridge
	physical    []*topo.Bridge
	// dhcpByMAC maps a MAC (lower case) to the DHCP host entries naming it.
	dhcpByMAC map[string][]dhcpEntry
	// namespaces by name.
	nsByName map[string]*topo.Namespace
	// spoofIPs maps an integration-bridge ofport to the addresses its
	// anti-spoofing flows allow (table 24 arp_spa/nd_target for
	// iptables_hybrid, table 71 arp_spa/nw_src/ipv6_src/nd_target for the
	// OVS firewall), less those every port gets (see portAddress): a
	// compute node's only record of an instance's fixed IPs.
	spoofIPs map[int][]string
	// ofports maps, per bridge, OpenFlow port numbers to port names (flows
	// print numbers).
	ofports map[*topo.Bridge]map[int]string
}

type dhcpEntry struct {
	network string
	host    topo.DHCPHost
}

func newIndex(s *topo.Snapshot) *index {
	// Sized up front: a 1000-instance node has 4,000 devices and 1,000 OVS
	// ports, and growing maps of that size step by step is a third of
	// Derive's time.
	links, ports := 0, 0
	for i := range s.Namespaces {
		links += len(s.Namespaces[i].Links)
	}
	for i := range s.OVS.Bridges {
		ports += len(s.OVS.Bridges[i].Ports)
	}
	x := &index{
		s: s, devs: make(map[string][]kdev, links), root: make(map[string]*topo.Link, links),
		ports: make(map[string]ovsPort, ports), ifaces: make(map[string]ovsPort, ports),
		dhcpByMAC: map[string][]dhcpEntry{}, nsByName: make(map[string]*topo.Namespace, len(s.Namespaces)),
		ofports: map[*topo.Bridge]map[int]string{},
	}
	// One array backs the devs entries: a name's first device takes a
	// capacity-1 window of it, so that only names met twice (lo in every
	// namespace) allocate a slice of their own.
	backing := make([]kdev, 0, links)
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		x.nsByName[ns.Name] = ns
		for j := range ns.Links {
			l := &ns.Links[j]
			if prev := x.devs[l.Name]; len(prev) > 0 {
				x.devs[l.Name] = append(prev, kdev{ns, l})
			} else {
				backing = append(backing, kdev{ns, l})
				x.devs[l.Name] = backing[len(backing)-1 : len(backing) : len(backing)]
			}
			if ns.Root {
				x.root[l.Name] = l
			}
		}
	}
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		for j := range b.Ports {
			p := &b.Ports[j]
			op := ovsPort{bridge: b, port: p}
			if len(p.Interfaces) > 0 {
				op.iface = &p.Interfaces[0]
			}
			x.ports[p.Name] = op
			for k := range p.Interfaces {
				x.ifaces[p.Interfaces[k].Name] = ovsPort{bridge: b, port: p, iface: &p.Interfaces[k]}
			}
		}
	}
	for _, n := range s.Agent.DHCP {
		for _, h := range n.Hosts {
			x.dhcpByMAC[strings.ToLower(h.MAC)] = append(x.dhcpByMAC[strings.ToLower(h.MAC)], dhcpEntry{n.NetworkID, h})
		}
	}
	return x
}

// indexSpoofIPs fills spoofIPs from the integration bridge's flows.
func (x *index) indexSpoofIPs() {
	x.spoofIPs = map[int][]string{}
	b := x.integration
	if b == nil {
		return
	}
	for fi := range b.Flows {
		f := &b.Flows[fi]
		if f.Table != 24 && f.Table != 71 {
			continue
		}
		v, ok := f.MatchField("in_port")
		if !ok {
			continue
		}
		port, err := strconv.Atoi(v)
		if err != nil {
			port = x.ofportOf(b, x.ofportName(b, v))
		}
		for _, key := range []string{"arp_spa", "nw_src", "ipv6_src", "nd_target"} {
			if ip, ok := f.MatchField(key); ok && portAddress(ip) && !slices.Contains(x.spoofIPs[port], ip) {
				x.spoofIPs[port] = append(x.spoofIPs[port], ip)
			}
		}
	}
	// IPv4 first, each family in flow order: consumers that need one
	// address of a port (trace's source) take the first, as they did
	// when only IPv4 was read.
	v6 := func(ip string) int {
		if strings.Contains(ip, ":") {
			return 1
		}
		return 0
	}
	for _, ips := range x.spoofIPs {
		slices.SortStableFunc(ips, func(a, b string) int { return v6(a) - v6(b) })
	}
}

// portAddress reports whether an address (or CIDR) in an anti-spoofing
// match is one Neutron gave the port: a fixed IP or an allowed address
// pair, which both agents program alike and which the flows cannot tell
// apart. The agents also program addresses that are neither, for every
// port (Zed: ovs_neutron_agent.setup_arp_spoofing_protection,
// openvswitch_firewall/firewall.py _initialize_egress and
// _initialize_egress_ipv6_icmp):
//   - 0.0.0.0 as nw_src of the table 71 DHCP flow (priority 80,
//     udp 68→67: a client asking for an address has none yet). No
//     unspecified address (0.0.0.0, ::, 0.0.0.0/n) is a port's, whoever
//     programs it;
//   - the IPv6 link-local address made from a MAC by EUI-64
//     (fe80::f816:3eff:fe…): the OVS firewall adds the port MAC's one
//     to its allowed IPv6 pairs (OFPort.update, for ND, DHCPv6 and all
//     IPv6 egress: ipv6_src and nd_target in table 71), and the agent
//     allows neighbour advertisements for that of every allowed MAC
//     (table 24 nd_target). The guest makes the same address itself;
//     Neutron never allocates it. A link-local address that is not in
//     EUI-64 form (fe80::1, a VRRP pair) is the user's allowed pair and
//     stays.
//
// What does not parse as an address is no address either.
func portAddress(v string) bool {
	var a netip.Addr
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return false
		}
		a = p.Addr()
		if p.Bits() < a.BitLen() {
			return !a.IsUnspecified()
		}
	} else {
		var err error
		if a, err = netip.ParseAddr(v); err != nil {
			return false
		}
	}
	return !a.IsUnspecified() && !eui64LinkLocal(a)
}

// eui64LinkLocal reports whether a is in fe80::/64 with a modified EUI-64
// interface id (ff:fe in its middle): the address netutils
// get_ipv6_addr_by_EUI64(fe80::/64, mac) gives for some MAC.
func eui64LinkLocal(a netip.Addr) bool {
	if !a.Is6() || a.Is4In6() {
		return false
	}
	b := a.As16()
	return b[0] == 0xfe && b[1] == 0x80 && b[2]|b[3]|b[4]|b[5]|b[6]|b[7] == 0 && b[11] == 0xff && b[12] == 0xfe
}

// dev returns the device of that name, preferring the given namespace, then
// Neutron namespaces, then any.
func (x *index) dev(name string) (kdev, bool) {
	ds := x.devs[name]
	if len(ds) == 0 {
		return kdev{}, false
	}
	return ds[0], true
}

// lookup is devIn as a LinkLookup (for a veth's peer).
func (x *index) lookup(ns, name string) *topo.Link {
	if d, ok := x.devIn(ns, name); ok {
		return d.link
	}
	return nil
}

// devIn returns the device of that name in the namespace ("" = root).
func (x *index) devIn(ns, name string) (kdev, bool) {
	for _, d := range x.devs[name] {
		if d.ns.Name == ns {
			return d, true
		}
	}
	return kdev{}, false
}

// device describes a kernel device as a chain member.
func device(name string, d kdev, ok bool) *topo.Device {
	dv := &topo.Device{}
	describeDevice(dv, name, d, ok)
	return dv
}

// describeDevice is device writing into dv.
func describeDevice(dv *topo.Device, name string, d kdev, ok bool) {
	*dv = topo.Device{Name: name}
	if !ok {
		return
	}
	dv.InKernel = true
	dv.Namespace = d.ns.Name
	dv.OperState = d.link.OperState
	dv.Up = d.link.Up()
	dv.MTU = d.link.MTU
	dv.MAC = d.link.MAC
	dv.OnBridge = d.link.Master
	if d.link.Peer != nil {
		dv.Peer = d.link.Peer.Name
	}
}

// globalAddrs returns a link's global-scope addresses.
func globalAddrs(l *topo.Link) []string {
	var out []string
	for _, a := range l.Addrs {
		if a.Scope == "global" {
			out = append(out, a.Prefix)
		}
	}
	return out
}

// networkOf returns the network address of a prefix ("10.0.0.5/24" ->
// "10.0.0.0/24").
func networkOf(prefix string) string {
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return ""
	}
	return p.Masked().String()
}

// contains reports whether prefix (with host bits) covers ip.
func contains(prefix, ip string) bool {
	p, err1 := netip.ParsePrefix(prefix)
	a, err2 := netip.ParseAddr(ip)
	return err1 == nil && err2 == nil && p.Masked().Contains(a)
}

// ofportName resolves a port number printed in a flow to the port name on
// that bridge ("" when unknown; names printed with --names pass through).
func (x *index) ofportName(b *topo.Bridge, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil {
		return strings.Trim(v, `"`)
	}
	m, ok := x.ofports[b]
	if !ok {
		m = map[int]string{}
		for _, p := range b.Ports {
			for _, i := range p.Interfaces {
				m[i.OFPort] = p.Name
			}
		}
		x.ofports[b] = m
	}
	return m[n]
}

// ofportOf returns the OpenFlow port number of a port on a bridge, or -1.
func (x *index) ofportOf(b *topo.Bridge, name string) int {
	if op, ok := x.ports[name]; ok && op.bridge == b && op.iface != nil {
		return op.iface.OFPort
	}
	return -1
}

// matchesPort reports whether a flow's in_port names the port (by number or name).
func (x *index) matchesPort(b *topo.Bridge, f *topo.Flow, port string) bool {
	v, ok := f.MatchField("in_port")
	return ok && x.ofportName(b, v) == port
}

// inPortIs reports whether a flow's in_port is the given OpenFlow port.
func (x *index) inPortIs(b *topo.Bridge, f *topo.Flow, ofport int) bool {
	v, ok := f.MatchField("in_port")
	if !ok {
		return false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n == ofport
	}
	return x.ofportOf(b, strings.Trim(v, `"`)) == ofport
}
