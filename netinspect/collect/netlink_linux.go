//go:build linux

package collect

import (
	"errors"
	"fmt"
	"net"
	"slices"
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

// kernelState is one namespace read through one netlink handle.
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

// readKernel reads links, addresses, routes of all tables, rules and
// neighbours. When h2 is another socket, links come through h while the
// rest comes through h2 at the same time: on a node with 4,000 devices each
// dump takes tens of milliseconds of kernel time, and one netlink socket
// serves one dump at a time. Errors of one kind do not hide the others.
func readKernel(h, h2 *netlink.Handle, ns *topo.Namespace) (*kernelState, error) {
	var (
		addrs                                []netlink.Addr
		routes                               []netlink.Route
		rules                                []netlink.Rule
		neighs                               []netlink.Neigh
		addrErr, routeErr, ruleErr, neighErr error
	)
	rest := func() {
		addrs, addrErr = retry("list addresses", func() ([]netlink.Addr, error) { return h2.AddrList(nil, netlink.FAMILY_ALL) })
		rules, ruleErr = retry("list rules", func() ([]netlink.Rule, error) { return h2.RuleList(netlink.FAMILY_ALL) })
		routes, routeErr = listRoutes(h2, rules)
		neighs, neighErr = retry("list neighbours", func() ([]netlink.Neigh, error) { return h2.NeighList(0, netlink.FAMILY_ALL) })
	}
	var links []netlink.Link
	var err error
	if h2 == h {
		// One socket serves one dump at a time.
		links, err = retry("list links", h.LinkList)
		rest()
	} else {
		done := make(chan struct{})
		go func() {
			defer close(done)
			rest()
		}()
		links, err = retry("list links", h.LinkList)
		<-done
	}
	if err != nil {
		return nil, err // without links nothing else can be named
	}

	ks := &kernelState{ns: *ns}
	names := make(map[int]string, len(links))
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	ks.ns.Links = make([]topo.Link, 0, len(links))
	for _, l := range links {
		ks.ns.Links = append(ks.ns.Links, convertLink(l, names))
	}
	byIndex := make(map[int]*topo.Link, len(links))
	for i := range ks.ns.Links {
		byIndex[ks.ns.Links[i].Index] = &ks.ns.Links[i]
	}
	for _, l := range links {
		if v, ok := l.(*netlink.Veth); ok && v.ParentIndex > 0 {
			ks.veths = append(ks.veths, vethEnd{link: byIndex[v.Index], peerIndex: v.ParentIndex, peerNSID: v.NetNsID})
		}
	}
	for _, a := range addrs {
		if l := byIndex[a.LinkIndex]; l != nil && a.IPNet != nil {
			l.Addrs = append(l.Addrs, topo.Addr{Prefix: a.IPNet.String(), Scope: scopeName(a.Scope), Label: labelIfAlias(a.Label, l.Name)})
		}
	}
	ks.ns.Routes = make([]topo.Route, 0, len(routes))
	for _, r := range routes {
		if derivedFromAddress(r) {
			ks.ns.DerivedRoutesOmitted++
			continue
		}
		ks.ns.Routes = append(ks.ns.Routes, convertRoute(r, names))
	}
	ks.ns.Rules = make([]topo.Rule, 0, len(rules))
	for _, r := range rules {
		ks.ns.Rules = append(ks.ns.Rules, convertRule(r))
	}
	ks.ns.Neighbors = make([]topo.Neighbor, 0, len(neighs))
	for _, n := range neighs {
		if n.IP == nil {
			continue
		}
		ks.ns.Neighbors = append(ks.ns.Neighbors, topo.Neighbor{
			IP: n.IP.String(), MAC: macString(n.HardwareAddr), Dev: names[n.LinkIndex], State: neighState(n.State),
		})
	}
	return ks, errors.Join(addrErr, routeErr, ruleErr, neighErr)
}

// listRoutes reads the IPv4 routes of every table and the IPv6 routes of
// every table but local. The kernel alone writes the IPv6 local table (a
// local and a multicast route for each address and device: 8,000 entries
// on a 1000-instance node, a third of the snapshot's kernel time), so with
// strict checking the kernel is asked for the other tables only: main and
// those the IPv6 rules name. A kernel without strict checking
// (before 4.20) gets the full dump.
func listRoutes(h *netlink.Handle, rules []netlink.Rule) ([]netlink.Route, error) {
	all := func(family int) ([]netlink.Route, error) {
		return retry("list routes", func() ([]netlink.Route, error) {
			return h.RouteListFiltered(family, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
		})
	}
	if err := h.SetStrictCheck(true); err != nil {
		return all(netlink.FAMILY_ALL)
	}
	routes, err := all(netlink.FAMILY_V4)
	if err != nil {
		return nil, err
	}
	// IPv6 rules name main (and nothing else unless someone added policy
	// routing); the local table is the kernel's.
	tables := []int{unix.RT_TABLE_MAIN}
	for _, r := range rules {
		if r.Family == unix.AF_INET6 && r.Table > 0 && r.Table != unix.RT_TABLE_LOCAL && !slices.Contains(tables, r.Table) {
			tables = append(tables, r.Table)
		}
	}
	for _, t := range tables {
		v6, err := retry("list IPv6 routes", func() ([]netlink.Route, error) {
			return h.RouteListFiltered(netlink.FAMILY_V6, &netlink.Route{Table: t}, netlink.RT_FILTER_TABLE)
		})
		switch {
		case errors.Is(err, unix.ENOENT):
			continue // strict checking answers ENOENT for a table with no routes
		case err != nil:
			return routes, err
		}
		routes = append(routes, v6...)
	}
	return routes, nil
}

// derivedFromAddress reports whether the kernel made a route only because
// an address or IPv6 exists on a device: the local table's local,
// broadcast and multicast entries, and IPv6 fe80::/64 per device. Routes
// anyone added, and IPv4 connected routes, are kept.
func derivedFromAddress(r netlink.Route) bool {
	if r.Protocol != unix.RTPROT_KERNEL {
		return false
	}
	switch {
	case r.Table == unix.RT_TABLE_LOCAL && (r.Type == unix.RTN_LOCAL || r.Type == unix.RTN_BROADCAST || r.Type == unix.RTN_MULTICAST):
		return true
	case r.Family == unix.AF_INET6 && r.Dst != nil && r.Dst.IP.IsLinkLocalUnicast():
		ones, _ := r.Dst.Mask.Size()
		return ones == 64
	}
	return false
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

func convertLink(l netlink.Link, names map[int]string) topo.Link {
	a := l.Attrs()
	out := topo.Link{
		Index:     a.Index,
		Name:      a.Name,
		Kind:      l.Type(),
		MAC:       macString(a.HardwareAddr),
		MTU:       a.MTU,
		OperState: a.OperState.String(),
		AdminUp:   a.Flags&net.FlagUp != 0,
		Carrier:   a.RawFlags&unix.IFF_LOWER_UP != 0,
		Addrs:     []topo.Addr{},
	}
	if a.MasterIndex > 0 {
		out.Master = names[a.MasterIndex]
	}
	if a.Flags&net.FlagLoopback != 0 {
		out.Kind = "loopback"
	}
	switch v := l.(type) {
	case *netlink.Tuntap:
		out.TunMode = "tap"
		if v.Mode == netlink.TUNTAP_MODE_TUN {
			out.TunMode = "tun"
		}
	case *netlink.Vlan:
		out.VLANID = v.VlanId
		out.Parent = names[a.ParentIndex]
	case *netlink.Vxlan:
		out.VNI = v.VxlanId
	case *netlink.Macvlan:
		out.Parent = names[a.ParentIndex]
	}
	return out
}

func convertRoute(r netlink.Route, names map[int]string) topo.Route {
	out := topo.Route{
		Table:    r.Table,
		Type:     routeType(r.Type),
		Dst:      "default",
		Dev:      names[r.LinkIndex],
		Protocol: routeProtocol(int(r.Protocol)),
		Scope:    scopeName(int(r.Scope)),
		Metric:   r.Priority,
		Family:   4,
	}
	if r.Family == unix.AF_INET6 {
		out.Family = 6
	}
	if r.Dst != nil {
		if ones, _ := r.Dst.Mask.Size(); ones > 0 || !r.Dst.IP.IsUnspecified() {
			out.Dst = r.Dst.String()
		}
	}
	if r.Gw != nil {
		out.Gateway = r.Gw.String()
	}
	if len(r.MultiPath) > 0 && r.MultiPath[0].Gw != nil {
		out.Gateway = r.MultiPath[0].Gw.String()
		out.Dev = names[r.MultiPath[0].LinkIndex]
	}
	if r.Src != nil {
		out.Src = r.Src.String()
	}
	return out
}

func convertRule(r netlink.Rule) topo.Rule {
	out := topo.Rule{Priority: r.Priority, Family: 4, Table: r.Table, IIF: r.IifName, OIF: r.OifName}
	if r.Family == unix.AF_INET6 {
		out.Family = 6
	}
	if r.Src != nil {
		out.Src = r.Src.String()
	}
	if r.Dst != nil {
		out.Dst = r.Dst.String()
	}
	if r.Mark != 0 {
		out.Mark = fmt.Sprintf("0x%x", r.Mark)
		if r.Mask != nil {
			out.Mark += fmt.Sprintf("/0x%x", *r.Mask)
		}
	}
	return out
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
