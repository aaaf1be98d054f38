//go:build linux

package collect

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// vethEnd is what netlink says about a veth's peer: its ifindex and, when it
// lives in another namespace, that namespace's id as seen from this one.
type vethEnd struct {
	link      *topo.Link
	peerIndex int
	peerNSID  int // -1: same namespace
}

// kernelState is one namespace as netlink showed it.
type kernelState struct {
	ns    topo.Namespace
	veths []vethEnd
}

// retry repeats a netlink dump interrupted by concurrent changes (the kernel
// says so with NLM_F_DUMP_INTR); after a few tries the partial answer is kept.
func retry[T any](what string, f func() (T, error)) (T, error) {
	var v T
	var err error
	for range 5 {
		v, err = f()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// nsSockets are the netlink sockets one namespace is read through: links
// come on one while addresses and routes come on the other, since a socket
// serves one dump at a time and on a node with 4,000 devices each dump
// takes tens of milliseconds of kernel time. Namespace ids come through
// the library's handle.
type nsSockets struct {
	links, rest *dumpSocket
	h           *netlink.Handle
}

// readKernel reads links, addresses, routes of all tables, rules and
// neighbours. Errors of one kind do not hide the others.
func readKernel(s nsSockets, ns *topo.Namespace) (*kernelState, error) {
	var (
		addrs                                []kernelAddr
		routes                               []kernelRoute
		omitted                              int
		rules                                []topo.Rule
		neighs                               []kernelNeigh
		addrErr, routeErr, ruleErr, neighErr error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		addrs, addrErr = retry("list addresses", func() ([]kernelAddr, error) { return listAddrs(s.rest) })
		rules, ruleErr = retry("list rules", func() ([]topo.Rule, error) { return listRules(s.rest) })
		neighs, neighErr = retry("list neighbours", func() ([]kernelNeigh, error) { return listNeighbours(s.rest) })
		routes, omitted, routeErr = listRoutes(s.rest, rules) // last: it turns on strict checking
	}()
	dumped, err := retry("list links", func() (linkDump, error) { return listLinks(s.links) })
	<-done
	if err != nil {
		return nil, err // without links nothing else can be named
	}

	ks := &kernelState{ns: *ns}
	ks.ns.Links = dumped.links
	if ks.ns.Links == nil {
		ks.ns.Links = []topo.Link{}
	}
	byIndex := make(map[int]*topo.Link, len(ks.ns.Links))
	for i := range ks.ns.Links {
		byIndex[ks.ns.Links[i].Index] = &ks.ns.Links[i]
	}
	name := func(index int) string {
		if l := byIndex[index]; l != nil {
			return l.Name
		}
		return ""
	}
	for i, refs := range dumped.refs {
		l := &ks.ns.Links[i]
		if refs.master > 0 {
			l.Master = name(refs.master)
		}
		switch {
		case refs.veth && refs.parent > 0:
			ks.veths = append(ks.veths, vethEnd{link: l, peerIndex: refs.parent, peerNSID: refs.peerNSID})
		case l.Kind == "vlan" || l.Kind == "macvlan":
			l.Parent = name(refs.parent)
		}
	}
	for _, a := range addrs {
		if l := byIndex[a.index]; l != nil {
			a.addr.Label = labelIfAlias(a.addr.Label, l.Name)
			l.Addrs = append(l.Addrs, a.addr)
		}
	}
	ks.ns.DerivedRoutesOmitted = omitted
	ks.ns.Routes = make([]topo.Route, 0, len(routes))
	for _, r := range routes {
		r.Dev = name(r.oif)
		ks.ns.Routes = append(ks.ns.Routes, r.Route)
	}
	ks.ns.Rules = rules
	if rules == nil {
		ks.ns.Rules = []topo.Rule{}
	}
	ks.ns.Neighbors = make([]topo.Neighbor, len(neighs))
	for i, n := range neighs {
		ks.ns.Neighbors[i] = n.neigh
		ks.ns.Neighbors[i].Dev = name(n.index)
	}
	return ks, errors.Join(addrErr, routeErr, ruleErr, neighErr)
}

func labelIfAlias(label, dev string) string {
	if label == dev {
		return ""
	}
	return label
}

func macString(hw net.HardwareAddr) string {
	if len(hw) == 0 {
		return ""
	}
	return hw.String()
}

func scopeName(s int) string {
	switch netlink.Scope(s) {
	case netlink.SCOPE_UNIVERSE:
		return "global"
	case netlink.SCOPE_LINK:
		return "link"
	case netlink.SCOPE_HOST:
		return "host"
	case netlink.SCOPE_SITE:
		return "site"
	case netlink.SCOPE_NOWHERE:
		return "nowhere"
	}
	return fmt.Sprint(s)
}

func routeType(t int) string {
	switch t {
	case unix.RTN_UNICAST:
		return "unicast"
	case unix.RTN_LOCAL:
		return "local"
	case unix.RTN_BROADCAST:
		return "broadcast"
	case unix.RTN_ANYCAST:
		return "anycast"
	case unix.RTN_MULTICAST:
		return "multicast"
	case unix.RTN_BLACKHOLE:
		return "blackhole"
	case unix.RTN_UNREACHABLE:
		return "unreachable"
	case unix.RTN_PROHIBIT:
		return "prohibit"
	}
	return fmt.Sprint(t)
}

func routeProtocol(p int) string {
	switch p {
	case unix.RTPROT_UNSPEC:
		return ""
	case unix.RTPROT_REDIRECT:
		return "redirect"
	case unix.RTPROT_KERNEL:
		return "kernel"
	case unix.RTPROT_BOOT:
		return "boot"
	case unix.RTPROT_STATIC:
		return "static"
	case unix.RTPROT_DHCP:
		return "dhcp"
	case unix.RTPROT_RA:
		return "ra"
	}
	return fmt.Sprint(p)
}

func neighState(s int) string {
	var parts []string
	for _, st := range []struct {
		bit  int
		name string
	}{
		{netlink.NUD_INCOMPLETE, "incomplete"}, {netlink.NUD_REACHABLE, "reachable"},
		{netlink.NUD_STALE, "stale"}, {netlink.NUD_DELAY, "delay"}, {netlink.NUD_PROBE, "probe"},
		{netlink.NUD_FAILED, "failed"}, {netlink.NUD_NOARP, "noarp"}, {netlink.NUD_PERMANENT, "permanent"},
	} {
		if s&st.bit != 0 {
			parts = append(parts, st.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}
