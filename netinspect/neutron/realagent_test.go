package neutron_test

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// Flows as Neutron 21 (Zed) programs them, written from
// neutron/agent/linux/openvswitch_firewall/firewall.py and
// ovs_neutron_agent.setup_arp_spoofing_protection and printed the way
// plain ovs-ofctl dump-flows (OpenFlow 1.0, as ostopo runs it) prints
// them: the agent's set_field:11->reg5 reads load:0xb->NXM_NX_REG5[]. The
// lab's recordings (fixtures/neutronlab) have the real agents' flows for
// ports with one IPv4 fixed IP; these add what those ports do not have:
// an IPv6 fixed IP and allowed address pairs.

// nativeFirewallPort: tap7c1d2e3f-4a, ofport 11, in the network of the
// first instance port of the node it is plugged into (its local VLAN
// replaces {VLAN}, and {VLANHEX} in hex), MAC fa:16:3e:11:22:33, fixed
// IPs 10.1.1.21 and the SLAAC address 2001:db8:1:0:f816:3eff:fe11:2233,
// allowed address pair 10.1.1.250 (a VIP on the port's MAC), security
// group allowing all egress and ICMP in from a remote group member
// 10.1.1.12. The firewall adds the MAC's link-local address
// fe80::f816:3eff:fe11:2233 to the port's IPv6 pairs (OFPort.update) and
// 0.0.0.0 to its DHCP sources; neither is a Neutron address.
const nativeFirewallPort = `NXST_FLOW reply (xid=0x4):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=11 actions=load:0xb->NXM_NX_REG5[],load:{VLANHEX}->NXM_NX_REG6[],resubmit(,71)
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=41, n_bytes=3870, priority=90,dl_vlan={VLAN},dl_dst=fa:16:3e:11:22:33 actions=load:0xb->NXM_NX_REG5[],load:{VLANHEX}->NXM_NX_REG6[],strip_vlan,resubmit(,81)
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=71, n_packets=0, n_bytes=0, priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=fe80::f816:3eff:fe11:2233,icmp_type=130 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=2, n_bytes=140, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=fe80::f816:3eff:fe11:2233,icmp_type=133 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=3, n_bytes=258, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=fe80::f816:3eff:fe11:2233,icmp_type=135 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=1, n_bytes=86, priority=95,icmp6,reg5=0xb,in_port=11,icmp_type=136,nd_target=fe80::f816:3eff:fe11:2233 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=2001:db8:1:0:f816:3eff:fe11:2233,icmp_type=130 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=2001:db8:1:0:f816:3eff:fe11:2233,icmp_type=133 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=1, n_bytes=86, priority=95,icmp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=2001:db8:1:0:f816:3eff:fe11:2233,icmp_type=135 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=1, n_bytes=86, priority=95,icmp6,reg5=0xb,in_port=11,icmp_type=136,nd_target=2001:db8:1:0:f816:3eff:fe11:2233 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=4, n_bytes=168, priority=95,arp,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,arp_spa=10.1.1.21 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=95,arp,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,arp_spa=10.1.1.250 actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=2, n_bytes=684, priority=80,udp,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=1, n_bytes=342, priority=80,udp,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,nw_src=10.1.1.21,tp_src=68,tp_dst=67 actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=80,udp,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,nw_src=10.1.1.250,tp_src=68,tp_dst=67 actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=80,udp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=fe80::f816:3eff:fe11:2233,tp_src=546,tp_dst=547 actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=80,udp6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=2001:db8:1:0:f816:3eff:fe11:2233,tp_src=546,tp_dst=547 actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=70,udp,reg5=0xb,in_port=11,tp_src=67,tp_dst=68 actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=70,udp6,reg5=0xb,in_port=11,tp_src=547,tp_dst=546 actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=70,icmp6,reg5=0xb,in_port=11,icmp_type=134 actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=44, n_bytes=4102, priority=65,ip,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,nw_src=10.1.1.21 actions=ct(table=72,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=65,ip,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,nw_src=10.1.1.250 actions=ct(table=72,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=65,ipv6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=fe80::f816:3eff:fe11:2233 actions=ct(table=72,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=65,ipv6,reg5=0xb,in_port=11,dl_src=fa:16:3e:11:22:33,ipv6_src=2001:db8:1:0:f816:3eff:fe11:2233 actions=ct(table=72,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.399s, table=71, n_packets=0, n_bytes=0, priority=10,reg5=0xb,in_port=11 actions=ct_clear,resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=71, n_packets=0, n_bytes=0, priority=0 actions=drop
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=77,ct_state=+est-rel-rpl,ip,reg5=0xb actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=3, n_bytes=294, priority=77,ct_state=+new-est,ip,reg5=0xb actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=77,ct_state=+est-rel-rpl,ipv6,reg5=0xb actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=77,ct_state=+new-est,ipv6,reg5=0xb actions=resubmit(,73)
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=72, n_packets=0, n_bytes=0, priority=50,ct_state=+inv+trk actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=50,ct_mark=0x1,reg5=0xb actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=38, n_bytes=3608, priority=50,ct_state=+est-rel+rpl,ct_zone={VLAN},ct_mark=0,reg5=0xb actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=50,ct_state=-new-est+rel-inv,ct_zone={VLAN},ct_mark=0,reg5=0xb actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=-est,reg5=0xb actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=+est,ip,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=+est,ipv6,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=72, n_packets=0, n_bytes=0, priority=0 actions=drop
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=73, n_packets=0, n_bytes=0, priority=100,reg6={VLANHEX},dl_dst=fa:16:3e:11:22:33 actions=load:0xb->NXM_NX_REG5[],resubmit(,81)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=73, n_packets=3, n_bytes=294, priority=90,ct_state=+new-est,ip,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15]),resubmit(,91)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=73, n_packets=0, n_bytes=0, priority=90,ct_state=+new-est,ipv6,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15]),resubmit(,91)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=73, n_packets=5, n_bytes=1026, priority=80,reg5=0xb actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=73, n_packets=0, n_bytes=0, priority=0 actions=drop
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=4, n_bytes=168, priority=100,arp,reg5=0xb actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=0, n_bytes=0, priority=100,icmp6,reg5=0xb,icmp_type=130 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=0, n_bytes=0, priority=100,icmp6,reg5=0xb,icmp_type=134 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=1, n_bytes=86, priority=100,icmp6,reg5=0xb,icmp_type=135 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=1, n_bytes=86, priority=100,icmp6,reg5=0xb,icmp_type=136 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=1, n_bytes=342, priority=95,udp,reg5=0xb,tp_src=67,tp_dst=68 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=0, n_bytes=0, priority=95,udp6,reg5=0xb,tp_src=547,tp_dst=546 actions=output:11
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=35, n_bytes=3430, priority=90,ct_state=-trk,ip,reg5=0xb actions=ct(table=82,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=0, n_bytes=0, priority=90,ct_state=-trk,ipv6,reg5=0xb actions=ct(table=82,zone=NXM_NX_REG6[0..15])
 cookie=0x9d4e8bf1c6a20b31, duration=812.397s, table=81, n_packets=35, n_bytes=3430, priority=80,ct_state=+trk,reg5=0xb actions=resubmit(,82)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,ct_state=+new-est,ip,reg6={VLANHEX},nw_src=10.1.1.12 actions=conjunction(7,1/2)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,ct_state=+new-est,icmp,reg5=0xb actions=conjunction(7,2/2)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,conj_id=7,ct_state=+new-est,ip,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:11,resubmit(,92)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=35, n_bytes=3430, priority=50,ct_state=+est-rel+rpl,ct_zone={VLAN},ct_mark=0,reg5=0xb actions=output:11
`

// hybridIPv6 returns the table 0 and 24 flows the agent adds for a hybrid
// port (its ofport and MAC) with a second fixed IP 2001:db8:1::12 and two
// allowed address pairs: fe80::1 (a VRRP link-local address) and
// 10.1.1.250 on MAC fa:16:3e:aa:bb:cc. install_icmpv6_na_spoofing_protection
// allows the EUI-64 link-local address of both MACs as nd_target; neither
// is the port's.
func hybridIPv6(t *testing.T, ofport int, mac string) string {
	t.Helper()
	const c = " cookie=0x9d4e8bf1c6a20b31, duration=420.001s, "
	var b strings.Builder
	for _, l := range []string{
		"table=0, n_packets=2, n_bytes=172, priority=10,icmp6,in_port={PORT},icmp_type=136 actions=resubmit(,24)",
		"table=24, n_packets=1, n_bytes=86, priority=2,icmp6,in_port={PORT},icmp_type=136,nd_target=" + eui64(t, mac) + " actions=resubmit(,58)",
		"table=24, n_packets=0, n_bytes=0, priority=2,icmp6,in_port={PORT},icmp_type=136,nd_target=" + eui64(t, "fa:16:3e:aa:bb:cc") + " actions=resubmit(,58)",
		"table=24, n_packets=1, n_bytes=86, priority=2,icmp6,in_port={PORT},icmp_type=136,nd_target=2001:db8:1::12 actions=resubmit(,58)",
		"table=24, n_packets=0, n_bytes=0, priority=2,icmp6,in_port={PORT},icmp_type=136,nd_target=fe80::1 actions=resubmit(,58)",
		"table=24, n_packets=0, n_bytes=0, priority=2,arp,in_port={PORT},arp_spa=10.1.1.250 actions=resubmit(,25)",
		"table=25, n_packets=0, n_bytes=0, priority=2,in_port={PORT},dl_src=fa:16:3e:aa:bb:cc actions=resubmit(,30)",
	} {
		b.WriteString(c + strings.ReplaceAll(l, "{PORT}", strconv.Itoa(ofport)) + "\n")
	}
	return b.String()
}

// eui64 is the IPv6 link-local address made from a MAC (RFC 4291).
func eui64(t *testing.T, mac string) string {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		t.Fatalf("MAC %q: %v", mac, err)
	}
	a := [16]byte{0: 0xfe, 1: 0x80, 8: hw[0] ^ 0x02, 9: hw[1], 10: hw[2], 11: 0xff, 12: 0xfe, 13: hw[3], 14: hw[4], 15: hw[5]}
	return netip.AddrFrom16(a).String()
}

func addFlows(t *testing.T, b *topo.Bridge, dump string) {
	t.Helper()
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
}

// plugNativeFirewallPort adds the instance port of nativeFirewallPort to a
// compute node's br-int and kernel, in the network of the node's first
// instance port (its OVS port's other_config, as the agent writes it).
func plugNativeFirewallPort(t *testing.T, s *topo.Snapshot) string {
	const id, dev = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "tap7c1d2e3f-4a"
	var peer topo.NPort
	for _, p := range derive(s).Ports {
		if p.Role == topo.RoleInstance && p.Bridge == "br-int" && p.LocalVLAN > 0 {
			peer = p
			break
		}
	}
	if peer.ID == "" {
		t.Fatalf("%s: no instance port on br-int", s.Host)
	}
	br := s.OVS.Bridge("br-int")
	if br.Port(dev) != nil {
		t.Fatalf("%s already has a port %s", s.Host, dev)
	}
	other := maps.Clone(ovsPort(s, peer.OVSPort).OtherConfig)
	br.Ports = append(br.Ports, topo.Port{Name: dev, Tag: peer.LocalVLAN, OtherConfig: other,
		Interfaces: []topo.Interface{{Name: dev, OFPort: 11, LinkState: "up", AdminState: "up", MTU: 1450, ExternalIDs: map[string]string{
			"iface-id": id, "attached-mac": "fa:16:3e:11:22:33", "iface-status": "active", "vm-uuid": "3f0b7a52-9c1e-4d8a-b6f2-5e7d9c0a1b2c"}}}})
	s.Root().Links = append(s.Root().Links, topo.Link{Index: 91, Name: dev, Kind: "tuntap", OperState: "unknown", AdminUp: true, Carrier: true, MTU: 1450,
		MAC: "fe:16:3e:11:22:33", Master: "ovs-system", Addrs: []topo.Addr{{Prefix: "fe80::fc16:3eff:fe11:2233/64", Scope: "link"}}})
	addFlows(t, br, strings.NewReplacer("{VLANHEX}", fmt.Sprintf("%#x", peer.LocalVLAN), "{VLAN}", strconv.Itoa(peer.LocalVLAN)).Replace(nativeFirewallPort))
	return id
}

// The native firewall's DHCP flow (nw_src=0.0.0.0) and the link-local
// address it allows every port are no fixed IPs; the fixed IPs and the
// allowed address pair are, IPv4 first.
func TestNativeFirewallFixedIPs(t *testing.T) {
	s := fixturetest.Load(t, "cmp-ovsfw")
	id := plugNativeFirewallPort(t, s)
	n := derive(s)
	p := n.Port(id)
	if p == nil {
		t.Fatal("native-firewall port not derived")
	}
	if p.Firewall != topo.FirewallOVS {
		t.Errorf("firewall = %q, want %q", p.Firewall, topo.FirewallOVS)
	}
	want := []string{"10.1.1.21", "10.1.1.250", "2001:db8:1:0:f816:3eff:fe11:2233"}
	got := slices.Clone(p.FixedIPs)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("fixed IPs = %v, want %v (in any order)", p.FixedIPs, want)
	}
	if len(p.FixedIPs) > 0 && strings.Contains(p.FixedIPs[0], ":") {
		t.Errorf("fixed IPs = %v: an IPv4 address should come first", p.FixedIPs)
	}
}

// Table 24's neighbour-advertisement flows give a hybrid port its IPv6
// fixed IPs and user link-local pairs, not the EUI-64 link-local address
// the agent allows for each of its MACs.
func TestHybridNDTargets(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	target := progTarget(t, s)
	if len(target.FixedIPs) != 1 || strings.Contains(target.FixedIPs[0], ":") {
		t.Fatalf("port %s: recorded fixed IPs %v, want one IPv4 address", target.ID, target.FixedIPs)
	}
	addFlows(t, s.OVS.Bridge("br-int"), hybridIPv6(t, target.OFPort, target.MAC))
	n := derive(s)
	p := n.Port(target.ID)
	want := []string{target.FixedIPs[0], "10.1.1.250", "2001:db8:1::12", "fe80::1"}
	if !slices.Equal(p.FixedIPs, want) {
		t.Errorf("fixed IPs = %v, want %v", p.FixedIPs, want)
	}
}

// On the lab's compute nodes, each instance port has the one IPv4 fixed
// IP Neutron gave it, though the real agents' flows also name 0.0.0.0
// (DHCP) and the EUI-64 link-local address of its MAC.
func TestRecordedInstanceFixedIPs(t *testing.T) {
	for _, name := range []string{"cmp", "cmp-ovsfw"} {
		n := derive(fixturetest.Load(t, name))
		count := 0
		for _, p := range n.Ports {
			if p.Role != topo.RoleInstance {
				continue
			}
			count++
			if len(p.FixedIPs) != 1 {
				t.Errorf("%s port %s: fixed IPs %v, want one", name, p.ID, p.FixedIPs)
				continue
			}
			if a, err := netip.ParseAddr(p.FixedIPs[0]); err != nil || !a.Is4() || a.IsUnspecified() {
				t.Errorf("%s port %s: fixed IP %q, want an IPv4 address", name, p.ID, p.FixedIPs[0])
			}
		}
		if count == 0 {
			t.Errorf("%s: no instance port", name)
		}
	}
}

// On a compute node a network with only instance ports (no DHCP, router,
// ha-, sg- or fg- port: a DVR compute node has qr- and fg- ports of its
// routers' networks) takes its MTU from the instance ports' devices, and
// its CIDRs are marked unknown rather than left blank.
func TestComputeNetworkMTUAndCIDRs(t *testing.T) {
	n := derive(fixturetest.Load(t, "cmp"))
	roles := map[string]map[string]bool{}
	for _, p := range n.Ports {
		if roles[p.NetworkID] == nil {
			roles[p.NetworkID] = map[string]bool{}
		}
		roles[p.NetworkID][p.Role] = true
	}
	instanceOnly := 0
	for _, nw := range n.Networks {
		if len(roles[nw.ID]) != 1 || !roles[nw.ID][topo.RoleInstance] {
			continue
		}
		instanceOnly++
		if nw.MTU != 1450 {
			t.Errorf("network %s: MTU %d, want 1450 (every tap/qbr/qvb/qvo of its ports)", nw.ID, nw.MTU)
		}
		if len(nw.CIDRs) != 0 || !strings.Contains(nw.CIDRsUnknown, "no DHCP or router port") {
			t.Errorf("network %s: CIDRs %v, unknown %q; want none, unknown for want of a DHCP or router port", nw.ID, nw.CIDRs, nw.CIDRsUnknown)
		}
		if len(nw.Problems) != 0 {
			t.Errorf("network %s: problems %v", nw.ID, nw.Problems)
		}
	}
	if instanceOnly == 0 {
		t.Fatal("cmp has no network with only instance ports")
	}
	// On the network nodes every network has a DHCP or router port; an HA
	// network has only the routers' ha- ports.
	for _, name := range []string{"aio", "net", "net2"} {
		for _, nw := range derive(fixturetest.Load(t, name)).Networks {
			if len(nw.CIDRs) == 0 || nw.CIDRsUnknown != "" {
				t.Errorf("%s network %s: CIDRs %v, unknown %q; want CIDRs from its DHCP/router port", name, nw.ID, nw.CIDRs, nw.CIDRsUnknown)
			}
		}
	}
	// On a DVR compute node the external network has only the fip-
	// namespace's fg- port, which holds its subnet's prefix.
	n = derive(fixturetest.Load(t, "cmp-ovsfw"))
	fg := 0
	for _, p := range n.Ports {
		if p.Role != topo.RoleFIPGateway {
			continue
		}
		fg++
		pfx, err := netip.ParsePrefix(p.FixedIPs[0])
		if err != nil {
			t.Fatalf("fg- port %s: fixed IPs %v", p.ID, p.FixedIPs)
		}
		if nw := n.Network(p.NetworkID); !slices.Equal(nw.CIDRs, []string{pfx.Masked().String()}) || nw.CIDRsUnknown != "" {
			t.Errorf("cmp-ovsfw external network %s: CIDRs %v, unknown %q; want %s from %s", nw.ID, nw.CIDRs, nw.CIDRsUnknown, pfx.Masked(), p.OVSPort)
		}
	}
	if fg == 0 {
		t.Error("cmp-ovsfw: no fg- port")
	}
}

// setPortMTU sets the MTU of every kernel device of an instance port.
func setPortMTU(s *topo.Snapshot, suffix string, mtu int) {
	for _, pre := range []string{"tap", "qbr", "qvb", "qvo"} {
		if l := s.Root().Link(pre + suffix); l != nil {
			l.MTU = mtu
		}
	}
}

// When devices disagree the network says so. Without agent devices the
// smallest MTU is taken (what every port passes); with them, theirs (the
// agents follow MTU changes, os-vif devices keep the MTU of their plug).
func TestNetworkMTUDisagreement(t *testing.T) {
	t.Run("compute", func(t *testing.T) {
		s := fixturetest.Load(t, "cmp")
		// The lab's compute node has one instance per network: a second
		// one joins the first's, keeping the MTU its devices have.
		victim, other := twoInstancesOnOneNetwork(t, s)
		suffix := victim.ID[:11]
		setPortMTU(s, suffix, 1400)
		n := derive(s)
		nw := n.Network(victim.NetworkID)
		if nw.MTU != 1400 {
			t.Errorf("MTU %d, want 1400, the smallest", nw.MTU)
		}
		if len(nw.Problems) != 1 || !strings.Contains(nw.Problems[0], fmt.Sprintf("1400 (qbr%s, qvb%s, qvo%s, +1)", suffix, suffix, suffix)) ||
			!strings.Contains(nw.Problems[0], fmt.Sprintf("%d (qbr%s", other.Devices.QVO.MTU, other.ID[:11])) || !strings.Contains(nw.Problems[0], "instance ports") {
			t.Errorf("problems %q; want one naming both MTUs and their devices", nw.Problems)
		}
	})
	t.Run("with a DHCP port", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		var inst topo.NPort
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance && p.Devices.QVO != nil {
				inst = p
				break
			}
		}
		dhcpMTU := 0
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleDHCP && p.NetworkID == inst.NetworkID {
				dhcpMTU = p.Devices.Tap.MTU
			}
		}
		setPortMTU(s, inst.ID[:11], 1400)
		n := derive(s)
		nw := n.Network(inst.NetworkID)
		if dhcpMTU == 0 || nw.MTU != dhcpMTU {
			t.Fatalf("MTU %d, want the DHCP port's %d", nw.MTU, dhcpMTU)
		}
		found := false
		for _, p := range nw.Problems {
			found = found || strings.Contains(p, "1400 (") && strings.Contains(p, "DHCP/router ports")
		}
		if !found {
			t.Errorf("problems %q; want the MTUs named", nw.Problems)
		}
	})
}

// twoInstancesOnOneNetwork moves the second instance port of a node into
// the first one's network, re-tagging its OVS port with that network's
// local VLAN and net_uuid as the agent would have: the lab's compute nodes
// have one instance per network.
func twoInstancesOnOneNetwork(t *testing.T, s *topo.Snapshot) (victim, other topo.NPort) {
	t.Helper()
	var inst []topo.NPort
	for _, p := range derive(s).Ports {
		if p.Role == topo.RoleInstance && p.OVSPort != "" && p.Devices.QVO != nil {
			inst = append(inst, p)
		}
	}
	if len(inst) < 2 {
		t.Fatalf("%s: %d hybrid instance ports, want two", s.Host, len(inst))
	}
	victim, other = inst[0], inst[1]
	op := ovsPort(s, other.OVSPort)
	op.Tag = victim.LocalVLAN
	maps.Copy(op.OtherConfig, ovsPort(s, victim.OVSPort).OtherConfig)
	other = *port(derive(s), other.ID)
	if other.NetworkID != victim.NetworkID {
		t.Fatalf("%s: port %s not moved to network %s", s.Host, other.ID, victim.NetworkID)
	}
	return victim, other
}
