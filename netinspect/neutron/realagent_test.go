package neutron_test

import (
	"slices"
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
// them: the agent's set_field:11->reg5 reads load:0xb->NXM_NX_REG5[]. The lab that recorded the fixtures
// imitates the agents and programs only the IPv4 anti-spoofing flows; a
// node built by the real agents also has these.

// nativeFirewallPort: tap7c1d2e3f-4a, ofport 11, local VLAN 2 (network
// 19e1f7a0 of the cmp fixture, vxlan 1002), MAC fa:16:3e:11:22:33, fixed
// IPs 10.1.1.21 and the SLAAC address 2001:db8:1:0:f816:3eff:fe11:2233,
// allowed address pair 10.1.1.250 (a VIP on the port's MAC), security
// group allowing all egress and ICMP in from a remote group member
// 10.1.1.12. The firewall adds the MAC's link-local address
// fe80::f816:3eff:fe11:2233 to the port's IPv6 pairs (OFPort.update) and
// 0.0.0.0 to its DHCP sources; neither is a Neutron address.
const nativeFirewallPort = `NXST_FLOW reply (xid=0x4):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=11 actions=load:0xb->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=41, n_bytes=3870, priority=90,dl_vlan=2,dl_dst=fa:16:3e:11:22:33 actions=load:0xb->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],strip_vlan,resubmit(,81)
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
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=38, n_bytes=3608, priority=50,ct_state=+est-rel+rpl,ct_zone=2,ct_mark=0,reg5=0xb actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=50,ct_state=-new-est+rel-inv,ct_zone=2,ct_mark=0,reg5=0xb actions=resubmit(,94)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=-est,reg5=0xb actions=resubmit(,93)
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=+est,ip,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=72, n_packets=0, n_bytes=0, priority=40,ct_state=+est,ipv6,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))
 cookie=0x9d4e8bf1c6a20b31, duration=901.117s, table=72, n_packets=0, n_bytes=0, priority=0 actions=drop
 cookie=0x9d4e8bf1c6a20b31, duration=812.398s, table=73, n_packets=0, n_bytes=0, priority=100,reg6=0x2,dl_dst=fa:16:3e:11:22:33 actions=load:0xb->NXM_NX_REG5[],resubmit(,81)
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
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,ct_state=+new-est,ip,reg6=0x2,nw_src=10.1.1.12 actions=conjunction(7,1/2)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,ct_state=+new-est,icmp,reg5=0xb actions=conjunction(7,2/2)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=0, n_bytes=0, priority=71,conj_id=7,ct_state=+new-est,ip,reg5=0xb actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:11,resubmit(,92)
 cookie=0x9d4e8bf1c6a20b31, duration=812.396s, table=82, n_packets=35, n_bytes=3430, priority=50,ct_state=+est-rel+rpl,ct_zone=2,ct_mark=0,reg5=0xb actions=output:11
`

// hybridIPv6 are the table 0 and 24 flows the agent adds for
// qvo1735a01a-ac (ofport 9, MAC fa:16:3e:3a:14:1e) of the cmp fixture with
// a second fixed IP 2001:db8:1::12 and two allowed address pairs: fe80::1
// (a VRRP link-local address) and 10.1.1.250 on MAC fa:16:3e:aa:bb:cc.
// install_icmpv6_na_spoofing_protection allows the EUI-64 link-local
// address of both MACs as nd_target; neither is the port's.
const hybridIPv6 = ` cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=0, n_packets=2, n_bytes=172, priority=10,icmp6,in_port=9,icmp_type=136 actions=resubmit(,24)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=24, n_packets=1, n_bytes=86, priority=2,icmp6,in_port=9,icmp_type=136,nd_target=fe80::f816:3eff:fe3a:141e actions=resubmit(,58)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=24, n_packets=0, n_bytes=0, priority=2,icmp6,in_port=9,icmp_type=136,nd_target=fe80::f816:3eff:feaa:bbcc actions=resubmit(,58)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=24, n_packets=1, n_bytes=86, priority=2,icmp6,in_port=9,icmp_type=136,nd_target=2001:db8:1::12 actions=resubmit(,58)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=24, n_packets=0, n_bytes=0, priority=2,icmp6,in_port=9,icmp_type=136,nd_target=fe80::1 actions=resubmit(,58)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=24, n_packets=0, n_bytes=0, priority=2,arp,in_port=9,arp_spa=10.1.1.250 actions=resubmit(,25)
 cookie=0x9d4e8bf1c6a20b31, duration=420.001s, table=25, n_packets=0, n_bytes=0, priority=2,in_port=9,dl_src=fa:16:3e:aa:bb:cc actions=resubmit(,30)
`

func addFlows(t *testing.T, b *topo.Bridge, dump string) {
	t.Helper()
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
}

// plugNativeFirewallPort adds the instance port of nativeFirewallPort to a
// compute node's br-int and kernel.
func plugNativeFirewallPort(t *testing.T, s *topo.Snapshot) string {
	const id, dev = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "tap7c1d2e3f-4a"
	br := s.OVS.Bridge("br-int")
	br.Ports = append(br.Ports, topo.Port{Name: dev, Tag: 2,
		OtherConfig: map[string]string{"net_uuid": "19e1f7a0-4bee-473d-a2d3-9e35b6b62e9f", "network_type": "vxlan", "physical_network": "None", "segmentation_id": "1002", "tag": "2"},
		Interfaces: []topo.Interface{{Name: dev, OFPort: 11, LinkState: "up", AdminState: "up", MTU: 1450, ExternalIDs: map[string]string{
			"iface-id": id, "attached-mac": "fa:16:3e:11:22:33", "iface-status": "active", "vm-uuid": "3f0b7a52-9c1e-4d8a-b6f2-5e7d9c0a1b2c"}}}})
	s.Root().Links = append(s.Root().Links, topo.Link{Index: 91, Name: dev, Kind: "tuntap", OperState: "unknown", AdminUp: true, Carrier: true, MTU: 1450,
		MAC: "fe:16:3e:11:22:33", Master: "ovs-system", Addrs: []topo.Addr{{Prefix: "fe80::fc16:3eff:fe11:2233/64", Scope: "link"}}})
	addFlows(t, br, nativeFirewallPort)
	return id
}

// The native firewall's DHCP flow (nw_src=0.0.0.0) and the link-local
// address it allows every port are no fixed IPs; the fixed IPs and the
// allowed address pair are, IPv4 first.
func TestNativeFirewallFixedIPs(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
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
	addFlows(t, s.OVS.Bridge("br-int"), hybridIPv6)
	n := derive(s)
	p := n.Port("1735a01a-aca4-4989-a2e6-a50edba6d4b1")
	want := []string{"10.1.1.12", "10.1.1.250", "2001:db8:1::12", "fe80::1"}
	if !slices.Equal(p.FixedIPs, want) {
		t.Errorf("fixed IPs = %v, want %v", p.FixedIPs, want)
	}
}

// A compute node has no DHCP or router port: a network's MTU comes from
// the instance ports' devices, and its CIDRs are marked unknown rather
// than left blank.
func TestComputeNetworkMTUAndCIDRs(t *testing.T) {
	n := derive(fixturetest.Load(t, "cmp"))
	if len(n.Networks) == 0 {
		t.Fatal("no network")
	}
	for _, nw := range n.Networks {
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
	for _, name := range []string{"aio", "net"} {
		for _, nw := range derive(fixturetest.Load(t, name)).Networks {
			if len(nw.CIDRs) == 0 || nw.CIDRsUnknown != "" {
				t.Errorf("%s network %s: CIDRs %v, unknown %q; want CIDRs from its DHCP/router port", name, nw.ID, nw.CIDRs, nw.CIDRsUnknown)
			}
		}
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
		setPortMTU(s, "1735a01a-ac", 1400)
		n := derive(s)
		nw := n.Network("19e1f7a0-4bee-473d-a2d3-9e35b6b62e9f")
		if nw.MTU != 1400 {
			t.Errorf("MTU %d, want 1400, the smallest", nw.MTU)
		}
		if len(nw.Problems) != 1 || !strings.Contains(nw.Problems[0], "1400 (qbr1735a01a-ac, qvb1735a01a-ac, qvo1735a01a-ac, +1)") ||
			!strings.Contains(nw.Problems[0], "1450 (") || !strings.Contains(nw.Problems[0], "instance ports") {
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
