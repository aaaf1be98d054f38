package trace_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// nativeFirewall reprograms br-int as the Zed agent does with
// firewall_driver = openvswitch: no table 0/24/25 anti-spoofing, the
// firewall's base tables, per instance port its table 60 entry flow, a
// table 71 egress flow naming its address and a table 81 output flow,
// and per router or DHCP port the trusted port's entry flow (an excerpt
// of what the firewall installs, as ovs-ofctl prints it).
func nativeFirewall(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		return f.Table == 0 && (f.Priority == 9 || f.Priority == 10) || f.Table == 25 || f.Table == 24 && f.Priority > 0
	})
	const c = " cookie=0x9d4e8bf1c6a20b31, duration=901.117s, "
	dump := c + "table=71, n_packets=0, n_bytes=0, priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)\n"
	for _, table := range []int{71, 72, 73, 81, 82} {
		dump += fmt.Sprintf("%stable=%d, n_packets=0, n_bytes=0, priority=0 actions=drop\n", c, table)
	}
	for _, p := range s.Neutron.Ports {
		n, v := p.OFPort, p.LocalVLAN
		if p.Bridge != "br-int" || n <= 0 {
			continue
		}
		if p.Role != topo.RoleInstance || len(p.FixedIPs) == 0 {
			// Router and DHCP ports are trusted: process_trusted_ports
			// gives them the entry flow without filtering.
			dump += fmt.Sprintf("%stable=60, n_packets=9, n_bytes=810, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,73)\n", c, n, n, v) +
				fmt.Sprintf("%stable=73, n_packets=9, n_bytes=810, priority=80,reg5=%#x actions=resubmit(,94)\n", c, n)
			continue
		}
		dump += fmt.Sprintf("%stable=60, n_packets=57, n_bytes=5098, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,71)\n", c, n, n, v) +
			fmt.Sprintf("%stable=60, n_packets=41, n_bytes=3870, priority=90,dl_vlan=%d,dl_dst=%s actions=set_field:%#x->reg5,set_field:%#x->reg6,strip_vlan,resubmit(,81)\n", c, v, p.MAC, n, v) +
			fmt.Sprintf("%stable=71, n_packets=4, n_bytes=168, priority=95,arp,reg5=%#x,in_port=%d,dl_src=%s,arp_spa=%s actions=resubmit(,94)\n", c, n, n, p.MAC, p.FixedIPs[0]) +
			fmt.Sprintf("%stable=81, n_packets=4, n_bytes=168, priority=100,arp,reg5=%#x actions=output:%d\n", c, n, n)
	}
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
	rederive(s)
}

// unprogram is what was done on the real node: the OVS agent stopped,
// then `ovs-ofctl del-flows br-int in_port=N` and the port's reg5 and
// MAC flows deleted.
func unprogram(s *topo.Snapshot, p *topo.NPort) {
	s.OVS.Bridge("br-int").Controllers = []topo.Controller{{Target: "tcp:127.0.0.1:6633"}}
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		in, _ := f.MatchField("in_port")
		reg5, ok := f.MatchInt("reg5")
		src, _ := f.MatchField("dl_src")
		dst, _ := f.MatchField("dl_dst")
		return in == strconv.Itoa(p.OFPort) || ok && reg5 == p.OFPort || src == p.MAC || dst == p.MAC
	})
	rederive(s)
}

// A port plugged but not programmed by the agent (the OVS firewall's
// entry flow gone with the agent stopped) breaks the path at its hop on
// br-int: a definite break (exit 1), not an unknown.
func TestNotProgrammedPortBreaksTrace(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	nativeFirewall(t, s)
	f := fip(s)
	if r, _ := trace.Trace(s, f.FloatingIP, trace.Options{}); !r.Complete {
		t.Fatalf("the native-firewall node's path is not complete:\n%s", trace.Text(r, s.Host))
	}
	unprogram(s, s.Neutron.Port(f.PortID))
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt == nil || trace.ExitCode(r, nil) != 1 {
		t.Fatalf("not broken (exit %d):\n%s", trace.ExitCode(r, nil), trace.Text(r, s.Host))
	}
	p := s.Neutron.Port(f.PortID)
	h := r.Hops[*r.BrokenAt]
	if h.Kind != trace.KindQVO || h.Device != p.OVSPort || h.Problem != neutron.NotProgrammedProblem ||
		!strings.Contains(h.Found, fmt.Sprintf("table 60 priority 100 in_port=%d", p.OFPort)) || h.Expected == "" || h.Next == "" {
		t.Errorf("broken at %s %s: %q found %q expected %q next %q", h.Kind, h.Device, h.Problem, h.Found, h.Expected, h.Next)
	}
	// Inbound through a legacy router: NIC, br-ex, patch, br-int, qg-,
	// router, qr-, then the instance's qvo.
	want := fmt.Sprintf("path BROKEN at hop 8 (qvo %s): port plugged but not programmed by the OVS agent", p.OVSPort)
	if text := trace.Text(r, s.Host); !strings.Contains(text, want) {
		t.Errorf("text:\n%s\nwant %q", text, want)
	}
}

// progTarget is the port the tests unprogram: the node's first instance
// port on br-int with an ofport and a fixed IP (on a compute node the
// fixed IP is only in the flows the agent installs for it).
func progTarget(t *testing.T, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.Bridge == "br-int" && p.OFPort > 0 && len(p.FixedIPs) > 0 {
			return p
		}
	}
	t.Fatalf("%s: no instance port on br-int", s.Host)
	return topo.NPort{}
}

// On a compute node the flows were the only record of the port's fixed
// IP: the port traces by its id to the break, and its address is unknown
// (exit 3), not bad input. Both on the lab's node with the OVS firewall
// (cmp-ovsfw: the tap is on br-int) and on a hybrid-plugged node moved to
// it (cmp: the qvo stays).
func TestNotProgrammedComputePort(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		native  bool // reprogram br-int as the OVS firewall's
		kind    string
	}{{"cmp-ovsfw", false, trace.KindTap}, {"cmp", true, trace.KindQVO}} {
		s := fixturetest.Load(t, tc.fixture)
		if tc.native {
			nativeFirewall(t, s)
		}
		p := progTarget(t, s)
		id, ip := p.ID, p.FixedIPs[0]
		if r, err := trace.Trace(s, id, trace.Options{}); err != nil || !r.Complete {
			t.Fatalf("%s: trace %s before: %v", tc.fixture, id, err)
		}
		unprogram(s, &p)
		for _, in := range []string{id, id[:8], p.OVSPort} {
			r, err := trace.Trace(s, in, trace.Options{})
			if err != nil {
				t.Fatalf("%s: trace %s: %v", tc.fixture, in, err)
			}
			if r.BrokenAt == nil || trace.ExitCode(r, nil) != 1 || r.FixedIP != "" || r.PortID != id {
				t.Fatalf("%s: trace %s: exit %d\n%s", tc.fixture, in, trace.ExitCode(r, nil), trace.Text(r, s.Host))
			}
			if h := r.Hops[*r.BrokenAt]; h.Kind != tc.kind || h.Device != p.OVSPort || h.Problem != neutron.NotProgrammedProblem {
				t.Errorf("%s: trace %s: broken at %s %s: %q", tc.fixture, in, h.Kind, h.Device, h.Problem)
			}
			if text := trace.Text(r, s.Host); !strings.HasPrefix(text, "ostopo trace port "+in+" (fixed IP unknown) on "+s.Host) {
				t.Errorf("%s: text:\n%s", tc.fixture, text)
			}
		}
		_, err := trace.Trace(s, ip, trace.Options{})
		var ue *trace.UnreadError
		if !errors.As(err, &ue) || !errors.Is(err, trace.ErrUnread) || trace.ExitCode(nil, err) != 3 || !slices.Equal(ue.Ports, []string{id}) ||
			!strings.Contains(err.Error(), "the fixed IPs of port(s) "+id+" are unknown") {
			t.Errorf("%s: trace %s: %v (exit %d)", tc.fixture, ip, err, trace.ExitCode(nil, err))
		}
	}
}

// iptables_hybrid installs no anti-spoofing flows for a port without port
// security: their absence leaves the port's programming unknown (exit 3),
// never broken. Flows that were not read leave it unknown too.
func TestUnprogrammedHybridPortIsUnknown(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	p := progTarget(t, s)
	id := p.ID
	unprogram(s, &p)
	r, err := trace.Trace(s, id, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt != nil || !r.Unknown || trace.ExitCode(r, nil) != 3 {
		t.Fatalf("exit %d:\n%s", trace.ExitCode(r, nil), trace.Text(r, s.Host))
	}
	if h := r.Hops[*r.UnknownAt]; h.Kind != trace.KindQVO || !strings.HasPrefix(h.Unknown, neutron.ProgrammedUnknown) || !strings.Contains(h.Unknown, "port security disabled") {
		t.Errorf("unknown at %s: %q", h.Kind, h.Unknown)
	}

	notRead(s, "openflow/br-int", "ovs-ofctl: br-int is not a bridge or a socket")
	rederive(s)
	if _, err := trace.Trace(s, id, trace.Options{}); !errors.Is(err, trace.ErrUnread) || !strings.Contains(err.Error(), "openflow/br-int") {
		t.Errorf("flows not read: %v", err)
	}
}

// A port the agent never tagged is not programmed either.
func TestUntaggedPortBreaksTrace(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	p := progTarget(t, s)
	ovsPort(s, p.OVSPort).Tag = 0
	rederive(s)
	r, err := trace.Trace(s, p.FixedIPs[0], trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt == nil {
		t.Fatalf("not broken:\n%s", trace.Text(r, s.Host))
	}
	if h := r.Hops[*r.BrokenAt]; h.Kind != trace.KindQVO || h.Problem != neutron.NotProgrammedProblem || !strings.Contains(h.Found, "no local VLAN tag") {
		t.Errorf("broken at %s: %q found %q", h.Kind, h.Problem, h.Found)
	}
}
