package neutron_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// progTarget is the port the tests unprogram: the node's first instance
// port on br-int with an ofport and a fixed IP (on a compute node the
// fixed IP is only in the flows the agent installs for it).
func progTarget(t *testing.T, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range derive(s).Ports {
		if p.Role == topo.RoleInstance && p.Bridge == "br-int" && p.OFPort > 0 && len(p.FixedIPs) > 0 {
			return p
		}
	}
	t.Fatalf("%s: no instance port on br-int", s.Host)
	return topo.NPort{}
}

// asNativeFirewall reprograms br-int's flows as the Zed agent does with
// firewall_driver = openvswitch (a hybrid-plugged node moved to the OVS
// firewall: the qvo ports stay): no table 0/24/25 anti-spoofing (the
// firewall provides it), the firewall's base tables, and per port the
// table 60 entry flows, table 71 egress, 73 and 81/82 ingress, as
// ovs-ofctl dump-flows prints them.
func asNativeFirewall(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		return f.Table == 0 && (f.Priority == 9 || f.Priority == 10) || f.Table == 25 || f.Table == 24 && f.Priority > 0
	})
	const c = " cookie=0x9d4e8bf1c6a20b31, duration=901.117s, "
	var dump strings.Builder
	dump.WriteString("NXST_FLOW reply (xid=0x4):\n")
	for _, l := range []string{
		"table=71, n_packets=0, n_bytes=0, priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)",
		"table=71, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=72, n_packets=0, n_bytes=0, priority=50,ct_state=+inv+trk actions=resubmit(,93)",
		"table=72, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=73, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=81, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=82, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=91, n_packets=0, n_bytes=0, priority=1 actions=resubmit(,94)",
		"table=92, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=93, n_packets=0, n_bytes=0, priority=0 actions=drop",
		"table=94, n_packets=0, n_bytes=0, priority=1 actions=NORMAL",
	} {
		dump.WriteString(c + l + "\n")
	}
	for _, p := range s.Neutron.Ports {
		if p.Bridge != "br-int" || p.OFPort <= 0 {
			continue
		}
		if p.Role != topo.RoleInstance || len(p.FixedIPs) == 0 {
			// Router and DHCP ports are trusted: process_trusted_ports
			// gives them the entry flow without filtering.
			dump.WriteString(c + fmt.Sprintf("table=60, n_packets=9, n_bytes=810, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,73)\n", p.OFPort, p.OFPort, p.LocalVLAN))
			dump.WriteString(c + fmt.Sprintf("table=73, n_packets=9, n_bytes=810, priority=80,reg5=%#x actions=resubmit(,94)\n", p.OFPort))
			continue
		}
		n, v, mac, ip := p.OFPort, p.LocalVLAN, p.MAC, p.FixedIPs[0]
		for _, l := range []string{
			fmt.Sprintf("table=60, n_packets=57, n_bytes=5098, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,71)", n, n, v),
			fmt.Sprintf("table=60, n_packets=41, n_bytes=3870, priority=90,dl_vlan=%d,dl_dst=%s actions=set_field:%#x->reg5,set_field:%#x->reg6,strip_vlan,resubmit(,81)", v, mac, n, v),
			fmt.Sprintf("table=71, n_packets=4, n_bytes=168, priority=95,arp,reg5=%#x,in_port=%d,dl_src=%s,arp_spa=%s actions=resubmit(,94)", n, n, mac, ip),
			fmt.Sprintf("table=71, n_packets=44, n_bytes=4102, priority=65,ip,reg5=%#x,in_port=%d,dl_src=%s,nw_src=%s actions=ct(table=72,zone=NXM_NX_REG6[0..15])", n, n, mac, ip),
			fmt.Sprintf("table=71, n_packets=0, n_bytes=0, priority=10,reg5=%#x,in_port=%d actions=ct_clear,resubmit(,93)", n, n),
			fmt.Sprintf("table=73, n_packets=0, n_bytes=0, priority=100,reg6=%#x,dl_dst=%s actions=set_field:%#x->reg5,resubmit(,81)", v, mac, n),
			fmt.Sprintf("table=73, n_packets=5, n_bytes=1026, priority=80,reg5=%#x actions=resubmit(,94)", n),
			fmt.Sprintf("table=81, n_packets=4, n_bytes=168, priority=100,arp,reg5=%#x actions=output:%d", n, n),
			fmt.Sprintf("table=81, n_packets=35, n_bytes=3430, priority=90,ct_state=-trk,ip,reg5=%#x actions=ct(table=82,zone=NXM_NX_REG6[0..15])", n),
			fmt.Sprintf("table=82, n_packets=35, n_bytes=3430, priority=50,ct_state=+est-rel+rpl,ct_zone=%d,ct_mark=0,reg5=%#x actions=output:%d", v, n, n),
		} {
			dump.WriteString(c + l + "\n")
		}
	}
	fs, err := ovs.ParseDumpFlows(dump.String())
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
}

// delFlows removes br-int's flows as `ovs-ofctl del-flows br-int <match>`
// does for one field=value ("in_port=9", "reg5=0x9", "dl_src=…").
func delFlows(s *topo.Snapshot, field, value string) {
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		v, ok := f.MatchField(field)
		if !ok {
			return false
		}
		if field == "reg5" || field == "in_port" {
			a, err1 := strconv.ParseInt(v, 0, 32)
			w, err2 := strconv.ParseInt(value, 0, 32)
			return err1 == nil && err2 == nil && a == w
		}
		return v == value
	})
}

// stopAgentAndDeletePortFlows is what was done on the real node: the agent
// stopped, then every flow naming the port deleted by hand.
func stopAgentAndDeletePortFlows(s *topo.Snapshot, p topo.NPort) {
	s.OVS.Bridge("br-int").Controllers = []topo.Controller{{Target: "tcp:127.0.0.1:6633", IsConnected: false}}
	delFlows(s, "in_port", strconv.Itoa(p.OFPort))
	delFlows(s, "reg5", strconv.Itoa(p.OFPort))
	delFlows(s, "dl_src", p.MAC)
	delFlows(s, "dl_dst", p.MAC)
}

func TestHealthyNodesAreProgrammed(t *testing.T) {
	for _, name := range fixtures.Names() {
		t.Run(name, func(t *testing.T) {
			n := derive(fixturetest.Load(t, name))
			for i := range n.Ports {
				p := &n.Ports[i]
				if p.Dead {
					continue
				}
				if p.NotProgrammed != "" || neutron.PortProgrammedUnknown(p) != "" {
					t.Errorf("port %s: not programmed %q, unknown %q", p.ID, p.NotProgrammed, neutron.PortProgrammedUnknown(p))
				}
			}
		})
	}
	for _, name := range []string{"cmp", "aio"} {
		s := fixturetest.Load(t, name)
		asNativeFirewall(t, s)
		n := derive(s)
		for _, p := range n.Ports {
			if p.NotProgrammed != "" || len(p.Unknown) > 0 || p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 {
				t.Errorf("%s with the OVS firewall, port %s: not programmed %q, unknown %v, fixed IPs %v", name, p.ID, p.NotProgrammed, p.Unknown, p.FixedIPs)
			}
		}
	}
}

// With the OVS firewall every port the agent handles has its table 60
// entry flow: a port plugged with none is not programmed, and its fixed
// IP, which only its flows recorded, is unknown. Both on the lab's node
// with firewall_driver = openvswitch (cmp-ovsfw: the tap on br-int) and on
// a hybrid-plugged node moved to the OVS firewall (cmp: the qvo stays).
func TestNotProgrammedNativeFirewall(t *testing.T) {
	for _, tc := range []struct {
		name, fixture string
		native        bool // reprogram br-int as the OVS firewall's
	}{
		{"recorded OVS firewall", "cmp-ovsfw", false},
		{"hybrid node moved to the OVS firewall", "cmp", true},
	} {
		load := func(t *testing.T) *topo.Snapshot {
			s := fixturetest.Load(t, tc.fixture)
			if tc.native {
				asNativeFirewall(t, s)
			}
			return s
		}
		t.Run(tc.name, func(t *testing.T) {
			s := load(t)
			target := progTarget(t, s)
			stopAgentAndDeletePortFlows(s, target)
			n := derive(s)
			p := n.Port(target.ID)
			if !strings.Contains(p.NotProgrammed, fmt.Sprintf("no br-int table 60 priority 100 in_port=%d flow", target.OFPort)) || strings.Contains(p.NotProgrammed, "other flow") {
				t.Errorf("not programmed = %q", p.NotProgrammed)
			}
			if !tc.native && p.Firewall != topo.FirewallOVS {
				// The tap on br-int: the node's driver says whose it is.
				t.Errorf("firewall %q, want %q", p.Firewall, topo.FirewallOVS)
			}
			if !slices.ContainsFunc(p.Problems, func(s string) bool { return strings.HasPrefix(s, neutron.NotProgrammedProblem+": ") }) {
				t.Errorf("problems = %q", p.Problems)
			}
			if len(p.FixedIPs) != 0 || !slices.ContainsFunc(p.Unknown, func(s string) bool { return strings.HasPrefix(s, "fixed IPs: unknown") }) {
				t.Errorf("fixed IPs %v, unknown %q: want none and unknown", p.FixedIPs, p.Unknown)
			}
			if got := neutron.NotProgrammed(&n); len(got) != 1 || got[0].ID != target.ID {
				t.Errorf("NotProgrammed = %v", got)
			}
			// Only its in_port flows deleted: what is left is reported.
			s = load(t)
			delFlows(s, "in_port", strconv.Itoa(target.OFPort))
			p = port(derive(s), target.ID)
			if !strings.Contains(p.NotProgrammed, fmt.Sprintf("other flow(s) still name ofport %d", target.OFPort)) {
				t.Errorf("partly deleted: not programmed = %q", p.NotProgrammed)
			}
		})
	}
	// A tap added to the moved node's br-int without its entry flow is
	// still the OVS firewall's.
	s := fixturetest.Load(t, "cmp")
	asNativeFirewall(t, s)
	on := progTarget(t, s) // a port of the network the tap joins
	tag := strconv.Itoa(on.LocalVLAN)
	br := s.OVS.Bridge("br-int")
	br.Ports = append(br.Ports, topo.Port{Name: "tap7c1d2e3f-4a", Tag: on.LocalVLAN, OtherConfig: map[string]string{"net_uuid": on.NetworkID, "tag": tag},
		Interfaces: []topo.Interface{{Name: "tap7c1d2e3f-4a", OFPort: 91, ExternalIDs: map[string]string{
			"iface-id": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "attached-mac": "fa:16:3e:11:22:33", "vm-uuid": "3f0b7a52-9c1e-4d8a-b6f2-5e7d9c0a1b2c"}}}})
	s.Root().Links = append(s.Root().Links, topo.Link{Index: 91, Name: "tap7c1d2e3f-4a", Kind: "tuntap", OperState: "unknown", AdminUp: true, Carrier: true, MTU: 1450, MAC: "fe:16:3e:11:22:33", Master: "ovs-system"})
	p := port(derive(s), "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
	if p.NetworkID != on.NetworkID || p.Firewall != topo.FirewallOVS || !strings.Contains(p.NotProgrammed, "in_port=91") {
		t.Errorf("tap without its entry flow: network %s, firewall %q, not programmed %q", p.NetworkID, p.Firewall, p.NotProgrammed)
	}
}

// iptables_hybrid gives a port with port security its anti-spoofing flows
// and a port without none: their absence does not tell which, so whether
// the port is programmed is unknown (never a problem), and so is its
// fixed IP.
func TestNotProgrammedHybridIsUnknown(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	target := progTarget(t, s)
	stopAgentAndDeletePortFlows(s, target)
	p := port(derive(s), target.ID)
	if p.NotProgrammed != "" || slices.ContainsFunc(p.Problems, func(s string) bool { return strings.Contains(s, "not programmed") }) {
		t.Errorf("hybrid port without flows reported not programmed: %q %q", p.NotProgrammed, p.Problems)
	}
	u := neutron.PortProgrammedUnknown(p)
	if !strings.Contains(u, fmt.Sprintf("table 0/24/25 in_port=%d", target.OFPort)) || !strings.Contains(u, "port security disabled") {
		t.Errorf("programmed unknown = %q", u)
	}
	if len(p.FixedIPs) != 0 || !slices.ContainsFunc(p.Unknown, func(s string) bool { return strings.HasPrefix(s, "fixed IPs: unknown") }) {
		t.Errorf("fixed IPs %v, unknown %q", p.FixedIPs, p.Unknown)
	}
}

// A port the agent never tagged, and every port of a br-int without any
// flow, are not programmed; flows that were not read say nothing.
func TestNotProgrammedUntaggedBareAndUnread(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	target := progTarget(t, s)
	ovsPort(s, target.OVSPort).Tag = 0
	if p := port(derive(s), target.ID); !strings.Contains(p.NotProgrammed, "no local VLAN tag on "+target.OVSPort) {
		t.Errorf("untagged: not programmed = %q", p.NotProgrammed)
	}

	for _, name := range []string{"cmp", "cmp-ovsfw"} {
		s = fixturetest.Load(t, name)
		plugged := 0 // br-int's ports plugged for Neutron (an iface-id)
		for _, op := range s.OVS.Bridge("br-int").Ports {
			if len(op.Interfaces) > 0 && op.Interfaces[0].ExternalIDs["iface-id"] != "" {
				plugged++
			}
		}
		s.OVS.Bridge("br-int").Flows = []topo.Flow{}
		n := derive(s)
		if got := len(neutron.NotProgrammed(&n)); got != plugged || got == 0 {
			t.Errorf("%s: bare br-int: %d ports not programmed, want all %d", name, got, plugged)
		}
	}

	for _, tc := range []struct {
		fixture string
		native  bool
	}{{"cmp", false}, {"cmp", true}, {"cmp-ovsfw", false}} {
		s = fixturetest.Load(t, tc.fixture)
		if tc.native {
			asNativeFirewall(t, s)
		}
		target := progTarget(t, s)
		stopAgentAndDeletePortFlows(s, target)
		src := s.Source("openflow/br-int")
		src.OK, src.Error = false, "ovs-ofctl: br-int is not a bridge or a socket"
		p := port(derive(s), target.ID)
		if p.NotProgrammed != "" || neutron.PortProgrammedUnknown(p) != "" {
			t.Errorf("%s, flows not read (moved to the OVS firewall %v): not programmed %q, unknown %q", tc.fixture, tc.native, p.NotProgrammed, neutron.PortProgrammedUnknown(p))
		}
	}
}

func port(n topo.Neutron, id string) *topo.NPort {
	if p := n.Port(id); p != nil {
		return p
	}
	panic("no port " + id)
}
