package routefix

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// ErrBadInput marks what the operator gave that no plan can be made of: a
// gateway that cannot be one (GatewayError), a namespace that does not
// exist (NetnsError), a missing device choice. The command exits 2 for it;
// a failed pre-check is something else (the input makes sense, the node is
// not ready for it).
var ErrBadInput = errors.New("bad input")

// GatewayProblem says why an address cannot be the gateway.
type GatewayProblem string

// Gateway problems.
const (
	GatewayUnparsable  GatewayProblem = "unparsable"   // not an IP address
	GatewayMapped      GatewayProblem = "ipv4-mapped"  // ::ffff:a.b.c.d
	GatewayZone        GatewayProblem = "zone"         // fe80::1%eth2 with --dev eth1
	GatewayUnspecified GatewayProblem = "unspecified"  // 0.0.0.0, ::
	GatewayBroadcast   GatewayProblem = "broadcast"    // 255.255.255.255 or the subnet's directed broadcast
	GatewayNetwork     GatewayProblem = "network"      // the subnet's network address
	GatewayMulticast   GatewayProblem = "multicast"    // 224.0.0.0/4, ff00::/8
	GatewayLoopback    GatewayProblem = "loopback"     // 127.0.0.0/8, ::1
	GatewayLinkLocal   GatewayProblem = "link-local"   // 169.254.0.0/16 (IPv6 link-local is allowed with a device)
	GatewayOwn         GatewayProblem = "own-address"  // an address of this node
	GatewayNeedsDevice GatewayProblem = "needs-device" // fe80::/10 without --dev
)

// GatewayError is NewPlan's refusal of a gateway: nothing was planned.
type GatewayError struct {
	Gateway string // as given
	Dev     string // the device the route would use ("" if none could be chosen)
	Subnet  string // the device's subnet the reason refers to, if any
	Problem GatewayProblem
	Reason  string // one line, naming the address, the device and its subnet
}

// Error is the reason, safe to print on a terminal: the device name may
// come from the node.
func (e *GatewayError) Error() string { return safetext.Term(e.Reason) }

// Is makes every GatewayError an ErrBadInput.
func (e *GatewayError) Is(target error) bool { return target == ErrBadInput }

// inputError is bad input that is not about the gateway itself (no device
// could be chosen).
type inputError struct{ msg string }

func (e *inputError) Error() string        { return safetext.Term(e.msg) }
func (e *inputError) Is(target error) bool { return target == ErrBadInput }

// parseGateway reads the gateway as given: an address, an IPv6 address
// with its link as zone (fe80::1%eth1, as ping and ip print it).
func parseGateway(gateway string) (addr netip.Addr, zone string, ok bool) {
	a, err := netip.ParseAddr(gateway)
	if err != nil {
		return netip.Addr{}, "", false
	}
	return a.WithZone(""), a.Zone(), true
}

// deviceSubnets are the device's addresses of one family, as prefixes (the
// node's address with its subnet's length).
func deviceSubnets(l *topo.Link, is4 bool) []netip.Prefix {
	if l == nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range l.Addrs {
		p, err := netip.ParsePrefix(a.Prefix)
		if err != nil || p.Addr().Is4() != is4 {
			continue
		}
		out = append(out, p)
	}
	return out
}

// onDev names where the gateway must be: "eth1's subnet 10.20.0.0/24" when
// the device has an address of the gateway's family (the one holding the
// gateway if any), else "eth1's network".
func onDev(dev string, subnets []netip.Prefix, gw netip.Addr) (text, subnet string) {
	var pick netip.Prefix
	for _, p := range subnets {
		if gw.Is6() && p.Addr().IsLinkLocalUnicast() != gw.IsLinkLocalUnicast() {
			continue
		}
		if !pick.IsValid() || p.Masked().Contains(gw) && !pick.Masked().Contains(gw) {
			pick = p
		}
	}
	if !pick.IsValid() {
		return dev + "'s network", ""
	}
	subnet = pick.Masked().String()
	return dev + "'s subnet " + subnet, subnet
}

// lastAddr is the highest address of an IPv4 prefix: its directed broadcast.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// refuseGateway is the verdict on gw as the next hop of ns's default route
// through dev: nil if it can be one, else why not. It refuses what cannot
// be a host that forwards (unspecified, broadcast, multicast, loopback,
// IPv4 link-local, a subnet's network or broadcast address) and the node's
// own addresses on any of ns's devices. Whether gw is on dev's subnet at
// all stays a pre-check ("gateway inside one of the device's subnets"): a
// plan with a failed check still shows the operator the whole picture.
func refuseGateway(ns *topo.Namespace, dev string, gw netip.Addr) *GatewayError {
	l := ns.Link(dev)
	// An IPv4-mapped address is named against the IPv4 subnets it means.
	subnets := deviceSubnets(l, gw.Unmap().Is4())
	where, subnet := onDev(dev, subnets, gw.Unmap())
	refuse := func(p GatewayProblem, subnet, format string, a ...any) *GatewayError {
		return &GatewayError{Gateway: gw.String(), Dev: dev, Subnet: subnet, Problem: p, Reason: fmt.Sprintf(format, a...)}
	}
	host := "the gateway must be one host on " + where + " that forwards and NATs"
	linkLocal4 := netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254}), 16)
	switch {
	case gw.Is4In6():
		return refuse(GatewayMapped, subnet, "%s is an IPv4-mapped IPv6 address: give the IPv4 address %s (on %s)", gw, gw.Unmap(), where)
	case gw.IsUnspecified():
		return refuse(GatewayUnspecified, subnet, "%s is the unspecified address, not a machine: %s", gw, host)
	case gw == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return refuse(GatewayBroadcast, subnet, "%s is the limited broadcast address (every host on the link), not a machine: %s", gw, host)
	case gw.IsMulticast():
		group := netip.PrefixFrom(netip.AddrFrom4([4]byte{224}), 4)
		if gw.Is6() {
			group = netip.MustParsePrefix("ff00::/8")
		}
		return refuse(GatewayMulticast, subnet, "%s is a multicast address (%s), not a machine: %s", gw, group, host)
	case gw.IsLoopback():
		group := netip.PrefixFrom(netip.AddrFrom4([4]byte{127}), 8)
		if gw.Is6() {
			group = netip.MustParsePrefix("::1/128")
		}
		return refuse(GatewayLoopback, subnet, "%s is a loopback address (%s): it never leaves this node; %s", gw, group, host)
	case linkLocal4.Contains(gw):
		// 169.254/16 is zeroconf and the metadata service (169.254.169.254
		// in the qdhcp/qrouter namespaces): nothing there forwards and NATs
		// a node's traffic. An IPv6 link-local gateway, in contrast, is the
		// normal next hop a router advertises: it is allowed with a device.
		return refuse(GatewayLinkLocal, subnet, "%s is an IPv4 link-local address (%s, zeroconf and the metadata service), where no router forwards: %s", gw, linkLocal4, host)
	}
	// Any device of the namespace: the node's address on eth2 is no more a
	// gateway for eth1 than its address on eth1 is.
	for _, link := range ns.Links {
		for _, a := range link.Addrs {
			if p, err := netip.ParsePrefix(a.Prefix); err == nil && p.Addr() == gw {
				return refuse(GatewayOwn, subnet, "%s is this node's own address on %s: the gateway must be another machine that forwards and NATs", gw, link.Name)
			}
		}
	}
	for _, p := range subnets {
		// RFC 3021: a /31 has no network or broadcast address, both are
		// hosts; a /32 holds the node's address alone (refused above).
		if !gw.Is4() || p.Bits() >= 31 || !p.Masked().Contains(gw) {
			continue
		}
		s := p.Masked().String()
		switch gw {
		case p.Masked().Addr():
			return refuse(GatewayNetwork, s, "%s is the network address of %s's subnet %s, not a machine: the gateway must be one host on it that forwards and NATs", gw, dev, s)
		case lastAddr(p):
			return refuse(GatewayBroadcast, s, "%s is the broadcast address of %s's subnet %s, not a machine: the gateway must be one host on it that forwards and NATs", gw, dev, s)
		}
	}
	return nil
}
