//go:build linux

package collect

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// listLinks reads link dumps itself; on a real node, with every kind of
// device the kernel here can make, it must read what the library reads.
func TestListLinksAgreesWithLibrary(t *testing.T) {
	sock, h := nodeSockets(t, [][]string{
		{"tuntap", "add", "ostopo-tun0", "mode", "tun"},
		{"tuntap", "add", "ostopo-tap0", "mode", "tap"},
		{"link", "add", "ostopo-vx0", "type", "vxlan", "id", "4242", "dstport", "4789", "local", "10.99.0.1"},
		{"link", "add", "ostopo-mv0", "link", "eth1", "type", "macvlan"},
		{"link", "add", "ostopo-br0", "type", "bridge"},
		{"link", "set", "ostopo-tap0", "master", "ostopo-br0"},
		{"link", "set", "ostopo-br0", "up"},
	})

	got, err := listLinks(sock)
	if err != nil {
		t.Fatal(err)
	}
	want, err := h.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.links) != len(want) || len(got.refs) != len(want) {
		t.Fatalf("listLinks read %d links (%d refs), the library %d", len(got.links), len(got.refs), len(want))
	}
	kinds := map[string]bool{}
	for i, w := range want {
		g := got.refs[i]
		kinds[got.links[i].Kind] = true
		if diff := cmp.Diff(libraryLink(w), got.links[i]); diff != "" {
			t.Errorf("link %s (-library +listLinks):\n%s", w.Attrs().Name, diff)
		}
		a := w.Attrs()
		_, isVeth := w.(*netlink.Veth)
		if g.master != a.MasterIndex || g.parent != a.ParentIndex || g.peerNSID != a.NetNsID || g.veth != isVeth {
			t.Errorf("link %s: master %d parent %d nsid %d veth %v; library %d %d %d %v",
				a.Name, g.master, g.parent, g.peerNSID, g.veth, a.MasterIndex, a.ParentIndex, a.NetNsID, isVeth)
		}
	}
	for _, k := range []string{"loopback", "veth", "bridge", "tuntap", "vxlan", "macvlan"} {
		if !kinds[k] {
			t.Errorf("no %s device was compared (kinds seen: %v)", k, kinds)
		}
	}
}

// libraryLink is what ostopo kept of a netlink.Link before it read dumps
// itself (names of master and parent aside, which need the whole dump).
func libraryLink(l netlink.Link) topo.Link {
	a := l.Attrs()
	out := topo.Link{
		Index: a.Index, Name: a.Name, Kind: l.Type(), MTU: a.MTU, OperState: a.OperState.String(),
		AdminUp: a.Flags&net.FlagUp != 0, Carrier: a.RawFlags&unix.IFF_LOWER_UP != 0, Addrs: []topo.Addr{},
	}
	if len(a.HardwareAddr) > 0 {
		out.MAC = a.HardwareAddr.String()
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
	case *netlink.Vxlan:
		out.VNI = v.VxlanId
	}
	return out
}

// listAddrs and listRoutes read dumps themselves too; with IPv4 and IPv6,
// point-to-point and alias addresses, and static, multipath, blackhole and
// policy routes in several tables, they must read what the library reads.
func TestRouteAndAddrDumpsAgreeWithLibrary(t *testing.T) {
	sock, h := nodeSockets(t, [][]string{
		{"link", "add", "ostopo-ra", "type", "veth", "peer", "name", "ostopo-rb"},
		{"link", "set", "ostopo-ra", "up"},
		{"link", "set", "ostopo-rb", "up"},
		{"addr", "add", "192.0.2.10/24", "dev", "ostopo-ra"},
		{"addr", "add", "192.0.2.11/24", "dev", "ostopo-ra", "label", "ostopo-ra:1"},
		{"addr", "add", "198.51.100.1", "peer", "198.51.100.2/32", "dev", "ostopo-rb"},
		{"addr", "add", "2001:db8:77::1/64", "dev", "ostopo-ra", "nodad"},
		{"route", "add", "203.0.113.0/24", "via", "192.0.2.1", "dev", "ostopo-ra", "metric", "7", "proto", "static"},
		{"route", "add", "203.0.114.0/24", "nexthop", "via", "192.0.2.2", "dev", "ostopo-ra", "nexthop", "via", "192.0.2.3", "dev", "ostopo-ra"},
		{"route", "add", "blackhole", "10.250.0.0/16"},
		{"route", "add", "unreachable", "10.251.0.0/16"},
		{"route", "add", "default", "via", "192.0.2.1", "dev", "ostopo-ra", "table", "100"},
		{"route", "add", "10.9.0.0/16", "dev", "ostopo-ra", "src", "192.0.2.10", "table", "1000"},
		{"rule", "add", "from", "10.9.0.0/16", "table", "1000"},
		{"rule", "add", "fwmark", "0x10/0xff", "iif", "ostopo-ra", "oif", "ostopo-rb", "to", "10.8.0.0/16", "table", "1000", "priority", "500"},
		{"-6", "route", "add", "2001:db8:99::/64", "via", "2001:db8:77::2", "dev", "ostopo-ra"},
		{"-6", "route", "add", "default", "via", "2001:db8:77::3", "dev", "ostopo-ra", "table", "200"},
		{"-6", "rule", "add", "from", "2001:db8:77::/64", "table", "200"},
	})

	gotAddrs, err := listAddrs(sock)
	if err != nil {
		t.Fatal(err)
	}
	wantAddrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotAddrs) != len(wantAddrs) {
		t.Fatalf("listAddrs read %d addresses, the library %d", len(gotAddrs), len(wantAddrs))
	}
	for i, w := range wantAddrs {
		want := kernelAddr{index: w.LinkIndex, addr: topo.Addr{Prefix: w.IPNet.String(), Scope: scopeName(w.Scope), Label: w.Label}}
		if gotAddrs[i] != want {
			t.Errorf("address %d: listAddrs %+v, library %+v", i, gotAddrs[i], want)
		}
	}

	rules, err := h.RuleList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	gotRules, err := listRules(sock)
	if err != nil {
		t.Fatal(err)
	}
	var wantRules []topo.Rule
	for _, r := range rules {
		// The library lists the multicast-routing families' rules too
		// (RTNL_FAMILY_IPMR, IP6MR); ip rule, and ostopo, do not.
		if r.Family != netlink.FAMILY_V4 && r.Family != netlink.FAMILY_V6 {
			continue
		}
		wantRules = append(wantRules, convertRule(r))
	}
	if diff := cmp.Diff(wantRules, gotRules); diff != "" {
		t.Errorf("rules (-library +listRules):\n%s", diff)
	}
	if len(gotRules) < 8 { // 3 IPv4 and 2 IPv6 defaults, the 2 added, and the mark rule
		t.Errorf("read %d rules, want at least 8: %+v", len(gotRules), gotRules)
	}
	gotRoutes, omitted, err := listRoutes(sock, gotRules)
	if err != nil {
		t.Fatal(err)
	}
	wantRoutes, wantOmitted := libraryRoutes(t, h, rules)
	if diff := cmp.Diff(wantRoutes, gotRoutes, cmp.AllowUnexported(kernelRoute{})); diff != "" {
		t.Errorf("routes (-library +listRoutes):\n%s", diff)
	}
	if omitted != wantOmitted || omitted == 0 {
		t.Errorf("%d derived routes left out, the library's reading leaves out %d", omitted, wantOmitted)
	}
	seen := map[string]bool{}
	for _, r := range gotRoutes {
		seen[fmt.Sprintf("%d %s %s", r.Table, r.Type, r.Dst)] = true
	}
	for _, want := range []string{"254 unicast 203.0.114.0/24", "254 blackhole 10.250.0.0/16", "254 unreachable 10.251.0.0/16",
		"100 unicast default", "1000 unicast 10.9.0.0/16", "254 unicast 2001:db8:99::/64", "200 unicast default"} {
		if !seen[want] {
			t.Errorf("no route %q read (read: %v)", want, seen)
		}
	}
}

// libraryRoutes is how ostopo read routes with the library's
// RouteListFiltered before it read the dumps itself.
func libraryRoutes(t *testing.T, h *netlink.Handle, rules []netlink.Rule) ([]kernelRoute, int) {
	t.Helper()
	if err := h.SetStrictCheck(true); err != nil {
		t.Fatal(err)
	}
	defer h.SetStrictCheck(false)
	list := func(family, table int) []netlink.Route {
		rs, err := h.RouteListFiltered(family, &netlink.Route{Table: table}, netlink.RT_FILTER_TABLE)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			t.Fatal(err)
		}
		return rs
	}
	routes := list(netlink.FAMILY_V4, unix.RT_TABLE_UNSPEC)
	tables := []int{unix.RT_TABLE_MAIN}
	for _, r := range rules {
		if r.Family == unix.AF_INET6 && r.Table > 0 && r.Table != unix.RT_TABLE_LOCAL && !slices.Contains(tables, r.Table) {
			tables = append(tables, r.Table)
		}
	}
	for _, tb := range tables {
		routes = append(routes, list(netlink.FAMILY_V6, tb)...)
	}
	var out []kernelRoute
	omitted := 0
	for _, r := range routes {
		if r.Protocol == unix.RTPROT_KERNEL && (r.Table == unix.RT_TABLE_LOCAL && (r.Type == unix.RTN_LOCAL || r.Type == unix.RTN_BROADCAST || r.Type == unix.RTN_MULTICAST) ||
			r.Family == unix.AF_INET6 && r.Dst != nil && r.Dst.IP.IsLinkLocalUnicast() && maskLen(r.Dst) == 64) {
			omitted++
			continue
		}
		k := kernelRoute{oif: r.LinkIndex, Route: topo.Route{
			Table: r.Table, Type: routeType(r.Type), Dst: "default", Protocol: routeProtocol(int(r.Protocol)),
			Scope: scopeName(int(r.Scope)), Metric: r.Priority, Family: 4,
		}}
		if r.Family == unix.AF_INET6 {
			k.Family = 6
		}
		if r.Dst != nil && (maskLen(r.Dst) > 0 || !r.Dst.IP.IsUnspecified()) {
			k.Dst = r.Dst.String()
		}
		if r.Gw != nil {
			k.Gateway = r.Gw.String()
		}
		if len(r.MultiPath) > 0 && r.MultiPath[0].Gw != nil {
			k.Gateway = r.MultiPath[0].Gw.String()
			k.oif = r.MultiPath[0].LinkIndex
		}
		if r.Src != nil {
			k.Src = r.Src.String()
		}
		out = append(out, k)
	}
	return out, omitted
}

func maskLen(n *net.IPNet) int {
	ones, _ := n.Mask.Size()
	return ones
}

// nodeSockets builds an all-in-one lab node, runs each `ip -n NODE ARGS`,
// and opens a route-netlink socket and a library handle inside the node.
func nodeSockets(t *testing.T, ipArgs [][]string) (*dumpSocket, *netlink.Handle) {
	t.Helper()
	l := labtest.Build(t, lab.AllInOne())
	for _, args := range ipArgs {
		if out, err := exec.Command("ip", append([]string{"-n", l.Node}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	var sock *nl.NetlinkSocket
	var h *netlink.Handle
	err := netnsx.Do(l.NodePath(), func() (err error) {
		if sock, err = nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE); err != nil {
			return err
		}
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var bufs dumpBuffers
	ds := bufs.socket(sock)
	t.Cleanup(func() {
		bufs.release(ds)
		h.Close()
	})
	return ds, h
}

// listNeighbours reads what the library's NeighList reads, less the
// entries the kernel makes for multicast and broadcast addresses.
func TestNeighbourDumpAgreesWithLibrary(t *testing.T) {
	sock, h := nodeSockets(t, [][]string{
		{"link", "add", "ostopo-na", "type", "veth", "peer", "name", "ostopo-nb"},
		{"link", "set", "ostopo-na", "up"},
		{"link", "set", "ostopo-nb", "up"},
		{"addr", "add", "192.0.2.10/24", "dev", "ostopo-na"},
		{"addr", "add", "2001:db8:77::1/64", "dev", "ostopo-na", "nodad"},
		{"neigh", "add", "192.0.2.50", "lladdr", "02:00:00:00:00:50", "dev", "ostopo-na", "nud", "permanent"},
		{"neigh", "add", "192.0.2.51", "lladdr", "02:00:00:00:00:51", "dev", "ostopo-na", "nud", "stale"},
		{"neigh", "add", "192.0.2.52", "lladdr", "02:00:00:00:00:52", "dev", "ostopo-na", "nud", "noarp"},
		{"neigh", "add", "224.0.0.99", "lladdr", "01:00:5e:00:00:63", "dev", "ostopo-na", "nud", "noarp"},
		{"-6", "neigh", "add", "2001:db8:77::50", "lladdr", "02:00:00:00:00:60", "dev", "ostopo-na", "nud", "reachable"},
		{"-6", "neigh", "add", "ff02::99", "lladdr", "33:33:00:00:00:99", "dev", "ostopo-na", "nud", "noarp"},
	})
	got, err := listNeighbours(sock)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := h.NeighList(0, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var want []kernelNeigh
	dropped := 0
	for _, n := range lib {
		switch {
		case n.IP == nil:
		case n.State == netlink.NUD_NOARP && (n.IP.IsMulticast() || n.IP.IsUnspecified() || n.IP.Equal(net.IPv4bcast)):
			dropped++
		default:
			want = append(want, kernelNeigh{index: n.LinkIndex, neigh: topo.Neighbor{IP: n.IP.String(), MAC: macString(n.HardwareAddr), State: neighState(n.State)}})
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(kernelNeigh{})); diff != "" {
		t.Errorf("neighbours (-library +listNeighbours):\n%s", diff)
	}
	if dropped < 2 {
		t.Errorf("%d multicast noarp entries left out, want at least the 2 added", dropped)
	}
	seen := map[string]string{}
	for _, n := range got {
		seen[n.neigh.IP] = n.neigh.State
	}
	for ip, state := range map[string]string{"192.0.2.50": "permanent", "192.0.2.51": "stale", "192.0.2.52": "noarp", "2001:db8:77::50": "reachable"} {
		if seen[ip] != state {
			t.Errorf("neighbour %s: state %q, want %q (read: %v)", ip, seen[ip], state, seen)
		}
	}
}

// convertRule is how ostopo turned the library's rules into facts before
// it read the dump itself.
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
