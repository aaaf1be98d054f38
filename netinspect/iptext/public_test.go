package iptext

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Published outputs of real nodes, old formats and error files
// (testdata/public and testdata/recorded; testdata/README.md says where
// each comes from).

func readTestdata(t *testing.T, path ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustLinks(t *testing.T, text string) *Links {
	t.Helper()
	l, err := ParseIPLinks(text)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func link(t *testing.T, l *Links, name string) topo.Link {
	t.Helper()
	x := l.Link(name)
	if x == nil {
		t.Fatalf("no device %s", name)
	}
	return *x
}

// A DVR network node's sosreport (sos 4.1-4.2 flat layout, iproute2 5.x,
// published in hotsos's tests): the fip-, qrouter- and snat- namespaces
// without -d, the node's own with it.
const hotsos = "public/hotsos-openstack/sos_commands/networking/"

func hotsosNS(t *testing.T, ns, cmd string) string {
	t.Helper()
	return readTestdata(t, hotsos+"ip_netns_exec_"+ns+"_"+cmd)
}

const (
	hsFIP     = "fip-32981f34-497a-4fae-914a-8576055c8d0d"
	hsRouter  = "qrouter-984c22fd-64b3-4fa1-8ddd-87090f401ce5"
	hsSNAT    = "snat-984c22fd-64b3-4fa1-8ddd-87090f401ce5"
	hsRootDir = "public/hotsos-openstack/sos_commands/"
)

func TestHotsosNamespaceList(t *testing.T) {
	got, err := ParseNetns(readTestdata(t, hotsos+"ip_netns"))
	if err != nil {
		t.Fatal(err)
	}
	want := []NetnsEntry{{hsFIP, 9}, {hsRouter, 10}, {hsSNAT, 8}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}
	if ids := NetnsIDs(got); ids[10] != hsRouter || len(ids) != 3 {
		t.Errorf("ids = %v", ids)
	}
}

func TestHotsosNamespaceWithoutDetails(t *testing.T) {
	fip := mustLinks(t, hotsosNS(t, hsFIP, "ip_address_show"))
	if !fip.Known.Has(KnowsIndex|KnowsState|KnowsMaster|KnowsAddrs) || fip.Known.Has(KnowsKind) {
		t.Errorf("known = %b: ip address show (no -d) holds all but kinds", fip.Known)
	}
	fpr := link(t, fip, "fpr-984c22fd-6")
	want := topo.Link{Index: 2, Name: "fpr-984c22fd-6", MAC: "12:0e:b9:fe:c0:22", MTU: 1500, OperState: "up", AdminUp: true, Carrier: true,
		Addrs: []topo.Addr{{Prefix: "169.254.88.135/31", Scope: "global"}, {Prefix: "fe80::100e:b9ff:fefe:c022/64", Scope: "link"}}}
	if d := cmp.Diff(want, fpr); d != "" {
		t.Errorf("fpr- (-want +got):\n%s", d)
	}
	if ref := fip.Lower[2]; ref != (Lower{Index: 2, NetnsID: -1, Netns: hsRouter}) {
		t.Errorf("fpr- points to %+v", ref)
	}
	if lo := link(t, fip, "lo"); lo.Kind != "loopback" {
		t.Errorf("lo kind %q: the flags say LOOPBACK", lo.Kind)
	}

	// Without -d the veth is not known to be one: no peer, as the
	// collector would not guess it. Told it is (as -d would), the two ends
	// find each other through link-netns.
	router := mustLinks(t, hotsosNS(t, hsRouter, "ip_address_show"))
	fipNS := &topo.Namespace{Name: hsFIP, Links: fip.Links}
	routerNS := &topo.Namespace{Name: hsRouter, Links: router.Links}
	scopes := []PeerScope{{NS: fipNS, Lower: fip.Lower}, {NS: routerNS, Lower: router.Lower}}
	ResolvePeers(scopes)
	if p := fipNS.Link("fpr-984c22fd-6").Peer; p != nil {
		t.Errorf("peer %+v of a device whose kind is unknown", p)
	}
	fipNS.Link("fpr-984c22fd-6").Kind = "veth"
	routerNS.Link("rfp-984c22fd-6").Kind = "veth"
	ResolvePeers(scopes)
	if p := fipNS.Link("fpr-984c22fd-6").Peer; p == nil || *p != (topo.LinkRef{Namespace: hsRouter, Name: "rfp-984c22fd-6", Index: 2}) {
		t.Errorf("fpr- peer = %+v", p)
	}
	if p := routerNS.Link("rfp-984c22fd-6").Peer; p == nil || *p != (topo.LinkRef{Namespace: hsFIP, Name: "fpr-984c22fd-6", Index: 2}) {
		t.Errorf("rfp- peer = %+v", p)
	}
}

func TestHotsosRoutesRulesNeighbours(t *testing.T) {
	r, err := ParseRoutes(hotsosNS(t, hsFIP, "ip_route_show_table_all"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []topo.Route{
		{Table: 2852018311, Type: "unicast", Dst: "default", Gateway: "10.100.0.1", Dev: "fg-c8dcce74-c4", Protocol: "static", Scope: "global", Family: 4},
		{Table: 254, Type: "unicast", Dst: "10.100.0.0/24", Dev: "fg-c8dcce74-c4", Src: "10.100.0.206", Protocol: "kernel", Scope: "link", Family: 4},
		{Table: 254, Type: "unicast", Dst: "10.100.0.203/32", Gateway: "169.254.88.134", Dev: "fpr-984c22fd-6", Protocol: "static", Scope: "global", Family: 4},
		{Table: 254, Type: "unicast", Dst: "169.254.88.134/31", Dev: "fpr-984c22fd-6", Src: "169.254.88.135", Protocol: "kernel", Scope: "link", Family: 4},
	}
	if d := cmp.Diff(want, r.Routes); d != "" {
		t.Errorf("fip- routes (-want +got):\n%s", d)
	}
	// 8 IPv4 local-table routes and 2 fe80::/64; the IPv6 local table
	// (local, anycast, multicast) is not counted.
	if r.DerivedOmitted != 10 {
		t.Errorf("derived omitted = %d, want 10", r.DerivedOmitted)
	}

	rules, err := ParseRules(hotsosNS(t, hsRouter, "ip_rule_list"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRules := []topo.Rule{
		{Priority: 0, Family: 4, Table: 255}, {Priority: 32766, Family: 4, Table: 254}, {Priority: 32767, Family: 4, Table: 253},
		{Priority: 71743, Family: 4, Src: "192.168.21.18/32", Table: 16},
		{Priority: 3232240897, Family: 4, Src: "192.168.21.1/24", Table: 3232240897},
	}
	if d := cmp.Diff(wantRules, rules); d != "" {
		t.Errorf("qrouter- rules (-want +got):\n%s", d)
	}
	fipRules, err := ParseRules(hotsosNS(t, hsFIP, "ip_rule_list"), Options{})
	if err != nil || len(fipRules) != 4 || fipRules[3] != (topo.Rule{Priority: 2852018311, Family: 4, IIF: "fpr-984c22fd-6", Table: 2852018311}) {
		t.Errorf("fip- rules = %+v, %v", fipRules, err)
	}

	n, err := ParseNeighbours(hotsosNS(t, hsRouter, "ip_-s_-s_neigh_show"))
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 5 || n[3] != (topo.Neighbor{IP: "169.254.88.135", MAC: "12:0e:b9:fe:c0:22", Dev: "rfp-984c22fd-6", State: "permanent"}) {
		t.Errorf("qrouter- neighbours = %+v", n)
	}
}

func TestHotsosNAT(t *testing.T) {
	nat, err := ParseNAT(hotsosNS(t, hsSNAT, "iptables-save"))
	if err != nil {
		t.Fatal(err)
	}
	tab := nat.Table
	// "iptables-save v1.8.4" with no flavour: the legacy variant (the nft
	// one says "(nf_tables)"), as the collector names it.
	if tab == nil || tab.Backend != "legacy" || nat.OtherBackend != "" {
		t.Fatalf("nat = %+v", nat)
	}
	var snat []string
	for _, r := range tab.Rules {
		if r.Target == "SNAT" {
			snat = append(snat, r.Out+">"+r.ToSource)
		}
	}
	if !slices.Contains(snat, "qg-14f81a43-69>10.100.0.204") {
		t.Errorf("SNAT rules = %v", snat)
	}
}

func TestHotsosRootNamespace(t *testing.T) {
	full := mustLinks(t, readTestdata(t, hotsos+"ip_-d_address"))
	if !full.Known.Has(KnowsKind | KnowsAddrs) {
		t.Fatalf("known = %b", full.Known)
	}
	checks := map[string]func(topo.Link) bool{
		"ens7":           func(l topo.Link) bool { return l.Kind == "device" && l.Master == "ovs-system" },
		"br-ens3":        func(l topo.Link) bool { return l.Kind == "bridge" && len(l.Addrs) == 2 },
		"ens3":           func(l topo.Link) bool { return l.Kind == "device" && l.Master == "br-ens3" },
		"br-int":         func(l topo.Link) bool { return l.Kind == "openvswitch" && !l.AdminUp && l.OperState == "down" },
		"vxlan_sys_4789": func(l topo.Link) bool { return l.Kind == "vxlan" && l.VNI == 0 && l.Master == "ovs-system" },
		"tap0e778df8-ca": func(l topo.Link) bool { return l.Kind == "tuntap" && l.TunMode == "tap" },
		"veth1883dceb":   func(l topo.Link) bool { return l.Kind == "veth" && l.Master == "br-ens3" },
	}
	for name, ok := range checks {
		if l := link(t, full, name); !ok(l) {
			t.Errorf("%s = %+v", name, l)
		}
	}
	// A container's veth: its peer's namespace has an id (0) that ip
	// netns does not list, so the peer is in a namespace ostopo was not
	// shown.
	entries, _ := ParseNetns(readTestdata(t, hotsos+"ip_netns"))
	root := &topo.Namespace{Root: true, Links: slices.Clone(full.Links)}
	ResolvePeers([]PeerScope{{NS: root, Lower: full.Lower, IDs: NetnsIDs(entries)}})
	if p := root.Link("veth1883dceb").Peer; p == nil || *p != (topo.LinkRef{Namespace: "?", Index: 16}) {
		t.Errorf("container veth peer = %+v", p)
	}

	// ip -s -d link with ip -o addr says what ip -d address says.
	merged := mustLinks(t, readTestdata(t, hotsos+"ip_-s_-d_link"))
	if merged.Known.Has(KnowsAddrs) {
		t.Errorf("ip link taken for a list of addresses")
	}
	merged.Merge(mustLinks(t, readTestdata(t, hotsos+"ip_-o_addr")))
	if d := cmp.Diff(full.Links, merged.Links); d != "" {
		t.Errorf("ip -s -d link + ip -o addr differ from ip -d address (-address +link):\n%s", d)
	}

	s, err := ParseSysctl(readTestdata(t, hsRootDir+"kernel/sysctl_-a"))
	if err != nil || s.IPForward == nil || !*s.IPForward {
		t.Errorf("ip_forward = %v, %v", s.IPForward, err)
	}
}

// insights-core's samples: iproute2 of RHEL 6/7, hand-cut outputs.
func TestInsightsOldIPAddress(t *testing.T) {
	l, err := ParseIPLinks(readTestdata(t, "public/insights-core/IP_ADDR_TEST"))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Lines) != 3 || pe.Read != 6 || !strings.Contains(err.Error(), "Message truncated") {
		t.Fatalf("error = %v: the three \"Message truncated\" lines must be named, the 6 devices read", err)
	}
	eth7 := link(t, l, "eth7")
	if eth7.Carrier || !eth7.AdminUp || eth7.OperState != "down" || eth7.Master != "bond1" || eth7.Kind != "" {
		t.Errorf("eth7 (NO-CARRIER, UP, master bond1) = %+v", eth7)
	}
	// A point-to-point address is its local end at full length (as the
	// collector reads IFA_LOCAL), its label last on the line.
	if a := link(t, l, "tunl1").Addrs; len(a) != 1 || a[0] != (topo.Addr{Prefix: "172.30.0.1/32", Scope: "global", Label: "tun0"}) {
		t.Errorf("tunl1 addresses = %+v", a)
	}
	// An IPIP tunnel's link address is its local IPv4 address, which
	// netlink gives as 4 bytes.
	if m := link(t, l, "ip.tun2").MAC; m != "0a:c0:04:cb" {
		t.Errorf("ip.tun2 link address = %q", m)
	}
	if m := link(t, l, "tunl0").MAC; m != "" {
		t.Errorf("tunl0's all-zero address = %q", m)
	}
	if ref := l.Lower[5]; ref.Name != "bond1" {
		t.Errorf("bond1.57's lower device = %+v", ref)
	}
	if ref := l.Lower[2]; ref.NetnsID != 1 {
		t.Errorf("eth7's link-netnsid = %+v", ref)
	}
}

func TestInsightsDetailedLinks(t *testing.T) {
	l := mustLinks(t, readTestdata(t, "public/insights-core/IP_S_LINK_ALL_3"))
	kinds := map[string]string{
		"eth0_1": "device", "ovs-system": "openvswitch", "vxlan_sys_4789": "vxlan", "gre0": "gre",
		"gretap0": "gretap", "geneve0": "geneve", "lo": "loopback",
	}
	for name, k := range kinds {
		if got := link(t, l, name).Kind; got != k {
			t.Errorf("%s kind %q, want %q", name, got, k)
		}
	}
	if _, ok := l.Lower[10]; ok {
		t.Errorf("gre0@NONE points somewhere: %+v", l.Lower[10])
	}
	if m := link(t, l, "gre1").MAC; m != "0a:d3:2f:d9" {
		t.Errorf("gre1 link address %q", m)
	}
	team := mustLinks(t, readTestdata(t, "public/insights-core/IP_S_LINK"))
	if tm := link(t, team, "tm0"); tm.Kind != "team" || tm.Master != "br0" {
		t.Errorf("tm0 = %+v", tm)
	}
}

func TestInsightsOldRoutes(t *testing.T) {
	r, err := ParseRoutes(readTestdata(t, "public/insights-core/IP_ROUTE_SHOW_TABLE_ALL_TEST_2"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(dst string, table int) *topo.Route {
		for i := range r.Routes {
			if r.Routes[i].Dst == dst && r.Routes[i].Table == table {
				return &r.Routes[i]
			}
		}
		return nil
	}
	if x := find("10.0.0.0/8", 254); x == nil || *x != (topo.Route{Table: 254, Type: "unicast", Dst: "10.0.0.0/8", Gateway: "10.64.54.1", Dev: "tun0", Protocol: "static", Scope: "global", Metric: 50, Family: 4}) {
		t.Errorf("double-spaced route = %+v", x)
	}
	// An old kernel's cloned IPv6 routes ("cache" on the next line) are
	// left out, as the collector skips RTM_F_CLONED.
	if x := find("2404:6800:4006:802::200e/128", 254); x != nil {
		t.Errorf("cache clone kept: %+v", x)
	}
	// "proto none" is old iproute2's name for protocol 0; "error" says
	// IPv6 for "default"; "table unspec" is table 0.
	if x := find("default", 0); x == nil || x.Family != 6 || x.Type != "unreachable" || x.Protocol != "kernel" || x.Metric != 4294967295 {
		t.Errorf("unreachable IPv6 default = %+v", x)
	}
	if x := find("default", 254); x == nil || x.Gateway != "192.168.23.250" || x.Family != 4 || x.Protocol != "boot" {
		t.Errorf("IPv4 default = %+v", x)
	}
	if x := find("fe80::/64", 254); x != nil {
		t.Errorf("fe80::/64 kept: %+v", x)
	}

	// Table names a node gave in its rt_tables: unknown without it, and
	// every such line is named; read with it.
	text := readTestdata(t, "public/insights-core/IP_ROUTE_SHOW_TABLE_ALL_TEST")
	_, err = ParseRoutes(text, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Lines) != 4 || pe.Lines[0].Line != 1 {
		t.Fatalf("error = %v", err)
	}
	tables := ParseRTTables("#\n255\tlocal\n10 red_mgmt\n11\tred_storage # storage\n")
	r, err = ParseRoutes(text, Options{Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	if r.Routes[0] != (topo.Route{Table: 10, Type: "9", Dst: "30.142.64.0/26", Protocol: "boot", Scope: "global", Family: 4}) {
		t.Errorf("throw route = %+v (the collector names type 9 by its number)", r.Routes[0])
	}
}

func TestInsightsNeighbours(t *testing.T) {
	n, err := ParseNeighbours(readTestdata(t, "public/insights-core/IPV4_NEIGH_CONTEXT"))
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 8 {
		t.Fatalf("%d neighbours: %+v", len(n), n)
	}
	if n[1] != (topo.Neighbor{IP: "172.17.42.11", MAC: "00:00:00:00:00:01", Dev: "lo", State: "noarp"}) {
		t.Errorf("a unicast noarp entry is kept, as the collector keeps it: %+v", n[1])
	}
	if n[6] != (topo.Neighbor{IP: "172.17.0.18", State: "failed"}) {
		t.Errorf("entry without device = %+v", n[6])
	}
	v6, err := ParseNeighbours(readTestdata(t, "public/insights-core/IPV6_NEIGH_CONTEXT"))
	if err != nil || len(v6) != 0 {
		t.Errorf("multicast noarp entries kept: %+v %v", v6, err)
	}
	all, err := ParseNeighbours(readTestdata(t, "public/insights-core/IP_NEIGH_SHOW"))
	if err != nil || len(all) != 14 || all[1].State != "stale" || all[12] != (topo.Neighbor{IP: "10.101.5.71", Dev: "bond0.102", State: "incomplete"}) {
		t.Errorf("ip neigh show = %+v, %v", all, err)
	}
	_, err = ParseNeighbours(readTestdata(t, "public/insights-core/BAD_NEIGH_CONTEXT"))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Lines) < 4 {
		t.Errorf("bad lines not named: %v", err)
	}
}

func TestBrctlShow(t *testing.T) {
	for _, f := range []string{"public/insights-core/BRCTL_SHOW", "public/insights-core/BRCTL_SHOW_TAB"} {
		b, err := ParseBrctlShow(readTestdata(t, f))
		if err != nil || len(b) < 2 || b[0].Name != "br0" || len(b[0].Interfaces) < 1 {
			t.Errorf("%s: %+v %v", f, b, err)
		}
	}
	b, err := ParseBrctlShow(readTestdata(t, "public/insights-core/BRCTL_SHOW_NO_BRIDGES"))
	if err != nil || len(b) != 0 {
		t.Errorf("no bridges: %+v %v", b, err)
	}

	// Neutron's own docs (hybrid plugging, an old OVS with Linux bridges
	// of its own): membership becomes each member's master.
	b, err = ParseBrctlShow(readTestdata(t, "public/neutron-docs/layer3_brctl_show"))
	if err != nil {
		t.Fatal(err)
	}
	want := LinuxBridge{Name: "qbr199abeb2-63", ID: "8000.ba06e5f8675c", Interfaces: []string{"qvb199abeb2-63", "tap199abeb2-63"}}
	if len(b) != 6 || !cmp.Equal(b[3], want) || len(b[0].Interfaces) != 0 || !b[5].STP {
		t.Fatalf("bridges = %+v", b)
	}
	ns := &topo.Namespace{Links: []topo.Link{{Name: "qbr199abeb2-63"}, {Name: "qvb199abeb2-63"}, {Name: "tap199abeb2-63", Master: "other"}}}
	ApplyBridges(ns, b)
	if ns.Links[0].Kind != "bridge" || ns.Links[1].Master != "qbr199abeb2-63" || ns.Links[2].Master != "other" {
		t.Errorf("applied: %+v (ip's master is kept)", ns.Links)
	}
}

// Neutron's devref shows a router namespace with an iproute2 of 2012:
// no "group", "qlen" or valid_lft on IPv4 addresses.
func TestNeutronDocsOldIPAddr(t *testing.T) {
	l := mustLinks(t, readTestdata(t, "public/neutron-docs/layer3_qrouter_ip_addr_list"))
	qg := link(t, l, "qg-77e0666b-cd")
	want := topo.Link{Index: 20, Name: "qg-77e0666b-cd", MAC: "fa:16:3e:1f:d3:ec", MTU: 1500, OperState: "unknown", AdminUp: true, Carrier: true,
		Addrs: []topo.Addr{{Prefix: "192.168.27.130/28", Scope: "global"}, {Prefix: "fe80::f816:3eff:fe1f:d3ec/64", Scope: "link"}}}
	if d := cmp.Diff(want, qg); d != "" {
		t.Errorf("qg- (-want +got):\n%s", d)
	}
	if !l.Known.Has(KnowsAddrs) || l.Known.Has(KnowsKind) {
		t.Errorf("known = %b", l.Known)
	}
}

// route -n and ip route of the same host (the networking guide): the
// same routes, as far as route -n goes.
func TestRouteNAgreesWithIPRoute(t *testing.T) {
	n, err := ParseRouteN(readTestdata(t, "public/neutron-docs/intro-basic-networking_route_-n"))
	if err != nil {
		t.Fatal(err)
	}
	ip, err := ParseRoutes(readTestdata(t, "public/neutron-docs/intro-basic-networking_ip_route_show"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Routes) != 4 || len(ip.Routes) != 4 {
		t.Fatalf("routes: %d and %d", len(n.Routes), len(ip.Routes))
	}
	for i := range n.Routes {
		a, b := n.Routes[i], ip.Routes[i]
		if a.Dst != b.Dst || a.Gateway != b.Gateway || a.Dev != b.Dev || a.Table != b.Table || a.Family != 4 {
			t.Errorf("route -n %+v, ip route %+v", a, b)
		}
		if a.Protocol != "" || a.Scope != "" || a.Src != "" || a.Type != "" {
			t.Errorf("route -n cannot tell protocol, scope, source or type: %+v", a)
		}
	}
	vault, err := ParseRouteN(readTestdata(t, "public/hotsos-vault/route_-n"))
	if err != nil || len(vault.Routes) != 2 || vault.Routes[0].Dst != "default" || vault.Routes[0].Gateway != "10.0.0.2" {
		t.Errorf("sos route -n = %+v %v", vault, err)
	}
	ins, err := ParseRouteN(readTestdata(t, "public/insights-core/ROUTE"))
	if err != nil || len(ins.Routes) != 3 || ins.Routes[1] != (topo.Route{Table: 254, Dst: "169.254.0.0/16", Dev: "eth0", Metric: 1002, Family: 4}) {
		t.Errorf("route -n = %+v %v", ins, err)
	}
}

// net-tools 1.60's ifconfig, as sos 3.1/3.2 kept it for a namespace.
func TestOldIfconfig(t *testing.T) {
	l, err := ParseIfconfig(readTestdata(t, "public/kanthi-mdtemplate3/ifconfig"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Known != KnowsState {
		t.Errorf("known = %b: no index, master, kind or every address", l.Known)
	}
	want := []topo.Link{
		{Name: "eth1", MAC: "f0:4d:a2:a2:b4:7a", MTU: 1500, AdminUp: true, Carrier: true,
			Addrs: []topo.Addr{{Prefix: "192.168.138.1/24", Scope: "global"}, {Prefix: "fe80::f24d:a2ff:fea2:a49a/64", Scope: "link"}}},
		{Name: "lo", Kind: "loopback", MTU: 16436, AdminUp: true, Carrier: true,
			Addrs: []topo.Addr{{Prefix: "127.0.0.1/8", Scope: "host"}, {Prefix: "::1/128", Scope: "host"}}},
		{Name: "virbr0", MAC: "3a:40:9a:72:c0:ce", MTU: 1500, AdminUp: true, Carrier: true,
			Addrs: []topo.Addr{{Prefix: "192.168.122.1/24", Scope: "global"}}},
		{Name: "wlan0", MAC: "c0:cb:38:6c:20:4d", MTU: 1500, AdminUp: true, Addrs: []topo.Addr{}},
	}
	if d := cmp.Diff(want, l.Links); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// Aliases, point-to-point addresses and a down device, in both formats.
func TestIfconfigAliasesBothFormats(t *testing.T) {
	old := `eth0      Link encap:Ethernet  HWaddr FA:16:3E:56:BB:E8  
          inet addr:10.0.0.2  Bcast:10.0.0.255  Mask:255.255.255.0
          inet6 addr: fe80::f816:3eff:fe56:bbe8/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1450  Metric:1

eth0:1    Link encap:Ethernet  HWaddr FA:16:3E:56:BB:E8  
          inet addr:10.0.0.9  Bcast:10.0.0.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1450  Metric:1

tun0      Link encap:UNSPEC  HWaddr 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  
          inet addr:10.8.0.1  P-t-P:10.8.0.2  Mask:255.255.255.255
          UP POINTOPOINT RUNNING NOARP MULTICAST  MTU:1500  Metric:1

eth1      Link encap:Ethernet  HWaddr fa:16:3e:00:00:01  
          BROADCAST MULTICAST  MTU:1500  Metric:1
`
	nw := `eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1450
        inet 10.0.0.2  netmask 255.255.255.0  broadcast 10.0.0.255
        inet6 fe80::f816:3eff:fe56:bbe8  prefixlen 64  scopeid 0x20<link>
        ether fa:16:3e:56:bb:e8  txqueuelen 1000  (Ethernet)

eth0:1: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1450
        inet 10.0.0.9  netmask 255.255.255.0  broadcast 10.0.0.255
        ether fa:16:3e:56:bb:e8  txqueuelen 1000  (Ethernet)

tun0: flags=4305<UP,POINTOPOINT,RUNNING,NOARP,MULTICAST>  mtu 1500
        inet 10.8.0.1  netmask 255.255.255.255  destination 10.8.0.2
        unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  txqueuelen 500  (UNSPEC)

eth1: flags=4098<BROADCAST,MULTICAST>  mtu 1500
        ether fa:16:3e:00:00:01  txqueuelen 1000  (Ethernet)
`
	want := []topo.Link{
		{Name: "eth0", MAC: "fa:16:3e:56:bb:e8", MTU: 1450, AdminUp: true, Carrier: true, Addrs: []topo.Addr{
			{Prefix: "10.0.0.2/24", Scope: "global"}, {Prefix: "fe80::f816:3eff:fe56:bbe8/64", Scope: "link"},
			{Prefix: "10.0.0.9/24", Scope: "global", Label: "eth0:1"}}},
		{Name: "tun0", MTU: 1500, AdminUp: true, Carrier: true, Addrs: []topo.Addr{{Prefix: "10.8.0.1/32", Scope: "global"}}},
		{Name: "eth1", MAC: "fa:16:3e:00:00:01", MTU: 1500, OperState: "down", Addrs: []topo.Addr{}},
	}
	for name, text := range map[string]string{"net-tools 1.60": old, "net-tools 2.10": nw} {
		l, err := ParseIfconfig(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(want, l.Links); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		if k := Recognise(text); k != KindIfconfig {
			t.Errorf("%s recognised as %q", name, k)
		}
	}
}

func TestNATForms(t *testing.T) {
	save, err := ParseNAT(readTestdata(t, "recorded/iptables-save_nf_tables"))
	if err != nil || save.Table == nil || save.Table.Backend != "nf_tables" || len(save.Table.Rules) != 5 {
		t.Fatalf("iptables-save = %+v %v", save, err)
	}
	for _, f := range []string{"recorded/iptables_-t_nat_-S", "recorded/iptables_-t_nat_-S_legacy-present"} {
		s, err := ParseNAT(readTestdata(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		w := *save.Table
		w.Backend = "" // -S prints no banner
		if d := cmp.Diff(&w, s.Table); d != "" {
			t.Errorf("%s differs from iptables-save (-save +S):\n%s", f, d)
		}
		if legacy := strings.HasSuffix(f, "present"); (s.OtherBackend == "legacy") != legacy {
			t.Errorf("%s: other backend %q", f, s.OtherBackend)
		}
	}
	// The warning on stderr may land glued to the last line.
	glued := strings.TrimSuffix(readTestdata(t, "recorded/iptables_-t_nat_-S"), "\n") + "# Warning: iptables-legacy tables present, use iptables-legacy to see them\n"
	if s, err := ParseNAT(glued); err != nil || s.OtherBackend != "legacy" || len(s.Table.Rules) != 5 {
		t.Errorf("glued warning: %+v %v", s, err)
	}
	present, err := ParseNAT(readTestdata(t, "recorded/iptables-save_legacy-present"))
	if err != nil || present.OtherBackend != "legacy" || present.Table.Backend != "nf_tables" {
		t.Errorf("iptables-save with legacy tables present = %+v %v", present, err)
	}
	legacy, err := ParseNAT(readTestdata(t, "recorded/iptables-legacy-save"))
	if err != nil || legacy.Table == nil || legacy.Table.Backend != "legacy" {
		t.Errorf("iptables-legacy-save (no flavour in its banner) = %+v %v", legacy, err)
	}

	// Debian 10's iptables 1.8.2 (dev-sec/ansible-collection-hardening#274):
	// the nft variant calls itself xtables-save and shows no nat table,
	// the legacy one holds it.
	xt, err := ParseNAT(readTestdata(t, "public/github-issues/dev-sec-ansible-collection-hardening-274_iptables-save"))
	if err != nil || xt.Table != nil || xt.OtherBackend != "legacy" {
		t.Errorf("xtables-save = %+v %v: no nat table here, and the warning says where it is", xt, err)
	}
	old, err := ParseNAT(readTestdata(t, "public/github-issues/dev-sec-ansible-collection-hardening-274_iptables-legacy-save"))
	if err != nil || old.Table == nil || old.Table.Backend != "legacy" || len(old.Table.Chains) != 4 {
		t.Errorf("iptables-legacy-save 1.8.2 = %+v %v", old, err)
	}
	if got := bannerBackend("# Generated by xtables-save v1.8.2 on Thu May 21 00:03:22 2020\n"); got != "nf_tables" {
		t.Errorf("xtables-save banner: %q", got)
	}
	// iptables -S of the filter table is not taken for nat.
	if _, err := ParseNAT(readTestdata(t, "public/github-issues/mkorthof-ipset-country-18_iptables-legacy_-S")); !errors.Is(err, errNotNAT) {
		t.Errorf("filter table's -S: %v", err)
	}
	if _, err := ParseNAT("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"); !errors.Is(err, errNotNAT) {
		t.Errorf("filter policies: %v", err)
	}
}

func TestRecognise(t *testing.T) {
	cases := map[string]Kind{
		"recorded/error_cannot_open_netns":                                            KindError,
		"recorded/error_object_unknown":                                               KindError,
		"recorded/error_command_not_found":                                            KindError,
		"recorded/error_ip_route_missing_table":                                       KindError,
		"recorded/empty_ip_neigh":                                                     KindEmpty,
		"recorded/ip_-o_link":                                                         KindIPLink,
		"recorded/ip_-o_-d_link":                                                      KindIPLink,
		"recorded/iptables_-t_nat_-S":                                                 KindIPTablesS,
		"recorded/iptables-save_legacy-present":                                       KindIPTablesSave,
		"public/insights-core/BRCTL_SHOW_ERROR":                                       KindError,
		"public/insights-core/BRCTL_SHOW_TIMEOUT":                                     KindError,
		"public/insights-core/IP_ROUTE_CANNOT_DETECT_THESE_ERRORS_YET":                KindError,
		"public/insights-core/IP_ADDR_TEST":                                           KindIPAddress,
		"public/insights-core/IP_S_LINK_ALL_3":                                        KindIPLink,
		"public/insights-core/IP_ROUTE_SHOW_TABLE_ALL_TEST":                           KindIPRoute,
		"public/insights-core/IP_NEIGH_SHOW":                                          KindIPNeigh,
		"public/insights-core/BRCTL_SHOW_TAB":                                         KindBrctlShow,
		"public/insights-core/ROUTE":                                                  KindRouteN,
		"public/neutron-docs/intro-basic-networking_route_-n":                         KindRouteN,
		"public/neutron-docs/intro-basic-networking_ip_route_show":                    KindIPRoute,
		"public/neutron-docs/layer3_qrouter_ip_addr_list":                             KindIPAddress,
		"public/kanthi-mdtemplate3/ifconfig":                                          KindIfconfig,
		"public/github-issues/dev-sec-ansible-collection-hardening-274_iptables-save": KindIPTablesSave,
		"public/github-issues/mkorthof-ipset-country-18_iptables-legacy_-S":           KindIPTablesS,
		hsRootDir + "kernel/sysctl_-a":                                                KindSysctl,
		hotsos + "ip_netns":                                                           KindIPNetns,
		hotsos + "ip_-4_rule":                                                         KindIPRule,
		hotsos + "ip_-o_addr":                                                         KindIPAddress,
		hotsos + "ip_-s_-d_link":                                                      KindIPLink,
		hotsos + "ip_-6_route_show_table_all":                                         KindIPRoute,
		hotsos + "ip_neigh_show_nud_noarp":                                            KindIPNeigh,
		hotsos + "ip_netns_exec_" + hsSNAT + "_iptables-save":                         KindIPTablesSave,
	}
	for f, want := range cases {
		if got := Recognise(readTestdata(t, f)); got != want {
			t.Errorf("%s: %q, want %q", f, got, want)
		}
	}
	// Every recorded output of the live scenarios, by the command that
	// made it.
	byCmd := map[string][]Kind{
		cmdAddrD: {KindIPAddress}, cmdAddr: {KindIPAddress}, cmdAddrO: {KindIPAddress}, cmdLinkSD: {KindIPLink},
		cmdRoute: {KindIPRoute}, cmdRule4: {KindIPRule}, cmdRule6: {KindIPRule}, cmdNeigh: {KindIPNeigh, KindEmpty},
		cmdNeighNoarp: {KindIPNeigh, KindEmpty}, cmdSysctl: {KindSysctl}, cmdIPTables: {KindIPTablesSave, KindEmpty},
		cmdNetns: {KindIPNetns}, cmdIfconfig: {KindIfconfig}, cmdRouteN: {KindRouteN}, cmdNATRules: {KindIPTablesS},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "live", "*", "*", "*"))
	for _, f := range files {
		want, ok := byCmd[filepath.Base(f)]
		if !ok {
			continue
		}
		b, _ := os.ReadFile(f)
		if got := Recognise(string(b)); !slices.Contains(want, got) {
			t.Errorf("%s: %q, want one of %q", f, got, want)
		}
	}
	// A list of names that shows nothing of ip netns is not taken for it
	// (ovs-vsctl list-br looks the same).
	if k := Recognise("br-ex\nbr-int\nbr-tun\n"); k != KindUnknown {
		t.Errorf("list-br: %q", k)
	}
	if k := Recognise("qdhcp-5c157c01-c44f-4457-abf8-f9651826db6f\n"); k != KindIPNetns {
		t.Errorf("ip netns of one qdhcp-: %q", k)
	}
	// A tail cut by sos's size limit: the first line is cut short.
	tail := readTestdata(t, hotsos+"ip_-d_address")[200:]
	if k := Recognise(tail); k != KindIPAddress {
		t.Errorf("tailed ip -d address: %q", k)
	}
	// An error beside the output (stderr merged): the output is still
	// recognised, and the error found.
	mixed := "Error: Peer netns reference is invalid.\n" + readTestdata(t, hotsos+"ip_netns")
	if k := Recognise(mixed); k != KindIPNetns || len(ErrorLines(mixed)) != 1 {
		t.Errorf("ip netns with an error line: %q %q", k, ErrorLines(mixed))
	}
	if e := ErrorLines(readTestdata(t, "recorded/error_cannot_open_netns")); len(e) != 1 || !strings.HasPrefix(e[0], "Cannot open network namespace") {
		t.Errorf("error lines = %q", e)
	}
}
