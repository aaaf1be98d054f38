package routefix

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Check is one pre-check of a plan.
type Check struct {
	What   string `json:"what"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Skipped: the check could not be made here (a replay cannot ask the
	// network); it does not block the plan.
	Skipped bool `json:"skipped,omitempty"`
}

// Plan is the repair: the default routes before and after, the equivalent
// command, and the pre-checks. Nothing in a plan changes the node.
type Plan struct {
	Namespace string `json:"namespace"` // "" = the node's own
	// NetnsPath and NetnsInode are the namespace the snapshot was read
	// from: Apply refuses to change another one (a plan of one namespace
	// applied to the one ostopo happens to run in).
	NetnsPath  string       `json:"netns_path,omitempty"`
	NetnsInode uint64       `json:"netns_inode,omitempty"`
	Dev        string       `json:"dev"`
	Gateway    string       `json:"gateway"` // canonical, without zone
	Family     int          `json:"family"`  // 4 or 6, the gateway's
	Before     []topo.Route `json:"before"`  // every default route of the main table of that family now
	After      topo.Route   `json:"after"`
	Command    string       `json:"command"`
	Checks     []Check      `json:"checks"`
	Reminder   string       `json:"reminder"`
}

// OK reports whether every pre-check passed.
func (p *Plan) OK() bool {
	for _, c := range p.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// ErrRefused is returned by Apply for a plan whose pre-checks failed.
var ErrRefused = errors.New("refused: a pre-check failed, nothing was changed")

// NewPlan works out the repair for the node's namespace from a snapshot.
// With dev empty it takes the first management candidate; the gateway must
// be given (ostopo cannot guess which host on the management network
// forwards and NATs). An IPv6 gateway plans the IPv6 default route; a
// link-local one (fe80::1, or fe80::1%eth1) needs its device.
//
// A gateway that cannot be one (see refuseGateway) is a *GatewayError, and
// no device to choose an error; both are ErrBadInput. A gateway that could
// be one but does not fit the node (not on the device's subnet, the device
// down or an OVS port) is a failed pre-check. The "gateway answers" check
// is added by the caller that can probe the network (Verify).
func NewPlan(s *topo.Snapshot, dev, gateway string) (*Plan, error) {
	root := s.Root()
	if root == nil {
		return nil, errors.New("the snapshot has no node namespace")
	}
	ovsPorts := s.OVS.PortIndex()
	gw, zone, parsed := parseGateway(gateway)
	if zone != "" {
		switch {
		case dev == "":
			dev = zone
		case dev != zone:
			return nil, &GatewayError{Gateway: gateway, Dev: dev, Problem: GatewayZone,
				Reason: fmt.Sprintf("%s names the link %s but --dev is %s: give one of them", gateway, zone, dev)}
		}
	}
	if dev == "" {
		if parsed && gw.Is6() && gw.IsLinkLocalUnicast() {
			// Every link has its fe80::/64: the address alone does not say
			// which one, and taking the first candidate would be a guess.
			return nil, &GatewayError{Gateway: gw.String(), Problem: GatewayNeedsDevice,
				Reason: fmt.Sprintf("%s is an IPv6 link-local address: it names a router only together with its link; give the link with --dev (or as %s%%DEV)", gw, gw)}
		}
		c := Candidates(root, ovsPorts)
		if len(c) == 0 {
			return nil, &inputError{"no management NIC candidate (up, with carrier and an IPv4 address, not an OVS port): give --dev"}
		}
		dev = c[0].Dev
	}
	if !parsed {
		where, subnet := onDev(dev, deviceSubnets(root.Link(dev), true), netip.Addr{})
		return nil, &GatewayError{Gateway: gateway, Dev: dev, Subnet: subnet, Problem: GatewayUnparsable,
			Reason: fmt.Sprintf("gateway %q is not an IPv4 address or an IPv6 one (give --gateway, a host on %s that forwards and NATs)", gateway, where)}
	}
	if gerr := refuseGateway(root, dev, gw); gerr != nil {
		return nil, gerr
	}
	family, ip := 4, "ip"
	if gw.Is6() {
		family, ip = 6, "ip -6"
	}
	gateway = gw.String()
	p := &Plan{Namespace: root.Name, NetnsPath: root.Path, NetnsInode: root.Inode, Dev: dev, Gateway: gateway, Family: family, Before: []topo.Route{},
		After:   topo.Route{Table: topo.RouteTableMain, Dst: "default", Gateway: gateway, Dev: dev, Family: family, Protocol: "static"},
		Command: ip + " route replace default via " + gateway + " dev " + dev}
	ra := false
	for _, rt := range root.Routes {
		if rt.Dst == "default" && rt.Table == topo.RouteTableMain && rt.Family == family {
			p.Before = append(p.Before, rt)
			ra = ra || rt.Protocol == "ra"
		}
	}
	if family == 4 {
		p.Reminder = gateway + " must forward (net.ipv4.ip_forward=1) and NAT the node's traffic (e.g. iptables -t nat -A POSTROUTING -s <node network> -j MASQUERADE) for the node to reach the internet through it"
	} else {
		p.Reminder = gateway + " must forward (net.ipv6.conf.all.forwarding=1) and route <node network> back to the node (or NAT it: ip6tables -t nat -A POSTROUTING -s <node network> -j MASQUERADE)"
		if ra {
			// The kernel re-adds a router-advertised default at the next
			// advertisement: replacing it lasts minutes unless RAs stop
			// setting one.
			p.Reminder += "; a default route learnt from router advertisements comes back with the next one: set net.ipv6.conf." + dev + ".accept_ra_defrtr=0"
		}
	}
	l := root.Link(dev)
	switch {
	case l == nil:
		p.Checks = append(p.Checks, Check{What: "device exists", OK: false, Detail: dev + " is not a device of the node"})
	default:
		p.Checks = append(p.Checks, Check{What: "device exists", OK: true, Detail: fmt.Sprintf("%s (%s, mtu %d)", dev, l.Kind, l.MTU)})
		p.Checks = append(p.Checks, Check{What: "device up with carrier", OK: l.Up() && l.Carrier, Detail: fmt.Sprintf("oper_state %s, carrier %v", l.OperState, l.Carrier)})
		if br := ovsPorts[dev].Bridge; br != nil {
			p.Checks = append(p.Checks, Check{What: "device is not an OVS port", OK: false, Detail: dev + " is a port of " + br.Name})
		}
		p.Checks = append(p.Checks, p.onSubnet(l, gw))
	}
	return p, nil
}

// onSubnet is the check that the gateway is on the device's link: inside
// one of its subnets, or, for an IPv6 link-local gateway, on a device that
// has a link-local address to speak to it from. (The node's own addresses
// are refused before: they are in the subnet, but are no gateway.)
func (p *Plan) onSubnet(l *topo.Link, gw netip.Addr) Check {
	in := Check{What: "gateway inside one of the device's subnets", Detail: p.Gateway + " is in none of " + p.Dev + "'s subnets"}
	for _, a := range l.Addrs {
		pr, err := netip.ParsePrefix(a.Prefix)
		if err != nil || pr.Addr().Is4() != gw.Is4() {
			continue
		}
		if gw.IsLinkLocalUnicast() && gw.Is6() {
			switch {
			case pr.Addr().IsLinkLocalUnicast() && !in.OK:
				in.OK, in.Detail = true, p.Gateway+" is link-local on "+p.Dev+" ("+p.Dev+" has "+a.Prefix+")"
			case !pr.Addr().IsLinkLocalUnicast():
				// The network the gateway routes back is the node's
				// global one on the same link.
				p.Reminder = strings.Replace(p.Reminder, "<node network>", pr.Masked().String(), -1)
			}
			continue
		}
		if pr.Masked().Contains(gw) {
			in.OK, in.Detail = true, p.Gateway+" is in "+pr.Masked().String()+" ("+a.Prefix+" on "+p.Dev+")"
			p.Reminder = strings.Replace(p.Reminder, "<node network>", pr.Masked().String(), -1)
			return in
		}
	}
	if gw.IsLinkLocalUnicast() && gw.Is6() && !in.OK {
		in.Detail = p.Dev + " has no IPv6 link-local address to reach " + p.Gateway + " from (IPv6 off on it?)"
	}
	return in
}
